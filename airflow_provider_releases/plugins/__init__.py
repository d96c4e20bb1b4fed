"""The provider's Airflow plugins: the Releases page (:mod:`.releases_page`)."""
