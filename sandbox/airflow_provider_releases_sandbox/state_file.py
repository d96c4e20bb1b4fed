"""
The sandbox's state kept in a file (``--state FILE``), so that a restart keeps what was made.

The file holds each service's objects (:meth:`~airflow_provider_releases_sandbox.core.Backend.snapshot`:
releases, flag releases and their phases, the counters that number new releases), not its settings
(credentials, auto-advance), nor the journal or the injected faults. It is written after every
change, atomically: a temporary file beside it, then ``os.replace``, so a sandbox killed at any
moment leaves the last state whole.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow_provider_releases_sandbox.core import Backend

#: The version of the file's layout: ``{"format": 1, "services": {"aha": {...}, ...}}``.
FORMAT = 1


class StateFile:
    """One state file: :meth:`load_or_create` at start, :meth:`save` after every request or control action."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._written: str | None = None  # the text last written, to skip saves that change nothing

    def load(self, backends: Mapping[str, Backend]) -> bool:
        """
        Give each backend the objects the file holds, if the file exists; whether it did.

        :raises ValueError: the file cannot be read, is not a state file, or lacks a service's
            objects; the message names the file.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ValueError(f"--state {self.path}: cannot read it: {exc}") from None
        try:
            saved = json.loads(text)
            if not isinstance(saved, dict) or saved.get("format") != FORMAT:
                raise ValueError(
                    f'not a sandbox state file (expected {{"format": {FORMAT}, "services": ...}})'
                )
            services = saved.get("services") or {}
            for name, backend in backends.items():
                if name not in services:
                    raise ValueError(f"it holds no {name} state")
                backend.restore(services[name])
        except ValueError as exc:
            raise ValueError(f"--state {self.path}: {exc}") from None
        return True

    def load_or_create(self, backends: Mapping[str, Backend]) -> bool:
        """
        :meth:`load` the file, then write it (creating it from the backends' seeds when it did not
        exist); whether it existed.

        :raises ValueError: the file cannot be read or written, or is not a sandbox state file.
        """
        loaded = self.load(backends)
        try:
            self._replace(self._text(backends))
        except OSError as exc:
            raise ValueError(f"--state {self.path}: cannot write it: {exc}") from None
        return loaded

    def save(self, backends: Mapping[str, Backend]) -> None:
        """
        Write the backends' objects to the file if they changed since the last save. A failed write
        (a full disk, say) is reported on stderr and the sandbox goes on serving.

        :raises TypeError: a backend's state is not JSON-able (a bug of the sandbox).
        """
        text = self._text(backends)
        if text == self._written:
            return
        try:
            self._replace(text)
        except OSError as exc:
            print(f"sandbox: cannot save the state to {self.path}: {exc}", file=sys.stderr, flush=True)

    @staticmethod
    def _text(backends: Mapping[str, Backend]) -> str:
        state: dict[str, Any] = {"format": FORMAT, "services": {n: b.snapshot() for n, b in backends.items()}}
        return json.dumps(state, indent=1)

    def _replace(self, text: str) -> None:
        """Write ``text`` to a temporary file in the same folder, flush it to disk, then rename it."""
        folder = self.path.parent
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._written = text
