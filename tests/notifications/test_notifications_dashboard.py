"""The dashboard shows a person's most recent notifications."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from notification_helpers import person_for, traces_in

from escalate.cases import services as case_services

AROSE = dt.date(2026, 12, 23)


@pytest.mark.django_db
def test_the_dashboard_lists_recent_notifications_without_personal_details(
    frozen_clock, client
) -> None:
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))
    w = factories.world("warrington-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE, **person_for("warrington-sab"))
    case_services.respond(w.other_professional, case, agrees=True, expected_version=case.version)
    client.force_login(w.raiser)
    html = client.get("/").content.decode()
    assert "Recent notifications" in html
    assert f'href="/cases/{case.reference}/"' in html
    assert "The professional challenged has responded" in html
    assert traces_in(html.split("Recent notifications", 1)[1].split("Cases you can see")[0]) == []
