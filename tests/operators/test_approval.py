"""
The release approval gate, run in real DAG runs (``dag.test()``) against the sandbox.

A person's answer is given the way Airflow's REST API gives it: the ``PATCH .../hitlDetails``
route's own function, called from another thread while the run waits in ``awaiting_input``.
The request's subject and body are read from the metadata database, where the task wrote them.
That needs Airflow 3.3: on 3.2 the task defers to ``HITLTrigger``, and ``dag.test()`` runs
triggers in-process under a supervisor that cannot read a HITL response (the trigger fails).
There, the answer is given to ``execute_complete`` directly, on the gate of a real release
chain, with a task instance serving the XComs a run would hold.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow.providers.standard.version_compat import AIRFLOW_V_3_3_PLUS

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.operators.approval import ReleaseApprovalOperator
from airflow_provider_releases.operators.release_steps import APPROVAL_STEP
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests.helpers.runs import run_task_with

DAG_ID = "approval_chain"
DAG_SOURCE = f'''
import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_releases.workflows import SANDBOX_TARGETS, check_plan, release_chain

with DAG(
    "{DAG_ID}",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={{"require_approval": Param(True, type="boolean")}},
):

    @task(multiple_outputs=True)
    def plan_release():
        return check_plan(
            {{"version": "2.0.0", "title": "Release 2.0.0", "release_date": "2026-12-01", **SANDBOX_TARGETS}}
        )

    release_chain(plan_release(), poke_interval=0.2, require_approval="{{{{ params.require_approval }}}}")
'''
LATER = ("annotate_amplitude", "ship_aha_release", "publish_cryptlex_release")
BEFORE = ("create_aha_release", "create_cryptlex_release", "attach_flag_to_pipeline", "start_first_phase")
RESPONDER = "release-manager"
answered_by_a_person = pytest.mark.skipif(
    not AIRFLOW_V_3_3_PLUS, reason="dag.test() on Airflow 3.2 cannot resume a HITL task (see the module doc)"
)


@pytest.fixture
def dag_file(tmp_path: Path, release_sandbox: Sandbox) -> Path:
    """The release chain with its approval gate on a DAG param; phases complete after two reads."""
    release_sandbox.auto_advance(reads=2)
    path = tmp_path / f"{DAG_ID}.py"
    path.write_text(DAG_SOURCE)
    return path


class Approver:
    """A release manager who answers the approval request once the run asks, from another thread."""

    def __init__(self, option: str) -> None:
        # imported, and the ORM configured, here: in two threads at once they deadlock
        import airflow.api_fastapi.core_api.routes.public.hitl
        import airflow.models.hitl  # noqa: F401
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
        self.option = option
        self.request: dict[str, Any] = {}
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            run_id = self._wait_for_the_request()
            self._answer(run_id)
        except BaseException as exc:  # reported by finish()
            self.error = exc
            self._end_the_wait()

    def _wait_for_the_request(self) -> str:
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select
        from sqlalchemy.exc import OperationalError

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with create_session() as session:
                    found = session.execute(
                        select(TaskInstance.run_id, TaskInstance.state, HITLDetail.subject, HITLDetail.body)
                        .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                        .where(
                            TaskInstance.dag_id == DAG_ID,
                            TaskInstance.task_id == APPROVAL_STEP,
                            TaskInstance.state.in_(("awaiting_input", "deferred")),
                        )
                    ).first()
            except OperationalError:  # the metadata database is still being created
                found = None
            if found is not None:
                self.request = {"subject": found.subject, "body": found.body}
                return found.run_id
            time.sleep(0.1)
        raise AssertionError(f"{APPROVAL_STEP} never asked for approval")

    def _answer(self, run_id: str) -> None:
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
        from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
        from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
        from airflow.utils.session import create_session

        with create_session() as session:
            update_hitl_detail(
                dag_id=DAG_ID,
                dag_run_id=run_id,
                task_id=APPROVAL_STEP,
                update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[self.option]),
                user=SimpleAuthManagerUser(username=RESPONDER, role="admin"),
                session=session,
            )

    @staticmethod
    def _end_the_wait() -> None:
        """Fail the approval task, so that a run this approver could not answer ends instead of waiting."""
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import update

        with create_session() as session:
            session.execute(
                update(TaskInstance)
                .where(
                    TaskInstance.dag_id == DAG_ID,
                    TaskInstance.task_id == APPROVAL_STEP,
                    TaskInstance.state.in_(("awaiting_input", "deferred")),
                )
                .values(state="failed")
            )

    def finish(self) -> dict[str, Any]:
        """Wait for the answer to be given; return the request that was answered."""
        self.thread.join(timeout=30)
        if self.error is not None:
            raise self.error
        return self.request


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def xcom(run, task_id: str, key: str = "return_value") -> Any:
    return run.get_task_instance(task_id).xcom_pull(task_ids=task_id, key=key)


def writes(sb: Sandbox) -> list[tuple[str, str]]:
    return [(r.service, r.method) for r in sb.requests if r.method != "GET"]


def hitl_requests(run_id: str) -> int:
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        return session.scalar(
            select(func.count())
            .select_from(HITLDetail)
            .join(TaskInstance, HITLDetail.ti_id == TaskInstance.id)
            .where(TaskInstance.dag_id == DAG_ID, TaskInstance.run_id == run_id)
        )


@answered_by_a_person
def test_the_request_lists_what_the_release_made_and_approve_ships_and_publishes(
    dag_file: Path, release_sandbox: Sandbox, task_logs
) -> None:
    approver = Approver("Approve")

    run = run_dag(dag_file, DAG_ID)

    request = approver.finish()
    assert run.state == "success" and set(states(run).values()) == {"success"}, states(run)
    aha, cryptlex = xcom(run, "create_aha_release"), xcom(run, "create_cryptlex_release")
    attached, waited = xcom(run, "attach_flag_to_pipeline"), xcom(run, "wait_for_phase")
    cryptlex_url = xcom(run, "create_cryptlex_release", "release_url")
    flag_url = xcom(run, "attach_flag_to_pipeline", "release_url")
    assert request["subject"] == "Ship and publish release 2.0.0?"
    body = request["body"]
    assert body.startswith("### Release 2.0.0\n\nWhat exists now:\n\n")
    assert (
        f"- `create_aha_release`: Aha! release {aha['reference_num']} 'Release 2.0.0' (id {aha['id']}, "
        f"not shipped) {aha['url']}\n"
    ) in body
    assert (
        f"- `create_cryptlex_release`: Cryptlex release {cryptlex['id']} version 2.0.0 (draft) on channel "
        f"stable [open]({cryptlex_url})\n"
    ) in body
    assert (
        "- `attach_flag_to_pipeline`: LaunchDarkly release on pipeline standard-release (phases Testing, "
        f"Beta, General availability) [open]({flag_url})\n"
    ) in body
    testing = attached["phases"][0]["_id"]
    assert f"- `start_first_phase`: LaunchDarkly phase 'Testing' started (id {testing})" in body
    assert waited["_id"] == testing
    assert f"- `wait_for_phase`: LaunchDarkly phase 'Testing' complete (id {testing})\n" in body
    assert body.endswith(
        "**Approve** to run `annotate_amplitude`, `ship_aha_release`, `publish_cryptlex_release`: ship and"
        " publish the release and announce it.\n**Reject** to skip them: nothing is shipped, published or"
        " announced, and everything listed above stays as it is."
    )
    assert writes(release_sandbox)[-3:] == [("amplitude", "POST"), ("aha", "PUT"), ("cryptlex", "POST")]
    assert xcom(run, "publish_cryptlex_release")["published"] is True
    answer = xcom(run, APPROVAL_STEP)
    assert answer["chosen_options"] == ["Approve"] and answer["responded_by_user"]["name"] == RESPONDER
    assert f"Release approved by {RESPONDER}: the release goes on." in task_logs.at("info")


@answered_by_a_person
def test_reject_skips_every_later_step_and_leaves_what_was_made(
    dag_file: Path, release_sandbox: Sandbox, task_logs
) -> None:
    approver = Approver("Reject")

    run = run_dag(dag_file, DAG_ID)

    approver.finish()
    assert run.state == "success"
    assert states(run) == {
        "plan_release": "success",
        **dict.fromkeys(BEFORE, "success"),
        "wait_for_phase": "success",
        APPROVAL_STEP: "success",
        **dict.fromkeys(LATER, "skipped"),  # ship's none_failed trigger rule notwithstanding
    }
    assert writes(release_sandbox) == [
        ("aha", "POST"),
        ("cryptlex", "POST"),
        ("launchdarkly", "PUT"),
        ("launchdarkly", "PUT"),
    ]
    aha, cryptlex = xcom(run, "create_aha_release"), xcom(run, "create_cryptlex_release")
    [kept] = [r for r in release_sandbox.state("aha")["releases"] if r["id"] == aha["id"]]
    assert kept["released"] is False
    [product] = [p for p in release_sandbox.state("cryptlex")["products"] if p["id"] == DESKTOP_APP_ID]
    assert [r["published"] for r in product["releases"] if r["id"] == cryptlex["id"]] == [False]
    assert release_sandbox.state("amplitude")["releases"] == []
    [said] = [m for m in task_logs.at("warning") if m.startswith("Release rejected")]
    assert said.startswith(
        f"Release rejected by {RESPONDER}: nothing was shipped or published. Skipped: annotate_amplitude, "
        "ship_aha_release, publish_cryptlex_release. What the release created stays as it is:\n"
    )
    assert f"Aha! release {aha['reference_num']} 'Release 2.0.0'" in said
    assert f"Cryptlex release {cryptlex['id']} version 2.0.0 (draft)" in said


def test_a_param_that_turns_approval_off_runs_the_release_without_asking(
    dag_file: Path, release_sandbox: Sandbox, task_logs
) -> None:
    run = run_dag(dag_file, DAG_ID, conf={"require_approval": False})

    assert run.state == "success" and set(states(run).values()) == {"success"}, states(run)
    assert hitl_requests(run.run_id) == 0
    assert xcom(run, APPROVAL_STEP) == {
        "chosen_options": ["Approve"],
        "params_input": {},
        "responded_at": None,
        "responded_by_user": None,
        "approval_required": False,
    }
    assert writes(release_sandbox)[-3:] == [("amplitude", "POST"), ("aha", "PUT"), ("cryptlex", "POST")]
    assert (
        "No approval is required (required='False'): not asking anyone; the release goes on."
        in task_logs.at("info")
    )


@answered_by_a_person
def test_a_failure_after_approval_logs_the_approval_among_what_is_done(
    dag_file: Path, release_sandbox: Sandbox, task_logs
) -> None:
    release_sandbox.inject_fault("aha", "reject", method="PUT", status=422, message="Locked release")
    approver = Approver("Approve")

    run = run_dag(dag_file, DAG_ID)

    approver.finish()
    assert (states(run)["ship_aha_release"], states(run)[APPROVAL_STEP]) == ("failed", "success")
    [progress] = [m for m in task_logs.at("error") if m.startswith("Release step ship_aha_release failed")]
    assert f"{APPROVAL_STEP}: Approve by {RESPONDER}" in progress
    assert progress.endswith("\nNot done: publish_cryptlex_release")


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_required_other_than_a_boolean_or_a_template_is_refused_when_the_dag_is_parsed(value) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        ReleaseApprovalOperator(task_id="approve", required=value)
    assert (raised.value.param, raised.value.value) == ("required", value)
    assert "template rendering to true or false" in str(raised.value)


def test_required_rendering_to_neither_true_nor_false_fails_before_asking(make_context) -> None:
    gate = ReleaseApprovalOperator(task_id="approve", required="{{ params.gate }}")

    with pytest.raises(InvalidParameterError) as raised:
        run_task_with(gate, make_context, params={"gate": "maybe"})

    assert (raised.value.param, raised.value.value) == ("required", "maybe")
    assert gate.body is None  # nothing was built, nothing was written


class RunTaskInstance:
    """What the gate sees of its task instance when it resumes: the XComs the run holds."""

    def __init__(self, xcoms: dict[tuple[str, str], Any]) -> None:
        self.xcoms = xcoms
        self.task_id, self.map_index = APPROVAL_STEP, -1

    def xcom_pull(self, task_ids: str, key: str = "return_value") -> Any:
        return self.xcoms.get((task_ids, key))

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[(self.task_id, key)] = value


def resume_gate(option: str) -> tuple[BaseException | None, Any]:
    """Give ``option`` to the gate of a release chain with two releases made; what it raised or returned."""
    from tests.test_workflows import build_chain

    dag, _ = build_chain(require_approval=True)
    gate = dag.get_task(APPROVAL_STEP)
    ti = RunTaskInstance(
        {
            ("create_aha_release", "return_value"): {
                "id": "677",
                "reference_num": "PRJ1-R-5",
                "name": "Release 2.0.0",
                "url": "https://company.aha.io/releases/PRJ1-R-5",
            },
            ("create_cryptlex_release", "return_value"): {"id": "cx-1", "version": "2.0.0"},
            ("create_cryptlex_release", "release_url"): "https://app.cryptlex.com/releases/cx-1",
        }
    )
    event = {
        "chosen_options": [option],
        "params_input": {},
        "responded_at": pendulum.now("UTC"),
        "responded_by_user": {"id": "7", "name": RESPONDER},
    }
    try:
        return None, gate.execute_complete({"ti": ti, "task_instance": ti, "task": gate}, event)
    except Exception as exc:
        return exc, None


def test_a_reject_given_to_the_gate_skips_all_three_later_steps_and_says_what_stays(task_logs) -> None:
    from airflow.sdk.exceptions import DownstreamTasksSkipped

    raised, _ = resume_gate("Reject")

    # what the task runner turns into skipped task instances, the gate itself succeeding
    assert isinstance(raised, DownstreamTasksSkipped)
    assert sorted(raised.tasks) == sorted(LATER)
    [said] = task_logs.at("warning")
    assert said == (  # plain text, each link ending its line: a log view links it without punctuation
        f"Release rejected by {RESPONDER}: nothing was shipped or published. Skipped: annotate_amplitude, "
        "ship_aha_release, publish_cryptlex_release. What the release created stays as it is:\n"
        "- create_aha_release: Aha! release PRJ1-R-5 'Release 2.0.0' (id 677, not shipped) "
        "https://company.aha.io/releases/PRJ1-R-5\n"
        "- create_cryptlex_release: Cryptlex release cx-1 version 2.0.0 (draft) "
        "https://app.cryptlex.com/releases/cx-1"
    )


def test_an_approve_given_to_the_gate_skips_nothing(task_logs) -> None:
    raised, result = resume_gate("Approve")

    assert raised is None and result["chosen_options"] == ["Approve"]
    assert task_logs.at("warning") == []
    assert f"Release approved by {RESPONDER}: the release goes on." in task_logs.at("info")
