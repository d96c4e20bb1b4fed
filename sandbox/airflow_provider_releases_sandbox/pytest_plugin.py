"""
The ``release_sandbox`` pytest fixture, registered through the ``pytest11`` entry point.

One sandbox server runs for the whole test session; each test that asks for ``release_sandbox``
gets it reset to its seed, with the four default Airflow connections pointed at it through
``AIRFLOW_CONN_<ID>`` environment variables (restored after the test).

Every pytest session where the sandbox is installed loads this module, so it imports nothing
beyond pytest until a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from airflow_provider_releases_sandbox.server import Sandbox


@pytest.fixture(scope="session")
def release_sandbox_server() -> Iterator[Sandbox]:
    """The session's sandbox server, started on a free loopback port."""
    from airflow_provider_releases_sandbox.server import Sandbox

    server = Sandbox().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def release_sandbox(release_sandbox_server: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """A freshly reset sandbox with ``amplitude_default``, ``launchdarkly_default``, ``aha_default``
    and ``cryptlex_default`` pointing at it."""
    release_sandbox_server.reset()
    for name, value in release_sandbox_server.environ().items():
        monkeypatch.setenv(name, value)
    return release_sandbox_server
