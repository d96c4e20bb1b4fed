"""
The approval gate of a release: a person approves or rejects shipping what the release made.

:class:`ReleaseApprovalOperator` is the standard provider's ``ApprovalOperator`` (Airflow's
human-in-the-loop task: on Airflow 3.3 it waits in the ``awaiting_input`` state, on 3.2 it defers
to ``HITLTrigger``; either way a person answers in the UI's Required Actions or through the
REST API) with a request written at run time from what the release steps before it made, and a
switch (``required``) that a DAG param can turn off.

The steps of the release chain (:data:`RELEASE_STEPS`) and how their results are described
(:func:`describe_step_result`) live here, so that the gate and
:mod:`airflow_provider_releases.workflows` (which re-exports them) say the same thing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.hitl import ApprovalOperator

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.links.base import RELEASE_URL_XCOM_KEY
from airflow_provider_releases.rules import launchdarkly as ld_rules
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Context

#: The steps of the release chain, in order, by task id.
RELEASE_STEPS = (
    "create_aha_release",
    "create_cryptlex_release",
    "attach_flag_to_pipeline",
    "start_first_phase",
    "wait_for_phase",
    "annotate_amplitude",
    "ship_aha_release",
    "publish_cryptlex_release",
)
#: The task id of the approval gate in the release chain (after ``wait_for_phase``).
APPROVAL_STEP = "approve_release"
#: What ``required`` accepts, for error messages.
REQUIRED_FORM = (
    "True or False, or a template rendering to true or false (such as '{{ params.require_approval }}')"
)
DEFAULT_SUBJECT = "Ship and publish the release?"
#: What the release steps that ran returned, by task id: ``(result, web URL or None)``.
StepResults = Mapping[str, tuple[Mapping[str, Any], str | None]]


def approval_required(param: str, value: Any) -> bool:
    """
    Read whether approval is required: ``True``/``False``, or the text a template renders to
    (``"True"``, ``"false"``... in any case, blanks around ignored).

    :raises InvalidParameterError: anything else; the message names ``param`` and the value.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidParameterError(param, value, REQUIRED_FORM)


def describe_step_result(step: str, result: Mapping[str, Any]) -> str:
    """Say in a few words what a release step's result (its XCom) is, with the vendor's ids."""
    if step.endswith("aha_release"):
        ref = result.get("reference_num") or result.get("id")
        state = "shipped" if result.get("released") else "not shipped"
        name, url = result.get("name"), result.get("url")
        return f"Aha! release {ref} {name!r} ({url}), id {result.get('id')}, {state}"
    if step.endswith("cryptlex_release"):
        state = "published" if result.get("published") else "draft"
        where = f" on channel {result['channel']}" if result.get("channel") else ""
        return f"Cryptlex release {result.get('id')} version {result.get('version')} ({state}){where}"
    if step == "attach_flag_to_pipeline":
        phases = ", ".join(str(phase.get("_name")) for phase in result.get("phases") or [])
        return f"LaunchDarkly release on pipeline {result.get('releasePipelineKey')} (phases {phases})"
    if step in ("start_first_phase", "wait_for_phase"):
        return f"LaunchDarkly phase {result.get('_name')!r} {phase_state(result)} (id {result.get('_id')})"
    if step == APPROVAL_STEP:
        return describe_decision(result)
    return f"Amplitude release {result.get('id')} version {result.get('version')}"


def phase_state(phase: Mapping[str, Any]) -> str:
    """``complete``, ``started`` or ``not started``, by LaunchDarkly's rule book."""
    if ld_rules.phase_is_complete(phase):
        return "complete"
    return "started" if ld_rules.phase_is_started(phase) else "not started"


def describe_decision(result: Mapping[str, Any]) -> str:
    """Say what the approval gate's result (its XCom) records: who answered what, or that nobody was asked."""
    if result.get("approval_required") is False:
        return "no approval was required"
    chosen = ", ".join(result.get("chosen_options") or []) or "no answer"
    return f"{chosen} by {responder(result.get('responded_by_user'))}"


def responder(user: Any) -> str:
    """Name who answered a human-in-the-loop request (its ``responded_by_user``)."""
    if isinstance(user, Mapping):
        return str(user.get("name") or user.get("id") or "an unnamed user")
    return str(user) if user else "an unknown user"


def step_results(ti: Any, steps: Iterable[str] = RELEASE_STEPS) -> StepResults:
    """
    Read what the release steps that ran returned: ``{step: (result, web URL)}``, the URL being
    what the step pushed for its extra link (``release_url``), in the order of ``steps``.
    """
    found: dict[str, tuple[Mapping[str, Any], str | None]] = {}
    for step in steps:
        result = ti.xcom_pull(task_ids=step)
        if isinstance(result, Mapping) and not result.get("dry_run"):
            url = ti.xcom_pull(task_ids=step, key=RELEASE_URL_XCOM_KEY)
            found[step] = (dict(result), url if isinstance(url, str) and url else None)
    return found


def release_version(results: StepResults) -> str | None:
    """The version being released, from the first step result that names one (Cryptlex's, say)."""
    return next((str(result["version"]) for result, _ in results.values() if result.get("version")), None)


def list_what_exists(results: StepResults) -> list[str]:
    """One Markdown list item per step result: what it is, its ids, and its link when it has one."""
    items = []
    for step, (result, url) in results.items():
        line = f"- `{step}`: {describe_step_result(step, result)}"
        if url and url not in line:
            line += f" [open]({url})"
        items.append(line)
    return items


def approval_body(results: StepResults, after: Collection[str]) -> str:
    """
    The Markdown body of the approval request: the version, each step result (ids, links,
    LaunchDarkly phase states) and what approving or rejecting does.

    :param after: the task ids that run only when the release is approved.
    """
    version = release_version(results)
    lines = [f"### Release {version}" if version else "### Release", ""]
    lines += ["What exists now:", "", *(list_what_exists(results) or ["- nothing yet"]), ""]
    then = ", ".join(f"`{step}`" for step in after) or "the steps after this one"
    lines.append(f"**Approve** to run {then}: ship and publish the release and announce it.")
    lines.append(
        "**Reject** to skip them: nothing is shipped, published or announced, and everything listed"
        " above stays as it is."
    )
    return "\n".join(lines)


class ReleaseApprovalOperator(ApprovalOperator):
    """
    Ask a person to approve a release before the steps after this task ship and publish it.

    At run time the request's body lists what the release steps before it made, read from their
    XComs (:data:`RELEASE_STEPS`): the version, the ids and links of the Aha!, Cryptlex and
    LaunchDarkly objects, and the state of the LaunchDarkly phases (started, waited for); the
    subject names the version. **Approve** lets the later steps run. **Reject** skips every
    later step, whatever its trigger rule (``ignore_downstream_trigger_rules``, on by default):
    nothing is shipped or published; the task succeeds and logs that, and what the release
    created, which stays as it is.

    When ``required`` is (or renders to) false, the task asks nobody: it logs that no approval is
    required and returns at once an Approve result with ``"approval_required": False``.

    :param required: whether to ask: ``True``/``False`` or a template rendering to ``true`` or
        ``false`` such as ``"{{ params.require_approval }}"``. Templated.
    :param subject: the request's headline; default "Ship and publish release <version>?".
        Templated.
    :param body: Markdown put above the generated listing. Templated.
    :param steps: the task ids whose results the body lists (default :data:`RELEASE_STEPS`).
    :raises InvalidParameterError: ``required`` is neither a boolean nor a template (in the
        constructor), or renders to something other than true or false (at run time).
    """

    template_fields: Sequence[str] = (*ApprovalOperator.template_fields, "required")
    ui_color = "#fdf3d8"

    def __init__(
        self,
        *,
        required: bool | str = True,
        subject: str | None = None,
        body: str | None = None,
        steps: Sequence[str] = RELEASE_STEPS,
        ignore_downstream_trigger_rules: bool = True,
        **kwargs: Any,
    ) -> None:
        if not check.is_deferred(required):
            approval_required("required", required)
        super().__init__(
            subject=subject or DEFAULT_SUBJECT,
            body=body,
            ignore_downstream_trigger_rules=ignore_downstream_trigger_rules,
            **kwargs,
        )
        self.required = required
        self.steps = tuple(check.string_list("steps", steps))
        self.subject_given = subject is not None

    def execute(self, context: Context) -> Any:
        """
        Write the approval request, with its body built from the steps' XComs, and wait for the
        answer; or, when approval is not required, return an Approve result without asking.

        :raises InvalidParameterError: ``required`` rendered to something other than true or false.
        """
        if not approval_required("required", self.required):
            self.log.info(
                "No approval is required (required=%r): not asking anyone; the release goes on.",
                self.required,
            )
            return {
                "chosen_options": [self.APPROVE],
                "params_input": {},
                "responded_at": None,
                "responded_by_user": None,
                "approval_required": False,
            }
        results = step_results(context["ti"], self.steps)
        generated = approval_body(results, self.later_task_ids())
        self.body = f"{self.body}\n\n{generated}" if self.body else generated
        if not self.subject_given:
            version = release_version(results)
            self.subject = f"Ship and publish release {version}?" if version else DEFAULT_SUBJECT
        return super().execute(context)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """
        Take the answer: Approve lets the later steps run; Reject skips them and logs that nothing
        was shipped or published and what the release created (which stays).
        """
        who = responder(event.get("responded_by_user"))
        if "error" not in event and event.get("chosen_options") == [self.REJECT]:
            # logged first: skipping the later steps ends this method (DownstreamTasksSkipped)
            kept = list_what_exists(step_results(context["ti"], self.steps)) or ["- nothing"]
            self.log.warning(
                "Release rejected by %s: nothing was shipped or published. Skipped: %s. What the release"
                " created stays as it is:\n%s",
                who,
                ", ".join(self.later_task_ids()) or "nothing",
                "\n".join(kept),
            )
        result = super().execute_complete(context=context, event=event)
        if result["chosen_options"] == [self.APPROVE]:
            self.log.info("Release approved by %s: the release goes on.", who)
        return result

    def later_task_ids(self) -> list[str]:
        """The task ids a Reject skips, in the DAG's order (all later ones, or the direct ones)."""
        if not self.has_dag():
            return []
        later = (
            self.get_flat_relative_ids(upstream=False)
            if self.ignore_downstream_trigger_rules
            else set(self.downstream_task_ids)
        )
        return [task.task_id for task in self.dag.topological_sort() if task.task_id in later]
