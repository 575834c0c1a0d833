"""What the database itself refuses, the clock, and the read-only admin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factories
import pytest
from django.db import DataError, IntegrityError, transaction
from django.test import RequestFactory

from escalate import clock
from escalate.cases.admin import CaseAdmin, EventAdmin
from escalate.cases.models import Case, Event, StageRecord
from escalate.procedures.model import Role

D = dt.date


def test_the_clock_can_be_frozen_advanced_and_restored() -> None:
    assert not clock.is_frozen()
    with clock.frozen(D(2026, 12, 23)) as moment:
        assert clock.today() == D(2026, 12, 23) and clock.now() == moment
        clock.advance(days=2)
        assert clock.today() == D(2026, 12, 25)
    assert not clock.is_frozen()
    with pytest.raises(RuntimeError):
        clock.advance(days=1)


def test_today_is_the_date_in_london() -> None:
    late_evening_utc = dt.datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    with clock.frozen(late_evening_utc):
        assert clock.today() == D(2026, 7, 1)  # 00:30 British Summer Time


@pytest.mark.django_db
def test_the_database_enforces_the_case_rules(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)

    def refused(**changes: object) -> None:
        # PostgreSQL refuses an over-long varchar itself (DataError); SQLite by constraint.
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(**changes)

    refused(status="resolved")  # closed without a closing date
    refused(status="archived", closed_on=D(2026, 12, 23))
    refused(status="withdrawn", closed_on=D(2026, 12, 23))  # withdrawn without a reason
    refused(other_agency=cheshire.raising)
    refused(concern_arose_on=D(2026, 12, 24))  # after the day it was raised
    refused(disagreement="x" * 5001)
    refused(person_name="x" * 201)
    refused(referral_made=False, referral_made_on=D(2026, 12, 23))
    refused(current_stage=0)
    refused(response="maybe")
    with pytest.raises(IntegrityError), transaction.atomic():
        StageRecord.objects.create(
            case=case,
            number=1,
            started_on=D(2026, 12, 23),
            owner=cheshire.raiser,
            owner_role=Role.PRACTITIONER.value,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StageRecord.objects.filter(case=case).update(
            conclusion="resolved",
            concluded_on=D(2026, 12, 1),  # before it started
        )


@pytest.mark.django_db
def test_admin_is_read_only_and_shows_only_what_the_person_may_see(
    cheshire: factories.World,
) -> None:
    from django.contrib.admin.sites import site

    case = factories.raise_case(cheshire)
    request = RequestFactory().get("/admin/")
    for model_admin in (CaseAdmin(Case, site), EventAdmin(Event, site)):
        request.user = cheshire.raiser
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_delete_permission(request, None)
    request.user = cheshire.raiser
    assert list(CaseAdmin(Case, site).get_queryset(request)) == [case]
    superuser = factories.user("Super", is_staff=True, is_superuser=True)
    request.user = superuser
    assert list(CaseAdmin(Case, site).get_queryset(request)) == []
    assert list(EventAdmin(Event, site).get_queryset(request)) == []
