"""Cryptlex's documented rules: ids, versions, lengths, release fields, file names, publication."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.utils import validation as check

#: The API hosts by the connection's ``region`` extra; release files go to a host of their own,
#: and the dashboard (the extra link) is on a third.
API_URLS = {"default": "https://api.cryptlex.com", "eu": "https://api.eu.cryptlex.com"}
RELEASE_FILE_URLS = {"default": "https://releases.cryptlex.com", "eu": "https://releases.eu.cryptlex.com"}
APP_URLS = {"default": "https://app.cryptlex.com", "eu": "https://app.eu.cryptlex.com"}
DEFAULT_REGION = "default"
#: Product and release ids: 1 to 256 letters, digits, ``_`` or ``-``.
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,255}")
#: ``x.x``, ``x.x.x`` or ``x.x.x.x`` in ASCII digits (``\d`` would take any script's digits).
VERSION = re.compile(r"[0-9]+\.[0-9]+(?:\.[0-9]+){0,2}")
VERSION_FORM = "a version 'x.x', 'x.x.x' or 'x.x.x.x' of digits, such as '1.4.2'"
#: Release file names: letters, digits, ``.``, ``-`` and ``_``.
FILE_NAME = re.compile(r"[A-Za-z0-9._-]+")
MAX_NAME = 256  # name, channel, productId
MAX_NOTES = 4096
DEFAULT_CHANNEL = "stable"


def path_id(param: str, value: Any) -> str:
    """Return a product or release id (see :data:`ID`) percent-encoded for a URL path."""
    return check.path_segment(param, value, pattern=ID)


def product_id(value: Any) -> str:
    """Return ``value`` if it is a product id (see :data:`ID`)."""
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise InvalidParameterError(
            "product_id", value, "a product id of 1 to 256 letters, digits, '_' or '-'"
        )
    return value


def release_version(param: str, value: Any) -> str:
    """Return ``value`` if it is a Cryptlex version (see :data:`VERSION`)."""
    if not isinstance(value, str) or not VERSION.fullmatch(value):
        raise InvalidParameterError(param, value, VERSION_FORM)
    return value


def name(param: str, value: Any) -> str:
    """Return ``value`` if it is a name, channel or platform: 1 to 256 characters."""
    return check.text(param, value, max_len=MAX_NAME)


def notes(param: str, value: Any) -> str:
    """Return ``value`` if it is release notes (markdown): at most 4096 characters."""
    return check.text(param, value, min_len=0, max_len=MAX_NOTES)


def platforms(param: str, value: Any) -> list[str]:
    """Return ``value`` if it is a list of platform names."""
    return check.string_list(param, value)


RELEASE_FIELD_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "name": name,
    "version": release_version,
    "channel": name,
    "platforms": platforms,
    "private": check.boolean,
    "notes": notes,
}
#: The fields ``PATCH /v3/releases/{id}`` changes.
UPDATABLE_FIELDS = tuple(RELEASE_FIELD_CHECKS)


def release_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check release fields and return those that are not ``None``, in their wire form."""
    check.reject_unknown("fields", fields, UPDATABLE_FIELDS)
    return {key: RELEASE_FIELD_CHECKS[key](key, value) for key, value in fields.items() if value is not None}


def file_name(value: Any) -> str:
    """Return ``value`` if it is a release file name (see :data:`FILE_NAME`), not ``.`` or ``..``."""
    if not isinstance(value, str) or not FILE_NAME.fullmatch(value) or value in (".", ".."):
        raise InvalidParameterError("file_name", value, "a file name of letters, digits, '.', '-' and '_'")
    return value


def upload_source(path: Any, stored_name: Any = None) -> tuple[str, str]:
    """
    Return ``(local path, file name)`` of a release file upload; the name defaults to the file's.

    :raises InvalidParameterError: ``path`` is not a readable file, or the name has the wrong form.
    """
    local = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not local or not os.path.isfile(local) or not os.access(local, os.R_OK):
        raise InvalidParameterError("path", path, "the path of a readable file")
    return local, file_name(os.path.basename(local) if stored_name is None else stored_name)


def is_published(release: Mapping[str, Any]) -> bool | None:
    """Whether a release is published: a boolean ``published``, else a non-empty ``publishedAt``."""
    if "published" not in release and "publishedAt" not in release:
        return None
    flag = release.get("published")
    return flag if isinstance(flag, bool) else release.get("publishedAt") not in (None, "")
