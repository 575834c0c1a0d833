"""Fixtures for the notification tests: a controllable clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from escalate import clock


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[dt.date | dt.datetime], dt.datetime]]:
    try:
        yield clock.freeze
    finally:
        clock.unfreeze()
