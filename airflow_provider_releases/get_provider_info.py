"""The one registry of what this provider offers, read by Airflow's ProvidersManager."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases import __version__
from airflow_provider_releases.rules import aha, amplitude, cryptlex, launchdarkly

_PACKAGE = "airflow_provider_releases"

_INTEGRATIONS = {
    "Amplitude": ("amplitude", "https://amplitude.com/docs/apis/analytics/releases"),
    "LaunchDarkly": ("launchdarkly", "https://launchdarkly.com/docs/api/releases-beta"),
    "Aha!": ("aha", "https://www.aha.io/api/resources/releases"),
    "Cryptlex": ("cryptlex", "https://docs.cryptlex.com/web-api/v3"),
}

# The approval gate of a release chain: the standard provider's Human-in-the-loop ApprovalOperator.
_APPROVAL = "Release approval"
_APPROVAL_DOCS = (
    "https://airflow.apache.org/docs/apache-airflow-providers-standard/stable/operators/hitl.html"
)

# Services whose objects a sensor can wait on (Amplitude has no state to wait for).
_WAITABLE = ("LaunchDarkly", "Aha!", "Cryptlex")

_TIMEOUT_FIELDS: dict[str, Any] = {
    "connect_timeout": {
        "label": "Connect timeout (seconds)",
        "description": "Seconds to wait for a connection to open. Default 10.",
        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0},
    },
    "read_timeout": {
        "label": "Read timeout (seconds)",
        "description": "Seconds to wait for a response. Default 60.",
        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0},
    },
    "max_retries": {
        "label": "Max retries",
        "description": "Retries after connection errors, 429, 502, 503 and 504. Default 5.",
        "schema": {"type": ["integer", "null"], "minimum": 0},
    },
    "max_retry_wait": {
        "label": "Max total retry wait (seconds)",
        "description": "The most seconds one request may spend waiting between retries. Default 120.",
        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0},
    },
}


def _choice(label: str, description: str, choices: dict[str, str], default: str) -> dict[str, Any]:
    """A drop-down of the keys of ``choices`` (a vendor's hosts by region), ``default`` first."""
    return {
        "label": label,
        "description": description,
        "schema": {"type": "string", "enum": list(choices), "default": default},
    }


def _connection_type(
    conn_type: str,
    hook_class: str,
    hook_name: str,
    *,
    relabeling: dict[str, str],
    placeholders: dict[str, str],
    fields: dict[str, Any],
) -> dict[str, Any]:
    """Declare a connection type: login is hidden unless relabeled, schema and port always."""
    hidden = ["schema", "port"] + ([] if "login" in relabeling else ["login"])
    return {
        "connection-type": conn_type,
        "hook-class-name": f"{_PACKAGE}.hooks.{conn_type}.{hook_class}",
        "hook-name": hook_name,
        "ui-field-behaviour": {
            "hidden-fields": hidden,
            "relabeling": relabeling,
            "placeholders": placeholders,
        },
        "conn-fields": {**fields, **_TIMEOUT_FIELDS},
    }


_CONNECTION_TYPES: list[dict[str, Any]] = [
    _connection_type(
        "amplitude",
        "AmplitudeHook",
        "Amplitude",
        # Airflow's form cannot mask Login: the masked "API key" extra field is the place for the key;
        # Login, where it used to go, still works when that field is empty.
        relabeling={
            "login": "API key, old place (shown as typed)",
            "password": "Secret key",
            "host": "Base URL override",
        },
        placeholders={
            "login": "leave empty: use the masked API key field",
            "password": "Amplitude project secret key",
            "host": "leave empty for https://amplitude.com (or the EU host by region)",
        },
        fields={
            "api_key": {
                "label": "API key",
                "description": "The Amplitude project's API key (masked). Read before Login, its old place.",
                "schema": {"type": ["string", "null"], "format": "password"},
            },
            "region": _choice(
                "Data region",
                "default: https://amplitude.com; eu: https://analytics.eu.amplitude.com",
                amplitude.API_URLS,
                amplitude.DEFAULT_REGION,
            ),
        },
    ),
    _connection_type(
        "launchdarkly",
        "LaunchDarklyHook",
        "LaunchDarkly",
        relabeling={"password": "Access token", "host": "Base URL override"},
        placeholders={
            "password": "api-... access token with release pipeline permissions",
            "host": "leave empty to use the instance's host",
        },
        fields={
            "instance": _choice(
                "Instance",
                "commercial: app.launchdarkly.com; eu: app.eu.launchdarkly.com; federal: app.launchdarkly.us",
                launchdarkly.API_URLS,
                launchdarkly.DEFAULT_INSTANCE,
            ),
        },
    ),
    _connection_type(
        "aha",
        "AhaHook",
        "Aha!",
        relabeling={"password": "API key", "host": "Account URL"},
        placeholders={"password": "Aha! API key or OAuth2 token", "host": "https://<subdomain>.aha.io"},
        fields={
            "subdomain": {
                "label": "Subdomain",
                "description": "The <subdomain> of https://<subdomain>.aha.io, instead of the Account URL.",
                "schema": {"type": ["string", "null"], "pattern": f"^{aha.SUBDOMAIN.pattern}$"},
            },
        },
    ),
    _connection_type(
        "cryptlex",
        "CryptlexHook",
        "Cryptlex",
        relabeling={"password": "Access token", "host": "API base URL override"},
        placeholders={
            "password": "personal access token with release:read and release:write",
            "host": "leave empty for https://api.cryptlex.com (or the EU host by region)",
        },
        fields={
            "region": _choice(
                "Data region",
                "default: api.cryptlex.com and releases.cryptlex.com; eu: api.eu.cryptlex.com and "
                "releases.eu.cryptlex.com",
                cryptlex.API_URLS,
                cryptlex.DEFAULT_REGION,
            ),
            "releases_host": {
                "label": "Release files URL override",
                "description": "Where release files are uploaded; defaults to the region's releases host.",
                "schema": {"type": ["string", "null"]},
            },
        },
    ),
]


# Modules beside an integration's own in a layer, by layer and integration.
_MORE_MODULES = {"operators": {"LaunchDarkly": ("launchdarkly_environment",)}}


def _modules(layer: str, *names: str) -> list[dict[str, Any]]:
    """One ``{"integration-name", "python-modules"}`` entry per integration with a module in ``layer``."""
    more = _MORE_MODULES.get(layer, {})
    return [
        {
            "integration-name": name,
            "python-modules": [f"{_PACKAGE}.{layer}.{item}" for item in (module, *more.get(name, ()))],
        }
        for name, (module, _) in _INTEGRATIONS.items()
        if not names or name in names
    ]


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata: integrations, hooks, operators, sensors, triggers, links, plugins."""
    return {
        "package-name": "airflow-provider-releases",
        "name": "Releases (Amplitude, LaunchDarkly, Aha!, Cryptlex)",
        "description": "Drive a software release from a DAG: Amplitude release annotations, LaunchDarkly "
        "release pipelines and environment releases, Aha! roadmap releases and Cryptlex release records.",
        "versions": [__version__],
        "integrations": [
            *(
                {"integration-name": name, "external-doc-url": url, "tags": ["service"]}
                for name, (_, url) in _INTEGRATIONS.items()
            ),
            {"integration-name": _APPROVAL, "external-doc-url": _APPROVAL_DOCS, "tags": ["software"]},
        ],
        "hooks": _modules("hooks"),
        "operators": [
            *_modules("operators"),
            {"integration-name": _APPROVAL, "python-modules": [f"{_PACKAGE}.operators.approval"]},
        ],
        "sensors": _modules("sensors", *_WAITABLE),
        # The generic trigger and each service's (the waits of the sensors), and the event triggers
        # of asset watchers.
        "triggers": [
            {
                **entry,
                "python-modules": [
                    f"{_PACKAGE}.triggers.base",
                    *entry["python-modules"],
                    *events["python-modules"],
                ],
            }
            for entry, events in zip(
                _modules("triggers", *_WAITABLE), _modules("triggers.events", *_WAITABLE), strict=True
            )
        ],
        "extra-links": [
            f"{_PACKAGE}.links.launchdarkly.LaunchDarklyFlagLink",
            f"{_PACKAGE}.links.launchdarkly.LaunchDarklyEnvironmentReleaseLink",
            f"{_PACKAGE}.links.aha.AhaReleaseLink",
            f"{_PACKAGE}.links.cryptlex.CryptlexReleaseLink",
        ],
        "connection-types": _CONNECTION_TYPES,
        # The Releases page (Airflow loads providers' plugins when it discovers providers eagerly;
        # the airflow.plugins entry point loads it otherwise).
        "plugins": [
            {"name": "releases_page", "plugin-class": f"{_PACKAGE}.plugins.releases_page.ReleasesPagePlugin"}
        ],
        # Airflow calls the handler on every Asset(...) of the scheme, so a malformed URI fails at parse time.
        "asset-uris": [
            {
                "schemes": [scheme],
                "handler": f"{_PACKAGE}.assets.sanitize_{scheme}_uri",
                "factory": f"{_PACKAGE}.assets.{factory}",
                "to_openlineage_converter": f"{_PACKAGE}.lineage.asset_to_openlineage",
            }
            for scheme, factory in (
                ("launchdarkly", "launchdarkly_flag_asset"),
                ("aha", "aha_product_asset"),
                ("cryptlex", "cryptlex_product_asset"),
                ("amplitude", "amplitude_asset"),
            )
        ],
    }
