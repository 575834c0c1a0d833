"""The escalation register takes the same number of queries however many cases it lists
(the page, and its CSV), so a board's whole register stays one page load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalate import clock
from escalate.cases import services
from escalate.cases.models import Case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> Iterator[factories.World]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield factories.world("cheshire-east-sab")
    finally:
        clock.unfreeze()


def cases(w: factories.World, count: int) -> list[Case]:
    """``count`` cases: every third escalated to stage 2, every third withdrawn."""
    made = []
    for n in range(count):
        case = factories.raise_case(w)
        if n % 3 == 1:
            case = factories.escalate_to(w, case, 2)
        elif n % 3 == 2:
            case = services.withdraw(
                w.raiser, case, reason="Agreed after all.", expected_version=case.version
            )
        made.append(case)
    return made


def register_queries(w: factories.World, query: str) -> tuple[int, str]:
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/board/{w.partnership.slug}/register/?{query}")
    assert response.status_code == 200
    return len(queries), response.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    "query", ["reached=all", "reached=all&sort=timeliness", "reached=all&format=csv"]
)
def test_the_register_takes_the_same_queries_for_3_or_30_cases(
    world: factories.World, query: str
) -> None:
    w = world
    listed = cases(w, 3)
    few, _ = register_queries(w, query)
    listed += cases(w, 27)
    many, page = register_queries(w, query)
    assert all(c.reference in page for c in listed)
    assert many == few
