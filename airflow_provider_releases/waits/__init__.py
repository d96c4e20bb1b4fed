"""
Waiting for a release state: the one evaluation path of the sensors and their triggers.

:mod:`~airflow_provider_releases.waits.outcome` holds what a check returns (an
:class:`~airflow_provider_releases.waits.outcome.Outcome`) and how a trigger event carries it;
one module per vendor (:mod:`.launchdarkly`, :mod:`.aha`, :mod:`.cryptlex`) holds a pure judge
of the vendor's answer (no I/O, by that vendor's rule book, :mod:`airflow_provider_releases.rules`),
a sync check (one blocking read, for a sensor's ``poke``) and an async check (one read on the
event loop, for a trigger). Both checks hand the answer to the same judge and a failed read to
the same :func:`~airflow_provider_releases.waits.outcome.read_failure`, so both modes reach the
same result, or the same error.
"""
