"""
A sandbox of the four release APIs (Amplitude, LaunchDarkly, Aha!, Cryptlex) over real HTTP.

Run it as ``python -m airflow_provider_releases.sandbox`` or in-process with
``with sandbox() as sb: ...``; pytest users get the ``release_sandbox`` fixture.
"""

from __future__ import annotations

from airflow_provider_releases.sandbox.app import RecordedRequest
from airflow_provider_releases.sandbox.server import RemoteSandbox, Sandbox, sandbox

__all__ = ["RecordedRequest", "RemoteSandbox", "Sandbox", "sandbox"]
