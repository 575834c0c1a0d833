"""The case page's stage cards say each deadline once, and are GOV.UK summary cards."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape

import factories
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from escalate import clock
from escalate.cases import permissions, selectors
from escalate.cases.models.deadlines import CaseDeadline
from escalate.cases.permissions import CaseAction
from escalate.partnerships.versions import procedure_for_case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield
    finally:
        clock.unfreeze()


def card(html: str, number: int) -> str:
    return html.split(f'id="stage-{number}"', 1)[1].split('class="govuk-summary-card"', 1)[0]


def keys(part: str) -> list[str]:
    return re.findall(r'<dt class="govuk-summary-list__key">([^<]*)</dt>', part)


def case_page(person, case) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client.get(f"/cases/{case.reference}/").content.decode()


def test_a_stage_with_a_conclude_by_date_shows_it_once() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    clock.freeze(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, 3)
    html = case_page(w.raiser, case)
    for number in (2, 3):  # one concluded, one in progress: each with its own record
        stage = card(html, number)
        assert keys(stage).count("Conclude by") == 1, keys(stage)
        assert stage.count("<strong>Conclude by:</strong>") == 1
    assert "Thu 31 Dec 2026" in card(html, 2) and "Tue 5 Jan 2027" in card(html, 3)


def test_each_stage_card_has_its_title_status_and_dates_worked_out() -> None:
    w = factories.world("shropshire-sscp")
    case = factories.raise_case(w)
    html = case_page(w.raiser, case)
    first = card(html, 1)
    title = re.search(r'<h3 class="govuk-summary-card__title">(.*?)</h3>', first, re.S)
    assert title is not None
    assert title.group(1).startswith(f"Stage 1: {w.procedure.stage(1).title} ")
    assert 'data-stage-status="1">In progress</strong>' in title.group(1)
    content = first.split('<div class="govuk-summary-card__content">', 1)[1]
    assert content.index("</dl>") < content.index("How the stage 1 dates were worked out")


@pytest.fixture(autouse=True)
def view_spool(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VIEW_SPOOL_DIR = str(tmp_path / "views")


def test_a_reached_stage_shows_its_stored_deadlines_as_they_now_stand() -> None:
    """What is stored (kept up to date when a region's working days change) is what the
    card says, not what the stage record noted when it began."""
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    CaseDeadline.objects.filter(case=case, stage=1, key="act_by").update(
        due=dt.date(2026, 12, 30), explanation="Worked out again after an extra day off."
    )
    CaseDeadline.objects.filter(case=case, stage=2, key="start_by").update(
        due=dt.date(2026, 12, 30), explanation="Also worked out again."
    )
    html = case_page(w.raiser, case)
    first, second = card(html, 1), card(html, 2)
    assert "Wed 30 Dec 2026" in first and "Tue 29 Dec 2026" not in first
    assert "Worked out again after an extra day off." in first
    assert "Wed 30 Dec 2026" in second and "Also worked out again." in second


def test_a_case_that_reached_every_stage_is_shown_without_working_deadlines_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 4)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("worked out through the engine")

    monkeypatch.setattr(selectors, "projected_deadlines", refuse)
    html = case_page(w.person(Role.INDEPENDENT_CHAIR), case)
    fourth = card(html, 4)
    assert keys(fourth).count("Conclude by") == 1
    assert "Tue 12 Jan 2027" in fourth and 'data-deadline-status="4">On time<' in fourth
    assert "Mon 4 Jan 2027" in fourth  # the chair's recommendation, a deadline of its own


def test_the_current_stage_offers_a_tick_off_link_for_each_required_action_not_done() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    items = w.procedure.stage(1).checklist
    assert items
    first = card(case_page(w.raiser, case), 1)
    for item in items:
        assert f"/cases/{case.reference}/tick/?item={item.key}" in first
        assert f'<span class="govuk-visually-hidden"> {escape(item.text)}</span>' in first
    assert first.count("To do</strong>") == len(items)
    later = card(case_page(w.raiser, case), 2)
    assert "Tick off" not in later  # a stage not reached is not ticked off yet
    # Someone who sees the case but may not tick its actions off sees them without links.
    onlookers = [
        p
        for p in [*w.raising_people.values(), *w.other_people.values()]
        if permissions.can_view(p, case) and not permissions.can(p, CaseAction.TICK, case)
    ]
    assert onlookers
    seen = card(case_page(onlookers[0], case), 1)
    assert "Tick off" not in seen and seen.count("To do</strong>") == len(items)


def test_what_people_typed_on_a_stage_card_is_shown_as_words_not_markup() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    case.stages.filter(number=1).update(
        counterpart_name="<script>alert(1)</script> & Co", counterpart_email="a@example.org"
    )
    first = card(case_page(w.raiser, case), 1)
    assert "<script>" not in first
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co (a@example.org)" in first


def test_the_case_page_names_the_procedure_version_the_case_runs_and_links_to_it() -> None:
    w = factories.world("shropshire-sscp")
    case = factories.raise_case(w)
    html = case_page(w.raiser, case)
    link = re.search(r'id="procedure-version" href="([^"]+)">([^<]+)</a>', html)
    assert link is not None
    assert link.group(1) == reverse(
        "partnerships:procedure_version", args=[w.partnership.slug, case.definition_id]
    )
    procedure = procedure_for_case(case)
    assert unescape(link.group(2)) == f"{procedure.name}, version {procedure.version}"
    assert '<dt class="govuk-summary-list__key">Procedure</dt>' in html
