"""Each partnership's procedure explained on one page, with a flowchart."""

from __future__ import annotations

import factories
import pytest
from django.test import Client
from django.utils.html import escape

from escalate.procedures import library

pytestmark = pytest.mark.django_db

SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]


def page_for(key: str) -> str:
    w = factories.world(key)
    client = Client()
    client.force_login(w.raiser)
    response = client.get(f"/partnerships/{w.partnership.slug}/procedure/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("key", SEEDS)
def test_the_procedure_page_explains_every_stage_and_draws_a_flowchart(key: str) -> None:
    procedure = library.get(key)
    html = page_for(key)
    for stage in procedure.stages:
        assert escape(f"Stage {stage.number}: {stage.title}") in html
        for item in stage.checklist:
            assert escape(item.text) in html
    for principle in procedure.principles:
        assert escape(principle) in html
    for item in procedure.out_of_scope:
        assert escape(item.go_instead) in html
    assert escape(procedure.expedite.prompt) in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg
    assert '<title id="flowchart-title">' in svg and "<desc" in svg
    assert svg.count("<rect") == len(procedure.stages)
    assert svg.count("Not resolved") == len(procedure.stages) - 1
    assert svg.count(">Resolved<") == len(procedure.stages)


def test_warrington_says_it_has_no_fixed_timescale() -> None:
    html = page_for("warrington-sab")
    assert "sets no fixed timescale for any stage" in html
    assert "No fixed timescale" in html


def test_cheshire_east_describes_its_timescales_in_words() -> None:
    assert "Start within 1 working day of the concern arising." in page_for("cheshire-east-sab")


def test_hammersmith_mentions_the_high_risk_panel() -> None:
    assert "High-Risk Panel" in page_for("hammersmith-fulham-sab")


def test_only_people_in_the_partnership_see_its_procedure_page() -> None:
    w = factories.world("cheshire-east-sab")
    outsider = factories.world("warrington-sab").raiser
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/partnerships/{w.partnership.slug}/procedure/").status_code == 403
    assert client.get("/partnerships/no-such-board/procedure/").status_code == 404
