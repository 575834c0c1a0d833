"""The case page: what each person sees of a case, and what they are offered to do."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from escalate import clock
from escalate.cases import services
from escalate.cases.models import VIEWED, Event
from escalate.cases.models.deadlines import CaseDeadline
from escalate.cases.services import viewing
from escalate.procedures.calendar import format_day
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[dt.date]:
    day = dt.date(2026, 12, 23)
    clock.freeze(day)
    try:
        yield day
    finally:
        clock.unfreeze()


@pytest.fixture(autouse=True)
def view_spool(settings, tmp_path) -> None:
    settings.VIEW_SPOOL_DIR = str(tmp_path / "views")


def page_of(client: Client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:case", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def offered(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


@pytest.mark.parametrize("seed", SEEDS)
def test_case_page_shows_every_stage_of_the_partnerships_procedure(client, seed):
    w = factories.world(seed)
    case = factories.raise_case(w)

    html = page_of(client, w.raiser, case)

    for stage in w.procedure.stages:
        assert f"Stage {stage.number}: {stage.title}" in html
    assert html.count('class="govuk-summary-card"') == len(w.procedure.stages)
    assert 'data-stage-status="1">In progress<' in html
    assert f'data-stage-status="{len(w.procedure.stages)}">Not reached<' in html
    for stage in w.procedure.stages:
        if stage.start_by or stage.conclude_by or stage.other_deadlines:
            assert f"How the stage {stage.number} dates were worked out" in html


def test_case_page_shows_the_summary_and_stage_owner(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, immediate_risk=False)

    html = page_of(client, w.raiser, case)

    assert case.reference in html
    assert w.partnership.name in html
    assert w.raising.name in html and w.other.name in html
    assert "Whether the care package meets the person&#x27;s needs." in html
    assert "A joint review of the care plan." in html
    assert "23 December 2026" in html
    assert f"{w.raiser.full_name} (Practitioner)" in html


def test_opening_the_case_page_is_recorded_as_a_view(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)

    page_of(client, w.raiser, case)
    assert not Event.objects.filter(case=case, action=VIEWED).exists()  # spooled, not written

    viewing.flush_views()
    viewing.flush_views()
    assert Event.objects.filter(case=case, action=VIEWED, actor=w.raiser).count() == 1


def test_a_reference_typed_in_lower_case_with_spaces_opens_the_case_page(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client.force_login(w.raiser)

    response = client.get(f"/cases/ {case.reference.lower()} /".replace(" ", "%20"))

    assert response.status_code == 200
    assert f"Case {case.reference}" in response.content.decode()


def test_a_policy_issue_response_page_opens_from_a_lower_case_reference(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.raiser, case, text="Thresholds differ between agencies.", expected_version=case.version
    )
    client.force_login(w.person(Role.INDEPENDENT_CHAIR))

    url = reverse("cases:policy_response", args=[case.reference.lower(), issue.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert "Thresholds differ" in response.content.decode()
    # Found through the unique index on the reference: an exact match, in capitals.
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert f"'{case.reference}'" in sql or case.reference in sql
    assert not re.search(r'"REFERENCE"\s+LIKE|UPPER\([^)]*"REFERENCE"\)', sql)


def test_the_headline_says_what_is_due_next_by_when_and_from_whom(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)

    html = page_of(client, w.raiser, case)

    due = html.split('id="next-due"', 1)[1].split("</p>", 1)[0]
    assert "resolving or escalating stage 1" in due
    assert f"from {w.raiser.full_name}" in due and "by Tue 29 Dec 2026" in due
    assert 'data-next-due-status="1">On time<' in due

    clock.freeze(dt.date(2026, 12, 30))
    assert 'data-next-due-status="1">Overdue<' in page_of(client, w.raiser, case)


def test_the_headline_names_the_role_a_deadline_is_due_from(client):
    w = factories.world("cheshire-east-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 4)

    html = page_of(client, w.person(Role.INDEPENDENT_CHAIR), case)

    chairs = CaseDeadline.objects.get(case=case, role=Role.INDEPENDENT_CHAIR.value, stage=4)
    due = html.split('id="next-due"', 1)[1].split("</p>", 1)[0]
    assert escape(chairs.label) in due
    assert f"from the independent chair, by {format_day(chairs.due)}" in due


def test_a_closed_case_has_nothing_due(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    services.withdraw(w.raiser, case, reason="Resolved informally.", expected_version=case.version)

    assert 'id="next-due"' not in page_of(client, w.raiser, case)


def test_practitioner_line_manager_and_business_unit_are_offered_different_actions(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)

    practitioner = offered(page_of(client, w.raiser, case))
    assert {"resolve", "escalate", "tick", "record_contact", "withdraw"} <= practitioner

    other = offered(page_of(client, w.other_professional, case))
    assert {"acknowledge", "respond", "record_contact"} <= other
    assert not {"resolve", "escalate", "withdraw", "tick"} & other

    manager = offered(page_of(client, w.person(Role.LINE_MANAGER), case))
    # A line manager sees the case at stage 1 but the practitioner owns the decisions.
    assert "escalate" not in manager and "resolve" not in manager

    factories.escalate_to(w, case, 4)
    business_unit = offered(page_of(client, w.person(Role.BUSINESS_UNIT), case))
    # Only the chair makes step 4's recommendation ("CESAB Chair will ... communicate this").
    assert "resolve" not in business_unit and "escalate" not in business_unit
    chair = offered(page_of(client, w.person(Role.INDEPENDENT_CHAIR), case))
    assert "resolve" in chair


def test_someone_outside_the_case_gets_the_same_404_as_for_no_such_case(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    outsider = factories.user("Outsider")
    client.force_login(outsider)

    response = client.get(reverse("cases:case", args=[case.reference]))

    assert response.status_code == 404
    html = response.content.decode()
    assert "Case not found" in html
    assert "Alex Example" not in html
    assert case.disagreement not in html


def test_an_unknown_reference_gets_a_friendly_404(client):
    client.force_login(factories.user())
    response = client.get(reverse("cases:case", args=["NO-2026-9999"]))
    assert response.status_code == 404
    assert "Case not found" in response.content.decode()


def test_signed_out_people_are_sent_to_sign_in(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    response = client.get(reverse("cases:case", args=[case.reference]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_person_at_risk_details_are_shown_apart_to_people_on_the_case(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)

    html = page_of(client, w.raiser, case)

    person = html.split('id="person-at-risk"', 1)[1].split("</section>", 1)[0]
    assert "Alex Example" in person and "AS-1234" in person
    before = html.split('id="person-at-risk"', 1)[0]
    assert "Alex Example" not in before.split("<main", 1)[1]


def test_person_at_risk_details_hidden_from_those_not_on_the_case(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    # The board representative of another agency is not involved at stage 1.
    board_rep = w.person(Role.BOARD_REPRESENTATIVE, side="other")
    client.force_login(board_rep)

    response = client.get(reverse("cases:case", args=[case.reference]))

    assert response.status_code == 404
    assert "Alex Example" not in response.content.decode()


def test_chronology_lists_entries_oldest_first_with_corrections_linked(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    first = services.record_contact(
        w.raiser, case, kind="note", text="First note.", expected_version=case.version
    )
    clock.advance(hours=1)
    case.refresh_from_db()
    correction = services.record_contact(
        w.raiser,
        case,
        kind="note",
        text="Second note, correcting the first.",
        corrects=first,
        expected_version=case.version,
    )

    html = page_of(client, w.raiser, case)

    chronology = html.split('id="chronology"', 1)[1]
    assert chronology.index("Raised") < chronology.index("First note.")
    assert chronology.index("First note.") < chronology.index("Second note")
    assert f'href="#event-{first.pk}"' in chronology
    assert f'href="#event-{correction.pk}"' in chronology


def test_agreed_actions_show_due_and_done_dates(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    action = services.add_agreed_action(
        w.raiser,
        case,
        what="Share the care plan",
        agency=w.other,
        due_on=dt.date(2027, 1, 8),
        owner_name="Community team",
        expected_version=case.version,
    )
    case.refresh_from_db()
    services.complete_agreed_action(
        w.raiser, action, note="Checked with the team.", expected_version=case.version
    )

    html = page_of(client, w.raiser, case)

    table = html.split('id="agreed-actions"', 1)[1].split("</table>", 1)[0]
    assert "Share the care plan" in table
    assert "8 Jan 2027" in table
    assert "23 Dec 2026" in table and "Checked with the team." in table


def test_policy_issues_are_listed_awaiting_the_chairs_response(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.raiser, case, text="Thresholds differ between agencies.", expected_version=case.version
    )

    html = page_of(client, w.raiser, case)

    assert "Thresholds differ" in html
    assert "Awaiting a response" in html
    assert reverse("cases:policy_response", args=[case.reference, issue.pk]) not in html


def test_final_stage_offers_recording_the_recommendation(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    case = factories.escalate_to(w, case, 4)

    html = page_of(client, w.person(Role.INDEPENDENT_CHAIR), case)

    assert "Record the recommendation and close" in html
    assert "Record written representations" in html
