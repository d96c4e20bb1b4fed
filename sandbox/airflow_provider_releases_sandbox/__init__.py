"""
A sandbox of the four release APIs (Amplitude, LaunchDarkly, Aha!, Cryptlex) over real HTTP.

The distribution ``airflow-provider-releases-sandbox``, for test environments. Run it as
``python -m airflow_provider_releases_sandbox`` or in-process with
``with sandbox() as sb: ...``; pytest users get the ``release_sandbox`` fixture.

Each service is a package (``amplitude``, ``launchdarkly``, ``aha``, ``cryptlex``) in the
manner of moto: ``rules.py`` (the vendor's documented rules, from its pages), ``records.py``
(its objects as dataclasses, :class:`~airflow_provider_releases_sandbox.core.Record`),
``models.py`` (a :class:`~airflow_provider_releases_sandbox.core.Model`: state and rules, no HTTP),
``responses.py`` (a :class:`~airflow_provider_releases_sandbox.core.Backend`: the routes, which
hold the model), ``seed.json`` (the default seed) and, in its ``__init__``, the routes and the
seed's shape.
The names below load on first use, so that importing the package (as the pytest plugin does
in every session) starts no server code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_releases_sandbox.app import RecordedRequest
    from airflow_provider_releases_sandbox.server import RemoteSandbox, Sandbox, sandbox

__version__ = "0.2.0"  # the provider's version it emulates the APIs for

__all__ = ["RecordedRequest", "RemoteSandbox", "Sandbox", "sandbox"]

_HOMES = {
    "RecordedRequest": "airflow_provider_releases_sandbox.app",
    "RemoteSandbox": "airflow_provider_releases_sandbox.server",
    "Sandbox": "airflow_provider_releases_sandbox.server",
    "sandbox": "airflow_provider_releases_sandbox.server",
}


def __getattr__(name: str) -> Any:
    """Import ``Sandbox``, ``RemoteSandbox``, ``sandbox`` and ``RecordedRequest`` when first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
