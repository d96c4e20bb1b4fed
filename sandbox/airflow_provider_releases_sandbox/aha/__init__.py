"""
Aha! in the sandbox: products, releases, goals, initiatives, release phases (API v1).

``records.py`` holds the typed objects, ``models.py`` the state, ``fields.py`` the rules of writable
fields, ``views.py`` the rendering and ``responses.py`` the routes and controls; ``seed.json`` is the
default seed.

Aha!'s release endpoints under ``/api/v1``, with ``Authorization: Bearer <API key>``.

Routes (``{id}`` of a release or product takes the numeric id or the key, ``PRJ1-R-1`` or
``PRJ1``; goals and initiatives take the id or the reference number):

- ``POST /api/v1/products/{product_id}/releases`` (``{"release": {...}}``; ``name`` required)
- ``GET /api/v1/products/{product_id}/releases``, ``/goals/{id}/releases``,
  ``/initiatives/{id}/releases``, ``/releases/{id}/releases`` and
  ``/roll_up_releases/{id}/releases``: ``{"releases": [...], "pagination": {...}}``, paged by
  ``page`` and ``per_page`` (1 to 200, default 30), filtered by ``q``, ``updated_since``,
  ``parking_lot`` and ``exclude_shipped``. List items carry neither ``released`` nor
  ``workflow_status``.
- ``GET /api/v1/releases/{id}``: the release with ``released``, ``released_on`` and
  ``workflow_status``; ``POST /api/v1/releases/{id}/duplicate`` answers the copy as the docs
  show it, ``{"release": {"id", "name": "[Copy] <name>"}}``.
- ``PUT`` and ``DELETE /api/v1/products/{product_id}/releases/{id}`` (delete answers 204).
- ``GET /api/v1/releases/{id}/release_phases``, ``GET``/``POST /api/v1/release_phases``,
  ``GET``/``PUT``/``DELETE /api/v1/release_phases/{id}`` (``{"release_phase": {...}}``).
- ``GET /api/v1/me``: the API key's user (what ``test_connection`` reads).

Every list and read takes ``fields`` (``"*"`` for the usual keys, plus names such as
``watchers``; without ``*`` only the named keys). Moving a release to the workflow status
marked ``ships`` (``Shipped`` by default) sets ``released: true`` and ``released_on`` to
today (UTC); moving it elsewhere clears both. Errors answer ``{"errors": {"message": ...}}``:
400 for a missing or malformed field, 404 for an unknown id. Rate-limited answers carry
``X-Ratelimit-Reset`` in epoch seconds (no ``Retry-After``: unconfirmed for Aha!).

Release ``url``/``resource``: ``<web_url>/releases/<reference_num>`` (roll-ups under
``/master_releases/``) and ``<web_url>/api/v1/releases/<reference_num>``, where ``web_url`` is
the seed's (such as ``"https://company.aha.io"``) or, by default, the sandbox's own mount as
the request reached it (``http://127.0.0.1:<port>/aha``), so ``resource`` can be read back
and ``url`` opens the release's web page there (``GET /releases/{id}`` and
``/master_releases/{id}``, no credentials: name, workflow status, shipped, dates, phases).

Controls: ``ship_release`` (``release_id``) and ``state``.

Seed (the default is ``seed.json`` beside this file, :data:`DEFAULT_SEED`). Every key is
optional: a setting left out (``api_key``, ``web_url``, ``user_id``, ``users``,
``workflow_statuses``) takes its default;
the data (``products``, ``goals``, ``initiatives``, ``releases``, ``release_phases``) is the
default data when the seed names none of these keys, else exactly what it names. Products use
the top-level ``workflow_statuses`` unless they list their own; the status with ``ships: true``
is the one that ships a release::

    {"api_key": str, "web_url": str | null, "user_id": id of the API key's user,
     "users": [{"id", "name", "email"}],
     "workflow_statuses": [{"id", "name", "position", "complete", "color", "ships"?: bool}],
     "products": [{"id", "reference_prefix", "name", "workflow_statuses"?: [...]}],
     "goals": [{"id", "reference_num", "name", "description"?}],
     "initiatives": [{"id", "reference_num", "name", "product_id"?, "description"?}],
     "releases": [{"id", "product_id", "name", "reference_num"?, "master_release"?,
                   "parent_id"?, "workflow_status"?: name or id, "released_on"?,
                   "goals"?: [ids], "initiatives"?: [ids], "owner"?: user id,
                   any writable release field (dates YYYY-MM-DD)}],
     "release_phases": [{"id", "release_id", "name", "type"?: "phase" | "milestone",
                         "start_on", "end_on"?, "description"?}]}
"""

from airflow_provider_releases_sandbox.aha.models import API_KEY, DEFAULT_SEED
from airflow_provider_releases_sandbox.aha.responses import DEFAULT_PER_PAGE, AhaBackend
from airflow_provider_releases_sandbox.aha.views import EXTRA_KEYS, LIST_ITEM_KEYS

__all__ = ["API_KEY", "DEFAULT_PER_PAGE", "DEFAULT_SEED", "EXTRA_KEYS", "LIST_ITEM_KEYS", "AhaBackend"]
