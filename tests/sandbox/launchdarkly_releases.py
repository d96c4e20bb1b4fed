"""A small client of the sandbox's LaunchDarkly environment releases, shared by their tests."""

from __future__ import annotations

from typing import Any

import requests

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.launchdarkly import ACCESS_TOKEN

HEADERS = {"Authorization": ACCESS_TOKEN, "LD-API-Version": "beta"}
CLAUSE = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
MINUTE = 60_000


def phase(*allocations: int, minutes: int = 1, **fields: Any) -> dict[str, Any]:
    """An inline phase on a new rule for ``user`` contexts: one step per allocation."""
    steps = [{"allocation": allocation, "durationMillis": minutes * MINUTE} for allocation in allocations]
    return {"clauses": [CLAUSE], "steps": steps, **fields}


class Releases:
    """Plain ``requests`` calls to one flag's environment releases in one environment."""

    def __init__(self, server: Sandbox, flag_key: str = "new-checkout", environment_key: str = "production"):
        self.server, self.flag_key, self.environment_key = server, flag_key, environment_key
        self.base = server.url("launchdarkly")
        self.path = f"/api/v2/projects/default/flags/{flag_key}/environments/{environment_key}/releases"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.base + path, headers=HEADERS, timeout=10, **kwargs)

    def variations(self) -> dict[Any, str]:
        """The flag's variation ids by value."""
        flag = self.call("GET", f"/api/v2/flags/default/{self.flag_key}").json()
        return {variation["value"]: variation["_id"] for variation in flag["variations"]}

    def start(self, **fields: Any) -> requests.Response:
        """Start a release of ``true`` from ``false``; ``fields`` add to (or replace) the body."""
        ids = self.variations()
        body = {"targetVariationId": ids[True], "originalVariationId": ids[False], **fields}
        return self.call("POST", self.path, json=body)

    def started(self, **fields: Any) -> dict[str, Any]:
        """A started release (inline on ``user`` unless ``fields`` say otherwise)."""
        fields.setdefault("randomizationUnit", "user")
        fields.setdefault("phases", [phase(10_000, 100_000)])
        answer = self.start(**fields)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def get(self, release_id: str, **params: Any) -> dict[str, Any]:
        answer = self.call("GET", f"{self.path}/{release_id}", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def list(self, **params: Any) -> requests.Response:
        return self.call("GET", self.path, params=params)

    def stop(self, release_id: str, resolution: str, **fields: Any) -> requests.Response:
        return self.call("PUT", f"{self.path}/{release_id}/stop", json={"resolution": resolution, **fields})


def assert_error(answer: requests.Response, status: int, code: str, *fragments: str) -> dict[str, Any]:
    """Assert a LaunchDarkly error answer: ``status``, ``{"code", "message"}``, the message's fragments."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"code", "message"} and body["code"] == code, body
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body
