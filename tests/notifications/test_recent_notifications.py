"""The dashboard's recent notifications: the newest few of everything a person was sent,
whether to them or to their address before they had an account, in one question."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalate.notifications import selectors
from escalate.notifications.models import Notification

AROSE = dt.date(2026, 12, 23)
START = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_recent_notifications_are_the_newest_of_both_kinds_newest_first_in_one_query(
    frozen_clock,
) -> None:
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    w = factories.world("warrington-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE)
    person = w.raiser
    Notification.objects.filter(case=case).delete()
    someone_else = w.other_professional

    def sent(minutes: int, why: str, **to: object) -> None:
        Notification.objects.create(
            case=case,
            recipient_kind="person",
            event="case.raised",
            why=why,
            created_at=START + dt.timedelta(minutes=minutes),
            **to,
        )

    # Theirs every even minute, to their address (before their account) every odd one,
    # and someone else's in between: twenty of each.
    for i in range(20):
        sent(2 * i, f"theirs {i}", recipient=person, email=person.email.lower())
        sent(2 * i + 1, f"address {i}", recipient=None, email=person.email.lower())
        sent(2 * i + 1, f"not theirs {i}", recipient=someone_else, email=person.email.lower())
    with CaptureQueriesContext(connection) as queries:
        recent = selectors.recent_for(person, 5)

    assert [item.why for item in recent] == [
        "address 19",
        "theirs 19",
        "address 18",
        "theirs 18",
        "address 17",
    ]
    assert [item.at for item in recent] == sorted((item.at for item in recent), reverse=True)
    on_notifications = [q for q in queries.captured_queries if "cases_notification" in q["sql"]]
    assert len(on_notifications) == 1
    assert len(selectors.notifications_for(person)) == 40
