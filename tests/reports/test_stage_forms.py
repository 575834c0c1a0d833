"""A form at each stage and an outcome form (tests/reports/stage_forms.toml: Cheshire
East with a form at step 1 and at step 3 besides its step 4 referral, and an outcome
form), each at its own address: offered on the case page by its own title once it is
ready, pre-filled, submitted to whom the form names, the latest submission of each
form counting; the older address sends bookmarks to the first stage form."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import factories
import pytest
from board_walk import PERSON
from django.apps import apps
from django.test import Client
from pypdf import PdfReader

from escalate import clock
from escalate.cases import services as case_services
from escalate.cases.errors import Conflict, NotAllowed, NotFound
from escalate.cases.models import Case, Event
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Role
from escalate.reports import referral, services
from escalate.reports.models import ReferralSubmission

pytestmark = pytest.mark.django_db

STAGE_FORMS = Path(__file__).parent / "stage_forms.toml"
FIRST = "Record of the first conversation (Step 1)"
THIRD = "Step 3 summary for the safeguarding leads"
OUTCOME = "Outcome record"


@pytest.fixture
def w(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    """A board running the test definition (its own published version)."""
    frozen_clock(dt.date(2026, 12, 23))
    made = factories.world("cheshire-east-sab")
    assert made.administrator is not None
    made.administrator.is_staff = True
    made.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(
        made.administrator, made.partnership, library.load_file(STAGE_FORMS)
    )
    versions.publish(made.administrator, draft, dt.date(2020, 1, 1))
    return made


def raised(w: factories.World) -> Case:
    case = factories.raise_case(w, **PERSON)
    assert case.procedure_key == "stage-forms"
    return case


def at_stage(w: factories.World, number: int, frozen_clock: Any) -> Case:
    case = raised(w)
    frozen_clock(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, number)
    case.refresh_from_db()
    return case


def owner(case: Case) -> Any:
    return case.stages.get(number=case.current_stage).owner


def resolved_at_3(w: factories.World, frozen_clock: Any) -> Case:
    case = at_stage(w, 3, frozen_clock)
    frozen_clock(dt.date(2026, 12, 29))
    return case_services.resolve(
        owner(case), case, outcome="A joint review in January.", expected_version=case.version
    )


def client_of(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def page(person: Any, path: str, status: int = 200) -> str:
    response = client_of(person).get(path)
    assert response.status_code == status, (path, response.content.decode()[:300])
    return " ".join(unescape(response.content.decode()).split())


def form_url(case: Case, key: str, rest: str = "/") -> str:
    return f"/board/cases/{case.reference}/forms/{key}{rest}"


def submit(person: Any, case: Case, key: str, **changes: str) -> ReferralSubmission:
    case.refresh_from_db()
    values = referral.prefill(case, referral.form_called(case, key))
    values = {k: v or "Not known" for k, v in values.items()} | changes
    made = services.submit_form(person, case, key, values=values, expected_version=case.version)
    case.refresh_from_db()
    return made


def offered_links(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<a class="govuk-link" id="form-link-[^"]+" href="([^"]+)">([^<]+)</a>', html
    )


# ---------------------------------------------------------------- the case page


def test_the_case_page_offers_each_form_by_its_title_once_its_stage_is_reached(
    w: factories.World, frozen_clock: Any
) -> None:
    case = raised(w)
    html = page(w.raiser, f"/cases/{case.reference}/")
    assert offered_links(html) == [
        (form_url(case, "stage-1"), "Complete record of the first conversation (Step 1)")
    ]
    assert "final-stage" not in html and "referral form" not in html.lower()

    submit(w.raiser, case, "stage-1", agreed="To talk again on Monday.")
    html = page(w.raiser, f"/cases/{case.reference}/")
    assert offered_links(html) == [
        (form_url(case, "stage-1"), "View record of the first conversation (Step 1)")
    ]

    frozen_clock(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, 3)
    html = page(owner(case), f"/cases/{case.reference}/")
    assert offered_links(html) == [
        (form_url(case, "stage-1"), "View record of the first conversation (Step 1)"),
        (form_url(case, "stage-3"), "Complete step 3 summary for the safeguarding leads"),
    ]
    # Nobody is offered the outcome form of an open case, nor a later stage's form.
    assert "/forms/outcome/" not in html and "/forms/stage-4/" not in html


def test_the_outcome_form_is_offered_once_resolved_to_the_owner_of_the_stage_it_resolved_at(
    w: factories.World, frozen_clock: Any
) -> None:
    case = resolved_at_3(w, frozen_clock)
    resolver = owner(case)
    html = page(resolver, f"/cases/{case.reference}/")
    links = dict(offered_links(html))
    assert links[form_url(case, "outcome")] == "Complete outcome record"
    assert "There is nothing for you to do on this case now." not in html
    # The raiser owned stage 1 but not the stage it resolved at: nothing to complete.
    assert offered_links(page(w.raiser, f"/cases/{case.reference}/")) == []

    form = page(resolver, form_url(case, "outcome"))
    assert '<h1 class="govuk-heading-l">Outcome record</h1>' in form
    assert "once resolved at stage 3" in form
    values = referral.prefill(case, referral.form_called(case, "outcome"))
    assert values["outcome"] == "A joint review in January."
    assert values["resolved-on"] == "29 December 2026"
    record = case.stages.get(number=3)
    assert values["owner"].startswith(f"{resolver.full_name}, {Role(record.owner_role).label}")
    assert values["started"] == "24 December 2026"


def test_an_outcome_form_waits_for_the_case_to_be_resolved(
    w: factories.World, frozen_clock: Any
) -> None:
    case = raised(w)
    assert "completed once the case is resolved; this case is open" in page(
        w.raiser, form_url(case, "outcome"), 409
    )
    with pytest.raises(Conflict, match="once the case is resolved"):
        submit(w.raiser, case, "outcome")
    withdrawn = case_services.withdraw(
        w.raiser, case, reason="Sorted out informally.", expected_version=case.version
    )
    assert "this case is withdrawn" in page(w.raiser, form_url(withdrawn, "outcome"), 409)
    assert not ReferralSubmission.objects.exists()


def test_a_stage_form_waits_for_its_stage(w: factories.World) -> None:
    case = raised(w)
    text = page(w.raiser, form_url(case, "stage-3"), 409)
    assert f"{THIRD} is completed at stage 3; this case is at stage 1." in text
    response = client_of(w.raiser).post(form_url(case, "stage-3"), {"version": case.version})
    assert response.status_code == 409
    assert not ReferralSubmission.objects.exists()


# ---------------------------------------------------------------- pre-filling and submitting


def test_any_stages_form_is_filled_from_the_case_and_its_own_stage(w: factories.World) -> None:
    case = raised(w)
    values = referral.prefill(case, referral.form_called(case, "stage-1"))
    assert values["reference"] == case.reference
    assert values["raised"] == "23 December 2026"
    assert values["agencies"] == f"{w.raising.name} and {w.other.name}"
    assert values["owner"] == f"{w.raiser.full_name}, Practitioner, {w.raising.name}"
    assert values["started"] == "23 December 2026"
    assert values["agreed"] == ""


def test_submitting_tells_whom_the_form_names_and_the_chronology_names_the_form(
    w: factories.World, frozen_clock: Any
) -> None:
    case = raised(w)
    first = submit(w.raiser, case, "stage-1", agreed="Alex to be visited.")
    event = Event.objects.get(case=case, action="referral.submitted")
    assert event.data == {"submission": first.pk, "title": FIRST, "form": "stage-1"}
    assert event.label == "Form submitted"
    told = Notification.objects.filter(source_event=event)
    emails = set(told.values_list("email", flat=True))
    # Step 1's form tells the safeguarding leads only: not the business unit.
    assert w.person(Role.SAFEGUARDING_LEAD).email in emails
    assert w.partnership.business_unit_email not in emails
    assert all(n.why == f"{FIRST} was submitted at stage 1" for n in told)
    assert not told.filter(why__icontains="Alex").exists()

    frozen_clock(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, 3)
    third = submit(owner(case), case, "stage-3")
    assert (third.form_key, third.stage, third.submit_to) == (
        "stage-3",
        3,
        "Both agencies' designated safeguarding leads",
    )
    event = Event.objects.get(case=case, action="referral.submitted", data__form="stage-3")
    emails = set(Notification.objects.filter(source_event=event).values_list("email", flat=True))
    assert {w.partnership.business_unit_email, w.person(Role.SAFEGUARDING_LEAD).email} <= emails
    # A form kept on the case is sent nowhere: its record says so.
    assert first.submit_to == ""


def test_the_latest_submission_of_each_form_counts(w: factories.World, frozen_clock: Any) -> None:
    case = raised(w)
    submit(w.raiser, case, "stage-1", agreed="First thoughts.")
    submit(w.raiser, case, "stage-1", agreed="Second thoughts.")
    frozen_clock(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, 3)
    submit(owner(case), case, "stage-3", disagreement="Only the third stage's words.")

    latest = referral.latest_submission(case, "stage-1")
    assert latest is not None and latest.values["agreed"] == "Second thoughts."
    assert ReferralSubmission.objects.filter(case=case, form_key="stage-1").count() == 2
    html = page(w.raiser, form_url(case, "stage-1", "/print/"))
    assert "Second thoughts." in html and "First thoughts." not in html
    assert "Only the third stage" not in html and "Please send this form to" not in html
    pdf = client_of(owner(case)).get(form_url(case, "stage-3", ".pdf"))
    assert pdf["Content-Disposition"] == f'attachment; filename="{case.reference}-stage-3.pdf"'
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Only the third stage" in " ".join(text.split())
    assert "Please send this form to:" in text
    assert "Second thoughts." not in text


def test_the_service_refuses_those_who_do_not_complete_forms(
    w: factories.World, frozen_clock: Any
) -> None:
    case = resolved_at_3(w, frozen_clock)
    for person in (w.other_professional, w.raiser):
        with pytest.raises(NotAllowed, match="completed by the stage's owner"):
            submit(person, case, "outcome")
        with pytest.raises(NotAllowed):
            submit(person, case, "stage-1")
    with pytest.raises(NotFound, match="no such form"):
        submit(owner(case), case, "stage-2")
    # The owner of the stage it resolved at, and the escalating agency's managers, may.
    assert submit(owner(case), case, "outcome").stage == 3
    assert submit(w.person(Role.LINE_MANAGER), case, "outcome").form_key == "outcome"


def test_the_form_pages_refuse_those_who_do_not_complete_forms(
    w: factories.World, frozen_clock: Any
) -> None:
    case = resolved_at_3(w, frozen_clock)
    for key in ("outcome", "stage-3"):
        text = page(w.other_professional, form_url(case, key), 403)
        assert "completed by the stage's owner" in text and "Alex Example" not in text
        response = client_of(w.raiser).post(form_url(case, key), {"version": case.version})
        assert response.status_code == 403
    stranger = factories.user("Someone Else")
    for rest in ("/", "/print/", ".pdf", ".docx"):
        assert "Alex Example" not in page(stranger, form_url(case, "outcome", rest), 404)
    assert not ReferralSubmission.objects.exists()


# ---------------------------------------------------------------- addresses


def test_the_older_addresses_send_bookmarks_to_the_first_stage_form(
    w: factories.World, frozen_clock: Any
) -> None:
    case = at_stage(w, 3, frozen_clock)
    client = client_of(owner(case))
    for older, newer in (
        ("referral/", "/"),
        ("referral/print/", "/print/"),
        ("referral.pdf", ".pdf"),
        ("referral.docx", ".docx"),
    ):
        response = client.get(f"/board/cases/{case.reference}/{older}")
        assert response.status_code == 302, older
        assert response["Location"] == form_url(case, "stage-1", newer)
    # Someone who may not see the case is not told it exists.
    page(factories.user("Someone Else"), f"/board/cases/{case.reference}/referral/", 404)
    # A procedure without forms says so.
    plain = factories.world("hammersmith-fulham-sab")
    theirs = factories.raise_case(plain)
    text = page(plain.raiser, f"/board/cases/{theirs.reference}/referral/", 409)
    assert "no form at any stage" in text


@pytest.mark.parametrize(
    "key", ["stage-2", "stage-9", "stage-0", "outcomes", "stage-01", "Stage-1", "stage-1x"]
)
def test_a_form_the_case_does_not_have_is_not_found(w: factories.World, key: str) -> None:
    case = raised(w)
    for rest in ("/", "/print/", ".pdf", ".docx"):
        text = page(w.raiser, form_url(case, key, rest), 404)
        assert "Alex Example" not in text


@pytest.mark.parametrize("key", ["stage 1", "stage%001", "%CE%A9", "stage-1%2F..%2F", "..", "-"])
def test_a_form_key_that_cannot_be_one_is_not_found(w: factories.World, key: str) -> None:
    case = raised(w)
    response = client_of(w.raiser).get(form_url(case, key))
    assert response.status_code == 404
    assert b"Alex Example" not in response.content


def test_the_procedure_page_shows_each_stages_form_and_the_outcome_form(
    w: factories.World,
) -> None:
    html = page(w.raiser, f"/partnerships/{w.partnership.slug}/procedure/")
    for anchor, title in (
        ("stage-1-form", FIRST),
        ("stage-3-form", THIRD),
        ("stage-4-form", "Form for submitting cases for escalation and resolution to CESAB"),
        ("outcome-form", OUTCOME),
    ):
        assert re.search(rf'<h4 class="govuk-heading-s" id="{anchor}">{re.escape(title)}', html)
    assert "Once a case is resolved" in html
    assert "When it is submitted, Escalate tells both agencies' safeguarding leads and the" in html
    assert "Lessons for the board (optional)" in html


def test_stored_submissions_answer_their_stages_form(frozen_clock: Any) -> None:
    """Migration reports/0002 gives every submission stored before its stage's key."""
    migration = importlib.import_module("escalate.reports.migrations.0002_submission_form_key")
    frozen_clock(dt.date(2026, 12, 23))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    row = ReferralSubmission.objects.create(
        case=case,
        form_key="",
        stage=4,
        title="Old",
        submit_to="The board",
        fields=[],
        values={},
        submitted_by=w.raiser,
        submitted_at=clock.now(),
    )
    migration.stage_keys(apps, None)
    row.refresh_from_db()
    assert row.form_key == "stage-4"
