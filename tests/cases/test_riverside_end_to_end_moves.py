"""What Riverside (tests/procedures/definitions/riverside.toml) says about routes, moves
and words, walked end to end on a partnership running it as its own published version:
each move made on the case's pages by the person whose move it is (or refused there, in
words), what they then see, and whom the emails reach, each with Riverside's subject
label. The timescales are in test_riverside_end_to_end.py; shared steps in
riverside_walk.py."""

from __future__ import annotations

from typing import Any

import factories
import pytest
from django.test import Client
from riverside_walk import (
    AROSE,
    CATEGORY,
    LABEL,
    RIVERSIDE,
    act,
    at,
    card,
    case_page,
    choice,
    delivered,
    email,
    escalated,
    raised,
    record_meeting,
    running,
    saved,
    signed_in,
    words,
)

from escalate.cases.models import Case, Event
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db
AT_RISK = "someone is at immediate risk: the procedure says to tell them at once"
REASON = "The child could come to serious harm tonight."


@pytest.fixture
def w(frozen_clock: object) -> factories.World:
    """A partnership running Riverside, on Tuesday 1 December 2026 (the suite's clock
    fixture frees the clock after the test)."""
    at(AROSE)
    return running()


def link(case: Case, name: str) -> str:
    return f'href="/cases/{case.reference}/{name}/"'


def to_stage_4(w: factories.World, case: Case) -> Case:
    for role in (Role.LINE_MANAGER, Role.SENIOR_MANAGER, Role.BUSINESS_UNIT):
        case = escalated(w, case, role)
    return case


def told_why(mailoutbox: list[Any]) -> dict[str, str]:
    """Each address emailed, and the email's words."""
    return {m.to[0].lower(): m.body for m in delivered(mailoutbox)}


# ---------------------------------------------------------------- routes


def test_the_final_forum_is_the_adults_panel_or_the_childrens_executive(
    w: factories.World,
) -> None:
    adult = raised(w, subject_type="adult")
    child = raised(w, subject_type="child")
    assert (
        "Where this case goes Stage 4 (Resolution conference) is heard by the Safeguarding "
        "Adults Board resolution panel."
    ) in words(case_page(w.raiser, adult))
    shown = words(case_page(w.raiser, child))
    assert "Stage 4 (Resolution conference) is heard by the Children's Partnership executive." in (
        shown
    )
    assert "Safeguarding Adults Board resolution panel" not in shown


def test_a_looked_after_childs_case_goes_to_the_named_officer_not_up_the_stages(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    case = raised(w, subject_type="child", kinds=["looked_after_child"])
    liaison = w.person(Role.BUSINESS_UNIT)
    told = told_why(mailoutbox)
    assert (
        "The child is looked after by the local authority: the procedure sends it to the "
        "named officer for looked-after children"
    ) in told[email(liaison)]

    page = case_page(w.raiser, case)
    shown = words(page)
    assert (
        "This case goes to the named officer for looked-after children instead of up the stages."
    ) in shown
    assert "Call the Riverside looked-after children's service on 01632 960000." in shown
    assert link(case, "escalate") not in page and link(case, "expedite") not in page
    assert signed_in(w.raiser).get(f"/cases/{case.reference}/escalate/").status_code == 403

    outcome = "The named officer reviewed the placement."
    case = saved(act(w.raiser, "resolve", case, outcome=outcome), case)
    assert (case.status, case.current_stage) == ("resolved", 1)


# ---------------------------------------------------------------- who may make which move


def test_the_conference_chair_mediates_but_only_a_director_records_the_decision(
    w: factories.World,
) -> None:
    case = to_stage_4(w, raised(w))
    chair = w.person(Role.INDEPENDENT_CHAIR)
    page = case_page(chair, case)
    assert link(case, "record") in page and link(case, "resolve") not in page
    assert signed_in(chair).get(f"/cases/{case.reference}/resolve/").status_code == 403
    case = record_meeting(chair, case, AROSE)  # the chair's notes of the conference

    director = w.person(Role.DIRECTOR)
    assert link(case, "resolve") in case_page(director, case)
    decided = "The directors agreed a joint review of the care plan."
    case = saved(act(director, "resolve", case, outcome=decided), case)
    assert case.status == "resolved"
    assert Event.objects.get(case=case, action="case.resolved").actor == director


def test_only_a_lead_or_head_of_service_skips_only_to_stage_3_after_consulting(
    w: factories.World,
) -> None:
    case = raised(w)
    expedite = f"/cases/{case.reference}/expedite/"
    manager = w.person(Role.LINE_MANAGER)
    assert link(case, "expedite") not in case_page(manager, case)
    assert signed_in(manager).get(expedite).status_code == 403  # not a role that may skip
    lead = w.person(Role.SAFEGUARDING_LEAD)
    assert link(case, "consultation") in case_page(lead, case)
    head = choice(w.person(Role.SENIOR_MANAGER), Role.SENIOR_MANAGER)
    form = words(signed_in(lead).get(expedite))
    assert "Stage 3: Heads of service" in form and "Stage 4:" not in form
    unconsulted = signed_in(lead).post(
        expedite,
        {"version": case.version, "to_stage": "3", "reason": REASON, "owner": head},
        follow=True,
    )
    assert "only after consulting a line manager: record the consultation" in words(unconsulted)
    case.refresh_from_db()
    assert case.current_stage == 1

    consulted = {"consulted": "Pat Manager", "advice": "Agreed: go to the heads of service."}
    case = saved(act(lead, "record_consultation", case, **consulted), case)
    too_far = act(lead, "expedite", case, to_stage="4", reason=REASON, owner=head)
    assert too_far.status_code == 400
    assert REASON in words(too_far)  # kept as typed
    case = saved(act(lead, "expedite", case, to_stage="3", reason=REASON, owner=head), case)
    assert (case.current_stage, case.immediate_risk) == (3, True)


def test_a_line_manager_opening_the_expedite_page_is_told_who_may_skip_stages(
    w: factories.World,
) -> None:
    case = raised(w)
    refused = signed_in(w.person(Role.LINE_MANAGER)).get(f"/cases/{case.reference}/expedite/")
    assert refused.status_code == 403
    said = words(refused)
    assert "safeguarding lead or a head of service may skip stages" in said
    assert "even when someone is at immediate risk; a line manager cannot" in said
    assert "not for you to do" not in said


def test_stage_2_is_escalated_only_after_notice_and_the_other_agency_is_told(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    manager = w.person(Role.LINE_MANAGER)
    head = choice(w.person(Role.SENIOR_MANAGER), Role.SENIOR_MANAGER)
    client = signed_in(manager)
    refused = client.post(
        f"/cases/{case.reference}/escalate/",
        {"version": case.version, "owner": head, "summary": "Not resolved."},
        follow=True,
    )
    assert "Give notice of escalation on the case first; then escalate." in words(refused)
    case.refresh_from_db()
    assert case.current_stage == 2
    assert link(case, "notice") in case_page(manager, case)

    delivered(mailoutbox)
    mailoutbox.clear()
    case = saved(act(manager, "give_notice", case, details="Emailed their manager today."), case)
    told = told_why(mailoutbox)
    why = "the agency that raised the challenge intends to escalate it"
    for other in (w.other_professional, w.person(Role.LINE_MANAGER, side="other")):
        assert why in told[email(other)]
    case = saved(act(manager, "escalate", case, owner=head, summary="Not resolved."), case)
    assert case.current_stage == 3


# ---------------------------------------------------------------- immediate risk


def raise_at_risk_in_the_journey(w: factories.World) -> Client:
    client = signed_in(w.raiser)
    assert client.get("/cases/raise/").status_code == 302
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    assert str(RIVERSIDE.expedite.prompt) in words(client.get("/cases/raise/referral/"))
    day = {"referral_made_on-day": "1", "referral_made_on-month": "12"}
    client.post(
        "/cases/raise/referral/", {"referral_made": "yes", **day, "referral_made_on-year": "2026"}
    )
    client.post("/cases/raise/start-stage/", {"start_stage": "1"})
    client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": w.other_professional.full_name,
            "other_professional_email": w.other_professional.email,
        },
    )
    client.post(
        "/cases/raise/person/",
        {"subject_type": "child", "person_name": "Sam Example", "person_knows": "yes"},
    )
    check = client.post(
        "/cases/raise/disagreement/",
        {
            "categories": [CATEGORY],
            "disagreement": "Whether the plan keeps the child safe tonight.",
            "outcome_sought": "A strategy discussion today.",
            "concern_arose_on-day": "1",
            "concern_arose_on-month": "12",
            "concern_arose_on-year": "2026",
        },
    )
    sent = client.post(check["Location"], {"once": client.session["raise_journey"]["once"]})
    assert sent.status_code == 302, words(sent)[:1500]
    return client


def test_raising_at_immediate_risk_tells_the_liaison_officer_and_leads_at_once(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    raise_at_risk_in_the_journey(w)
    case = Case.objects.get()
    assert case.immediate_risk
    told = told_why(mailoutbox)
    for address in (
        w.partnership.business_unit_email.lower(),
        email(w.person(Role.SAFEGUARDING_LEAD, side="other")),
    ):
        assert AT_RISK in told[address], address
    assert all("Sam Example" not in m.subject for m in mailoutbox)


# ---------------------------------------------------------------- names, label, not given


def test_the_pages_and_emails_call_roles_and_stage_groups_what_riverside_does(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    procedure = words(signed_in(w.raiser).get(f"/partnerships/{w.partnership.slug}/procedure/"))
    for said in ("Head of service", "Conference chair", "Partnership liaison officer"):
        assert said in procedure
    assert "Informal (stages 1 and 2)" in procedure and "Formal (stages 3 and 4)" in procedure
    case = escalated(w, raised(w), Role.LINE_MANAGER)
    assert "Part of Informal (stages 1 and 2)" in card(case_page(w.raiser, case), 2)
    assert "Part of Formal (stages 3 and 4)" in card(case_page(w.raiser, case), 3)
    manager = w.person(Role.LINE_MANAGER)
    case = saved(act(manager, "give_notice", case, details="Emailed their manager."), case)
    preview = words(signed_in(manager).get(f"/cases/{case.reference}/escalate/"))
    assert "head of service" in preview.lower() and "senior manager," not in preview.lower()

    case = escalated(w, escalated(w, case, Role.SENIOR_MANAGER), Role.BUSINESS_UNIT)
    liaison = told_why(mailoutbox)[email(w.person(Role.BUSINESS_UNIT))]
    assert (
        "As the partnership liaison officer, this is yours to do at stage 4: Arrange the "
        "resolution conference. Do it by Tue 15 Dec 2026."
    ) in liaison


def test_the_owner_of_stage_3_is_called_a_head_of_service_where_they_are_chosen_and_shown(
    w: factories.World,
) -> None:
    case = escalated(w, escalated(w, raised(w), Role.LINE_MANAGER), Role.SENIOR_MANAGER)
    head = w.person(Role.SENIOR_MANAGER)
    assert f"Owner {head.full_name} (Head of service)" in card(case_page(head, case), 3)
    at_2 = escalated(w, raised(w), Role.LINE_MANAGER)
    manager = w.person(Role.LINE_MANAGER)
    saved(act(manager, "give_notice", at_2, details="Emailed their manager."), at_2)
    form = words(signed_in(manager).get(f"/cases/{at_2.reference}/escalate/"))
    assert f"{head.full_name}, Head of service (" in form


def test_every_email_about_a_riverside_case_is_labelled_and_names_no_one_at_risk(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    case = raised(w)
    saved(act(w.other_professional, "acknowledge", case), case)
    case = escalated(w, case, Role.LINE_MANAGER)
    sent = delivered(mailoutbox)  # each subject starts "OFFICIAL-SENSITIVE: Escalate "
    assert len(sent) >= 3
    for message in sent:
        assert message.subject.startswith(f"{LABEL}: Escalate {case.reference}: ")
        assert "Alex Example" not in message.subject and "\n" not in message.subject


def test_what_the_document_does_not_give_reads_not_given_and_leaves_no_empty_prompt(
    w: factories.World,
) -> None:
    procedure = words(signed_in(w.raiser).get(f"/partnerships/{w.partnership.slug}/procedure/"))
    assert "(Riverside Safeguarding Partnership; not given)" in procedure  # undated
    assert "None" not in procedure

    quiet = running(
        RIVERSIDE.model_copy(
            update={"expedite": RIVERSIDE.expedite.model_copy(update={"prompt": None})}
        )
    )
    client = signed_in(quiet.raiser)
    assert client.get("/cases/raise/").status_code == 302
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    referral = client.get("/cases/raise/referral/").content.decode()
    assert "govuk-warning-text" not in referral
    assert "does not replace a safeguarding referral" in referral
    page = words(client.get(f"/partnerships/{quiet.partnership.slug}/procedure/"))
    assert "Riverside front door" not in page and "None" not in page
