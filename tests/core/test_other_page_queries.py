"""The pages besides the dashboards, case page, register and report (which have tests of
their own) take the same queries however many cases, agencies and people there are."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.test import Client
from page_queries import counted_get

from escalate.procedures.model import Role
from tests.reports.register_cases import many_more

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_clock) -> None:
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))


def grown(w: factories.World, cases: int, agencies: int, people: int) -> None:
    """``cases`` more cases, ``agencies`` more member agencies each with a safeguarding
    lead and a board representative, and ``people`` more practitioners."""
    many_more(w, cases)
    for n in range(agencies):
        agency = factories.agency(f"Agency {n} {w.partnership.reference_prefix}", w.partnership)
        for role in (Role.SAFEGUARDING_LEAD, Role.BOARD_REPRESENTATIVE):
            factories.member(factories.user(f"{role.label} {n} {agency.pk}"), agency, role)
    for n in range(people):
        factories.member(factories.user(f"Practitioner {n}"), w.raising, Role.PRACTITIONER)


PAGES = [
    ("procedure", Role.PRACTITIONER, "/partnerships/{slug}/procedure/"),
    ("procedure, business unit", Role.BUSINESS_UNIT, "/partnerships/{slug}/procedure/"),
    ("versions", Role.BUSINESS_UNIT, "/partnerships/{slug}/procedure/versions/"),
    ("directory", Role.PRACTITIONER, "/directory/"),
    ("directory, business unit", Role.BUSINESS_UNIT, "/directory/"),
    ("your sessions", Role.PRACTITIONER, "/accounts/sessions/"),
]


def counts(w: factories.World) -> dict[str, int]:
    found = {}
    for name, role, path in PAGES:
        client = Client()
        client.force_login(w.person(role))
        client.get(path.format(slug=w.partnership.slug))  # anything kept per process, kept
        status, _, found[name] = counted_get(client, path.format(slug=w.partnership.slug))
        assert status == 200, name
    return found


def test_each_page_takes_the_same_queries_for_a_few_cases_or_hundreds() -> None:
    w = factories.world()
    factories.raise_case(w)
    few = counts(w)
    grown(w, cases=300, agencies=12, people=40)
    assert counts(w) == few
