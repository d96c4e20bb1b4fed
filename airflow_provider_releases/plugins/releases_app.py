"""
The Releases page's FastAPI app, mounted by Airflow's api-server under ``/releases``.

Pages (HTML, shown in Airflow's UI through the plugin's external view):

- ``GET /releases/``: one row per version, newest first; filters ``dag_id``, ``state`` and
  ``q``; ``page`` and ``page_size``.
- ``GET /releases/versions/{version}``: the version's timeline, what is pending, the approvals.

Data (JSON, the same content): ``GET /releases/api/versions`` and ``GET /releases/api/versions/{version}``.

Every route needs an authenticated Airflow user (the UI's session cookie or a bearer token, as
Airflow's own API reads them) and shows only runs of the DAGs the auth manager lets that user
read. Every value is HTML-escaped by the templates.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from airflow.api_fastapi.core_api.security import get_user
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from airflow_provider_releases.plugins.releases_model import SERVICE_TITLES, SERVICES, ServiceState
from airflow_provider_releases.plugins.releases_view import (
    build_versions,
    parse_state_filter,
    select_versions,
)

if TYPE_CHECKING:
    from datetime import datetime

    from airflow_provider_releases.plugins.releases_model import (
        ApprovalRecord,
        Cell,
        RunRecord,
        TaskRecord,
        TimelineEntry,
        VersionRow,
    )

TEMPLATES = Path(__file__).with_name("templates")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def create_app() -> FastAPI:
    """Build the Releases page's app (Airflow mounts it; see :class:`.releases_page.ReleasesPagePlugin`)."""
    app = FastAPI(title="Releases", description=__doc__, docs_url=None, redoc_url=None)

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Any:
        """A page answers a person (HTML with the way to log in); the data routes answer JSON."""
        if "/api/" in request.url.path:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        login = _login_url()
        html = _render("refused.html", status=exc.status_code, detail=str(exc.detail), login=login)
        return HTMLResponse(html, status_code=exc.status_code)

    app.add_api_route("/icon.svg", icon, methods=["GET"], include_in_schema=False)
    app.add_api_route("/", list_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/versions/{version:path}", version_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/api/versions", list_data, methods=["GET"])
    app.add_api_route("/api/versions/{version:path}", version_data, methods=["GET"])
    return app


def icon() -> Response:
    """The navigation entry's icon (a tag), served without login like the UI's own images."""
    return Response(ICON, media_type="image/svg+xml")


ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor"'
    ' stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M20.6 13.4 13.4 20.6a2 2 0 0 1'
    '-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8z"/><circle cx="7.5" cy="7.5" r="1.5"/></svg>'
)


#: The authenticated Airflow user, as Airflow's own API reads it (401 without a token or session cookie).
User = Annotated[Any, Depends(get_user)]
Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def list_data(
    user: User,
    dag_id: str | None = None,
    state: str | None = None,
    q: str | None = None,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """One page of versions, newest first, as JSON."""
    rows, total, _ = _page(user, dag_id, state, q, page, page_size)
    return {
        "versions": [version_json(row) for row in rows],
        "total_entries": total,
        "page": page,
        "page_size": page_size,
    }


def version_data(user: User, version: str) -> dict[str, Any]:
    """One version with its timeline, pending steps and approvals, as JSON (404: no such version)."""
    return version_json(_version(user, version), detailed=True)


def list_page(
    request: Request,
    user: User,
    dag_id: str | None = None,
    state: str | None = None,
    q: str | None = None,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> str:
    """The list page."""
    rows, total, dag_ids = _page(user, dag_id, state, q, page, page_size)
    filters = {"dag_id": dag_id or "", "state": state or "", "q": q or "", "page_size": page_size}
    pages = max(1, -(-total // page_size))

    def page_link(number: int) -> str:
        return "?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": number})

    return _render(
        "releases.html",
        versions=[version_json(row) for row in rows],
        services=[(service.value, SERVICE_TITLES[service]) for service in SERVICES],
        states=_state_choices(),
        dag_ids=dag_ids,
        filters=filters,
        page=page,
        pages=pages,
        total=total,
        previous=page_link(page - 1) if page > 1 else None,
        next=page_link(page + 1) if page < pages else None,
        base=_own_base(request),
    )


def version_page(request: Request, user: User, version: str) -> str:
    """The version page."""
    return _render(
        "version.html",
        version=version_json(_version(user, version), detailed=True),
        services=[(service.value, SERVICE_TITLES[service]) for service in SERVICES],
        base=_own_base(request),
    )


def _page(
    user: Any, dag_id: str | None, state: str | None, q: str | None, page: int, page_size: int
) -> tuple[list[VersionRow], int, list[str]]:
    """The versions on page ``page`` of those the filters keep, how many they keep, every DAG seen."""
    try:
        parse_state_filter(state)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    every = _versions(user)
    rows = select_versions(every, dag_id=dag_id, state=state, text=q)
    start = (page - 1) * page_size
    return rows[start : start + page_size], len(rows), sorted({d for row in every for d in row.dag_ids})


def _version(user: Any, version: str) -> VersionRow:
    for row in _versions(user):
        if row.version == version:
            return row
    detail = f"No release of version {version!r} in the DAGs you may read."
    raise HTTPException(status_code=404, detail=detail)


def _versions(user: Any) -> list[VersionRow]:
    """Every version of the DAGs ``user`` may read, from the metadata database."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.utils.session import create_session

    from airflow_provider_releases.plugins.releases_data import read_records

    auth_manager = get_auth_manager()
    with create_session() as session:
        dag_ids = auth_manager.get_authorized_dag_ids(user=user, method="GET", session=session)
        loose = auth_manager.is_authorized_asset(method="GET", user=user)
        records = read_records(session, dag_ids, with_loose_events=loose)
    return build_versions(*records)


# JSON: what both the pages and the data routes show.


def version_json(row: VersionRow, *, detailed: bool = False) -> dict[str, Any]:
    """A version as JSON: its cells by service (with links), runs and pending approvals."""
    found: dict[str, Any] = {
        "version": row.version,
        "title": row.title,
        "first_at": _iso(row.first_at),
        "last_at": _iso(row.last_at),
        "dag_ids": row.dag_ids,
        "runs": [_run_json(run) for run in row.runs],
        "services": {service.value: _cell_json(row.cell(service)) for service in SERVICES},
        "pending_approvals": [_approval_json(approval) for approval in row.pending_approvals],
    }
    if detailed:
        found["timeline"] = [_entry_json(entry) for entry in row.timeline]
        found["pending_steps"] = [_step_json(task) for task in row.pending_steps]
        found["approvals_given"] = [_approval_json(approval) for approval in row.given_approvals]
    return found


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {
        "state": cell.state.value,
        "label": cell.state.label,
        "detail": cell.detail,
        "message": cell.message,
        "vendor_url": cell.vendor_url,
        "at": _iso(cell.at),
        **_where_json(cell.dag_id, cell.run_id, cell.task_id, cell.map_index),
    }


def _run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": run.state,
        "started_at": _iso(run.started_at),
        "url": run_url(run.dag_id, run.run_id),
    }


def _approval_json(approval: ApprovalRecord) -> dict[str, Any]:
    where = _where_json(approval.dag_id, approval.run_id, approval.task_id, approval.map_index)
    return {
        **where,
        "subject": approval.subject,
        "requested_at": _iso(approval.created_at),
        "responded_at": _iso(approval.responded_at),
        "responded_by": approval.responded_by,
        "chosen": list(approval.chosen),
        "url": f"{where['task_url']}/required_actions" if where["task_url"] else None,
    }


def _entry_json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "at": _iso(entry.at),
        "service": entry.service,
        "what": entry.what,
        "detail": entry.detail,
        "vendor_url": entry.vendor_url,
        **_where_json(entry.dag_id, entry.run_id, entry.task_id, entry.map_index),
    }


def _step_json(task: TaskRecord) -> dict[str, Any]:
    return {
        **_where_json(task.dag_id, task.run_id, task.task_id, task.map_index),
        "state": task.state,
        "service": task.service.value,
    }


def _where_json(
    dag_id: str | None, run_id: str | None, task_id: str | None, map_index: int
) -> dict[str, Any]:
    """Which run and task something came from, with their pages in Airflow's UI."""
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "run_url": run_url(dag_id, run_id),
        "task_url": task_url(dag_id, run_id, task_id, map_index),
    }


# Links into Airflow's own UI.


def ui_base() -> str:
    """The path Airflow's UI is served under (``[api] base_url``'s path; empty at the root)."""
    from airflow.configuration import conf

    return urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


def run_url(dag_id: str | None, run_id: str | None) -> str | None:
    """The DAG run's page in Airflow's UI."""
    if not dag_id or not run_id:
        return None
    return f"{ui_base()}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def task_url(dag_id: str | None, run_id: str | None, task_id: str | None, map_index: int = -1) -> str | None:
    """The task instance's page in Airflow's UI (its approval page is this plus ``/required_actions``)."""
    run = run_url(dag_id, run_id)
    if run is None or not task_id:
        return None
    url = f"{run}/tasks/{quote(task_id, safe='')}"
    return f"{url}/mapped/{map_index}" if map_index is not None and map_index >= 0 else url


def _own_base(request: Request) -> str:
    """Where this app is mounted (``/releases``), for links between its pages."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _login_url() -> str | None:
    try:
        from airflow.api_fastapi.app import get_auth_manager

        return get_auth_manager().get_url_login()
    except Exception:  # an auth manager without a login page: the refusal still says why
        return None


def _state_choices() -> list[tuple[str, str]]:
    from airflow_provider_releases.plugins.releases_model import APPROVAL_PENDING

    choices = [(APPROVAL_PENDING, "Approval pending")]
    for service in SERVICES:
        for state in ServiceState:
            choices.append((f"{service.value}:{state.value}", f"{SERVICE_TITLES[service]}: {state.label}"))
    return choices


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None and value.year > 1 else None


def _render(template: str, **values: Any) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = _ENVIRONMENT.get("env")
    if environment is None:
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        _ENVIRONMENT["env"] = environment
    return environment.get_template(template).render(**values)


_ENVIRONMENT: dict[str, Any] = {}
