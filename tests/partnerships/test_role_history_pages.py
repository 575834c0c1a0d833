"""The record of roles given and taken away: a page at a time, its page numbers read as
every other list reads them, in the same queries however long the record is."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.test import Client
from page_queries import counted_get

from escalate import clock
from escalate.partnerships.models import RoleChange, RoleGrant
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def recorded(w: factories.World, count: int) -> None:
    """``count`` more entries in the partnership's record, "Person 1" the oldest."""
    now = clock.now()
    start = RoleGrant.objects.count()
    RoleGrant.objects.bulk_create(
        RoleGrant(
            at=now - dt.timedelta(days=30) + dt.timedelta(minutes=start + n),
            actor_label="An administrator",
            person_label=f"Person {start + n}",
            change=RoleChange.GRANTED,
            role=Role.LINE_MANAGER.value,
            role_label="Line manager",
            agency=w.raising,
            place_label=w.raising.name,
        )
        for n in range(1, count + 1)
    )


def page(w: factories.World, query: str = "") -> tuple[int, str, int]:
    path = f"/partnerships/{w.partnership.slug}/roles/{query}"
    return counted_get(w.person(Role.BUSINESS_UNIT), path)


@pytest.mark.parametrize(
    "asked, shown",
    [
        ("2", 2),
        (" 2 ", 2),
        ("\u0662", 1),  # Arabic-Indic two: not a page number a link writes
        ("\uff12", 1),  # fullwidth two
        ("-1", 1),
        ("2\x00", 1),
        ("9" * 5000, 3),  # past every page: the last
    ],
)
def test_a_page_number_is_read_as_the_other_lists_read_it(asked, shown) -> None:
    w = factories.world()
    recorded(w, 120 - RoleGrant.objects.count())
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    response = client.get(f"/partnerships/{w.partnership.slug}/roles/", {"page": asked})
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Page {shown} of 3" in body


def test_the_record_takes_the_same_queries_however_long_it_is() -> None:
    w = factories.world()
    recorded(w, 60)
    few = [page(w, q)[2] for q in ("", "?page=2")]
    recorded(w, 500)
    status, last, _ = page(w, "?page=12")
    assert status == 200 and "Person 1<" in last
    assert [page(w, q)[2] for q in ("", "?page=2")] == few
