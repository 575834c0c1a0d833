"""`escalate demo`'s cases: about a year of them in every partnership, of every kind, made
through the services, safe to make twice, and worth looking at in the register, the
report and the README's tour.

The demo is built once for the module (it takes a while), inside a transaction rolled
back at the end; each test runs in a savepoint of its own within it. The clock is
frozen on one day throughout, so the cases and the tests agree on "today".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from escalate import clock
from escalate.accounts.models import User
from escalate.cases.models import (
    AgreedAction,
    Case,
    CaseStatus,
    Conclusion,
    Event,
    PolicyIssue,
    PolicyIssueStatus,
    StageRecord,
)
from escalate.cases.selectors import DUE_SOON_DAYS
from escalate.notifications.models import Notification, NotificationStatus
from escalate.partnerships import demo, demo_case_plans, demo_case_words, demo_cases
from escalate.partnerships.models import Partnership
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.library import load_library
from escalate.reports import referral
from escalate.reports.common import SUPPRESS_BELOW, Period
from escalate.reports.models import ReferralSubmission
from escalate.reports.register import RegisterFilters, register
from escalate.reports.report_data import build_report

pytestmark = pytest.mark.django_db

#: A Wednesday in the middle of the year: the demo's "today" in these tests.
TODAY = dt.datetime(2026, 6, 17, 12, 0)


@pytest.fixture
def frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


# ---------------------------------------------------------------- before the demo is built
# (pytest runs a module's tests in order; the module's demo is built on first use.)


def test_without_cases_the_demo_makes_people_and_no_cases(frozen_today: None) -> None:
    made = demo.create_demo()
    assert made.partnerships and User.objects.filter(email__endswith="@demo.escalate.test")
    assert Case.objects.count() == 0
    assert Notification.objects.count() == 0


# ---------------------------------------------------------------- planning (no database)

EDGE_DAYS = [
    dt.date(2027, 1, 1),  # a bank holiday, first of the year
    dt.date(2027, 1, 4),
    dt.date(2026, 12, 31),
    dt.date(2027, 3, 29),  # Easter Monday
    dt.date(2026, 6, 17),
]


@pytest.mark.parametrize("today", EDGE_DAYS, ids=str)
def test_every_demo_case_can_be_planned_on_any_day_with_the_tour_in_this_year(
    today: dt.date,
) -> None:
    for key, procedure in load_library().items():
        calendar = WorkingCalendar.for_region(procedure.region, [])
        for n, scenario in enumerate(demo_case_plans.scenarios(procedure, 64, key)):
            plan = demo_case_plans.plan_case(procedure, calendar, today, scenario, f"{key}/{n}")
            days = [s.on for s in plan.steps]
            assert days == sorted(days) and days[-1] <= today, (key, n)
            assert plan.arose <= plan.raised <= today
            assert (today - plan.raised).days <= demo_case_plans.OLDEST_DAYS + 1
            if scenario.tour:
                assert plan.raised.year == today.year, (key, n)


def test_the_same_day_plans_the_same_cases() -> None:
    procedure = load_library()["cheshire-east-sab"]
    calendar = WorkingCalendar.for_region(procedure.region, [])

    def plans() -> list[demo_case_plans.Plan]:
        return [
            demo_case_plans.plan_case(procedure, calendar, TODAY.date(), s, f"ce/{n}")
            for n, s in enumerate(demo_case_plans.scenarios(procedure, 64, "ce"))
        ]

    assert plans() == plans()


@pytest.mark.parametrize("hour", [0, 8, 15])
def test_todays_steps_happen_today_before_now_and_in_order(hour: int) -> None:
    from django.utils import timezone

    from escalate.partnerships.demo_case_player import moments

    now = timezone.make_aware(dt.datetime(2026, 6, 17, hour, 4))
    day = now.date()
    steps = [demo_case_plans.Step(day - dt.timedelta(days=1), "raise")]
    steps += [demo_case_plans.Step(day, "tick") for _ in range(12)]
    when = moments(steps, now)
    assert when == sorted(when)
    assert timezone.localdate(when[0]) == day - dt.timedelta(days=1)
    assert all(timezone.localdate(w) == day for w in when[1:])
    if hour:
        assert when[-1] < now


# ---------------------------------------------------------------- the demo, built once


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any) -> Iterator[demo.DemoResult]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with clock.frozen(TODAY):
                yield demo.create_demo(cases=True)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(built: demo.DemoResult) -> Iterator[list[Partnership]]:
    with clock.frozen(TODAY):
        yield [made.partnership for made in built.partnerships]


def today() -> dt.date:
    return TODAY.date()


def test_every_partnership_gets_between_60_and_150_demo_cases(world: list[Partnership]) -> None:
    assert len(world) == 5
    for partnership in world:
        count = Case.objects.filter(partnership=partnership).count()
        assert 60 <= count <= 150, (partnership, count)


def test_every_partnership_has_cases_at_every_stage_and_status(world: list[Partnership]) -> None:
    for p in world:
        cases = Case.objects.filter(partnership=p)
        final = len(p.procedure.stages)
        for number in range(1, final + 1):
            assert cases.filter(status=CaseStatus.RESOLVED, current_stage=number), (p, number)
            assert cases.filter(status=CaseStatus.OPEN, current_stage=number), (p, number)
        assert cases.filter(status=CaseStatus.WITHDRAWN).count() >= 2, p
        urgencies = {_urgency(c) for c in cases.filter(status=CaseStatus.OPEN)}
        timed = any(s.start_by or s.conclude_by for s in p.procedure.stages)
        wanted = {"on_time", "due_soon", "overdue"} if timed else {"none"}
        assert wanted <= urgencies, (p, urgencies)


def _urgency(case: Case) -> str:
    record = case.stages.get(number=case.current_stage)
    if record.act_by is None:
        return "none"
    left = (record.act_by - today()).days
    return "overdue" if left < 0 else "due_soon" if left <= DUE_SOON_DAYS else "on_time"


def test_expedited_late_start_panel_and_referral_cases_where_the_procedure_has_them(
    world: list[Partnership],
) -> None:
    for p in world:
        procedure, cases = p.procedure, Case.objects.filter(partnership=p)
        stages = StageRecord.objects.filter(case__partnership=p)
        expedited = stages.filter(conclusion=Conclusion.EXPEDITED).exists()
        started_late = cases.exclude(stages__number=1).filter(immediate_risk=True).exists()
        assert expedited == started_late == procedure.expedite.allowed, p
        has_panel = any(s.panel for s in procedure.stages)
        assert cases.exclude(panel_referred=[]).exists() == has_panel, p
        has_form = any(s.form for s in procedure.stages)
        assert ReferralSubmission.objects.filter(case__partnership=p).exists() == has_form, p


def test_agreed_actions_policy_issues_debriefs_learning_and_chronology_in_every_partnership(
    world: list[Partnership],
) -> None:
    for p in world:
        actions = AgreedAction.objects.filter(case__partnership=p)
        assert actions.filter(done_on__isnull=False).exists(), p
        assert actions.filter(done_on__isnull=True, due_on__gte=today()).exists(), p
        issues = PolicyIssue.objects.filter(case__partnership=p)
        assert issues.filter(status=PolicyIssueStatus.OPEN).exists(), p
        assert issues.filter(status=PolicyIssueStatus.RESPONDED).exists(), p
        cases = Case.objects.filter(partnership=p)
        assert cases.filter(debrief_held_on__isnull=False).exists(), p
        assert cases.exclude(learning_themes=[]).count() >= SUPPRESS_BELOW, p
        events = Event.objects.filter(case__partnership=p)
        for kind in ("contact", "meeting", "note"):
            assert events.filter(data__kind=kind).exists(), (p, kind)
        assert cases.filter(response="disagree").exists(), p


def test_notifications_are_sent_and_exactly_one_failed(world: list[Partnership]) -> None:
    rows = Notification.objects.all()
    assert not rows.filter(status=NotificationStatus.PENDING).exists()
    assert rows.filter(status=NotificationStatus.SENT).count() > 1000
    (failed,) = rows.filter(status=NotificationStatus.FAILED)
    assert failed.email == demo_cases.BOUNCING_ADDRESS
    # The partnership's administrator was told, and that notice was sent in turn.
    told = rows.get(case=failed.case, recipient__email__startswith="administrator.")
    assert told.status == NotificationStatus.SENT


def test_people_at_risk_are_plainly_invented(world: list[Partnership]) -> None:
    for case in Case.objects.all():
        assert any(name in case.person_name for name in demo_case_words.SURNAMES), case
        assert case.person_record_id.startswith(demo_cases.RECORD_PREFIX)
        if case.person_address:
            assert case.person_address.endswith("ZZ99 9ZZ")
        if case.person_date_of_birth:
            assert (case.person_date_of_birth.month, case.person_date_of_birth.day) == (1, 1)


def test_making_the_demo_again_adds_nothing(world: list[Partnership]) -> None:
    counts = (Case.objects.count(), Event.objects.count(), Notification.objects.count())
    demo.create_demo(cases=True)
    again = demo_cases.create_demo_cases(world)
    assert again.made == {} and len(again.kept) == 5
    assert (Case.objects.count(), Event.objects.count(), Notification.objects.count()) == counts


def test_every_demo_case_page_opens_for_its_current_owner(world: list[Partnership]) -> None:
    client = Client()
    for case in Case.objects.select_related("raised_by").order_by("pk"):
        owner = case.stages.get(number=case.current_stage).owner
        client.force_login(owner)
        response = client.get(f"/cases/{case.reference}/")
        assert response.status_code == 200, (case.reference, owner.email)
        assert case.reference in response.content.decode()


def _business_unit(partnership: Partnership) -> User:
    return User.objects.get(email=demo.demo_email("business-unit", partnership.reference_prefix))


def test_the_register_and_report_show_a_partnerships_year_of_cases(
    world: list[Partnership],
) -> None:
    partnership = next(p for p in world if p.reference_prefix == "CE")
    person = _business_unit(partnership)
    rows = register(person, partnership, RegisterFilters(reached="all"))
    assert len(rows) >= 50
    year = Period(today() - dt.timedelta(days=365), today(), "the last year", "year")
    report = build_report(partnership, year)
    assert report.raised >= 50
    assert max(n for _, n in report.by_category) >= SUPPRESS_BELOW
    assert max(n for _, n in report.by_raising_agency) >= SUPPRESS_BELOW
    assert report.resolved >= SUPPRESS_BELOW and report.stages_timed >= SUPPRESS_BELOW

    client = Client()
    client.force_login(person)
    page = client.get(f"/board/{partnership.slug}/register/", {"reached": "all"})
    assert page.status_code == 200
    shown = set(re.findall(r"CE-\d{4}-\d{4}", page.content.decode()))
    assert len(shown) >= 50
    since, until = year.first.isoformat(), year.last.isoformat()
    page = client.get(f"/board/{partnership.slug}/report/", {"from": since, "to": until})
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_the_tour_has_a_case_for_each_step_with_the_first_references_of_the_year(
    world: list[Partnership],
) -> None:
    for p in world:
        tour = {t.step: t for t in demo_cases.tour(p)}
        prefix = f"{p.reference_prefix}-{today().year}"
        assert [tour[s].reference for s in ("3", "4", "6")] == [
            f"{prefix}-0001",
            f"{prefix}-0002",
            f"{prefix}-0003",
        ]
        step3 = Case.objects.get(reference=tour["3"].reference)
        assert (step3.current_stage, step3.status, step3.response) == (1, "open", "disagree")
        assert tour["3"].sign_in == demo.demo_email("practitioner", p.reference_prefix, "") or (
            tour["3"].sign_in == demo.demo_email("practitioner", p.reference_prefix, "nhs")
        )
        step4 = Case.objects.get(reference=tour["4"].reference)
        record = step4.stages.get(number=2)
        assert record.owner_role == "line_manager" and record.checklist_done == []
        assert tour["4"].sign_in == record.owner.email
        step6 = Case.objects.get(reference=tour["6"].reference)
        assert step6.current_stage == len(p.procedure.stages) and step6.status == "open"
        assert step6.policy_issues.filter(status=PolicyIssueStatus.OPEN).exists()
        if any(s.form for s in p.procedure.stages):
            assert referral.offered_to(_business_unit(p), step6)
            assert not ReferralSubmission.objects.filter(case=step6).exists()
        client = Client()
        client.force_login(User.objects.get(email=tour["4"].sign_in))
        assert tour["4"].reference in client.get("/").content.decode()
