"""Each action form on a case: it saves through the service, and when something is wrong
it says so (GOV.UK error summary) and keeps what was typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import factories
import pytest
from django.urls import reverse

from escalate import clock
from escalate.cases import services
from escalate.cases.models import AgreedAction, Case, CaseStatus, Event, PolicyIssue
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[dt.date]:
    day = dt.date(2026, 12, 23)
    clock.freeze(day)
    try:
        yield day
    finally:
        clock.unfreeze()


@pytest.fixture
def w() -> factories.World:
    return factories.world("cheshire-east-sab")


@pytest.fixture
def case(w) -> Case:
    return factories.raise_case(w)


def url(name: str, case: Case, *args) -> str:
    return reverse(f"cases:{name}", args=[case.reference, *args])


def post(client, user, name, case, data, *args):
    client.force_login(user)
    case.refresh_from_db()
    return client.post(url(name, case, *args), {"version": case.version, **data})


def assert_saved(response, case):
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == url("case", case)


def assert_problem(response, *typed: str, message: str = ""):
    html = response.content.decode()
    assert response.status_code == 400, html[:2000]
    assert "There is a problem" in html
    assert 'class="govuk-error-summary"' in html
    for value in typed:
        assert value in html
    if message:
        assert message in html


# ---------------------------------------------------------------- recording


def test_recording_a_note_adds_it_to_the_chronology(client, w, case):
    response = post(
        client,
        w.raiser,
        "record",
        case,
        {"kind": "meeting", "text": "Met the ward manager.", "with_whom": "Ward manager"},
    )
    assert_saved(response, case)
    event = Event.objects.get(case=case, action="meeting.recorded")
    assert event.data["text"] == "Met the ward manager."
    page = client.get(url("case", case)).content.decode()
    assert "Met the ward manager." in page and "Added to the chronology." in page


def test_recording_a_note_without_text_keeps_what_was_typed(client, w, case):
    response = post(
        client, w.raiser, "record", case, {"kind": "contact", "with_whom": "Dr Jones on the ward"}
    )
    assert_problem(response, "Dr Jones on the ward", message="Enter what happened")
    assert 'href="#id_text"' in response.content.decode()


def test_recording_with_an_impossible_date_says_so(client, w, case):
    response = post(
        client,
        w.raiser,
        "record",
        case,
        {
            "kind": "note",
            "text": "Phoned.",
            "occurred_on-day": "31",
            "occurred_on-month": "2",
            "occurred_on-year": "2026",
        },
    )
    assert_problem(response, "Phoned.", message="must be a real date")
    assert 'href="#id_occurred_on-day"' in response.content.decode()


def test_a_correction_points_at_the_earlier_entry(client, w, case):
    first = services.record_contact(
        w.raiser, case, kind="note", text="Wrong date.", expected_version=case.version
    )
    client.force_login(w.raiser)
    form = client.get(url("record", case) + f"?corrects={first.pk}").content.decode()
    assert f'value="{first.pk}" selected' in form

    response = post(
        client,
        w.raiser,
        "record",
        case,
        {"kind": "note", "text": "The call was on Monday.", "corrects": str(first.pk)},
    )
    assert_saved(response, case)
    assert Event.objects.get(case=case, data__text="The call was on Monday.").corrects == first


def test_ticking_a_required_action(client, w, case):
    item = w.procedure.stage(1).checklist[0]
    response = post(client, w.raiser, "tick", case, {"item": item.key})
    assert_saved(response, case)
    assert item.key in case.stages.get(number=1).checklist_done


def test_ticking_without_choosing_says_which_to_choose(client, w, case):
    response = post(client, w.raiser, "tick", case, {})
    assert_problem(response, message="Say which required action")


# ---------------------------------------------------------------- agreed actions


def test_adding_and_completing_an_agreed_action(client, w, case):
    response = post(
        client,
        w.raiser,
        "add_action",
        case,
        {
            "what": "Share the care plan",
            "agency": str(w.other.pk),
            "owner_name": "Community team",
            "due_on-day": "8",
            "due_on-month": "1",
            "due_on-year": "2027",
        },
    )
    assert_saved(response, case)
    action = AgreedAction.objects.get(case=case)
    assert action.due_on == dt.date(2027, 1, 8)

    response = post(
        client, w.raiser, "complete_action", case, {"note": "Plan received."}, action.pk
    )
    assert_saved(response, case)
    action.refresh_from_db()
    assert action.done_on == dt.date(2026, 12, 23)
    assert action.completion_note == "Plan received."


def test_an_agreed_action_due_in_the_past_is_refused_and_kept(client, w, case):
    response = post(
        client,
        w.raiser,
        "add_action",
        case,
        {
            "what": "Share the care plan",
            "agency": str(w.other.pk),
            "owner_name": "Community team",
            "due_on-day": "1",
            "due_on-month": "12",
            "due_on-year": "2026",
        },
    )
    assert_problem(response, "Share the care plan", "Community team", 'value="2026"')
    assert "cannot be in the past" in response.content.decode()
    assert 'href="#id_due_on-day"' in response.content.decode()


# ---------------------------------------------------------------- stage moves


def test_resolving_with_an_agreed_action_closes_the_case(client, w, case):
    response = post(
        client,
        w.raiser,
        "resolve",
        case,
        {
            "outcome": "Joint review booked.",
            "action_what": "Hold the review",
            "action_agency": str(w.raising.pk),
            "action_owner_name": "Social worker",
            "action_due_on-day": "6",
            "action_due_on-month": "1",
            "action_due_on-year": "2027",
        },
    )
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.agreed_actions.get().what == "Hold the review"


def test_resolving_without_an_outcome_keeps_the_action_typed(client, w, case):
    response = post(
        client, w.raiser, "resolve", case, {"outcome": " ", "action_what": "Hold the review"}
    )
    assert_problem(response, "Hold the review", message="Enter the outcome")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_escalating_offers_people_holding_the_next_stages_owner_roles(client, w, case):
    client.force_login(w.raiser)
    form = client.get(url("escalate", case)).content.decode()
    for role in w.procedure.stage(2).owners:
        assert w.person(role).full_name in form
    assert w.person(Role.SENIOR_MANAGER).full_name not in form

    manager = w.person(Role.LINE_MANAGER)
    response = post(
        client,
        w.raiser,
        "escalate",
        case,
        {"owner": f"{manager.pk}:line_manager", "summary": "We could not agree."},
    )
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.current_stage == 2
    assert case.stages.get(number=2).owner == manager


def test_escalating_without_an_owner_keeps_the_summary(client, w, case):
    response = post(client, w.raiser, "escalate", case, {"summary": "We could not agree."})
    assert_problem(response, "We could not agree.", message="Choose who owns stage 2")
    assert 'href="#id_owner"' in response.content.decode()


def test_expediting_where_the_procedure_allows_it(client):
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    client.force_login(w.raiser)
    assert client.get(url("expedite", case)).status_code == 200
    owner = w.owner_for(3)
    role = w.procedure.stage(3).owners[0].value
    response = post(
        client,
        w.raiser,
        "expedite",
        case,
        {"to_stage": "3", "owner": f"{owner.pk}:{role}", "reason": "Discharge is today."},
    )
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.current_stage == 3
    assert case.stages.get(number=3).owner == owner


def test_expediting_without_a_stage_or_reason_says_so(client):
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    response = post(client, w.raiser, "expedite", case, {"reason": "Discharge is today."})
    assert_problem(response, "Discharge is today.", message="Choose the stage")


def test_expediting_is_not_offered_where_the_procedure_forbids_it(client, w, case):
    client.force_login(w.raiser)
    response = client.get(url("expedite", case))
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()


def test_referring_to_a_panel(client):
    w = factories.world("hammersmith-fulham-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 3)
    owner = case.stages.get(number=3).owner
    response = post(client, owner, "panel", case, {"details": "Complex risk."})
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.panel_referred == [3]


def test_referring_to_a_panel_needs_details(client):
    w = factories.world("hammersmith-fulham-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 3)
    owner = case.stages.get(number=3).owner
    response = post(client, owner, "panel", case, {"details": ""})
    assert_problem(response, message="Enter why the case is being referred")


def test_withdrawing_needs_a_reason_then_closes_the_case(client, w, case):
    response = post(client, w.raiser, "withdraw", case, {"reason": ""})
    assert_problem(response, message="why the challenge is being withdrawn")
    response = post(client, w.raiser, "withdraw", case, {"reason": "Resolved informally."})
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


# ---------------------------------------------------------------- policy, afterwards


def test_flagging_and_responding_to_a_policy_issue(client, w, case):
    response = post(client, w.raiser, "policy_issue", case, {"text": "Thresholds differ."})
    assert_saved(response, case)
    issue = PolicyIssue.objects.get(case=case)

    chair = w.person(Role.INDEPENDENT_CHAIR)
    client.force_login(chair)
    assert client.get(url("policy_response", case, issue.pk)).status_code == 200
    response = post(client, chair, "policy_response", case, {"response": ""}, issue.pk)
    assert_problem(response, message="Enter the response")
    response = post(client, chair, "policy_response", case, {"response": "Will review."}, issue.pk)
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.response == "Will review."


def test_flagging_an_empty_policy_issue_says_so(client, w, case):
    response = post(client, w.raiser, "policy_issue", case, {"text": ""})
    assert_problem(response, message="Enter the policy issue")


def test_debrief_and_learning_at_closure(client, w, case):
    services.resolve(w.raiser, case, outcome="Agreed.", expected_version=case.version)
    manager = w.person(Role.LINE_MANAGER)
    client.force_login(manager)
    page = client.get(url("case", case)).content.decode()
    assert 'data-action="record_debrief"' in page
    assert 'data-action="record_learning"' in page

    response = post(
        client,
        manager,
        "debrief",
        case,
        {"offered_on-day": "23", "offered_on-month": "12", "offered_on-year": "2026"},
    )
    assert_saved(response, case)
    response = post(
        client,
        manager,
        "learning",
        case,
        {"why_not_earlier": "Unclear roles.", "themes": "Communication\nThresholds"},
    )
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.debrief_offered_on == dt.date(2026, 12, 23)
    assert case.learning_themes == ["Communication", "Thresholds"]


def test_learning_without_themes_keeps_what_was_typed(client, w, case):
    services.resolve(w.raiser, case, outcome="Agreed.", expected_version=case.version)
    manager = w.person(Role.LINE_MANAGER)
    response = post(client, manager, "learning", case, {"why_not_earlier": "Unclear roles."})
    assert_problem(response, "Unclear roles.", message="Enter at least one theme")


def test_a_debrief_with_no_date_says_so(client, w, case):
    services.resolve(w.raiser, case, outcome="Agreed.", expected_version=case.version)
    response = post(client, w.person(Role.LINE_MANAGER), "debrief", case, {})
    assert_problem(response, message="Enter the date a debrief was offered or held")


# ---------------------------------------------------------------- the other professional


def test_the_other_professional_acknowledges_and_disagrees(client, w, case):
    other = w.other_professional
    assert_saved(post(client, other, "acknowledge", case, {}), case)
    response = post(client, other, "respond", case, {"response": "disagree", "reason": ""})
    assert_problem(response, message="Enter why you disagree")
    response = post(
        client, other, "respond", case, {"response": "disagree", "reason": "Needs are met."}
    )
    assert_saved(response, case)
    case.refresh_from_db()
    assert case.response == "disagree" and case.response_reason == "Needs are met."


def test_responding_without_choosing_says_so(client, w, case):
    response = post(client, w.other_professional, "respond", case, {"reason": "Thinking."})
    assert_problem(response, "Thinking.", message="Choose whether you agree")


# ---------------------------------------------------------------- refusals and conflicts


def test_the_other_agency_cannot_escalate(client, w, case):
    response = post(client, w.other_professional, "escalate", case, {"summary": "No."})
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()
    case.refresh_from_db()
    assert case.current_stage == 1


def test_an_outsider_is_told_every_action_page_is_not_found(client, w, case):
    # The same answer as for a case that does not exist: nobody can count a board's cases.
    client.force_login(factories.user("Outsider"))
    for name in ("record", "tick", "resolve", "escalate", "withdraw", "respond"):
        response = client.get(url(name, case))
        assert response.status_code == 404, name
        assert case.disagreement not in response.content.decode()


def test_a_stale_edit_shows_what_changed_and_keeps_what_was_typed(client, w, case):
    client.force_login(w.raiser)
    seen = case.version
    services.record_contact(
        w.other_professional, case, kind="note", text="Their note.", expected_version=seen
    )

    response = client.post(
        url("escalate", case),
        {
            "version": seen,
            "owner": f"{w.person(Role.LINE_MANAGER).pk}:line_manager",
            "summary": "We could not agree.",
        },
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "This case changed since you opened it" in html
    assert "Note recorded" in html and w.other_professional.full_name in html
    assert "We could not agree." in html
    case.refresh_from_db()
    assert f'name="version" value="{case.version}"' in html
    assert case.current_stage == 1

    # Sending it again with the new version goes through.
    response = client.post(
        url("escalate", case),
        {
            "version": case.version,
            "owner": f"{w.person(Role.LINE_MANAGER).pk}:line_manager",
            "summary": "We could not agree.",
        },
    )
    assert_saved(response, case)


def test_a_closed_case_says_so_on_the_case_page(client, w, case):
    client.force_login(w.raiser)
    services.resolve(w.raiser, case, outcome="Agreed.", expected_version=case.version)
    response = client.get(url("escalate", case), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This case has been resolved" in html


def test_acknowledging_twice_is_a_friendly_message(client, w, case):
    other = w.other_professional
    seen = case.version
    services.acknowledge(other, case, expected_version=seen)
    client.force_login(other)
    response = client.get(url("acknowledge", case), follow=True)
    assert "already acknowledged" in response.content.decode()


def test_a_form_without_its_version_is_shown_again_not_saved(client, w, case):
    client.force_login(w.raiser)
    response = client.post(url("withdraw", case), {"reason": "Sorted out informally."})
    html = response.content.decode()
    assert response.status_code == 400
    assert "This page was out of date" in html
    assert "Sorted out informally." in html
    assert f'name="version" value="{case.version}"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
