"""Fixtures of the operator tests (the builders are in ``tests/helpers/runs.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def output(logs, capsys):
    """Everything logged: standard-library records (the hooks) and the Task SDK's structlog output
    (the operators' ``self.log``, which prints to stdout outside a task runner)."""

    printed: list[str] = []

    def read() -> str:
        captured = capsys.readouterr()
        printed.extend((captured.out, captured.err))
        return "\n".join((logs.text, *printed))

    return read
