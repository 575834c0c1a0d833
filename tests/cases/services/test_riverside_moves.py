"""End to end, through the services, for what a procedure may say about moves and words
(Riverside, tests/procedures/definitions/riverside.toml, published as a board's
own version): its role names in who is told, who is told of immediate risk, a chair who
mediates but may not decide, skips only by named roles, only so far and only after a
recorded consultation, and a notice before escalating stage 2."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories
import pytest

from escalate.cases import services, told
from escalate.cases.errors import Conflict, Invalid, NotAllowed
from escalate.cases.models import Case, Event
from escalate.cases.permissions import CaseAction, can
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

RIVERSIDE_FILE = Path(__file__).parents[2] / "procedures" / "definitions" / "riverside.toml"
AROSE = dt.date(2026, 12, 23)
REASON = "The child could come to serious harm tonight."


@pytest.fixture
def w(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    """A partnership running Riverside (its own published version), someone in every role."""
    frozen_clock(AROSE)
    made = factories.world("shropshire-sscp")
    assert made.administrator is not None
    made.administrator.is_staff = True
    made.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(
        made.administrator, made.partnership, library.load_file(RIVERSIDE_FILE)
    )
    versions.publish(made.administrator, draft, dt.date(2020, 1, 1))
    return made


def person(w: factories.World, role: Role, side: str = "raising") -> Any:
    return w.person(role, side=side)


def raised(w: factories.World, **extra: Any) -> Case:
    actor = extra.pop("actor", w.raiser)
    details = factories.case_details(w, categories=["difference-of-opinion"], **extra)
    case = services.raise_case(actor, **details)
    assert case.procedure_key == "riverside"
    return case


def escalated(w: factories.World, case: Case, owner_role: Role, **kw: Any) -> Case:
    actor = case.stages.get(number=case.current_stage).owner
    return services.escalate(
        actor,
        case,
        owner=person(w, owner_role),
        summary=f"Stage {case.current_stage} did not resolve it.",
        expected_version=case.version,
        **kw,
    )


def notice(w: factories.World, case: Case) -> Case:
    return services.give_notice_of_escalation(
        person(w, Role.LINE_MANAGER),
        case,
        details="Emailed their team manager that we intend to escalate on Friday.",
        expected_version=case.version,
    )


def told_by(case: Case, since: int) -> set[tuple[str, str]]:
    rows = Notification.objects.filter(case=case, source_event_id__gt=since)
    return {(n.email, n.why) for n in rows}


def last_event(case: Case) -> int:
    return told.last_event_id(case)


def previewed(actor: Any, case: Case, action: CaseAction) -> set[tuple[str, str]]:
    groups = told.will_be_told(actor, case, action)
    assert groups is not None
    return {(p.email, p.why) for g in groups for p in g.people}


# ---------------------------------------------------------------- 6. notice


def test_stage_2_is_escalated_only_after_notice_is_given_and_the_other_side_is_told(
    w: factories.World,
) -> None:
    case = escalated(w, raised(w), Role.LINE_MANAGER)  # stage 1 needs no notice
    manager = person(w, Role.LINE_MANAGER)
    assert can(manager, CaseAction.GIVE_NOTICE, case)
    with pytest.raises(Conflict) as refused:
        escalated(w, case, Role.SENIOR_MANAGER)
    assert refused.value.reason == "needs_notice"
    assert "Give notice of escalation on the case first" in str(refused.value)

    before = last_event(case)
    preview = previewed(manager, case, CaseAction.GIVE_NOTICE)
    case = notice(w, case)
    why = "the agency that raised the challenge intends to escalate it"
    assert (
        told_by(case, before)
        == preview
        == {
            (w.other_professional.email.lower(), why),  # the other professional
            (person(w, Role.LINE_MANAGER, "other").email.lower(), why),  # the stage's counterpart
        }
    )
    rows = Notification.objects.filter(case=case, source_event_id__gt=before)
    assert {r.event for r in rows} == {"escalation.notice_given"}
    entry = Event.objects.get(case=case, action="escalation.notice_given")
    assert (entry.stage, entry.data["role"]) == (2, "line_manager")
    assert not can(manager, CaseAction.GIVE_NOTICE, case)
    with pytest.raises(Conflict) as twice:
        notice(w, case)
    assert "already been given" in str(twice.value)

    case = escalated(w, case, Role.SENIOR_MANAGER)
    assert case.current_stage == 3


def test_notice_is_refused_where_the_stage_needs_none_or_with_nothing_said(
    w: factories.World,
) -> None:
    case = raised(w)
    with pytest.raises(Conflict) as refused:
        services.give_notice_of_escalation(
            w.raiser, case, details="We will escalate.", expected_version=case.version
        )
    assert "needs no notice before it is escalated" in str(refused.value)
    case = escalated(w, case, Role.LINE_MANAGER)
    with pytest.raises(Invalid) as empty:
        services.give_notice_of_escalation(
            person(w, Role.LINE_MANAGER), case, details=" \x00 ", expected_version=case.version
        )
    assert "details" in empty.value.errors
    with pytest.raises(NotAllowed):  # the agency challenged does not escalate
        services.give_notice_of_escalation(
            person(w, Role.LINE_MANAGER, "other"),
            case,
            details="We will escalate.",
            expected_version=case.version,
        )


# ---------------------------------------------------------------- 5. skipping


def test_a_skip_is_refused_to_roles_not_named_beyond_stage_3_and_before_consulting(
    w: factories.World,
) -> None:
    case = raised(w)
    lead = person(w, Role.SAFEGUARDING_LEAD)

    def expedite(actor: Any, to_stage: int) -> Case:
        return services.expedite(
            actor,
            case,
            to_stage=to_stage,
            reason=REASON,
            owner=person(w, Role.SENIOR_MANAGER),
            expected_version=case.version,
        )

    with pytest.raises((Conflict, NotAllowed)) as by_manager:
        expedite(person(w, Role.LINE_MANAGER), 3)
    assert "only a designated or named safeguarding lead or a head of service may skip" in str(
        by_manager.value
    )
    with pytest.raises(Conflict) as too_far:
        expedite(lead, 4)
    assert too_far.value.reason == "skip_too_far"
    with pytest.raises(Conflict) as unconsulted:
        expedite(lead, 3)
    assert unconsulted.value.reason == "needs_consultation"
    assert "only after consulting a line manager" in str(unconsulted.value)
    assert Event.objects.filter(case=case).count() == 1  # nothing was recorded

    with pytest.raises(Invalid) as nameless:
        services.record_consultation(lead, case, consulted="", expected_version=case.version)
    assert nameless.value.errors["consulted"] == ["Enter the name of a line manager."]
    case = services.record_consultation(
        lead,
        case,
        consulted="Pat Manager",
        advice="Agreed: go to the heads of service today.",
        expected_version=case.version,
    )
    entry = Event.objects.get(case=case, action="consultation.recorded")
    assert entry.data["consulted_role"] == "line_manager"
    assert entry.data["consulted"] == "Pat Manager"
    assert not Notification.objects.filter(source_event=entry).exists()  # tells nobody
    case = expedite(lead, 3)
    assert (case.current_stage, case.immediate_risk) == (3, True)


def test_raising_straight_at_stage_3_needs_a_named_skipper_and_the_consultation(
    w: factories.World,
) -> None:
    head = person(w, Role.SENIOR_MANAGER)
    at_risk = {
        "actor": head,
        "immediate_risk": True,
        "referral_made": True,
        "referral_made_on": AROSE,
        "start_stage": 3,
        "expedite_reason": REASON,
        "owner": head,
    }
    with pytest.raises(Invalid) as unconsulted:
        raised(w, **at_risk)
    assert (
        "say who you consulted when you raise the case" in unconsulted.value.errors["consulted"][0]
    )
    case = raised(w, consulted="Pat Manager", **at_risk)
    assert case.current_stage == 3
    entry = Event.objects.get(case=case, action="case.raised")
    assert entry.data["consulted"] == "Pat Manager"
    with pytest.raises(Conflict) as too_far:
        raised(
            w,
            consulted="Pat Manager",
            **{**at_risk, "start_stage": 4, "owner": person(w, Role.BUSINESS_UNIT)},
        )
    assert too_far.value.reason == "skip_too_far"


# ---------------------------------------------------------------- 4. immediate risk


def test_expediting_tells_those_named_for_immediate_risk_as_the_preview_said(
    w: factories.World,
) -> None:
    case = raised(w)
    lead = person(w, Role.SAFEGUARDING_LEAD)
    case = services.record_consultation(
        lead, case, consulted="Pat Manager", expected_version=case.version
    )
    preview = previewed(lead, case, CaseAction.EXPEDITE)
    before = last_event(case)
    case = services.expedite(
        lead,
        case,
        to_stage=3,
        reason=REASON,
        owner=person(w, Role.SENIOR_MANAGER),
        expected_version=case.version,
    )
    actual = told_by(case, before)
    why = "someone is at immediate risk: the procedure says to tell them at once"
    at_risk = {email for email, reason in actual if reason == why}
    assert at_risk >= {
        w.partnership.business_unit_email.lower(),
        person(w, Role.BUSINESS_UNIT).email.lower(),
        person(w, Role.SAFEGUARDING_LEAD, "other").email.lower(),
    }
    assert lead.email.lower() not in {email for email, _ in actual}  # not told of their own
    # The preview names everyone but the new owner the form chooses.
    owner = person(w, Role.SENIOR_MANAGER).email.lower()
    assert {(e, r) for e, r in preview if e != owner} == {(e, r) for e, r in actual if e != owner}


def test_raising_at_immediate_risk_at_stage_1_tells_them_too(w: factories.World) -> None:
    case = raised(w, immediate_risk=True, referral_made=True, referral_made_on=AROSE)
    why = "someone is at immediate risk: the procedure says to tell them at once"
    told_now = {n.email for n in Notification.objects.filter(case=case, why=why)}
    assert w.partnership.business_unit_email.lower() in told_now
    calm = raised(w)
    assert not Notification.objects.filter(case=calm, why=why).exists()


# ---------------------------------------------------------------- 3 and 5. names, chair


def test_who_will_be_told_names_roles_as_the_procedure_does(w: factories.World) -> None:
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    case = notice(w, case)
    groups = told.will_be_told(person(w, Role.LINE_MANAGER), case, CaseAction.ESCALATE)
    assert groups is not None
    parts = {p.part for g in groups for p in g.people}
    assert any(part.startswith("head of service, ") for part in parts), parts
    assert not any(part.startswith("senior manager") for part in parts), parts


def test_the_conference_chair_mediates_at_stage_4_but_only_a_director_decides(
    w: factories.World,
) -> None:
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    case = escalated(w, notice(w, case), Role.SENIOR_MANAGER)
    case = escalated(w, case, Role.BUSINESS_UNIT)
    assert case.current_stage == 4
    chair = person(w, Role.INDEPENDENT_CHAIR)
    assert can(chair, CaseAction.RECORD_CONTACT, case)
    assert not can(chair, CaseAction.RESOLVE, case)
    with pytest.raises(NotAllowed) as refused:
        services.resolve(chair, case, outcome="Agreed a plan.", expected_version=case.version)
    assert "A conference chair cannot record the disagreement as resolved" in str(refused.value)
    case = services.resolve(
        person(w, Role.DIRECTOR), case, outcome="Agreed a plan.", expected_version=case.version
    )
    assert case.status == "resolved"
