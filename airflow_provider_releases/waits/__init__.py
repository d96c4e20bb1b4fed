"""
Waiting for a release state: the one evaluation path of the sensors and their triggers.

:mod:`~airflow_provider_releases.waits.outcome` holds what a check returns (an
:class:`~airflow_provider_releases.waits.outcome.Outcome`) and how a trigger event carries it;
one module per vendor (:mod:`.launchdarkly`, :mod:`.aha`, :mod:`.cryptlex`) reads the vendor
once through a hook and judges the answer with that vendor's rule book
(:mod:`airflow_provider_releases.rules`). A sensor's ``poke`` and a trigger's ``run`` both call
these functions, so both modes reach the same result, or the same error.
"""
