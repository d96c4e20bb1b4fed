"""Reading the vendor's answers: the error class of a status, and what an error body says."""

from __future__ import annotations

import json

import pytest

from airflow_provider_releases.exceptions import (
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.answers import (
    describe_body,
    error_class_for_status,
    error_from_answer,
    parse_error_body,
)

CONTEXT = {"service": "Cryptlex", "operation": "get_release", "method": "GET", "path": "/v3/releases/r1"}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ReleasesApiValidationError),
        (401, ReleasesApiAuthError),
        (403, ReleasesApiAuthError),
        (404, ReleasesApiNotFoundError),
        (409, ReleasesApiConflictError),
        (418, ReleasesApiError),
        (422, ReleasesApiValidationError),
        (429, ReleasesApiRateLimitError),
        (500, ReleasesApiServerError),
        (504, ReleasesApiServerError),
    ],
)
def test_each_status_has_its_error_class(status, cls):
    assert error_class_for_status(status) is cls


@pytest.mark.parametrize(
    ("body", "read"),
    [
        (
            {"code": "not_found", "message": "Unknown flag", "id": "7f3a"},
            ("not_found", "Unknown flag", "7f3a"),
        ),
        ({"message": "Release not found.", "code": 404}, ("404", "Release not found.", None)),
        ({"error": {"code": "E1", "message": "broken"}}, ("E1", "broken", None)),
        ({"error": "invalid_grant", "error_description": "expired"}, ("invalid_grant", "expired", None)),
        ({"error": "Unauthorized"}, (None, "Unauthorized", None)),
        ({"errors": {"name": ["is required"]}}, (None, "name is required", None)),
        ({"errors": [{"message": "a"}, {"message": "b"}]}, (None, "a; b", None)),
        ({"detail": "Not allowed", "requestId": "r-9"}, (None, "Not allowed", "r-9")),
        ({"id": "rel-1"}, (None, None, None)),
        (["not", "an", "object"], (None, None, None)),
    ],
)
def test_an_error_body_gives_its_code_message_and_request_id(body, read):
    assert parse_error_body(json.dumps(body)) == read


def test_a_body_that_is_not_json_gives_nothing():
    assert parse_error_body("Bad Gateway") == (None, None, None)


def test_an_html_page_is_named_by_its_title_and_other_bodies_are_cut_short():
    page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    assert describe_body(page) == (
        'an HTML page "502 Bad Gateway", not the API\'s JSON (a proxy or gateway in front of it answered)'
    )
    assert describe_body("  \n ") == "(empty)"
    assert describe_body("x" * 400) == "x" * 300 + "... (truncated)"


def test_the_error_for_an_answer_quotes_the_vendor_and_prefers_the_headers_request_id():
    body = json.dumps({"message": "Release not found.", "code": "E404", "request_id": "body-id"})

    error = error_from_answer(404, body, CONTEXT, attempts=1, request_id="header-id")

    assert type(error) is ReleasesApiNotFoundError
    assert (error.code, error.vendor_message, error.request_id) == ("E404", "Release not found.", "header-id")
    assert str(error) == (
        'Cryptlex get_release (GET /v3/releases/r1) failed with HTTP 404 [E404]: Cryptlex said "Release not'
        ' found." (request id header-id).'
    )


def test_a_rate_limit_that_outlasted_the_retries_says_so():
    error = error_from_answer(429, "", CONTEXT, attempts=3)

    assert type(error) is ReleasesApiRateLimitError
    assert str(error) == (
        "Cryptlex get_release (GET /v3/releases/r1) failed with HTTP 429: the rate limit was still exceeded"
        " when the retries ran out; response body: (empty) after 3 attempts."
    )
