"""
The Releases page's plugin: a "Releases" entry in the Airflow UI's navigation and the app behind it.

Airflow's api-server mounts the page's FastAPI app (:mod:`.releases_app`) under ``/releases``
(``fastapi_apps``), and the UI shows it inside its own frame, with its navigation around it,
at ``/plugin/releases`` (``external_views``). Airflow loads this plugin in every process, so
this module imports nothing heavy: the app is built on its first request.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/releases"


class LazyReleasesApp:
    """An ASGI app that builds the Releases page's FastAPI app on its first request."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve the request with the page's app (built once)."""
        if self._app is None:
            from airflow_provider_releases.plugins.releases_app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)

    def __repr__(self) -> str:
        return "airflow_provider_releases.plugins.releases_app:create_app()"


class ReleasesPagePlugin(AirflowPlugin):
    """Adds the Releases page: every version, its state at each service, its runs and approvals."""

    name = "releases_page"
    fastapi_apps = [{"app": LazyReleasesApp(), "url_prefix": URL_PREFIX, "name": "Releases"}]
    external_views = [
        {
            "name": "Releases",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "url_route": "releases",
            "icon": f"{URL_PREFIX}/icon.svg",
            # Airflow 3.3: an entry of its own in the navigation bar, not under "Plugins" (3.2 ignores it).
            "nav_top_level": True,
        }
    ]


def _loaded_by_entry_point() -> type[AirflowPlugin]:
    """
    The plugin the ``airflow.plugins`` entry point loads: the Releases page when Airflow discovers
    providers lazily (its default, when it does not load providers' ``plugins``), else an empty
    plugin, so the page is not registered twice.
    """
    from airflow import settings

    if getattr(settings, "LAZY_LOAD_PROVIDERS", True):
        return ReleasesPagePlugin

    class ReleasesPageFromProviderInfo(AirflowPlugin):
        """Nothing: Airflow loads :class:`ReleasesPagePlugin` from the provider's ``plugins``."""

        name = "releases_page_from_provider_info"

    return ReleasesPageFromProviderInfo


#: What the ``airflow.plugins`` entry point ``releases_page`` names (see :func:`_loaded_by_entry_point`).
ReleasesPageEntryPoint = _loaded_by_entry_point()
