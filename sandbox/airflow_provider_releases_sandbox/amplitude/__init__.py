"""
Amplitude in the sandbox: release annotations (``POST /api/2/release``), HTTP Basic auth.

``models.py`` holds the state and the rules, ``responses.py`` the routes; ``seed.json`` is the
default seed.

Routes: ``POST /api/2/release`` with the parameters as a JSON body or as query parameters,
answering ``{"success": true, "release": {...}}``; and the Chart Annotations list
``GET /api/3/annotations`` (``{"data": [...]}``) that connection tests read.

Controls: ``state`` (the releases created so far).

Seed: ``{"app_id": int, "org_id": int, "api_key": str, "secret_key": str, "annotations": [...]}``.
"""

from airflow_provider_releases_sandbox.amplitude.models import API_KEY, DEFAULT_SEED, SECRET_KEY
from airflow_provider_releases_sandbox.amplitude.responses import AmplitudeBackend

__all__ = ["API_KEY", "DEFAULT_SEED", "SECRET_KEY", "AmplitudeBackend"]
