"""A stage's owner sets the timescales the procedure lets them set (Riverside,
tests/procedures/definitions/riverside.toml): "a date the partnership liaison officer
sets" (stage 4) and "10 working days, or a timescale that protects the person, whichever
is shorter" (stage 3: shorter only, never longer). The date is stored, its deadline
chased, the chronology says who set it and why; everyone else, a date in the past or not
a working day, and a longer timescale are refused in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import factories
import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from escalate.cases import permissions, services
from escalate.cases.errors import Conflict, Invalid, NotAllowed
from escalate.cases.models import Case, Event
from escalate.cases.models.deadlines import CONCLUDE_BY, CaseDeadline, OwnerTimescale
from escalate.cases.permissions import CaseAction
from escalate.cases.services import timescales
from escalate.cases.views.timescale_actions import SetTimescaleView
from escalate.notifications import services as notification_services
from escalate.notifications.models import Notification
from escalate.procedures import library

pytestmark = pytest.mark.django_db

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]
KEY = "riverside"
RIVERSIDE = library.load_file(
    Path(__file__).parents[2] / "procedures" / "definitions" / f"{KEY}.toml"
)
AROSE = dt.date(2026, 12, 1)  # a Tuesday: stage 3's 10 working days end Tue 15 Dec


@pytest.fixture(autouse=True)
def riverside_in_the_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(library.load_library(), KEY, RIVERSIDE)
    yield


def at_stage(number: int, frozen_clock: FrozenClock) -> tuple[factories.World, Case]:
    w = factories.world(KEY)
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    case = factories.raise_case(w, concern_arose_on=AROSE)
    return w, escalate_to(w, case, number)


def escalate_to(w: factories.World, case: Case, number: int) -> Case:
    """Stage by stage up to ``number`` (factories.escalate_to), first giving the notice
    Riverside asks for before stage 2 is escalated."""
    while case.current_stage < number:
        if w.procedure.stage(case.current_stage).notice_before_escalation:
            case = services.give_notice_of_escalation(
                owner(case),
                case,
                details="Emailed their manager that we intend to escalate.",
                expected_version=case.version,
            )
        case = factories.escalate_to(w, case, case.current_stage + 1)
    return case


def owner(case: Case) -> Any:
    return case.stages.get(number=case.current_stage).owner


def set_it(case: Case, who: Any = None, **kw: Any) -> Case:
    fields: dict[str, Any] = {"key": CONCLUDE_BY, "why": "The person's carer leaves on Friday."}
    fields.update(kw)
    return timescales.set_timescale(
        who or owner(case), case, expected_version=case.version, **fields
    )


def problems(case: Case, **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        set_it(case, **kw)
    return caught.value.errors


def test_the_liaison_officer_sets_stage_4s_timescale_and_it_is_stored_told_and_chased(
    frozen_clock: FrozenClock,
) -> None:
    w, case = at_stage(4, frozen_clock)
    assert not CaseDeadline.objects.filter(case=case, stage=4, key=CONCLUDE_BY).exists()
    case = set_it(case, due=dt.date(2026, 12, 11))
    deadline = CaseDeadline.objects.get(case=case, stage=4, key=CONCLUDE_BY)
    assert deadline.due == dt.date(2026, 12, 11)
    assert deadline.explanation == "set by stage 4's owner for the case: Fri 11 Dec 2026"
    assert case.stages.get(number=4).act_by == dt.date(2026, 12, 11)
    event = Event.objects.get(case=case, action="timescale.set")
    assert event.stage == 4 and event.data["due"] == "2026-12-11"
    assert event.data["why"] == "The person's carer leaves on Friday."
    told = {n.email for n in Notification.objects.filter(case=case, event="timescale.set")}
    assert {w.raiser.email.lower(), w.other_professional.email.lower()} <= told
    # Passed: its owner is reminded.
    frozen_clock(dt.datetime.combine(dt.date(2026, 12, 14), dt.time(8, 0)))
    notification_services.sweep_reminders()
    reminded = Notification.objects.filter(
        case=case, due_on=dt.date(2026, 12, 11), event="reminder.overdue"
    )
    assert owner(case).email.lower() in {n.email for n in reminded}


def test_the_senior_manager_may_shorten_stage_3_to_protect_the_person(
    frozen_clock: FrozenClock,
) -> None:
    _, case = at_stage(3, frozen_clock)
    assert CaseDeadline.objects.get(case=case, stage=3, key=CONCLUDE_BY).due == dt.date(
        2026, 12, 15
    )
    case = set_it(case, due=dt.date(2026, 12, 4))
    deadline = CaseDeadline.objects.get(case=case, stage=3, key=CONCLUDE_BY)
    assert deadline.due == dt.date(2026, 12, 4)
    assert "set by stage 3's owner to protect the person (sooner than 10 working days" in (
        deadline.explanation
    )
    assert OwnerTimescale.objects.get(case=case).set_by == owner(case)


def test_a_longer_timescale_than_the_procedures_is_refused(frozen_clock: FrozenClock) -> None:
    _, case = at_stage(3, frozen_clock)
    found = problems(case, due=dt.date(2026, 12, 18))
    assert found["due"] == [
        "The date must be on or before Tue 15 Dec 2026: the procedure allows 10 working "
        "days at most, and lets you set only a shorter timescale that protects the person."
    ]
    assert CaseDeadline.objects.get(case=case, stage=3, key=CONCLUDE_BY).due == dt.date(
        2026, 12, 15
    )


def test_a_date_in_the_past_or_not_a_working_day_or_no_reason_is_refused(
    frozen_clock: FrozenClock,
) -> None:
    _, case = at_stage(4, frozen_clock)
    assert problems(case, due=dt.date(2026, 11, 30))["due"] == ["The date cannot be in the past."]
    assert problems(case, due=dt.date(2026, 12, 5))["due"] == [
        "Sat 5 Dec 2026 is not a working day: choose a working day."
    ]
    assert problems(case, due=dt.date(2026, 12, 25))["due"] == [
        "Fri 25 Dec 2026 is not a working day: choose a working day."
    ]
    assert "due" in problems(case, due=None)
    assert "why" in problems(case, due=dt.date(2026, 12, 11), why="  ")
    assert not OwnerTimescale.objects.filter(case=case).exists()


def test_a_deadline_the_procedure_sets_itself_is_not_the_owners_to_set(
    frozen_clock: FrozenClock,
) -> None:
    _, case = at_stage(2, frozen_clock)
    with pytest.raises(Conflict, match="The procedure sets every timescale of stage 2"):
        set_it(case, due=dt.date(2026, 12, 11))
    assert not permissions.can(owner(case), CaseAction.SET_TIMESCALE, case)
    _, case = at_stage(3, frozen_clock)
    assert problems(case, key="nonsense", due=dt.date(2026, 12, 11))["key"] == [
        "Choose a deadline of stage 3 that the procedure lets its owner set."
    ]


def test_only_the_stages_owner_may_set_its_timescale(frozen_clock: FrozenClock) -> None:
    w, case = at_stage(4, frozen_clock)
    with pytest.raises(NotAllowed, match="Only the owner of stage 4 can set its timescales."):
        set_it(case, who=w.raiser, due=dt.date(2026, 12, 11))


def test_a_closed_case_has_no_timescale_to_set(frozen_clock: FrozenClock) -> None:
    w, case = at_stage(4, frozen_clock)
    liaison = owner(case)
    case = services.withdraw(
        w.raiser, case, reason="No longer needed.", expected_version=case.version
    )
    with pytest.raises(Conflict, match="withdrawn, so its timescales can no longer be set"):
        set_it(case, who=liaison, due=dt.date(2026, 12, 11))
    assert not permissions.can(liaison, CaseAction.SET_TIMESCALE, case)


def test_setting_a_timescale_is_the_current_stage_owners_alone_while_open(
    frozen_clock: FrozenClock,
) -> None:
    w, case = at_stage(4, frozen_clock)
    earlier = case.stages.get(number=3).owner
    assert permissions.can(owner(case), CaseAction.SET_TIMESCALE, case)
    for someone in (w.raiser, w.other_professional, earlier):
        if someone.pk == owner(case).pk:
            continue
        assert not permissions.can(someone, CaseAction.SET_TIMESCALE, case)
        refused = permissions.refusal(
            permissions.standing(someone, case), CaseAction.SET_TIMESCALE, case
        )
        assert isinstance(refused, NotAllowed)


def test_the_page_lists_what_the_owner_may_set_and_refuses_anyone_else(
    frozen_clock: FrozenClock,
) -> None:
    w, case = at_stage(3, frozen_clock)
    view = SetTimescaleView.as_view()
    request = RequestFactory().get("/")
    request.user = owner(case)
    page = view(request, reference=case.reference)
    assert isinstance(page, HttpResponse) and page.status_code == 200
    text = page.content.decode()
    assert "10 working days, or a shorter timescale" in text
    assert "no later than Tue 15 Dec 2026" in text
    request = RequestFactory().get("/")
    request.user = w.raiser
    assert view(request, reference=case.reference).status_code == 403


def test_the_timescale_page_is_at_its_address_and_sets_the_date(
    client: Any, frozen_clock: FrozenClock
) -> None:
    w, case = at_stage(4, frozen_clock)
    url = reverse("cases:set_timescale", args=[case.reference])
    assert url == f"/cases/{case.reference}/timescale/"
    client.force_login(w.raiser)
    assert client.get(url).status_code == 403
    client.force_login(owner(case))
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "version": case.version,
            "key": CONCLUDE_BY,
            "due-day": "٣١",
            "due-month": "99",
            "due-year": "2026",
            "why": "x\x00",
        },
    )
    assert bad.status_code == 400
    sent = client.post(
        url,
        {
            "version": case.version,
            "key": CONCLUDE_BY,
            "due-day": "11",
            "due-month": "12",
            "due-year": "2026",
            "why": "The carer leaves on Friday.",
        },
    )
    assert sent.status_code == 302
    assert OwnerTimescale.objects.get(case=case, stage=4).due == dt.date(2026, 12, 11)
