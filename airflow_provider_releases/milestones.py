"""
What a release milestone says about itself: the ``extra`` of an asset event.

Operators, sensors and event triggers write the same keys, so a DAG scheduled on a release
asset reads them the same way: ``service``, ``action`` (:class:`MilestoneAction`), ``version``
where known, the vendor's ids (as strings), ``name`` or ``title``, ``url`` and a few per action.
Every value is a JSON scalar, taken by name from the vendor's answer, so no secret reaches an event.
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
    #: A LaunchDarkly environment release was started, completed, reverted or stopped.
    RELEASE_STARTED = "release_started"
    RELEASE_COMPLETED = "release_completed"
    RELEASE_REVERTED = "release_reverted"
    RELEASE_STOPPED = "release_stopped"
    #: A whole release went out everywhere (:func:`release_record`), not one service's step.
    RELEASED = "released"


class Service(str, Enum):
    """The services a milestone can come from (an asset URI's scheme too)."""

    AHA = "aha"
    CRYPTLEX = "cryptlex"
    LAUNCHDARKLY = "launchdarkly"
    AMPLITUDE = "amplitude"


def _plain(value: Any) -> str | int | float | bool | None:
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
    """Return a milestone's ``extra``: ``service``, ``action`` and the given fields that are not ``None``."""
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


def launchdarkly_environment_release(
    action: MilestoneAction | str,
    release: Mapping[str, Any],
    *,
    project_key: str,
    flag_key: str,
    environment_key: str,
    url: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """The milestone of a flag's environment release (``id``, ``kind``, ``status``, ``statusReason``)."""
    return milestone(
        Service.LAUNCHDARKLY,
        action,
        project_key=project_key,
        flag_key=flag_key,
        environment_key=environment_key,
        release_id=release.get("id"),
        kind=release.get("kind"),
        status=release.get("status"),
        status_reason=release.get("statusReason"),
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
#: The XCom key under which a release sensor keeps its last check (:func:`wait_status`).
WAIT_STATUS_XCOM_KEY = "wait_status"


def wait_status(status: str, message: str | None, reason: str | None, checked_at: str) -> dict[str, Any]:
    """Return what a sensor's last check found: ``status``, ``message``, ``reason`` and ``checked_at``."""
    return {"status": status, "message": message, "reason": reason, "checked_at": checked_at}


def put_on_outlets(
    task: Any,
    context: Mapping[str, Any],
    build: Callable[[], dict[str, Any] | None],
    target: Callable[[], Any] | None = None,
) -> dict[str, Any] | None:
    """
    Put the milestone ``build()`` returns on the task's outlet events (and XCom); return it or ``None``.

    An ``AssetAlias`` outlet gets an event on ``target()``, the asset the run acted on (none, with a
    warning, when there is no target).
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
    """Return the ``extra`` of a release that went out everywhere: ``version`` and each step's milestone."""
    record: dict[str, Any] = {"action": MilestoneAction.RELEASED.value, "version": _plain(version)}
    record.update({key: _plain(value) for key, value in fields.items() if value is not None})
    record["milestones"] = [dict(item) for item in milestones]
    return record


# Reading milestones back, in a DAG scheduled on release assets.

#: The keys of an asset event a watcher fired: Airflow keeps the trigger's payload under ``payload``.
_WATCHER_PAYLOAD = "payload"


def milestone_of(extra: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return the milestone an asset event's ``extra`` holds (a watcher's under ``payload``), or ``None``."""
    if not isinstance(extra, Mapping):
        return None
    payload = extra.get(_WATCHER_PAYLOAD) if extra.get("from_trigger") else extra
    if isinstance(payload, Mapping) and payload.get("service") in {s.value for s in Service}:
        return dict(payload)
    return None


def _milestones_in(extra: Any) -> list[dict[str, Any]]:
    if isinstance(extra, Mapping) and extra.get("action") == MilestoneAction.RELEASED.value:
        return [dict(item) for item in extra.get("milestones") or () if milestone_of(item) is not None]
    single = milestone_of(extra)
    return [single] if single is not None else []


def milestones_of(triggering_asset_events: Any) -> list[dict[str, Any]]:
    """Return the milestones of a run's ``triggering_asset_events``, oldest first."""
    found: list[tuple[str, dict[str, Any]]] = []
    for asset in triggering_asset_events or {}:
        for event in triggering_asset_events[asset]:
            stamp = str(getattr(event, "timestamp", ""))
            found += [(stamp, extra) for extra in _milestones_in(getattr(event, "extra", None))]
    return [extra for _, extra in sorted(found, key=lambda pair: pair[0])]


def milestone_ids(extra: Mapping[str, Any]) -> dict[str, str]:
    """Return a milestone's ids and keys (``*_id``, ``*_key``, ``reference_num``) as strings, in order."""
    return {
        key: str(value)
        for key, value in extra.items()
        if key.endswith(("_id", "_key", "reference_num")) and value is not None
    }


def announcement(milestones: list[dict[str, Any]]) -> dict[str, Any]:
    """Summarise a release's milestones: ``version``, each service's latest ``services`` and ``text``."""
    services: dict[str, dict[str, Any]] = {}
    version = None
    for extra in milestones:
        services[extra["service"]] = extra
        version = extra.get("version", version)
    lines = [f"Released version {version or '(unknown)'}:"]
    for service, extra in sorted(services.items()):
        ids = ", ".join(f"{key} {value}" for key, value in milestone_ids(extra).items())
        lines.append(f"- {service} {extra['action']}: {ids or 'no ids'}; {extra.get('url') or 'no link'}")
    return {"version": version, "services": services, "text": "\n".join(lines)}
