"""A listed bank holiday marked as a working day in a region (issue 12, item 8).

The holidays package lists Mon 15 June 2026 as a Scotland bank holiday; a board may know
it is not kept locally. Like an extra day off, it applies to every partnership in the
region, so a superuser records it; partnership administrators see it
(:mod:`escalate.partnerships.administration`). Deadlines counted through it or landing on
it fall on it, and their explanations say why.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from escalate.accounts.models import User
from escalate.cases.facts import calendar_for, calendars_for_regions
from escalate.cases.models import Case, CaseDeadline
from escalate.notifications.reminders import calendar_for_region
from escalate.partnerships.demo import ensure_administrators_group
from escalate.partnerships.models import NonWorkingDay, WorkedBankHoliday
from tests import factories

pytestmark = pytest.mark.django_db

D = dt.date
WORLD_CUP = D(2026, 6, 15)  # Mon
WORLD_CUP_NAME = "Scotland's participation in the FIFA World Cup final"
ADD = "/admin/partnerships/workedbankholiday/add/"
LIST = "/admin/partnerships/workedbankholiday/"
WORKED_WORDS = (
    f"Mon 15 Jun 2026 is a working day here, although it is listed as a bank holiday "
    f"({WORLD_CUP_NAME}), by the partnership's decision"
)


@pytest.fixture
def scottish() -> factories.World:
    w = factories.world(label="Scot")
    w.partnership.region = "scotland"
    w.partnership.save(update_fields=["region"])
    return w


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root@example.org", "a-long-password-9", full_name="Root")


@pytest.fixture
def as_administrator(client, scottish):
    """The partnership's administrator, set up as the demo sets one up."""
    person = scottish.administrator
    person.is_staff = True
    person.save()
    person.groups.add(ensure_administrators_group())
    client.force_login(person)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def worked(day: dt.date = WORLD_CUP, region: str = "scotland") -> WorkedBankHoliday:
    return WorkedBankHoliday.objects.create(date=day, region=region, reason="Not kept here")


def post(client, **fields: str):
    data = {"date": "2026-06-15", "region": "scotland", "reason": "Not kept here", **fields}
    return client.post(ADD, data)


# ---------------------------------------------------------------- the record


def test_a_region_marks_a_day_worked_once() -> None:
    worked()
    worked(region="england-and-wales")  # another region is another record
    with pytest.raises(IntegrityError), transaction.atomic():
        worked()


def test_the_database_refuses_an_unknown_region() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        worked(region="wales")


def test_a_worked_bank_holiday_is_a_working_day_in_its_regions_calendars(scottish) -> None:
    assert not calendar_for(scottish.partnership).is_working_day(WORLD_CUP)
    worked()
    assert calendar_for(scottish.partnership).is_working_day(WORLD_CUP)
    assert calendar_for_region("scotland").is_working_day(WORLD_CUP)  # reminders' calendar
    calendars = calendars_for_regions(["scotland", "northern-ireland"])
    assert calendars["scotland"].worked_bank_holiday(WORLD_CUP) == WORLD_CUP_NAME
    assert calendars["northern-ireland"].worked_bank_holidays == frozenset()


# ---------------------------------------------------------------- the administration site


def test_a_partnership_administrator_sees_worked_bank_holidays_but_cannot_change_them(
    as_administrator,
) -> None:
    day = worked()
    page = as_administrator.get(LIST)
    assert page.status_code == 200
    assert WORLD_CUP_NAME in page.content.decode().replace("&#x27;", "'")
    assert post(as_administrator, date="2026-08-03").status_code == 403
    assert as_administrator.post(f"{LIST}{day.pk}/delete/", {"post": "yes"}).status_code == 403
    assert list(WorkedBankHoliday.objects.values_list("date", flat=True)) == [WORLD_CUP]


def test_a_superuser_marks_a_listed_bank_holiday_as_a_working_day(as_superuser) -> None:
    assert post(as_superuser).status_code == 302
    day = WorkedBankHoliday.objects.get()
    assert (day.date, day.region, day.reason) == (WORLD_CUP, "scotland", "Not kept here")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"region": "england-and-wales"},
            "15 June 2026 is not a bank holiday in England and Wales, so it is already a "
            "working day.",
        ),
        (
            {"date": "2026-06-16"},
            "16 June 2026 is not a bank holiday in Scotland, so it is already a working day.",
        ),
        (
            {"date": "2026-12-26"},
            "26 December 2026 (Boxing Day) is a Saturday, so it is not a working day "
            "whatever the bank holidays say.",
        ),
        (
            {"date": "2101-01-03"},
            "Mon 3 Jan 2101 is after 2100, the last year whose bank holidays Escalate knows",
        ),
        ({"date": "2026-02-30"}, "Enter a valid date."),
    ],
)
def test_only_a_listed_weekday_bank_holiday_can_be_marked_worked(
    as_superuser, fields: dict[str, str], message: str
) -> None:
    response = post(as_superuser, **fields)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not WorkedBankHoliday.objects.exists()


def test_a_day_marked_worked_twice_or_also_a_day_off_is_refused(as_superuser) -> None:
    worked()
    response = post(as_superuser)
    assert response.status_code == 200
    assert "That day is already a working day in that region." in response.content.decode()
    NonWorkingDay.objects.create(date=D(2026, 8, 3), region="scotland", reason="Closure")
    response = post(as_superuser, date="2026-08-03")
    assert response.status_code == 200
    assert (
        "3 August 2026 is recorded as an extra non-working day in Scotland. Remove that day "
        "off first." in response.content.decode()
    )
    assert WorkedBankHoliday.objects.count() == 1


# ---------------------------------------------------------------- a case's deadlines


def deadline(case: Case, stage: int) -> CaseDeadline:
    return CaseDeadline.objects.get(case=case, stage=stage, key="start_by")


def test_a_cases_deadlines_fall_on_a_worked_bank_holiday_and_say_why(scottish) -> None:
    saturday = D(2026, 6, 13)
    before = factories.raise_case(scottish, concern_arose_on=saturday)
    # Cheshire East: stage 1 starts within 1 working day, stage 2 by day 3 (rolled forward)
    assert deadline(before, 1).due == D(2026, 6, 16)
    assert deadline(before, 2).due == D(2026, 6, 16)
    assert WORLD_CUP_NAME in deadline(before, 1).explanation

    worked()
    case = factories.raise_case(scottish, concern_arose_on=saturday)
    counted, landed = deadline(case, 1), deadline(case, 2)
    assert counted.due == landed.due == WORLD_CUP
    # counted through: 1 working day after Saturday is the Monday, worked
    assert counted.explanation == (
        f"1 working day after the concern arose on Sat 13 Jun 2026 = Mon 15 Jun 2026 "
        f"({WORKED_WORDS})"
    )
    # landed on: day 3 is the Monday, not rolled on
    assert landed.explanation == (
        f"day 3 (day 1 = the concern arose on Sat 13 Jun 2026) = Mon 15 Jun 2026 ({WORKED_WORDS})"
    )


def test_a_deadline_rolled_past_a_weekend_stops_at_a_worked_bank_holiday(scottish) -> None:
    worked()
    case = factories.raise_case(scottish, concern_arose_on=D(2026, 6, 12))  # Fri
    # day 3 is Sunday: rolled to the Monday, a working day here
    assert deadline(case, 2).due == WORLD_CUP
    assert deadline(case, 2).explanation == (
        f"day 3 (day 1 = the concern arose on Fri 12 Jun 2026) = Sun 14 Jun 2026, rolled to "
        f"Mon 15 Jun 2026: weekend ({WORKED_WORDS})"
    )


def test_an_open_cases_stored_deadlines_move_when_its_region_works_a_bank_holiday(
    scottish, django_capture_on_commit_callbacks
) -> None:
    case = factories.raise_case(scottish, concern_arose_on=D(2026, 6, 13))
    assert deadline(case, 1).due == D(2026, 6, 16)
    with django_capture_on_commit_callbacks(execute=True):
        made = worked()
    assert deadline(case, 1).due == WORLD_CUP
    assert WORKED_WORDS in deadline(case, 1).explanation
    with django_capture_on_commit_callbacks(execute=True):
        made.delete()
    assert deadline(case, 1).due == D(2026, 6, 16)
