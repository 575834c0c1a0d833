"""Small things people noticed on the board's pages: chart labels in the page's font (in
the PDF too, which has no GOV.UK stylesheet), and a date-of-birth example in the past."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from django.test import Client

from escalate import clock
from escalate.procedures.model import Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
import board_fixtures  # noqa: E402
import board_walk  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def unfrozen_afterwards() -> Iterator[None]:
    try:
        yield
    finally:
        clock.unfreeze()


def signed_in(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


def test_chart_labels_name_a_sans_serif_font_themselves() -> None:
    board = board_fixtures.build(clock.freeze)
    clock.freeze(dt.date(2027, 2, 1))
    client = signed_in(board.w.person(Role.BUSINESS_UNIT))
    html = client.get(f"/board/{board.w.partnership.slug}/report/?period=2026").content.decode()
    charts = re.findall(r'<svg role="img"[^>]*>', html)
    assert charts
    for svg in charts:
        assert 'font-family="Arial, sans-serif"' in svg


def test_the_date_of_birth_example_is_in_the_past() -> None:
    w = factories.world("cheshire-east-sab")
    case = board_walk.walk_to_final_stage(w, clock.freeze)
    owner = case.stages.get(number=case.current_stage).owner
    html = signed_in(owner).get(f"/board/cases/{case.reference}/forms/stage-4/").content.decode()
    birth = re.search(r'<div id="field-date-of-birth-hint" class="govuk-hint">([^<]*)</div>', html)
    assert birth is not None, html[:500]
    example = re.search(r"For example, (\d+ \w+ \d{4})", birth.group(1))
    assert example is not None
    assert dt.datetime.strptime(example.group(1), "%d %B %Y").date() < clock.today()
    assert "Write not known if it is not known." in birth.group(1)
