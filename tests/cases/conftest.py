"""Fixtures for the case tests: a controllable clock and ready-made worlds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest


@pytest.fixture
def on_23_december(frozen_clock: Callable[[dt.date], dt.datetime]) -> dt.date:
    day = dt.date(2026, 12, 23)
    frozen_clock(day)
    return day


@pytest.fixture
def cheshire(on_23_december: dt.date) -> factories.World:
    return factories.world("cheshire-east-sab")


@pytest.fixture
def cheshire_with_cases(cheshire: factories.World) -> factories.World:
    """Cheshire East on 23 December with five cases: one escalated to stage 4, four
    just raised."""
    factories.escalate_to(cheshire, factories.raise_case(cheshire), 4)
    for _ in range(4):
        factories.raise_case(cheshire)
    return cheshire
