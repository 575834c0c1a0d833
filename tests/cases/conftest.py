"""Fixtures for the case tests: a controllable clock and ready-made worlds."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import factories
import pytest

from escalate import clock


def pytest_configure(config: pytest.Config) -> None:
    """Run SQLite tests on a file, not Django's default shared in-memory database.

    Two connections to a shared-cache in-memory database do not queue for the write
    lock: the second fails at once with "database table is locked". On a file (as in
    production) SQLite's IMMEDIATE transactions queue, which the concurrency tests rely
    on. (Better set in the settings' TEST NAME or the root conftest; see the report.)
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME"):
        folder = Path(tempfile.mkdtemp(prefix="escalate-tests-"))
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[dt.date | dt.datetime], dt.datetime]]:
    """``frozen_clock(day)`` sets today; the clock is restored after the test."""
    try:
        yield clock.freeze
    finally:
        clock.unfreeze()


@pytest.fixture
def on_23_december(frozen_clock: Callable[[dt.date], dt.datetime]) -> dt.date:
    day = dt.date(2026, 12, 23)
    frozen_clock(day)
    return day


@pytest.fixture
def cheshire(on_23_december: dt.date) -> factories.World:
    return factories.world("cheshire-east-sab")
