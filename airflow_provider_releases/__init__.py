"""Apache Airflow provider that drives software releases: Amplitude, LaunchDarkly, Aha! and Cryptlex."""

__version__ = "0.2.0"
