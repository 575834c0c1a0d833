"""A person's notifications page: every notification reachable, a page at a time, in
the same queries however many there are."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.test import Client
from page_queries import counted_get

from escalate.notifications import selectors
from escalate.notifications.models import Notification

pytestmark = pytest.mark.django_db


def given(person, count: int) -> None:
    """``count`` more notifications addressed to ``person``, each a minute older than
    the oldest before, copied from one the engine wrote ("Copy 1" the newest of them)."""
    mine = Notification.objects.filter(recipient=person)
    template = mine.order_by("id").first()
    oldest = mine.order_by("created_at").first()
    assert template is not None and oldest is not None
    fields = {f.attname: getattr(template, f.attname) for f in Notification._meta.concrete_fields}
    fields.pop("id")
    Notification.objects.bulk_create(
        Notification(
            **{
                **fields,
                "created_at": oldest.created_at - dt.timedelta(minutes=n),
                "why": f"Copy {n}",
            }
        )
        for n in range(1, count + 1)
    )


def page(client: Client, query: str = "") -> tuple[int, str, int]:
    return counted_get(client, f"/notifications/{query}")


@pytest.fixture
def told(frozen_clock) -> tuple[factories.World, Client]:
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))
    w = factories.world()
    factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 22))
    person = w.other_professional
    assert Notification.objects.filter(recipient=person).exists()
    client = Client()
    client.force_login(person)
    return w, client


def test_older_notifications_are_reached_a_page_at_a_time(told) -> None:
    w, client = told
    mine = Notification.objects.filter(recipient=w.other_professional).count()
    copies = 120 - mine
    given(w.other_professional, copies)
    status, first, _ = page(client)
    assert status == 200
    assert "Page 1 of 3: 120 notifications in all." in first
    assert 'href="?page=2"' in first and f"Copy {copies}<" not in first
    status, last, _ = page(client, "?page=3")
    assert status == 200 and "Page 3 of 3" in last
    # The oldest is on the last page, and no notification is on two pages.
    assert f"Copy {copies}<" in last
    seen = [
        sum(f"Copy {n}<" in body for body in (first, page(client, "?page=2")[1], last))
        for n in range(1, copies + 1)
    ]
    assert set(seen) == {1}


@pytest.mark.parametrize(
    "asked, shown",
    [("9" * 400, 3), ("\u0663", 1), ("-1", 1), ("2\x00", 1), ("", 1), ("0", 1), (" 2 ", 2)],
)
def test_a_page_number_that_is_not_one_shows_the_first_or_last_page(told, asked, shown) -> None:
    w, client = told
    given(w.other_professional, 120)
    response = client.get("/notifications/", {"page": asked})
    assert response.status_code == 200
    assert f"Page {shown} of 3" in response.content.decode()


def test_the_page_takes_the_same_queries_for_a_few_notifications_or_hundreds(told) -> None:
    w, client = told
    given(w.other_professional, 60)
    few = [page(client, q)[2] for q in ("", "?page=2")]
    given(w.other_professional, 400)
    assert selectors.notifications_page(w.other_professional, "9").number == 9
    assert [page(client, q)[2] for q in ("", "?page=2")] == few


def test_those_sent_to_their_address_before_they_had_an_account_are_paged_in_with_theirs(
    told,
) -> None:
    w, client = told
    person = w.other_professional
    given(person, 70)
    # Every other copy sent to their address alone (before their account existed).
    copies = Notification.objects.filter(recipient=person, why__startswith="Copy ")
    addressed = [n.pk for n in copies.order_by("created_at") if int(n.why.split()[1]) % 2]
    Notification.objects.filter(pk__in=addressed).update(recipient=None, email=person.email)
    total = Notification.objects.filter(recipient=person).count() + len(addressed)
    shown = [selectors.notifications_page(person, str(n)) for n in (1, 2)]
    assert [s.total for s in shown] == [total, total] and shown[1].last == 2
    listed = [i.why for s in shown for i in s.items]
    assert len(listed) == total == len(set(listed))
    # Newest first across both kinds: Copy 1 the newest copy, Copy 70 the oldest.
    numbers = [int(why.split()[1]) for why in listed if why.startswith("Copy ")]
    assert numbers == list(range(1, 71))
