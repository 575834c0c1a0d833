"""The home page is the person's dashboard: what needs their action, soonest first, with
its status, and the cases they can see."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from django.test import Client

from escalate import clock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def restore_clock() -> Iterator[None]:
    yield
    clock.unfreeze()


def home(person) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client.get("/").content.decode()


def section(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def test_needs_your_action_is_soonest_first_with_overdue_and_due_soon_tags() -> None:
    w = factories.world("cheshire-east-sab")
    clock.freeze(dt.date(2026, 12, 1))
    early = factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 1))
    clock.freeze(dt.date(2026, 12, 14))
    later = factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 14))
    html = home(w.raiser)
    table = section(html, "needs-action")
    assert table.index(early.reference) < table.index(later.reference)
    rows = table.split("<tr")[2:]
    assert "govuk-tag--red" in rows[0] and "Overdue" in rows[0]
    assert "govuk-tag--yellow" in rows[1] and "Due soon" in rows[1]
    # The lists keep to reference, agencies, stage, due date and status.
    assert "Alex Example" not in table
    assert "Alex Example" not in re.search(r"<title>(.*?)</title>", html, re.S).group(1)  # type: ignore[union-attr]
    cases = section(html, "cases")
    assert early.reference in cases and later.reference in cases
    assert f'href="/cases/{early.reference}/"' in cases


def test_a_stage_with_no_fixed_timescale_is_shown_as_such() -> None:
    w = factories.world("warrington-sab")
    clock.freeze(dt.date(2026, 12, 14))
    case = factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 14))
    table = section(home(w.raiser), "needs-action")
    assert case.reference in table
    assert "govuk-tag--grey" in table and "No fixed timescale" in table


def test_the_dashboard_offers_raising_a_challenge_and_the_procedure() -> None:
    w = factories.world("cheshire-east-sab")
    html = home(w.raiser)
    assert 'href="/cases/raise/"' in html and "Raise a professional challenge" in html
    assert f'href="/partnerships/{w.partnership.slug}/procedure/"' in html
    assert "Nothing needs your action." in html


def test_someone_without_an_agency_role_is_not_offered_raising() -> None:
    person = factories.user("Board Watcher")
    assert 'href="/cases/raise/"' not in home(person)


def test_the_dashboard_needs_signing_in() -> None:
    assert Client().get("/").status_code == 302
