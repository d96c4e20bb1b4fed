"""Benchmarks of the provider's costs against their baselines; run them with ``bash benchmarks/run.sh``."""
