"""Run a DAG file once with ``dag.test()`` the way a test needs it on Airflow 3.2 and 3.3."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from airflow.models.dagrun import DagRun


def run_dag(
    dag_file: str | os.PathLike[str],
    dag_id: str,
    conf: dict[str, Any] | None = None,
    logical_date: datetime | None = None,
) -> DagRun:
    """
    Parse ``dag_file`` (a file or a folder), record its DAGs in the metadata database as the DAG
    processor would, and run ``dag_id`` once in-process with ``dag.test()``; return the run.

    Airflow 3.3's ``dag.test()`` refuses a DAG the database has not seen; this does the DAG
    processor's part first. The metadata database is created when it does not exist yet.

    :param conf: the run's ``conf`` (what ``Params`` read).
    :param logical_date: the run's logical date (a scheduled DAG's data interval follows from
        it); default now.
    :raises ValueError: the file has import errors, or holds no DAG ``dag_id``.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.utils import db
    from airflow.utils.session import create_session

    _reuse_in_process_api()
    with create_session() as session:
        if db._get_current_revision(session) is None:
            db.initdb()
    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=os.fspath(dag_file))
    if bag.import_errors:
        errors = "; ".join(f"{path}: {error}" for path, error in bag.import_errors.items())
        raise ValueError(f"dag_file={os.fspath(dag_file)!r} has import errors: {errors}")
    if dag_id not in bag.dags:
        raise ValueError(f"dag_id={dag_id!r} is not in {os.fspath(dag_file)!r}: it holds {sorted(bag.dags)}")
    sync_bag_to_db(bag, "dags-folder", None)
    if logical_date is None:
        return bag.dags[dag_id].test(run_conf=conf)
    return bag.dags[dag_id].test(run_conf=conf, logical_date=logical_date)


def _reuse_in_process_api() -> None:
    """
    Build ``dag.test()``'s in-process Execution API once per process, as Airflow 3.3 does.

    Airflow 3.2 builds a new one for every task it runs, and building it (Cadwyn's versioned
    routers) costs about 2 s, which made a DAG test on 3.2 ten times slower than on 3.3. 3.3 wraps
    ``in_process_api_server`` in ``functools.lru_cache``; this does the same on 3.2.
    """
    import functools

    from airflow.sdk.execution_time import supervisor

    if not hasattr(supervisor.in_process_api_server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)
