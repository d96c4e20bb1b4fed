"""Triggers that wait for release states in Airflow's triggerer, for the deferrable sensors."""
