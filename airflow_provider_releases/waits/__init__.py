"""
Waiting for a release state: the one evaluation path of the sensors and their triggers.

:mod:`~airflow_provider_releases.waits.base` defines a wait (its identity, its read, its judge);
:mod:`~airflow_provider_releases.waits.outcome` what a check returns and how a trigger event
carries it; one module per vendor (:mod:`.launchdarkly`, :mod:`.aha`, :mod:`.cryptlex`) declares
the vendor's waits, judged by its rule book (:mod:`airflow_provider_releases.rules`).
"""
