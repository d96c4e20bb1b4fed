"""
The approval gate of a release: a person approves or rejects shipping what the release made.

:class:`ReleaseApprovalOperator` is the standard provider's human-in-the-loop ``ApprovalOperator``
with a request written at run time from what the release steps before it made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.hitl import ApprovalOperator

from airflow_provider_releases.operators.release_steps import (
    DEFAULT_SUBJECT,
    RELEASE_STEPS,
    approval_body,
    approval_required,
    list_what_exists,
    release_version,
    responder,
    step_results,
)
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Context


class ReleaseApprovalOperator(ApprovalOperator):
    """
    Ask a person to approve a release before the steps after this task ship and publish it.

    The request lists what the earlier steps made (:data:`RELEASE_STEPS`). **Approve** lets the
    later steps run; **Reject** skips them, and what the release created stays as it is.

    :param required: whether to ask: a boolean or a template rendering to ``true`` or ``false``;
        when false the task returns an Approve result without asking. Templated.
    :param subject: the request's headline; default "Ship and publish release <version>?". Templated.
    :param body: Markdown put above the generated listing. Templated.
    :param steps: the task ids whose results the body lists (default :data:`RELEASE_STEPS`).
    :param ignore_downstream_trigger_rules: a rejection skips every later step, whatever its
        trigger rule; on by default here.
    :raises InvalidParameterError: ``required`` is neither a boolean nor a template, or renders to
        something else.
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
        super().__init__(
            subject=subject or DEFAULT_SUBJECT,
            body=body,
            ignore_downstream_trigger_rules=ignore_downstream_trigger_rules,
            **kwargs,
        )
        with check.naming_task(self):
            if not check.is_deferred(required):
                approval_required("required", required)
            self.steps = tuple(check.string_list("steps", steps))
        self.required = required
        self.subject_given = subject is not None

    def execute(self, context: Context) -> Any:
        """Write the approval request and wait for the answer, or approve at once when not required."""
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
        """Take the answer: Approve lets the later steps run; Reject skips them."""
        who = responder(event.get("responded_by_user"))
        if "error" not in event and event.get("chosen_options") == [self.REJECT]:
            # logged first: skipping the later steps ends this method (DownstreamTasksSkipped)
            kept = list_what_exists(step_results(context["ti"], self.steps), markdown=False) or ["- nothing"]
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
