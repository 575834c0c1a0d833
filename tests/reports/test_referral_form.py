"""The seed procedures' referral form at the final stage: pre-filled from the case,
completed, submitted and produced as PDF and Word laid out like the board's form, at the
form's own address (``/board/cases/<ref>/forms/stage-4/``)."""

from __future__ import annotations

import datetime as dt
import io

import factories
import pytest
from board_walk import walk_to_final_stage
from django.test import Client
from docx import Document
from pypdf import PdfReader

from escalate.cases import services as services_of_cases
from escalate.cases.errors import Conflict, Invalid, NotAllowed
from escalate.cases.models import Event
from escalate.notifications.models import Notification
from escalate.procedures.model import Role
from escalate.reports import referral, services
from escalate.reports.exports import STATIC_PREFIX, RefusedFetch, static_only_fetcher
from escalate.reports.models import ReferralSubmission

KEYS = ["cheshire-east-sab", "pan-cheshire-children"]


def _at(case, rest: str = "/") -> str:
    """The address of the case's final-stage form (or one of its files)."""
    return f"/board/cases/{case.reference}/forms/stage-4{rest}"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def _docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return " ".join(" ".join(parts).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_form_is_prefilled_from_the_case_its_stages_and_its_chronology(key, frozen_clock):
    w = factories.world(key)
    case = walk_to_final_stage(w, frozen_clock)
    found = referral.form_of(case)
    assert found is not None and found.stage == case.current_stage == 4

    values = referral.prefill(case, found)
    by_source = {f.prefill.value: values[f.key] for f in found.form.fields if f.prefill}

    assert by_source["person.name"] == "Alex Example"
    assert by_source["person.date_of_birth"] == "27 March 1950"
    assert by_source["person.address"] == "1 Hidden Lane, Crewe CW1 1AA"
    stage2, stage3 = case.stages.get(number=2), case.stages.get(number=3)
    # The manager who escalated at step 2 is the step 2 owner who moved it to step 3.
    assert by_source["stage_2.escalated_by"] == (
        f"{stage2.owner.full_name}, {Role(stage2.owner_role).label}, {w.raising.name}"
    )
    assert by_source["stage_3.escalated_by"].startswith(stage3.owner.full_name)
    assert by_source["stage_3.concluded_on"] == "6 January 2027"
    board = by_source["board_members_involved"]
    assert w.person(Role.BOARD_REPRESENTATIVE).full_name in board
    assert w.partnership.name in board or w.other.name in board
    assert "Whether the care package meets the person's needs." in by_source["disagreement.summary"]
    attempts = by_source["resolution_attempts"]
    assert "Wed 23 Dec 2026: Meeting with the other professional." in attempts
    assert "Met to talk through the care plan; no agreement." in attempts
    assert "Escalated from stage 1" in attempts and "Stage 2 did not resolve it." in attempts


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_submitting_records_it_in_the_chronology_and_tells_the_business_unit(key, frozen_clock):
    w = factories.world(key)
    case = walk_to_final_stage(w, frozen_clock)
    owner = case.stages.get(number=4).owner
    found = referral.form_of(case)
    values = referral.prefill(case, found)

    submission = services.submit_referral(owner, case, values=values, expected_version=case.version)

    assert submission.values == values and submission.submitted_by == owner
    event = Event.objects.get(case=case, action="referral.submitted")
    assert event.actor == owner and event.data["submission"] == submission.pk
    assert "Alex" not in str(event.data)
    told = set(Notification.objects.filter(source_event=event).values_list("email", flat=True))
    assert w.partnership.business_unit_email in told
    assert w.person(Role.BUSINESS_UNIT).email in told
    assert not Notification.objects.filter(source_event=event, why__icontains="Alex").exists()


@pytest.mark.django_db
def test_missing_answers_are_refused_field_by_field_and_typed_values_are_kept(frozen_clock):
    w = factories.world("cheshire-east-sab")
    case = walk_to_final_stage(w, frozen_clock)
    owner = case.stages.get(number=4).owner
    found = referral.form_of(case)
    values = referral.prefill(case, found)
    values["adult-name"] = ""
    values["step-3-concluded"] = "the thirty-second of Smarch"
    values["methodology"] = "Two meetings and a call, typed by hand."
    values["date-of-birth"] = "soon"

    with pytest.raises(Invalid) as refused:
        services.submit_referral(owner, case, values=values, expected_version=case.version)
    assert refused.value.errors["adult-name"] == ["Enter the name of adult at risk."]
    assert "as a real date" in refused.value.errors["step-3-concluded"][0]
    # Labels read as words in a sentence, and a date of birth's example is in the past.
    assert refused.value.errors["date-of-birth"] == [
        "Enter the date of birth as a real date, like 3 March 1961, or write not known."
    ]
    assert not ReferralSubmission.objects.exists()

    response = _client(owner).post(_at(case), {**values, "version": case.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the name of adult at risk." in page
    assert "Two meetings and a call, typed by hand." in page
    assert "the thirty-second of Smarch" in page


@pytest.mark.django_db
def test_the_owner_submits_the_form_from_its_page(frozen_clock):
    w = factories.world("cheshire-east-sab")
    case = walk_to_final_stage(w, frozen_clock)
    owner = case.stages.get(number=4).owner
    client = _client(owner)
    page = client.get(_at(case))
    assert page.status_code == 200
    assert "Alex Example" in page.content.decode()
    found = referral.form_of(case)
    values = referral.prefill(case, found)

    response = client.post(_at(case), {**values, "version": case.version})

    assert response.status_code == 302
    submitted = ReferralSubmission.objects.get(case=case)
    assert submitted.values["adult-name"] == "Alex Example" and submitted.form_key == "stage-4"
    after = _flat(client.get(response["Location"]).content.decode())
    assert f"{_flat(found.title)} submitted. We have told" in after
    assert "referral form" not in after.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_pdf_and_word_hold_every_label_and_value_and_where_to_send_it(key, frozen_clock):
    w = factories.world(key)
    case = walk_to_final_stage(w, frozen_clock)
    owner = case.stages.get(number=4).owner
    found = referral.form_of(case)
    values = referral.prefill(case, found)
    services.submit_referral(owner, case, values=values, expected_version=case.version)
    client = _client(owner)

    pdf = client.get(_at(case, ".pdf"))
    docx = client.get(_at(case, ".docx"))
    printed = client.get(_at(case, "/print/"))

    assert pdf["Content-Type"] == "application/pdf"
    assert printed.status_code == 200
    pdf_text, docx_text = _pdf_text(pdf.content), _docx_text(docx.content)
    for text in (pdf_text, docx_text):
        assert _flat(found.form.title) in text
        assert found.form.submit_to is not None
        assert "Please send this form to:" in text and _flat(found.form.submit_to) in text
        for f in found.form.fields:
            assert _flat(f.label) in text, f.label
            for line in values[f.key].splitlines():
                assert _flat(line) in text, line
    # The table is two columns: label then value.
    table = Document(io.BytesIO(docx.content)).tables[0]
    assert [len(r.cells) for r in table.rows] == [2] * len(found.form.fields)
    assert table.rows[0].cells[0].text == found.form.fields[0].label
    assert PdfReader(io.BytesIO(pdf.content)).trailer["/Root"].get("/StructTreeRoot") is not None


@pytest.mark.django_db
def test_people_outside_the_final_stage_cannot_complete_or_download_the_form(frozen_clock):
    w = factories.world("cheshire-east-sab")
    case = walk_to_final_stage(w, frozen_clock)
    stranger = factories.user("Someone Else")
    other_practitioner = w.other_professional

    for rest in ("/", ".pdf", ".docx", "/print/"):
        response = _client(stranger).get(_at(case, rest))
        # Not found, as for a case that does not exist: nobody can count others' cases.
        assert response.status_code == 404, rest
        assert b"Alex Example" not in response.content
    # The other professional sees the case but does not complete the escalating side's form.
    response = _client(other_practitioner).get(_at(case))
    assert response.status_code == 403
    assert "completed by the stage" in response.content.decode()
    with pytest.raises(NotAllowed):
        services.submit_referral(other_practitioner, case, values={}, expected_version=case.version)


@pytest.mark.django_db
def test_the_form_waits_for_its_stage(frozen_clock):
    frozen_clock(dt.date(2026, 12, 23))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, person_date_of_birth=dt.date(1950, 3, 27))
    with pytest.raises(Conflict, match="completed at stage 4; this case is at stage 1"):
        services.submit_referral(w.raiser, case, values={}, expected_version=case.version)
    response = _client(w.raiser).get(_at(case))
    assert response.status_code == 409
    assert "completed at stage 4" in response.content.decode()


def test_documents_fetch_only_our_own_static_files():
    fetcher = static_only_fetcher()
    css = fetcher.fetch(STATIC_PREFIX + "reports/print.css")
    assert b"@page" in css.read()
    for url in (
        "https://example.org/tracker.png",
        "file:///etc/passwd",
        STATIC_PREFIX + "../settings.py",
        STATIC_PREFIX + "no-such-file.css",
    ):
        with pytest.raises(RefusedFetch):
            fetcher.fetch(url)


@pytest.mark.django_db
def test_an_escalation_just_after_midnight_in_summer_is_listed_on_its_local_day(frozen_clock):
    """(00:30 in London on Fri 11 June is 23:30 UTC on the 10th: the form says the 11th.)"""
    w = factories.world("cheshire-east-sab")
    frozen_clock(dt.date(2027, 6, 9))
    case = factories.raise_case(w)
    services_of_cases.record_contact(
        w.raiser, case, kind="meeting", text="No agreement.", expected_version=case.version
    )
    case.refresh_from_db()
    frozen_clock(dt.datetime(2027, 6, 10, 23, 30, tzinfo=dt.UTC))
    case = factories.escalate_to(w, case, 2)
    frozen_clock(dt.date(2027, 6, 16))
    case = factories.escalate_to(w, case, 4)
    found = referral.form_of(case)
    assert found is not None
    values = referral.prefill(case, found)
    [attempts] = [
        values[f.key]
        for f in found.form.fields
        if f.prefill and f.prefill.value == "resolution_attempts"
    ]
    assert "Fri 11 Jun 2027: Escalated from stage 1" in attempts
    assert "10 Jun 2027" not in attempts
