"""Raising a challenge (escalate/cases/services/raising.py): the reference and the first
stage; the journey's pages are tested in tests/web and tests/cases/test_raise_journey_*."""

from __future__ import annotations

import datetime as dt

import factories
import pytest

pytestmark = pytest.mark.django_db


def test_a_case_can_be_raised_on_29_february(frozen_clock) -> None:
    frozen_clock(dt.date(2028, 2, 29))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=dt.date(2028, 2, 29))
    assert case.reference.endswith("-2028-0001")
