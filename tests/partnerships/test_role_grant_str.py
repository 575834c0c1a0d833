"""An entry of the record of role changes reads in the time of the people reading it
(Europe/London): stored in UTC, shown an hour later in British Summer Time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest

from escalate.partnerships import services
from escalate.partnerships.models import RoleGrant
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def granted_at(moment: dt.datetime, freeze: Callable[[dt.datetime], dt.datetime]) -> str:
    """How the entry for a role given at ``moment`` reads, read back from the database."""
    w = factories.world()
    superuser = factories.user("Ada Superuser", is_superuser=True, is_staff=True)
    person = factories.user("Sam Newcomer")
    freeze(moment)
    services.grant_role(superuser, person, Role.PRACTITIONER.value, agency=w.raising)
    return str(RoleGrant.objects.filter(person=person).get())


def test_a_role_given_in_british_summer_time_reads_in_london_time(
    frozen_clock: Callable[[dt.datetime], dt.datetime],
) -> None:
    entry = granted_at(dt.datetime(2026, 7, 15, 23, 30, tzinfo=UTC), frozen_clock)
    # 23:30 UTC is half past midnight the next day in London.
    assert entry.startswith("16 July 2026 00:30: Ada Superuser")
    assert "Given Practitioner" in entry


def test_a_role_given_in_winter_reads_the_same_as_utc(
    frozen_clock: Callable[[dt.datetime], dt.datetime],
) -> None:
    entry = granted_at(dt.datetime(2026, 1, 15, 9, 30, tzinfo=UTC), frozen_clock)
    assert entry.startswith("15 January 2026 09:30: Ada Superuser")
