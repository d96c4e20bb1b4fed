"""
Settings and bookkeeping of the property tests.

The ``ci`` profile makes every run draw the same examples (``derandomize``), never times an
example out (``deadline=None``: a slow CI machine is no bug) and writes no ``.hypothesis``
example database into the repository. The counts of property tests and examples run
(``tests/property/tally.py``) are printed at the end of the session as one line.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from tests.property.tally import TALLY as _TALLY

# Hypothesis also caches Unicode tables and writes patches of failing examples: into a
# temporary folder, not a .hypothesis folder in the repository.
if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = tempfile.mkdtemp(prefix="hypothesis-")
    atexit.register(shutil.rmtree, os.environ["HYPOTHESIS_STORAGE_DIRECTORY"], True)

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=False)
settings.load_profile("ci")

_HERE = Path(__file__).parent


_PROPERTY_IDS: set[str] = set()


def _count_examples(handle) -> None:
    """Count every call of a property's body: explicit, generated and shrinking examples alike."""
    inner = handle.inner_test
    if getattr(inner, "_counted", False):  # parametrized properties share one function
        return

    @functools.wraps(inner)
    def counted(*args, **kwargs):
        _TALLY.examples += 1
        return inner(*args, **kwargs)

    counted._counted = True
    handle.inner_test = counted


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        handle = getattr(function, "hypothesis", None)  # what @given attaches to a test
        if _HERE in Path(item.path).parents and hasattr(handle, "inner_test"):
            _PROPERTY_IDS.add(item.nodeid)
            _count_examples(handle)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.nodeid in _PROPERTY_IDS:
        _TALLY.properties += 1
        _TALLY.counterexamples += report.failed
