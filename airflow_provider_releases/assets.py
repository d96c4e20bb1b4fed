"""
Release objects as Airflow assets: the ``launchdarkly``, ``aha``, ``cryptlex`` and ``amplitude``
URI schemes.

===========================================================================  ==========================
URI                                                                          asset
===========================================================================  ==========================
``launchdarkly://<projectKey>/<flagKey>``                                    a feature flag's release
``launchdarkly://<projectKey>/<flagKey>?environment=<environmentKey>``       its environment releases
                                                                             in one environment
``aha://<product key or numeric id>``                                        an Aha! product's releases
``cryptlex://<productId>[?channel=<channel>]``                               a Cryptlex product's
                                                                             releases (on one channel)
``amplitude://<project>``                                                    an Amplitude project (a
                                                                             name you choose: the API
                                                                             key alone says which
                                                                             project it is)
===========================================================================  ==========================

The provider registers one handler per scheme (``get_provider_info()["asset-uris"]``), so a bad
URI fails when the DAG file is parsed, with an :class:`InvalidAssetUriError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.milestones import Service
from airflow_provider_releases.rules import aha, cryptlex, launchdarkly
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Asset

__all__ = [
    "AHA_PRODUCT_URI",
    "AMPLITUDE_PROJECT_URI",
    "CRYPTLEX_PRODUCT_URI",
    "LAUNCHDARKLY_FLAG_URI",
    "AssetUriForm",
    "InvalidAssetUriError",
    "UriPart",
    "aha_product_asset",
    "amplitude_asset",
    "cryptlex_product_asset",
    "launchdarkly_flag_asset",
    "sanitize_aha_uri",
    "sanitize_amplitude_uri",
    "sanitize_cryptlex_uri",
    "sanitize_launchdarkly_uri",
]


class InvalidAssetUriError(InvalidParameterError):
    """
    An asset URI of one of this provider's schemes is malformed.

    :ivar problem: what is wrong with it (``value`` is the URI, user info replaced by ``***``).
    """

    def __init__(self, uri: str, problem: str, accepted: str) -> None:
        self.problem = problem
        super().__init__("uri", uri, accepted)
        self.args = (f"Invalid asset URI {uri!r}: {problem}. Expected {accepted}.",)

    def __reduce__(self):
        return (type(self), (self.value, self.problem, self.accepted))


@dataclass(frozen=True)
class UriPart:
    """One part of an asset URI: its ``label`` in messages, the helper's parameter and its rule-book check."""

    label: str
    param: str
    rule: Callable[[str, Any], Any]

    def check(self, value: Any) -> str:
        """Return the part's URI text, as the rule book accepts it."""
        return str(self.rule(self.param, value))


@dataclass(frozen=True)
class AssetUriForm:
    """The form of one scheme's asset URIs: required host and path parts, optional query parts."""

    scheme: Service
    accepted: str
    host: UriPart
    path: tuple[UriPart, ...] = ()
    query: tuple[UriPart, ...] = ()

    def sanitize(self, parts: SplitResult) -> SplitResult:
        """
        Return the normal form of a URI of this scheme (Airflow's handler, called from ``Asset(...)``).

        :raises InvalidAssetUriError: a part is missing, extra or refused by the rule book, or the
            URI has user info, a port or a query this scheme does not take.
        """
        uri = _shown(parts)
        if parts.scheme.lower() != self.scheme.value:
            self._refuse(uri, f"the scheme is {parts.scheme!r}, not {self.scheme.value!r}")
        if "@" in parts.netloc:
            self._refuse(uri, "user info (before '@') is not allowed")
        if ":" in parts.netloc:
            self._refuse(uri, "a port (after ':') is not allowed")
        host = self._part(uri, self.host, parts.netloc)
        path = parts.path.rstrip("/")
        segments = path[1:].split("/") if path else []
        if len(segments) < len(self.path):
            self._refuse(uri, f"the {self.path[len(segments)].label} is missing")
        if "" in segments:
            self._refuse(uri, f"the path {path!r} has an empty segment ('//')")
        if len(segments) > len(self.path):
            extra = "/".join(segments[len(self.path) :])
            if not self.path:
                self._refuse(uri, f"a path is not allowed on {self.scheme.value} URIs (got {path!r})")
            self._refuse(uri, f"extra path segments {extra!r} after the {self.path[-1].label}")
        checked = [self._part(uri, part, value) for part, value in zip(self.path, segments, strict=True)]
        query = self._query(uri, parse_qsl(parts.query, keep_blank_values=True))
        return SplitResult(self.scheme.value, host, "".join(f"/{s}" for s in checked), query, "")

    def build(self, **values: Any) -> str:
        """
        Return the normal URI of the parts ``values`` gives by parameter name (a query part may be ``None``).

        :raises InvalidParameterError: a part is refused by the rule book.
        """
        host = self.host.check(values[self.host.param])
        path = "".join(f"/{part.check(values[part.param])}" for part in self.path)
        query = [
            (part.param, part.check(values[part.param]))
            for part in self.query
            if values.get(part.param) is not None
        ]
        uri = urlunsplit((self.scheme.value, host, path, urlencode(sorted(query)), ""))
        return urlunsplit(self.sanitize(urlsplit(uri)))

    def asset(self, extra: Mapping[str, Any] | None = None, **values: Any) -> Asset:
        """Return the :class:`airflow.sdk.Asset` of :meth:`build`'s URI, named by it."""
        from airflow.sdk import Asset

        uri = self.build(**values)
        return Asset(name=uri, uri=uri, extra=dict(extra) if extra is not None else None)

    def _part(self, uri: str, part: UriPart, value: str) -> str:
        if not value:
            self._refuse(uri, f"the {part.label} is missing")
        try:
            return part.check(value)
        except InvalidParameterError as error:
            refused = error  # refused below, so that the message is not chained to the rule's
        self._refuse(uri, f"the {part.label} {value!r} is not {refused.accepted}")

    def _query(self, uri: str, pairs: list[tuple[str, str]]) -> str:
        if pairs and not self.query:
            self._refuse(uri, f"a query ('?...') is not allowed on {self.scheme.value} URIs")
        known = {part.param: part for part in self.query}
        unknown = sorted({key for key, _ in pairs if key not in known})
        if unknown:
            accepted = ", ".join(repr(key) for key in known)
            self._refuse(
                uri, f"unknown query key(s) {', '.join(map(repr, unknown))}; the query takes {accepted}"
            )
        checked = []
        for key, part in known.items():
            given = [value for name, value in pairs if name == key]
            if len(given) > 1:
                self._refuse(uri, f"the query gives {key!r} {len(given)} times; give it once")
            checked += [(key, self._part_value(uri, part, value)) for value in given]
        return urlencode(sorted(checked))

    def _part_value(self, uri: str, part: UriPart, value: str) -> str:
        if not value:
            self._refuse(uri, f"the {part.label} is empty (leave '{part.param}=' out instead)")
        return self._part(uri, part, value)

    def _refuse(self, uri: str, problem: str) -> NoReturn:
        raise InvalidAssetUriError(uri, problem, self.accepted)


def _shown(parts: SplitResult) -> str:
    """Return the URI as a message may show it: user info replaced by ``***``."""
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    path = "" if parts.path == "/" else parts.path
    authority = f"//{netloc}" if netloc or path[:1] in ("", "/") else ""  # "x:a/b" has none
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}:{authority}{path}{query}{fragment}"


def _amplitude_project(param: str, value: Any) -> str:
    return check.path_segment(param, value)


LAUNCHDARKLY_FLAG_URI = AssetUriForm(
    Service.LAUNCHDARKLY,
    "launchdarkly://<projectKey>/<flagKey> or launchdarkly://<projectKey>/<flagKey>?environment=<environmentKey>"
    " (such as launchdarkly://default/new-checkout?environment=production)",
    host=UriPart("project key", "project_key", launchdarkly.key),
    path=(UriPart("flag key", "flag_key", launchdarkly.key),),
    query=(UriPart("environment key", "environment", launchdarkly.key),),
)
AHA_PRODUCT_URI = AssetUriForm(
    Service.AHA,
    "aha://<product key or numeric id> (such as aha://PRJ1 or aha://6776757454400085096)",
    host=UriPart("product", "product", aha.path_id),
)
CRYPTLEX_PRODUCT_URI = AssetUriForm(
    Service.CRYPTLEX,
    "cryptlex://<productId> or cryptlex://<productId>?channel=<channel> (such as cryptlex://my-app?channel=beta)",
    host=UriPart("product id", "product_id", lambda _param, value: cryptlex.product_id(value)),
    query=(UriPart("channel", "channel", cryptlex.name),),
)
AMPLITUDE_PROJECT_URI = AssetUriForm(
    Service.AMPLITUDE,
    "amplitude://<project>, a name you give the project (such as amplitude://web-app)",
    host=UriPart("project", "project", _amplitude_project),
)


def sanitize_launchdarkly_uri(parts: SplitResult) -> SplitResult:
    """Airflow's handler of ``launchdarkly://`` URIs: :meth:`AssetUriForm.sanitize`."""
    return LAUNCHDARKLY_FLAG_URI.sanitize(parts)


def sanitize_aha_uri(parts: SplitResult) -> SplitResult:
    """Airflow's handler of ``aha://`` URIs: :meth:`AssetUriForm.sanitize`."""
    return AHA_PRODUCT_URI.sanitize(parts)


def sanitize_cryptlex_uri(parts: SplitResult) -> SplitResult:
    """Airflow's handler of ``cryptlex://`` URIs: :meth:`AssetUriForm.sanitize`."""
    return CRYPTLEX_PRODUCT_URI.sanitize(parts)


def sanitize_amplitude_uri(parts: SplitResult) -> SplitResult:
    """Airflow's handler of ``amplitude://`` URIs: :meth:`AssetUriForm.sanitize`."""
    return AMPLITUDE_PROJECT_URI.sanitize(parts)


def launchdarkly_flag_asset(
    project_key: str,
    flag_key: str,
    environment_key: str | None = None,
    *,
    extra: Mapping[str, Any] | None = None,
) -> Asset:
    """
    Return the asset ``launchdarkly://<project_key>/<flag_key>`` of a feature flag's release, with
    ``?environment=<environment_key>`` when an environment is given (its environment releases).
    """
    return LAUNCHDARKLY_FLAG_URI.asset(
        extra, project_key=project_key, flag_key=flag_key, environment=environment_key
    )


def aha_product_asset(product: str | int, *, extra: Mapping[str, Any] | None = None) -> Asset:
    """Return the asset ``aha://<product>`` of an Aha! product's releases (key or numeric id)."""
    return AHA_PRODUCT_URI.asset(extra, product=product)


def cryptlex_product_asset(
    product_id: str, channel: str | None = None, *, extra: Mapping[str, Any] | None = None
) -> Asset:
    """Return the asset ``cryptlex://<product_id>[?channel=<channel>]`` of a product's releases."""
    return CRYPTLEX_PRODUCT_URI.asset(extra, product_id=product_id, channel=channel)


def amplitude_asset(project: str, *, extra: Mapping[str, Any] | None = None) -> Asset:
    """Return the asset ``amplitude://<project>`` of an Amplitude project, named as you choose."""
    return AMPLITUDE_PROJECT_URI.asset(extra, project=project)


def release_assets(targets: Mapping[str, str], *, amplitude_project: str) -> dict[str, Asset]:
    """
    Return the four assets a release to ``targets`` (keyed like ``TARGET_KEYS``) updates, by service.

    With an ``environment`` (``ENVIRONMENT_TARGET_KEYS``), the flag's asset is the one in that environment.

    :raises KeyError: ``targets`` lacks a product, project or flag.
    """
    project, flag_key = targets["launchdarkly_project"], targets["flag"]
    flag = launchdarkly_flag_asset(project, flag_key, targets.get("environment"))
    return {
        "aha": aha_product_asset(targets["aha_product"]),
        "cryptlex": cryptlex_product_asset(targets["cryptlex_product"]),
        "launchdarkly": flag,
        "amplitude": amplitude_asset(amplitude_project),
    }


# The asset of what one run acted on, where an AssetAlias outlet puts the run's event.


def aha_release_target(release: Any, product: str | int | None = None) -> Asset | None:
    """Return ``aha://<product>`` for an Aha! release a run acted on; ``None`` when unknown."""
    if product in (None, "") and isinstance(release, Mapping):
        project = release.get("project")
        product = (project.get("reference_prefix") if isinstance(project, Mapping) else None) or release.get(
            "product_id"
        )
    return aha_product_asset(product) if product not in (None, "") else None


def cryptlex_release_target(release: Any, product_id: str | None = None) -> Asset | None:
    """Return ``cryptlex://<productId>`` for a Cryptlex release a run acted on; ``None`` when unknown."""
    found = release.get("productId") if isinstance(release, Mapping) else None
    product = found or product_id
    return cryptlex_product_asset(product) if product else None
