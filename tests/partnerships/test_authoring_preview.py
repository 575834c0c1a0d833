"""A draft's preview: its deadlines count the partnership's own working days (as its
cases do), dates it cannot use are said on a page titled "Error: ", even when the
dates are today's, and who is told lists every move that tells someone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate.accounts.models import User
from escalate.cases.facts import calendar_for
from escalate.partnerships import authoring, drafts
from escalate.partnerships.models import NonWorkingDay, ProcedureVersion
from escalate.procedures import preview
from escalate.procedures.model import Role

D = dt.date
KEY = "cheshire-east-sab"
TODAY = D(2026, 12, 23)
RIVERSIDE = Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"


@pytest.fixture
def world(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(TODAY)
    return factories.world(KEY)


def revised(label: str = "April 2027") -> str:
    return authoring.template_text(KEY).replace('version = "April 2023"', f'version = "{label}"')


def author(w: factories.World) -> Client:
    person: User = w.person(Role.BUSINESS_UNIT)
    client = Client()
    client.force_login(person)
    return client


def preview_url(w: factories.World, version: ProcedureVersion) -> str:
    return reverse("partnerships:preview_draft", args=[w.partnership.slug, version.pk])


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def title_of(response: Any) -> str:
    found = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def arose(day: dt.date) -> dict[str, str]:
    return {"arose-day": str(day.day), "arose-month": str(day.month), "arose-year": str(day.year)}


@pytest.mark.django_db
def test_the_preview_counts_the_partnerships_own_days_off_as_its_cases_do(
    world: factories.World,
) -> None:
    """Cheshire East's stage 1 starts by the next working day: with Tuesday 5 January
    2027 a day off in the partnership's region, a concern that arose on Monday 4
    January is to be started by Wednesday 6 January, on the preview as on a case."""
    NonWorkingDay.objects.create(
        date=D(2027, 1, 5), region=world.partnership.region, reason="Flood closure"
    )
    draft = drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, revised())
    procedure = authoring.procedure_of(draft)
    assert procedure is not None

    stages, wrong = authoring.deadlines(world.partnership, procedure, D(2027, 1, 4), {})

    assert wrong == []
    as_cases_count = preview.deadline_rows(
        procedure, D(2027, 1, 4), {}, calendar_for(world.partnership)
    )
    assert [s.table.rows for s in stages] == [
        [[r.label, r.due_words, r.explanation] for r in s.rows] for s in as_cases_count
    ]
    page = author(world).get(preview_url(world, draft), arose(D(2027, 1, 4)))
    assert page.status_code == 200
    start_by = stages[0].table.rows[0]
    assert start_by[1] == "Wed 6 Jan 2027"
    assert "Wed 6 Jan 2027" in text_of(page)


@pytest.mark.django_db
def test_dates_the_preview_cannot_use_are_an_error_page_titled_so(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, revised())
    page = author(world).get(preview_url(world, draft), {**arose(TODAY), "stage": "99"})
    assert page.status_code == 400
    assert title_of(page).startswith("Error: Preview draft version 2")
    assert "Select a stage of the procedure" in text_of(page)
    fine = author(world).get(preview_url(world, draft))
    assert fine.status_code == 200 and not title_of(fine).startswith("Error")


@pytest.mark.django_db
def test_a_today_whose_deadlines_fall_past_the_known_years_is_said_not_a_server_error(
    world: factories.World, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    """Opened without dates, the preview works today's deadlines out: late in 2100
    they fall past the last year whose bank holidays Escalate knows. It says so."""
    draft = drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, revised())
    frozen_clock(D(2100, 12, 20))

    page = author(world).get(preview_url(world, draft))

    assert page.status_code == 400
    assert title_of(page).startswith("Error: ")
    assert "govuk-error-summary" in page.content.decode()
    assert "2100" in text_of(page)


@pytest.mark.django_db
def test_the_preview_lists_giving_notice_routes_and_immediate_risk_with_whom_they_tell(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(
        world.person(Role.BUSINESS_UNIT), world.partnership, RIVERSIDE.read_text("utf-8")
    )
    assert draft.publishable, draft.problems
    page = text_of(author(world).get(preview_url(world, draft)))
    assert "Notice given that stage 2 will be escalated" in page
    assert "the counterpart in the other agency" in page
    assert "Stage 1 starts (someone at immediate risk)" in page
    assert "Stage 1 starts, as “The child is looked after by the local authority”" in page
