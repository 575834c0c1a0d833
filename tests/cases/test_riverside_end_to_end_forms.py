"""Riverside's forms (tests/procedures/definitions/riverside.toml), walked end to end on
a partnership running it as its own published version: the notice of intention to
escalate at stage 2, the referral to the conference chair at stage 4 and the record of
the resolved disagreement once a case is resolved. Each is offered on the case page by
its own title only once its stage is reached, opens filled in from the case, is
submitted on its page by someone who may, goes into the chronology and the emails of
whom it names, and downloads as a PDF and a Word file holding what was filled in; those
who may not complete it are refused in words, never with an error. Shared steps in
riverside_walk.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factories
import pytest
from riverside_walk import (
    AROSE,
    act,
    at,
    case_page,
    delivered,
    docx_words,
    email,
    escalated,
    form_answers,
    form_url,
    forms_offered,
    pdf_words,
    raised,
    running,
    saved,
    signed_in,
    submitted,
    words,
)

from escalate.cases.models import Case, Event
from escalate.procedures.model import Role
from escalate.reports.models import ReferralSubmission

pytestmark = pytest.mark.django_db
D = dt.date
NOTICE = "Notice of intention to escalate"
REFERRAL = "Referral to the conference chair"
RECORD = "Record of the resolved disagreement"
WHY = "The managers still disagree about whether the plan keeps the child safe."
AGREED = "The heads of service agreed a joint visit and a review of the plan in January."


@pytest.fixture
def w(frozen_clock: object) -> factories.World:
    """A partnership running Riverside, on Tuesday 1 December 2026 (the suite's clock
    fixture frees the clock after the test)."""
    at(AROSE)
    return running()


def at_stage_2(w: factories.World) -> Case:
    """Raised on Tuesday 1 December, escalated to the raising agency's line manager on
    Wednesday 2 December."""
    case = raised(w)
    at(D(2026, 12, 2))
    return escalated(w, case, Role.LINE_MANAGER)


def at_stage_4(w: factories.World) -> Case:
    """Stage 2 escalated to the head of service on Thursday 3 December, stage 3 to the
    partnership liaison officer on Monday 7 December."""
    case = at_stage_2(w)
    at(D(2026, 12, 3))
    case = escalated(w, case, Role.SENIOR_MANAGER)
    at(D(2026, 12, 7))
    return escalated(w, case, Role.BUSINESS_UNIT)


def resolved_at_3(w: factories.World) -> Case:
    """Resolved by the head of service, on its page, on Tuesday 8 December."""
    case = at_stage_2(w)
    at(D(2026, 12, 3))
    case = escalated(w, case, Role.SENIOR_MANAGER)
    at(D(2026, 12, 8))
    return saved(act(w.person(Role.SENIOR_MANAGER), "resolve", case, outcome=AGREED), case)


def form_page(person: Any, case: Case, key: str) -> str:
    response = signed_in(person).get(form_url(case, key))
    assert response.status_code == 200, words(response)[:1500]
    return response.content.decode()


def sent(response: Any, case: Case, key: str) -> None:
    """The form page took the submission and showed the form again, saying so."""
    assert response.status_code == 302, words(response)[:1500]
    assert response["Location"] == form_url(case, key) + "?sent=1"


def file_words(person: Any, case: Case, key: str) -> tuple[str, str]:
    """The words of the form's PDF and of its Word file, as ``person`` downloads them."""
    client = signed_in(person)
    pdf = client.get(form_url(case, key, ".pdf"))
    docx = client.get(form_url(case, key, ".docx"))
    assert (pdf.status_code, docx.status_code) == (200, 200)
    assert pdf["Content-Disposition"] == f'attachment; filename="{case.reference}-{key}.pdf"'
    assert docx["Content-Disposition"] == f'attachment; filename="{case.reference}-{key}.docx"'
    return pdf_words(pdf.content), docx_words(docx.content)


def told(mailoutbox: list[Any], title: str, where: str) -> dict[str, str]:
    """Each address emailed that ``title`` was submitted ``where``, and the email's words."""
    why = f"{title} was submitted {where}"
    return {m.to[0].lower(): m.body for m in delivered(mailoutbox) if why in m.body}


def in_the_chronology(person: Any, case: Case, title: str, stage: int) -> bool:
    """The chronology has ``title`` submitted at ``stage`` by ``person``, and their case
    page shows the entry."""
    event = Event.objects.filter(
        case=case, action="referral.submitted", data__title=title, actor=person, stage=stage
    )
    said = f"Form submitted (stage {stage}) by {person.full_name}"
    return event.exists() and said in words(case_page(person, case))


# ---------------------------------------------------------------- offered once its stage is reached


def test_each_form_is_offered_by_its_own_title_only_once_its_stage_is_reached(
    w: factories.World,
) -> None:
    manager = w.person(Role.LINE_MANAGER)  # a raising manager completes any form of the case
    case = raised(w)
    assert forms_offered(case_page(manager, case)) == []
    assert forms_offered(case_page(w.raiser, case)) == []
    for key, said in (
        ("stage-2", f"{NOTICE} is completed at stage 2; this case is at stage 1."),
        ("stage-4", f"{REFERRAL} is completed at stage 4; this case is at stage 1."),
        ("outcome", f"{RECORD} is completed once the case is resolved; this case is open."),
    ):
        response = signed_in(manager).get(form_url(case, key))
        assert response.status_code == 409 and said in words(response), key

    at(D(2026, 12, 2))
    case = escalated(w, case, Role.LINE_MANAGER)
    assert forms_offered(case_page(manager, case)) == [
        (form_url(case, "stage-2"), "Complete notice of intention to escalate")
    ]
    assert signed_in(manager).get(form_url(case, "stage-4")).status_code == 409

    at(D(2026, 12, 3))
    case = escalated(w, case, Role.SENIOR_MANAGER)
    at(D(2026, 12, 7))
    case = escalated(w, case, Role.BUSINESS_UNIT)
    assert forms_offered(case_page(w.person(Role.BUSINESS_UNIT), case)) == [
        (form_url(case, "stage-2"), "Complete notice of intention to escalate"),
        (form_url(case, "stage-4"), "Complete referral to the conference chair"),
    ]
    response = signed_in(manager).get(form_url(case, "outcome"))
    assert response.status_code == 409 and "this case is open" in words(response)


# ---------------------------------------------------------------- stage 2: the notice


def test_the_notice_opens_filled_in_with_the_case_agencies_manager_and_day_stage_2_began(
    w: factories.World,
) -> None:
    case = at_stage_2(w)
    manager = w.person(Role.LINE_MANAGER)
    page = form_page(manager, case, "stage-2")
    assert f"Case {case.reference}, stage 2 {NOTICE}" in words(page)
    assert "Please send this form to: The opposite line manager in the other agency" in words(page)
    answers = form_answers(page)
    assert answers["reference"] == case.reference
    assert answers["agencies"] == f"{w.raising.name} and {w.other.name}"
    assert answers["from"] == f"{manager.full_name}, Line manager, {w.raising.name}"
    assert answers["stage-2-began"] == "2 December 2026"
    assert answers["disagreement"].startswith(case.disagreement)
    assert answers["why-escalate"] == "" and answers["escalate-on"] == ""


def test_submitting_the_notice_records_it_and_emails_the_counterpart_and_both_leads(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    case = at_stage_2(w)
    manager = w.person(Role.LINE_MANAGER)
    delivered(mailoutbox)
    mailoutbox.clear()

    response = submitted(
        manager, case, "stage-2", **{"why-escalate": WHY, "escalate-on": "9 December 2026"}
    )
    sent(response, case, "stage-2")
    shown = words(signed_in(manager).get(response["Location"]))
    assert f"{NOTICE} submitted." in shown
    assert in_the_chronology(manager, case, NOTICE, 2)
    assert forms_offered(case_page(manager, case)) == [
        (form_url(case, "stage-2"), "View notice of intention to escalate")
    ]

    emailed = told(mailoutbox, NOTICE, "at stage 2")
    leads = {email(w.person(Role.SAFEGUARDING_LEAD, side=s)) for s in ("raising", "other")}
    counterpart = email(w.person(Role.LINE_MANAGER, side="other"))  # stage 2's, opposite
    assert leads | {counterpart} <= set(emailed)
    assert email(w.partnership_people[Role.BUSINESS_UNIT]) not in emailed
    # The emails name the form, never what it says (it may identify the child).
    assert all(WHY not in body for body in emailed.values())

    (stored,) = ReferralSubmission.objects.filter(case=case, form_key="stage-2")
    assert (stored.submitted_by, stored.stage) == (manager, 2)


def test_the_notice_downloads_with_what_was_filled_in(w: factories.World) -> None:
    case = at_stage_2(w)
    manager = w.person(Role.LINE_MANAGER)
    sent(
        submitted(
            manager, case, "stage-2", **{"why-escalate": WHY, "escalate-on": "9 December 2026"}
        ),
        case,
        "stage-2",
    )
    for text in file_words(manager, case, "stage-2"):
        assert text.startswith(NOTICE)
        for value in (
            case.reference,
            f"{w.raising.name} and {w.other.name}",
            f"{manager.full_name}, Line manager, {w.raising.name}",
            "2 December 2026",
            WHY,
            "9 December 2026",
            "Please send this form to: The opposite line manager in the other agency",
        ):
            assert value in text, value


def test_a_notice_with_a_date_that_is_not_one_is_sent_back_in_words(w: factories.World) -> None:
    case = at_stage_2(w)
    manager = w.person(Role.LINE_MANAGER)
    response = submitted(
        manager, case, "stage-2", **{"why-escalate": WHY, "escalate-on": "next week"}
    )
    assert response.status_code == 400
    assert (
        "Enter the date you will escalate to the heads of service if it is still not resolved "
        "as a real date"
    ) in words(response)
    assert form_answers(response.content.decode())["why-escalate"] == WHY
    assert not ReferralSubmission.objects.exists()


# ---------------------------------------------------------------- stage 4: the referral


def test_the_referral_opens_filled_in_with_every_stage_before_it(w: factories.World) -> None:
    case = at_stage_4(w)
    liaison = w.person(Role.BUSINESS_UNIT)
    manager, head = w.person(Role.LINE_MANAGER), w.person(Role.SENIOR_MANAGER)
    answers = form_answers(form_page(liaison, case, "stage-4"))
    assert answers["reference"] == case.reference
    assert answers["raised-on"] == "1 December 2026"
    assert answers["agencies"] == f"{w.raising.name} and {w.other.name}"
    assert answers["referred-by"].startswith(f"{liaison.full_name}, ")
    assert answers["referred-on"] == "7 December 2026"
    assert answers["stage-2"].startswith(f"{manager.full_name}, Line manager")
    assert answers["stage-3"].startswith(f"{head.full_name}, ")
    assert answers["stage-3-ended"] == "7 December 2026"
    assert "Escalated from stage 2" in answers["tried"]
    assert "Escalated from stage 3" in answers["tried"]


def test_submitting_the_referral_emails_the_conference_chair_and_downloads_as_filled_in(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    case = at_stage_4(w)
    liaison = w.person(Role.BUSINESS_UNIT)
    delivered(mailoutbox)
    mailoutbox.clear()
    tried = "The heads of service met on 4 December and could not agree."
    sent(submitted(liaison, case, "stage-4", tried=tried), case, "stage-4")
    assert in_the_chronology(liaison, case, REFERRAL, 4)

    emailed = told(mailoutbox, REFERRAL, "at stage 4")
    assert email(w.person(Role.INDEPENDENT_CHAIR)) in emailed
    assert email(w.person(Role.SAFEGUARDING_LEAD)) not in emailed

    for text in file_words(liaison, case, "stage-4"):
        assert text.startswith(REFERRAL)
        for value in (
            case.reference,
            "1 December 2026",
            "7 December 2026",
            w.person(Role.LINE_MANAGER).full_name,
            w.person(Role.SENIOR_MANAGER).full_name,
            tried,
            "Please send this form to: The conference chair",
        ):
            assert value in text, value


# ---------------------------------------------------------------- the outcome form


def test_the_outcome_form_is_offered_once_resolved_filled_in_with_what_was_agreed(
    w: factories.World,
) -> None:
    head = w.person(Role.SENIOR_MANAGER)
    case = at_stage_2(w)
    at(D(2026, 12, 3))
    case = escalated(w, case, Role.SENIOR_MANAGER)
    offered = dict(forms_offered(case_page(head, case)))
    assert form_url(case, "outcome") not in offered

    at(D(2026, 12, 8))
    case = saved(act(head, "resolve", case, outcome=AGREED), case)
    offered = dict(forms_offered(case_page(head, case)))
    assert offered[form_url(case, "outcome")] == "Complete record of the resolved disagreement"

    page = form_page(head, case, "outcome")
    assert f"Case {case.reference}, once resolved at stage 3 {RECORD}" in words(page)
    answers = form_answers(page)
    assert answers["reference"] == case.reference
    assert answers["raised-on"] == "1 December 2026"
    assert answers["agencies"] == f"{w.raising.name} and {w.other.name}"
    assert answers["led-by"].startswith(f"{head.full_name}, ")
    assert answers["stage-began"] == "3 December 2026"
    assert answers["agreed"] == AGREED
    assert answers["resolved-on"] == "8 December 2026"
    assert answers["learning"] == ""


def test_submitting_the_outcome_form_records_it_emails_the_liaison_officer_and_leads(
    w: factories.World, mailoutbox: list[Any]
) -> None:
    case = resolved_at_3(w)
    head = w.person(Role.SENIOR_MANAGER)
    delivered(mailoutbox)
    mailoutbox.clear()
    learning = "Agree the plan's review date at the first strategy meeting."
    sent(submitted(head, case, "outcome", learning=learning), case, "outcome")
    assert in_the_chronology(head, case, RECORD, 3)
    offered = dict(forms_offered(case_page(head, case)))
    assert offered[form_url(case, "outcome")] == "View record of the resolved disagreement"

    emailed = told(mailoutbox, RECORD, "once the case is resolved")
    for address in (
        email(w.person(Role.BUSINESS_UNIT)),
        w.partnership.business_unit_email.lower(),
        email(w.person(Role.SAFEGUARDING_LEAD)),
        email(w.person(Role.SAFEGUARDING_LEAD, side="other")),
    ):
        assert address in emailed, address
    assert all(AGREED not in body and learning not in body for body in emailed.values())

    for text in file_words(head, case, "outcome"):
        assert text.startswith(RECORD)
        for value in (case.reference, AGREED, "8 December 2026", "3 December 2026", learning):
            assert value in text, value
        assert "Please send this form to" not in text  # kept on the case


# ---------------------------------------------------------------- who may not


def test_those_who_may_not_complete_a_form_are_refused_and_strangers_told_nothing(
    w: factories.World,
) -> None:
    case = at_stage_2(w)
    for person in (w.raiser, w.other_professional):
        client = signed_in(person)
        refused = client.get(form_url(case, "stage-2"))
        assert refused.status_code == 403
        assert "completed by the stage's owner" in words(refused)
        assert case.disagreement not in words(refused)
        posted = client.post(form_url(case, "stage-2"), {"version": case.version, "why": WHY})
        assert posted.status_code == 403
        assert forms_offered(case_page(person, case)) == []

    stranger = factories.user("Someone Else")
    for rest in ("/", "/print/", ".pdf", ".docx"):
        response = signed_in(stranger).get(form_url(case, "stage-2", rest))
        assert response.status_code == 404, rest
        assert case.disagreement not in response.content.decode()
    posted = signed_in(stranger).post(form_url(case, "stage-2"), {"version": case.version})
    assert posted.status_code == 404
    assert not ReferralSubmission.objects.exists()


def test_the_other_agency_may_not_complete_the_outcome_form_of_a_resolved_case(
    w: factories.World,
) -> None:
    case = resolved_at_3(w)
    for person in (w.other_professional, w.person(Role.LINE_MANAGER, side="other")):
        client = signed_in(person)
        assert client.get(form_url(case, "outcome")).status_code == 403
        posted = client.post(form_url(case, "outcome"), {"version": case.version})
        assert posted.status_code == 403
    assert not ReferralSubmission.objects.exists()


# ---------------------------------------------------------------- Riverside's own names


def test_the_forms_call_the_owner_what_riverside_does(w: factories.World) -> None:
    case = resolved_at_3(w)
    head = w.person(Role.SENIOR_MANAGER)
    answers = form_answers(form_page(head, case, "outcome"))
    assert answers["led-by"] == f"{head.full_name}, Head of service, {w.raising.name}"


def test_the_chronology_names_the_form_submitted(w: factories.World) -> None:
    case = at_stage_2(w)
    manager = w.person(Role.LINE_MANAGER)
    answers = {"why-escalate": WHY, "escalate-on": "9 December 2026"}
    sent(submitted(manager, case, "stage-2", **answers), case, "stage-2")
    shown = words(case_page(manager, case))
    entry = shown[shown.index("Form submitted (stage 2)") :][:300]
    assert NOTICE in entry
