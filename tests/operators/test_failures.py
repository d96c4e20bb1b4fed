"""Which failures trying again cannot mend, and the ReleasePermanentError an operator raises for them."""

from __future__ import annotations

import pickle

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowNotFoundException

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    MissingValueError,
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiConnectionError,
    ReleasesApiMalformedResponseError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
    ReleasesError,
    ReleaseStateError,
    ReleaseStepError,
)
from airflow_provider_releases.hooks.answers import error_class_for_status
from airflow_provider_releases.operators.failures import (
    ReleaseNotRetried,
    ReleasePermanentError,
    permanent_failure,
)

CONTEXT = {"service": "Aha!", "operation": "get_release", "method": "GET", "path": "/api/v1/releases/X"}


def api_error(status: int | None, cls=None, **kwargs):
    cls = cls or (error_class_for_status(status) if status else ReleasesApiConnectionError)
    return cls(**CONTEXT, status=status, **kwargs)


def stepped(cause: BaseException) -> ReleaseStepError:
    try:
        try:
            raise cause
        except Exception as exc:
            done = ["created release 7"]
            raise ReleaseStepError("Created release 7, but publishing it failed", done) from exc
    except ReleaseStepError as step:
        return step


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (InvalidParameterError("version", "2", "a version"), "invalid parameter"),
        (MissingValueError("release_id", "None"), "invalid parameter"),
        (ConnectionConfigError("Connection 'x' (Aha!) has no host"), "connection misconfigured"),
        (AirflowNotFoundException("The conn_id `x` isn't defined"), "missing connection"),
        (ReleaseStateError("the flag has no release"), "state does not allow it"),
        (api_error(400), "request refused"),
        (api_error(401), "credentials refused"),
        (api_error(403), "credentials refused"),
        (api_error(404), "not found"),
        (api_error(409), "conflict"),
        (api_error(422), "request refused"),
        (stepped(api_error(404)), "not found"),
    ],
)
def test_failures_a_retry_cannot_mend_are_permanent(error, kind):
    assert permanent_failure(error)[0] == kind


@pytest.mark.parametrize(
    "error",
    [
        api_error(429, attempts=6),
        api_error(500),
        api_error(502),
        api_error(503),
        api_error(504),
        api_error(None, cause="the connection was dropped"),
        api_error(200, ReleasesApiMalformedResponseError),
        api_error(418),  # a client error no rule calls permanent
        stepped(api_error(503)),
        RuntimeError("anything else"),
    ],
)
def test_transient_failures_are_left_to_airflows_retries(error):
    assert permanent_failure(error) is None


def wrapped(exc: BaseException) -> ReleasePermanentError:
    try:
        try:
            raise exc
        except Exception as cause:
            raise ReleasePermanentError.wrap(cause, *permanent_failure(cause)) from cause
    except ReleasePermanentError as permanent:
        return permanent


def test_the_permanent_error_fails_the_task_and_keeps_its_cause_readable():
    cause = api_error(404, vendor_message="Release 'X' not found", request_id="req-1")
    error = wrapped(cause)

    assert isinstance(error, AirflowFailException)
    assert error.__cause__ is cause
    assert (error.status, error.service, error.operation) == (404, "Aha!", "get_release")
    assert error.request_id == "req-1"
    assert str(error) == (
        "Permanent failure (not found), not retried: Aha! get_release (GET /api/v1/releases/X) failed with"
        " HTTP 404: Aha! said \"Release 'X' not found\" (request id req-1). To fix: check the ids and keys"
        " given: Aha! has no such object; then clear the task."
    )


def test_a_step_error_keeps_saying_what_was_done_and_its_causes_status():
    error = wrapped(stepped(api_error(409)))

    assert str(error).startswith(
        "Permanent failure (conflict), not retried: Created release 7, but publishing it failed."
    )
    assert (error.done, error.status) == (["created release 7"], 409)
    assert isinstance(error.__cause__, ReleaseStepError)


def test_the_permanent_error_pickles_with_its_attributes():
    error = wrapped(InvalidParameterError("version", "2", "a version"))

    again = pickle.loads(pickle.dumps(error))

    assert type(again) is ReleasePermanentError
    assert str(again) == str(error)
    assert (again.param, again.value, again.accepted) == ("version", "2", "a version")


def test_the_failures_are_airflows_and_the_providers_and_read_from_the_operators_base():
    from airflow_provider_releases.operators import base

    for cls in (ReleasePermanentError, ReleaseNotRetried):
        assert cls.__mro__[1:4] == (AirflowFailException, AirflowException, ReleasesError)
        assert getattr(base, cls.__name__) is cls
        assert cls.__module__ == "airflow_provider_releases.operators.failures"


@pytest.mark.parametrize(
    ("error", "kind"),
    [(ReleasesApiAuthError, "credentials refused"), (ReleasesApiValidationError, "request refused")],
)
def test_every_message_says_the_kind_and_what_to_fix(error, kind):
    message = str(wrapped(error(**CONTEXT, status=400)))
    assert message.startswith(f"Permanent failure ({kind}), not retried: Aha! get_release")
    assert " To fix: " in message and message.endswith("; then clear the task.")


def test_a_conflict_and_a_rate_limit_are_told_apart():
    assert permanent_failure(ReleasesApiConflictError(**CONTEXT, status=409))[0] == "conflict"
    assert permanent_failure(ReleasesApiRateLimitError(**CONTEXT, status=429)) is None
    assert permanent_failure(ReleasesApiServerError(**CONTEXT, status=503)) is None
    assert permanent_failure(ReleasesApiNotFoundError(**CONTEXT, status=404))[0] == "not found"
