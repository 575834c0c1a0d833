"""The dashboard takes the same number of queries however many cases it lists.

Three people with much waiting for them: the practitioner who raised the cases (each
stage 1 is theirs to resolve or escalate), the other professional (each challenge
awaits their response, and each case has an action agreed for them to do) and the
independent chair (each case has an open policy issue for them to respond to). Their
dashboards with 3 such cases and with 30 take the same queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.models import Case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

VIEWERS: dict[str, Callable[[factories.World], User]] = {
    "the practitioner who raised them": lambda w: w.raiser,
    "the other professional": lambda w: w.other_professional,
    "the independent chair": lambda w: w.person(Role.INDEPENDENT_CHAIR),
}


@pytest.fixture
def world() -> Iterator[factories.World]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield factories.world("cheshire-east-sab")
    finally:
        clock.unfreeze()


def waiting_cases(w: factories.World, count: int) -> list[Case]:
    """``count`` cases, each with something waiting for every viewer."""
    made = []
    for n in range(count):
        case = factories.raise_case(w, disagreement=f"Disagreement {n}.")
        services.add_agreed_action(
            w.raiser,
            case,
            what=f"Send the care plan {n}",
            agency=w.other,
            due_on=dt.date(2027, 1, 8),
            owner=w.other_professional,
            expected_version=case.version,
        )
        case.refresh_from_db()
        services.flag_policy_issue(
            w.raiser, case, text=f"Policy gap {n}.", expected_version=case.version
        )
        case.refresh_from_db()
        made.append(case)
    return made


def dashboard(user: User) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def waiting_rows(page: str) -> int:
    """Rows of the "Needs your action" table (each links to its case)."""
    table = page.split('id="needs-action"', 1)[1].split("</table>", 1)[0]
    return table.count('href="/cases/')


def test_the_dashboard_takes_the_same_queries_for_3_or_30_cases_waiting(
    world: factories.World,
) -> None:
    w = world
    cases = waiting_cases(w, 3)
    few = {viewer: dashboard(person(w)) for viewer, person in VIEWERS.items()}
    cases += waiting_cases(w, 27)
    many = {viewer: dashboard(person(w)) for viewer, person in VIEWERS.items()}

    for viewer in VIEWERS:
        assert all(c.reference in many[viewer][1] for c in cases), viewer
        assert many[viewer][0] == few[viewer][0], viewer
    # What is waiting for each, one row apiece: 30 stages; 30 responses and 30 actions;
    # 30 policy issues.
    assert [waiting_rows(many[viewer][1]) for viewer in VIEWERS] == [30, 60, 30]
    assert [waiting_rows(few[viewer][1]) for viewer in VIEWERS] == [3, 6, 3]
    other_page = many["the other professional"][1]
    assert f"{w.raising.name} and {w.other.name}" in other_page
