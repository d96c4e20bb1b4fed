"""
### Scheduled release train

Every Monday at 09:00 UTC the train ships what is on main: it names the release after the ISO
week that just ended (version `YEAR.WEEK.0`, title `Release train YEAR-Wnn`) and runs the same
chain as `release_workflow`: Aha! and Cryptlex releases, the LaunchDarkly flag through its
release pipeline (waiting in the triggerer for the chosen phase), the Amplitude annotation,
then ship and publish. One train at a time, and no back-filling of missed weeks.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, task

from airflow_provider_releases.workflows import (
    SANDBOX_TARGETS,
    check_plan,
    release_chain,
    retry_default_args,
    target_params,
)


# [START release_train_dag]
@dag(
    dag_id="scheduled_release_train",
    # a run covers the week before its Monday 09:00: the data interval names the release
    schedule=CronDataIntervalTimetable("0 9 * * MON", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 5, 9, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    max_active_runs=1,
    tags=["releases", "example"],
    doc_md=__doc__,
    params=target_params(SANDBOX_TARGETS),
)
def scheduled_release_train() -> None:
    @task(multiple_outputs=True)
    def plan_release(
        params: dict,
        data_interval_start=None,
        data_interval_end=None,
    ) -> dict:
        """Name the release after the ISO week the data interval covers."""
        end = pendulum.instance(data_interval_end)
        start = pendulum.instance(data_interval_start)
        year, week, _ = start.isocalendar()
        return check_plan(
            {
                **params,
                "version": f"{year}.{week}.0",
                "title": f"Release train {year}-W{week:02d}",
                "release_date": end.to_date_string(),
                "release_start": end.in_timezone("UTC").to_iso8601_string(),
            }
        )

    # A new version each week on one flag: restart its release (phases start over).
    release_chain(plan_release(), existing_release="restart")
    # [END release_train_dag]


scheduled_release_train()
