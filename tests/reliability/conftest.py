"""The reliability tests: matrix runners first, and the matrix table written on request.

``RELIABILITY_TABLE=<path> pytest tests/reliability`` (``scripts/reliability-table``) writes the
matrix's results as the table of ``docs/reliability.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .matrix import FAULTS, RESULTS


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run each module's matrix runners before its cell tests (whatever the order plugin did)."""
    runners = [
        item
        for item in items
        if item.name.startswith("test_")
        and "_matrix" in item.name
        and "reliability" in str(item.path)
    ]
    if runners:
        rest = [item for item in items if item not in runners]
        items[:] = runners + rest


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the matrix table when asked to."""
    target = os.environ.get("RELIABILITY_TABLE")
    if not target or not RESULTS:
        return
    from .table import render

    Path(target).write_text(render(RESULTS, FAULTS, session), encoding="utf-8")
