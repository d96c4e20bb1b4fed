"""
What a release milestone says about itself: the ``extra`` of an asset event.

Operators and sensors put one on each outlet event of their task, and the event triggers of
:mod:`airflow_provider_releases.triggers.events` fire one as their payload, so a DAG scheduled
on a release asset reads the same keys whichever made the event (``triggering_asset_events``):

- ``service``: ``aha``, ``cryptlex``, ``launchdarkly`` or ``amplitude``;
- ``action``: what happened (:class:`MilestoneAction`);
- ``version`` where the service knows one (Cryptlex, Amplitude);
- the vendor's ids: ``release_id``, ``reference_num``, ``product_id``, ``project_key``,
  ``flag_key``, ``release_pipeline_key``, ``phase_id``, ``phase_name``...;
- ``name`` or ``title`` where the object has one, and ``url``, its page at the vendor;
- a few per action: ``released_on`` (Aha!), ``source_release_id`` (``duplicated``: the release
  copied), ``file_name`` and ``size`` (``file_uploaded``), ``release_start`` (Amplitude).

Every value is a JSON string, number or boolean: ids are sent as strings. Nothing here reads
credentials, and the builders take only these named fields from what a vendor answered, so a
secret in an answer cannot reach an event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any


class MilestoneAction(str, Enum):
    """What happened to a release object, as a milestone's ``action`` says it."""

    CREATED = "created"
    UPDATED = "updated"
    SHIPPED = "shipped"
    PUBLISHED = "published"
    DUPLICATED = "duplicated"
    DELETED = "deleted"
    FILE_UPLOADED = "file_uploaded"
    ATTACHED = "attached"
    PHASE_STARTED = "phase_started"
    PHASE_COMPLETED = "phase_completed"
    ANNOTATED = "annotated"
    #: A whole release went out everywhere (:func:`release_record`), not one service's step.
    RELEASED = "released"


class Service(str, Enum):
    """The services a milestone can come from (an asset URI's scheme too)."""

    AHA = "aha"
    CRYPTLEX = "cryptlex"
    LAUNCHDARKLY = "launchdarkly"
    AMPLITUDE = "amplitude"


def _plain(value: Any) -> str | int | float | bool | None:
    """A JSON scalar: strings, booleans and numbers as they are, anything else as its text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def milestone(
    service: Service | str,
    action: MilestoneAction | str,
    *,
    version: Any = None,
    url: Any = None,
    **fields: Any,
) -> dict[str, Any]:
    """
    Return a milestone's ``extra``: ``service``, ``action``, then ``version``, the given ids and
    names and ``url``, leaving out those that are ``None``.

    Ids are sent as strings (``release_id``, ``product_id`` and every field ending in ``_id``);
    other values as JSON scalars.
    """
    extra: dict[str, Any] = {"service": Service(service).value, "action": MilestoneAction(action).value}
    for key, value in {"version": version, **fields, "url": url}.items():
        if value is None:
            continue
        extra[key] = str(value) if key.endswith("_id") else _plain(value)
    return extra


def aha_release(action: MilestoneAction | str, release: Mapping[str, Any], **more: Any) -> dict[str, Any]:
    """The milestone of an Aha! release (``id``, ``reference_num``, ``product_id``, ``name``, ``url``)."""
    return milestone(
        Service.AHA,
        action,
        release_id=release.get("id"),
        reference_num=release.get("reference_num"),
        product_id=release.get("product_id"),
        name=release.get("name"),
        released_on=release.get("released_on"),
        url=release.get("url"),
        **more,
    )


def cryptlex_release(
    action: MilestoneAction | str, release: Mapping[str, Any], *, url: str | None = None, **more: Any
) -> dict[str, Any]:
    """The milestone of a Cryptlex release (``id``, ``productId``, ``version``, ``channel``, ``name``)."""
    return milestone(
        Service.CRYPTLEX,
        action,
        version=release.get("version"),
        release_id=release.get("id"),
        product_id=release.get("productId"),
        channel=release.get("channel"),
        name=release.get("name"),
        url=url,
        **more,
    )


def launchdarkly_release(
    action: MilestoneAction | str,
    *,
    project_key: str,
    flag_key: str,
    release_pipeline_key: str | None = None,
    phase: Mapping[str, Any] | None = None,
    url: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """The milestone of a flag's release, with the phase it is about (``_id``, ``_name``) if any."""
    phase = phase or {}
    return milestone(
        Service.LAUNCHDARKLY,
        action,
        project_key=project_key,
        flag_key=flag_key,
        release_pipeline_key=release_pipeline_key,
        phase_id=phase.get("_id") or phase.get("id"),
        phase_name=phase.get("_name") or phase.get("name"),
        url=url,
        **more,
    )


def amplitude_release(
    action: MilestoneAction | str, release: Mapping[str, Any], **more: Any
) -> dict[str, Any]:
    """The milestone of an Amplitude release annotation (``id``, ``version``, ``title``, start)."""
    return milestone(
        Service.AMPLITUDE,
        action,
        version=release.get("version"),
        release_id=release.get("id"),
        title=release.get("title"),
        release_start=release.get("release_start"),
        **more,
    )


# Writing milestones, from an operator or a sensor whose task has outlets.


def page_of(page: Callable[..., str], *ids: Any) -> str | None:
    """``page(*ids)``, an object's web page, when every id is a non-empty string; else ``None``."""
    if ids and all(isinstance(value, str) and value for value in ids):
        return page(*ids)
    return None


#: The XCom key under which a task that wrote a milestone keeps it, for a later step to gather
#: (``release_chain``'s ``released`` event).
MILESTONE_XCOM_KEY = "milestone"


def put_on_outlets(
    task: Any,
    context: Mapping[str, Any],
    build: Callable[[], dict[str, Any] | None],
    target: Callable[[], Any] | None = None,
) -> dict[str, Any] | None:
    """
    Put the milestone ``build()`` returns on the outlet events of the task ``task``; return it,
    or ``None`` when nothing was written.

    - ``Asset`` outlets and asset references (``Asset.ref(name=...)``) get it as their event's
      ``extra`` (``context["outlet_events"][asset].extra``): the event goes on the asset named
      when the DAG was parsed.
    - An ``AssetAlias`` outlet gets an event on the asset of what this run actually acted on,
      ``target()`` (such as ``launchdarkly://<project>/<flag>`` for the flag the run's templates
      rendered), through ``outlet_events[alias].add(asset, extra=...)``: Airflow creates that
      asset if it is new and triggers the DAGs scheduled on it or on the alias. When ``target``
      is missing or returns ``None`` (the task has no target of its own, as an Amplitude
      annotation), the alias gets no event and a warning says so.

    The milestone is also pushed to XCom under :data:`MILESTONE_XCOM_KEY`. ``build`` is called
    only when the task has an asset or alias outlet: a task without outlets reads nothing more
    and writes nothing, nor does a ``None`` milestone. A context without ``outlet_events`` (one
    built by hand, not by a task run) gets nothing.
    """
    from airflow.sdk import Asset, AssetAlias
    from airflow.sdk.definitions.asset import AssetRef

    outlets = list(task.outlets or ())
    assets = [outlet for outlet in outlets if isinstance(outlet, (Asset, AssetRef))]
    aliases = [outlet for outlet in outlets if isinstance(outlet, AssetAlias)]
    events = context.get("outlet_events")
    if not (assets or aliases) or events is None:
        return None
    extra = build()
    if extra is None:
        return None
    names = [getattr(asset, "uri", None) or asset.name for asset in assets]
    for asset in assets:
        events[asset].extra.update(extra)
    if aliases:
        actual = target() if target is not None else None
        if actual is None:
            task.log.warning(
                "No event on the asset alias %s: this task has no release asset of its own to name.",
                ", ".join(alias.name for alias in aliases),
            )
        else:
            for alias in aliases:
                events[alias].add(actual, extra=dict(extra))
            names.append(f"{actual.uri} (through the alias {', '.join(alias.name for alias in aliases)})")
    ti = context.get("ti")
    if ti is not None and names:
        ti.xcom_push(key=MILESTONE_XCOM_KEY, value=extra)
    if names:
        fields = ", ".join(f"{key}={value!r}" for key, value in extra.items() if key != "url")
        task.log.info(  # plain text, the link last: a log view's auto-linking takes no punctuation with it
            "Milestone %s %s on the asset event of %s: %s; link: %s",
            extra["service"], extra["action"], ", ".join(names), fields, extra.get("url") or "none",
        )  # fmt: skip
    return extra if names else None


def release_record(version: str | None, milestones: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """
    Return the ``extra`` of a release that went out everywhere: ``action`` ``released``, its
    ``version`` and the other ``fields`` given (``title``...), and ``milestones``, the milestone
    each service's step wrote in that run. :func:`milestones_of` reads it back as those milestones.
    """
    record: dict[str, Any] = {"action": MilestoneAction.RELEASED.value, "version": _plain(version)}
    record.update({key: _plain(value) for key, value in fields.items() if value is not None})
    record["milestones"] = [dict(item) for item in milestones]
    return record


# Reading milestones back, in a DAG scheduled on release assets.

#: The keys of an asset event a watcher fired: Airflow keeps the trigger's payload under ``payload``.
_WATCHER_PAYLOAD = "payload"


def milestone_of(extra: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """
    Return the milestone an asset event's ``extra`` holds, or ``None`` when it holds none.

    An operator's or sensor's event carries the milestone as its ``extra``; a watcher's event
    (``AssetWatcher``) carries it under ``extra["payload"]``, beside ``"from_trigger": true``.
    """
    if not isinstance(extra, Mapping):
        return None
    payload = extra.get(_WATCHER_PAYLOAD) if extra.get("from_trigger") else extra
    if isinstance(payload, Mapping) and payload.get("service") in {s.value for s in Service}:
        return dict(payload)
    return None


def _milestones_in(extra: Any) -> list[dict[str, Any]]:
    """The milestones an event's ``extra`` holds: one, those of a :func:`release_record`, or none."""
    if isinstance(extra, Mapping) and extra.get("action") == MilestoneAction.RELEASED.value:
        return [dict(item) for item in extra.get("milestones") or () if milestone_of(item) is not None]
    single = milestone_of(extra)
    return [single] if single is not None else []


def milestones_of(triggering_asset_events: Any) -> list[dict[str, Any]]:
    """
    Return the milestones of a run's ``triggering_asset_events``, oldest first; events without
    one (from other producers) are left out, and the event of a :func:`release_record` gives
    each milestone it holds.
    """
    found: list[tuple[str, dict[str, Any]]] = []
    for asset in triggering_asset_events or {}:
        for event in triggering_asset_events[asset]:
            stamp = str(getattr(event, "timestamp", ""))
            found += [(stamp, extra) for extra in _milestones_in(getattr(event, "extra", None))]
    return [extra for _, extra in sorted(found, key=lambda pair: pair[0])]


def announcement(milestones: list[dict[str, Any]]) -> dict[str, Any]:
    """
    Summarise a release's milestones: ``version`` (the last one that names one), ``services``
    (each service's latest milestone) and ``text``, a few lines saying what was released where.
    """
    services: dict[str, dict[str, Any]] = {}
    version = None
    for extra in milestones:
        services[extra["service"]] = extra
        version = extra.get("version", version)
    lines = [f"Released version {version or '(unknown)'}:"]
    for service, extra in sorted(services.items()):
        ids = ", ".join(
            f"{key} {value}"
            for key, value in extra.items()
            if key.endswith(("_id", "_key", "reference_num")) and value is not None
        )
        lines.append(f"- {service} {extra['action']}: {ids or 'no ids'}; {extra.get('url') or 'no link'}")
    return {"version": version, "services": services, "text": "\n".join(lines)}
