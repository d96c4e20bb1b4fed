"""The secret-leak audit is not blind: each place it searches catches a planted canary, masked."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tests import secret_audit
from tests.helpers.connections import set_connection
from tests.secret_audit import Canaries

ROOT = Path(__file__).resolve().parents[2]
INNER_CANARY = "inner-canary-SECRET-0c4f9a2e"  # registered only in the inner test session

# Each inner test leaks the canary into one place; the clean one leaks nothing.
INNER_TESTS = f"""
import json
import logging

import pytest
import requests
import structlog

from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases_sandbox import sandbox
from tests import secret_audit

CANARY = {INNER_CANARY!r}
secret_audit.register_canary("inner canary", CANARY)
QUIET = logging.getLogger("inner.quiet")  # a library logger that only lets warnings through
QUIET.setLevel(logging.WARNING)
QUIET.propagate = False


class TaskInstance:
    def xcom_push(self, key, value):
        pass


@secret_audit.runs_last
def test_airflow_home_file(tmp_path):
    (tmp_path / "airflow.db").write_bytes(b"SQLite format 3\\x00 xcom " + CANARY.encode())
    secret_audit.scan_tree(tmp_path)


def test_clean():
    logging.getLogger("inner").debug("nothing secret here")
    structlog.get_logger("inner").debug("nothing secret here")
    print("nothing secret here")


def test_debug_record_of_a_quiet_logger():
    QUIET.debug("token %s", CANARY)


def test_print():
    print("token", CANARY)


def test_structlog_debug():
    structlog.get_logger("inner.structlog").debug("calling", token=CANARY)


def test_caught_exception():
    with pytest.raises(RuntimeError):
        raise RuntimeError("refused") from ValueError("token " + CANARY)


def test_operator_return_value(monkeypatch):
    monkeypatch.setattr(AmplitudeCreateReleaseOperator, "run", lambda self, context: {{"token": CANARY}})
    AmplitudeCreateReleaseOperator(task_id="a", version="1", title="t").execute({{}})


def test_xcom_push(monkeypatch):
    def run(self, context):
        context["ti"].xcom_push(key="release_url", value="https://example.com/?token=" + CANARY)
        return {{}}

    monkeypatch.setattr(AmplitudeCreateReleaseOperator, "run", run)
    AmplitudeCreateReleaseOperator(task_id="a", version="1", title="t").execute({{"ti": TaskInstance()}})


def test_async_transport_error(monkeypatch):
    import asyncio

    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.hooks.async_http import AsyncTransport

    async def refuse(self, *args, **kwargs):
        raise RuntimeError("token " + CANARY)

    monkeypatch.setattr(AsyncTransport, "run", refuse)
    try:
        asyncio.run(AhaHook("aha_default").aget_release("PRJ1-R-1"))
    except RuntimeError:
        pass  # judged into an outcome, as a trigger does: only the audit sees the error


def test_sandbox_journal_header():
    with sandbox() as sb:
        requests.get(sb.url("aha") + "/api/v1/me", headers={{"X-Debug": CANARY}}, timeout=5)


def test_failure_text():
    assert CANARY == "something else"


def test_openlineage_event(tmp_path):
    event = {{"eventType": "COMPLETE", "job": {{"name": "dag.task"}}, "run": {{"facets": {{"x": CANARY}}}}}}
    (tmp_path / "events.jsonl").write_text(json.dumps(event) + "\\n")
    secret_audit.scan_openlineage_events(tmp_path / "events.jsonl")
"""

# Where the audit must report each inner test's canary.
EXPECTED_PLACES = {
    "test_debug_record_of_a_quiet_logger": "log records (inner.quiet DEBUG)",
    "test_print": "captured stdout (call)",
    "test_structlog_debug": "structlog events (inner.structlog debug)",
    "test_caught_exception": "exceptions caught by pytest.raises (ValueError)",
    "test_operator_return_value": "XCom values (AmplitudeCreateReleaseOperator.execute return value)",
    "test_xcom_push": "XCom values (xcom_push key 'release_url')",
    "test_async_transport_error": "errors of the async transport (AhaHook.aget_release: RuntimeError)",
    "test_sandbox_journal_header": "sandbox journals (GET /aha/api/v1/me)",
    "test_failure_text": "failure texts (call)",
    "test_airflow_home_file": "AIRFLOW_HOME files (airflow.db)",
    "test_openlineage_event": "OpenLineage events (COMPLETE dag.task)",
}


def failure_sections(output: str) -> dict[str, str]:
    """Each failed test's section of a pytest report, by test name."""
    parts = re.split(r"^_{3,} (test_\w+) _{3,}$", output, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_each_place_catches_a_planted_canary_and_the_audit_never_prints_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
):
    """
    In a pytest subprocess with the audit on, every inner test that leaks the canary into one
    place fails with the audit's message naming its label and that place; the clean test passes;
    no output shows the canary unmasked; the ``runs_last`` test runs last; the summary counts.
    """
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("inner-airflow-home")))
    pytester.makepyfile(test_inner=INNER_TESTS)

    result = pytester.runpytest_subprocess(
        "-p", "tests.secret_audit", "-p", "no:cacheprovider", "-v", timeout=300
    )

    result.assert_outcomes(passed=1, failed=len(EXPECTED_PLACES))
    sections = failure_sections(result.stdout.str())
    assert sorted(sections) == sorted(EXPECTED_PLACES)
    for test, place in EXPECTED_PLACES.items():
        assert "secret-leak audit: 1 leak(s) in the " in sections[test], test
        assert f"canary 'inner canary' (as is) in {place}: " in sections[test], test
        assert "<canary inner canary>" in sections[test], test

    output = result.stdout.str() + result.stderr.str()
    assert INNER_CANARY not in output
    assert "assert '<canary inner canary>' == 'something else'" in output  # the failure, masked

    ran = [line.split("::")[1].split()[0] for line in result.outlines if line.startswith("test_inner.py::")]
    assert (ran[0], ran[-1]) == ("test_clean", "test_airflow_home_file")

    [summary] = [line for line in result.outlines if re.match(r"secret-leak audit: \d+ secrets", line)]
    assert re.fullmatch(
        r"secret-leak audit: \d+ secrets \(\d+ forms\) searched in \d+ places: .+; "
        r"[\d,]+ texts / [\d,]+ bytes scanned; 11 leaks",
        summary,
    )
    places = (
        "log records",
        "structlog events",
        "sandbox journals",
        "AIRFLOW_HOME files",
        "async transport",
        "OpenLineage events",
    )
    for place in places:
        assert place in summary


def test_a_canary_is_found_in_each_of_its_forms():
    """As is, URL-encoded and inside an HTTP Basic token, in text and in bytes; masking hides all."""
    canaries = Canaries()
    canaries.add("key", "key-SECRET-f00d/+1")
    canaries.add("secret", "sec-SECRET-c0ffee")
    canaries.add_basic_auth("key-SECRET-f00d/+1", "sec-SECRET-c0ffee")
    token = base64.b64encode(b"key-SECRET-f00d/+1:sec-SECRET-c0ffee").decode()
    found = {
        (form.label, form.kind)
        for text in ("x key-SECRET-f00d/+1 y", "?k=key-SECRET-f00d%2F%2B1", f"Basic {token}".encode())
        for form in canaries.found_in(text)
    }
    assert found == {("key", "as is"), ("key", "URL-encoded"), ("key:secret", "HTTP Basic token")}
    masked = canaries.mask(f"key-SECRET-f00d/+1 sec-SECRET-c0ffee {token}")
    assert masked == "<canary key> <canary secret> <canary key:secret>"


def test_a_short_or_reused_secret_is_handled():
    """A secret under 12 characters is refused; a secret registered twice keeps its first label."""
    canaries = Canaries()
    with pytest.raises(ValueError, match="too short to be a canary"):
        canaries.add("token", "tok-1234")
    assert canaries.add("first", "tok-SECRET-1a2b3c") == "first"
    assert canaries.add("second", "tok-SECRET-1a2b3c") == "first"
    assert canaries.add("first", "tok-SECRET-4d5e6f") == "first #2"


def test_set_connection_makes_its_secrets_canaries(monkeypatch: pytest.MonkeyPatch):
    """The password, Amplitude's login (API key) and their Basic token become canaries."""
    set_connection(
        monkeypatch,
        "audit_amplitude",
        conn_type="amplitude",
        login="key-SECRET-a7c31e",
        password="sec-SECRET-5b90d4",
    )
    labels = secret_audit.AUDIT.canaries.label_of
    assert labels("key-SECRET-a7c31e") == "connection audit_amplitude login"
    assert labels("sec-SECRET-5b90d4") == "connection audit_amplitude password"
    token = base64.b64encode(b"key-SECRET-a7c31e:sec-SECRET-5b90d4").decode()
    assert [form.kind for form in secret_audit.AUDIT.canaries.found_in(f"Basic {token}")] == [
        "HTTP Basic token"
    ]


def test_set_connection_refuses_a_secret_too_short_to_be_a_canary(monkeypatch: pytest.MonkeyPatch):
    """An ad-hoc test secret must be distinctive, or the audit could miss it or match by accident."""
    with pytest.raises(ValueError, match=r"short password \(1 chars\) is too short"):
        set_connection(monkeypatch, "short", conn_type="launchdarkly", password="t")
