"""Each person's own stored deadlines are on their dashboard, each with its own date,
its status and how it was worked out; the case page's stage cards show each stored
deadline's status, and say so when an extra deadline falls after the stage must be
concluded."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import factories
import pytest
from django.test import Client

from escalate import clock
from escalate.accounts.models import User
from escalate.cases.models import Case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

RECOMMENDATION = "Chair's recommendation communicated to all involved"


@pytest.fixture(autouse=True)
def free_clock():  # type: ignore[no-untyped-def]
    yield
    clock.unfreeze()


def words(html: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page(person: User, address: str = "/") -> str:
    client = Client()
    client.force_login(person)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def table_rows(html: str, table_id: str) -> list[str]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return table.split("<tr")[2:]


def at_step_4(w: factories.World, arose: dt.date, step_4_on: dt.date) -> Case:
    """A Cheshire East case whose concern arose (and steps 1 to 3 ran) on ``arose``, at
    step 4 from ``step_4_on``; its owner is the independent chair."""
    clock.freeze(arose)
    case = factories.escalate_to(w, factories.raise_case(w, concern_arose_on=arose), 3)
    clock.freeze(step_4_on)
    return factories.escalate_to(w, case, 4)


def test_the_chair_sees_their_recommendation_deadline_with_its_own_date() -> None:
    w = factories.world("cheshire-east-sab")
    case = at_step_4(w, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    chair = w.person(Role.INDEPENDENT_CHAIR)
    assert case.stages.get(number=4).owner == chair
    html = page(chair)

    rows = table_rows(html, "my-deadlines")
    mine = [r for r in rows if RECOMMENDATION in words(r)]
    assert len(mine) == 1, [words(r) for r in rows]
    row = words(mine[0])
    # Five working days from the day step 4 began (Tue 1 Dec 2026), not day 21.
    assert case.reference in row
    assert "Tue 8 Dec 2026" in row and "21 Dec" not in row
    assert "On time" in row and "govuk-tag--blue" in mine[0]
    assert "Yours because you are the independent chair for this case's partnership." in row
    assert "How it was worked out" in row and "5 working days" in row
    # Soonest first: the recommendation before step 4's own end.
    assert RECOMMENDATION in words(rows[0])

    # What needs the chair's action on the case is due by the same day.
    waiting = next(r for r in table_rows(html, "needs-action") if case.reference in r)
    assert "8 Dec 2026" in waiting and "21 Dec 2026" not in waiting
    assert RECOMMENDATION in words(waiting)


def test_a_deadline_passed_is_overdue_on_its_owners_dashboard() -> None:
    w = factories.world("cheshire-east-sab")
    case = at_step_4(w, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    clock.freeze(dt.date(2026, 12, 9))
    rows = table_rows(page(w.person(Role.INDEPENDENT_CHAIR)), "my-deadlines")
    mine = next(r for r in rows if RECOMMENDATION in words(r))
    assert "Overdue" in words(mine) and "govuk-tag--red" in mine
    assert case.reference in mine
    # Someone with no part in it sees none of it.
    assert case.reference not in page(factories.user("Outsider"))


def test_a_stage_owner_sees_their_own_deadline_and_why_it_is_theirs() -> None:
    w = factories.world("cheshire-east-sab")
    clock.freeze(dt.date(2026, 12, 23))
    case = factories.raise_case(w)
    rows = [words(r) for r in table_rows(page(w.raiser), "my-deadlines")]
    assert any(case.reference in r and "Yours because you own stage 1." in r for r in rows), rows
    assert "You have no deadlines to meet." in page(factories.user("Nobody"))


def stage_card(html: str, number: int) -> str:
    return html.split(f'id="stage-{number}"', 1)[1].split('class="govuk-summary-card"', 1)[0]


def test_the_case_page_shows_each_deadlines_status_and_an_extra_deadline_after_the_end() -> None:
    w = factories.world("cheshire-east-sab")
    # Step 4 began late, on Fri 18 Dec 2026: five working days (past Christmas and the
    # Boxing Day substitute) is Tue 29 Dec 2026, after step 4's day 21, Mon 21 Dec.
    case = at_step_4(w, dt.date(2026, 12, 1), dt.date(2026, 12, 18))
    clock.freeze(dt.date(2026, 12, 22))
    html = page(w.raiser, f"/cases/{case.reference}/")

    card = stage_card(html, 4)
    text = words(card)
    assert f"{RECOMMENDATION} Tue 29 Dec 2026 On time" in text
    assert "This falls after stage 4 must be concluded (Mon 21 Dec 2026)." in text
    assert "Conclude by Mon 21 Dec 2026 Overdue" in text and "govuk-tag--red" in card
    notes = re.findall(r'data-deadline-note="(\d+)"', html)
    assert notes == ["4"]
    # A stage concluded: its deadlines were met.
    assert "Met" in words(stage_card(html, 2)) and "govuk-tag--green" in stage_card(html, 2)


def test_the_cases_list_says_what_is_due_from_the_viewer_and_by_when() -> None:
    w = factories.world("cheshire-east-sab")
    case = at_step_4(w, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    clock.freeze(dt.date(2026, 12, 2))
    fresh = factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 2))
    fresh_act_by = fresh.stages.get(number=1).act_by
    assert fresh_act_by is not None

    def row(person: User, reference: str) -> str:
        return words(next(r for r in table_rows(page(person), "cases") if reference in r))

    # The chair's own deadline, five working days into step 4, before step 4's end.
    chair = row(w.person(Role.INDEPENDENT_CHAIR), case.reference)
    assert f"{RECOMMENDATION}, by 8 Dec 2026" in chair
    assert "21 Dec 2026" in chair  # the stage's own act-by, in its column
    # The raiser owns the new case's step 1; the other professional is to respond.
    assert f"Resolve or escalate stage 1, by {fresh_act_by:%-d %b %Y}" in row(
        w.raiser, fresh.reference
    )
    assert f"Respond to the challenge, by {fresh_act_by:%-d %b %Y}" in row(
        w.other_professional, fresh.reference
    )
    # Someone who only oversees the case has nothing due.
    manager = row(w.person(Role.SENIOR_MANAGER), fresh.reference)
    assert manager.endswith("Nothing Open"), manager
