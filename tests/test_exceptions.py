"""One error tree: every exception class of the provider is a ReleasesError, and every one pickles."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import pickle
import pkgutil

import pytest
from airflow.sdk.exceptions import AirflowFailException

import airflow_provider_releases
from airflow_provider_releases import exceptions
from airflow_provider_releases.assets import InvalidAssetUriError
from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    DryRunRequest,
    InvalidParameterError,
    MissingValueError,
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiMalformedResponseError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
    ReleasesError,
    ReleaseStateError,
    ReleaseStepError,
)
from airflow_provider_releases.operators.failures import ReleaseNotRetried, ReleasePermanentError
from airflow_provider_releases.sensors.base import ReleaseSensorFailed
from airflow_provider_releases.triggers.events.base import WatcherFailed
from airflow_provider_releases.waits.outcome import NotAnEvent

CONTEXT = {"service": "Aha!", "operation": "get_release", "method": "GET", "path": "/api/v1/releases/X"}


def _api_error(cls: type[ReleasesApiError]) -> ReleasesApiError:
    return cls(**CONTEXT, status=404, code="not_found", vendor_message="no release", attempts=2)


SAMPLES: list[BaseException] = [
    ReleasesError("something went wrong"),
    InvalidParameterError("version", "1.x", "a version such as 1.2.3"),
    MissingValueError("release_id", "None"),
    MissingValueError("release_id", "", rendered=False),
    ReleaseStateError("the flag has no release"),
    ConnectionConfigError("Connection 'aha_default' (Aha!) has no host"),
    DryRunRequest({"method": "POST", "url": "https://x.aha.io/api/v1/releases", "json": {"name": "1.2"}}),
    *(
        _api_error(cls)
        for cls in (
            ReleasesApiError,
            ReleasesApiValidationError,
            ReleasesApiAuthError,
            ReleasesApiNotFoundError,
            ReleasesApiConflictError,
            ReleasesApiRateLimitError,
            ReleasesApiServerError,
            ReleasesApiConnectionError,
            ReleasesApiResponseError,
            ReleasesApiMalformedResponseError,
        )
    ),
    ReleaseStepError("Created release 7, but publishing it failed", ["created release 7"]),
    InvalidAssetUriError("aha://x", "no release", "aha://<domain>/<release>"),
    WatcherFailed("the credentials were refused"),
    NotAnEvent("not an event"),
    ReleaseNotRetried("Copied release 7, but reading it back failed."),
    ReleasePermanentError.wrap(InvalidParameterError("version", "2", "a version"), "bad value", "fix it"),
    ReleaseSensorFailed("The release was canceled."),
]


def _exception_classes() -> set[type[BaseException]]:
    """Every exception class a module of the provider defines (the sandbox, an emulator, aside)."""
    found = set()
    package = airflow_provider_releases.__name__
    for module_info in pkgutil.walk_packages(airflow_provider_releases.__path__, f"{package}."):
        if module_info.name.startswith(f"{package}.sandbox"):
            continue
        module = importlib.import_module(module_info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found.add(obj)
    return found


def test_every_exception_class_of_the_provider_is_a_releases_error():
    classes = _exception_classes()
    assert ReleaseSensorFailed in classes and WatcherFailed in classes
    assert sorted(cls.__qualname__ for cls in classes if not issubclass(cls, ReleasesError)) == []


def test_every_exception_class_has_a_pickling_sample():
    assert _exception_classes() == {type(sample) for sample in SAMPLES}


@pytest.mark.parametrize("error", SAMPLES, ids=lambda error: type(error).__name__)
def test_every_error_pickles_with_its_message_and_attributes(error: BaseException):
    again = pickle.loads(pickle.dumps(error))

    assert type(again) is type(error)
    assert str(again) == str(error)
    assert again.args == error.args
    assert vars(again) == vars(error)


@pytest.mark.parametrize("cls", [ReleaseNotRetried, ReleasePermanentError, ReleaseSensorFailed])
def test_the_errors_that_end_a_task_without_retries_are_airflows_and_the_providers(cls):
    assert issubclass(cls, AirflowFailException)
    assert issubclass(cls, ReleasesError)


def test_the_compatible_second_bases_stay():
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(ReleaseStateError, ValueError)
    assert issubclass(ConnectionConfigError, ValueError)
    assert issubclass(ReleaseStepError, RuntimeError)
    assert issubclass(NotAnEvent, ValueError)
    assert issubclass(WatcherFailed, RuntimeError)


def test_the_exceptions_module_holds_only_exception_classes():
    path = pathlib.Path(exceptions.__file__)
    source = path.read_text()
    tree = ast.parse(source)

    assert source.count("\n") <= 250
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert "__getattr__" not in functions
    assert [name for name in functions if not name.startswith("_")] == []
    classes = [getattr(exceptions, node.name) for node in tree.body if isinstance(node, ast.ClassDef)]
    assert all(issubclass(cls, ReleasesError) for cls in classes)
