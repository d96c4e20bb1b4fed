"""Operator extra links: buttons in the Airflow UI that open the object a task created or changed."""
