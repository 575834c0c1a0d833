"""Every walk-through happens on Wed 23 Dec 2026, the day the concern arose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from .story import AROSE


@pytest.fixture(autouse=True)
def _today(frozen_clock: Callable[[dt.date], dt.datetime]) -> dt.date:
    frozen_clock(AROSE)
    return AROSE
