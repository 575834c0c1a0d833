"""No server error from any input (issue 9, item 3): the security probe's inputs, each
answered with a plain-English message that keeps what was typed, and files that stored
text cannot break; the referral form's pages in the read log and every download in the
security log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterator
from typing import Any

import factories
import pytest
from django import forms
from django.test import Client
from django.utils.html import escape
from docx import Document
from openpyxl import load_workbook

from escalate import clock
from escalate.cases import case_forms, raise_forms, services
from escalate.cases.models import VIEWED, AgreedAction, Case, Event, PolicyIssue, StageRecord
from escalate.govuk.forms import GovukDateField, GovukForm, GovukTextField
from escalate.procedures.model import Role
from escalate.reports import exports, referral
from escalate.reports import forms as report_forms
from escalate.reports.models import ReferralSubmission

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)
HUGE = "999999999999999999999999999999"
FORTY_DIGITS = "9" * 40
PERSON = {
    "person_name": "Alex Example",
    "person_date_of_birth": dt.date(1950, 3, 27),
    "person_address": "1 Hidden Lane, Crewe CW1 1AA",
}
IDENTITY = ("Alex Example", "Hidden Lane", "CW1 1AA", "1950", "27 March")


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(TODAY)
    try:
        yield
    finally:
        clock.unfreeze()


@pytest.fixture
def w() -> factories.World:
    return factories.world("cheshire-east-sab")


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def date_parts(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def at_final_stage(w: factories.World) -> Case:
    """A case at the stage with the referral form, walked there by the services."""
    case = factories.raise_case(w, **PERSON)
    clock.freeze(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, 2)
    clock.freeze(dt.date(2026, 12, 30))
    case = factories.escalate_to(w, case, 3)
    clock.freeze(dt.date(2027, 1, 6))
    case = factories.escalate_to(w, case, 4)
    case.refresh_from_db()
    return case


def final_owner(case: Case) -> Any:
    return case.stages.get(number=case.current_stage).owner


# ---------------------------------------------------------------- dates

#: Typed day, month, year that are not a date, and the part the message must point at.
BAD_DATES = [
    pytest.param((HUGE, "12", "2026"), "day", id="huge-day"),
    pytest.param(("1", HUGE, "2026"), "month", id="huge-month"),
    pytest.param(("1", "12", HUGE), "year", id="huge-year"),
    pytest.param(("1", "²", "2026"), "month", id="superscript-month"),
    pytest.param(("²³", "12", "2026"), "day", id="superscript-day"),
    pytest.param(("1", "1", "²⁰²⁶"), "year", id="superscript-year"),
    pytest.param(("٢٣", "١٢", "٢٠٢٦"), "day", id="arabic-indic-digits"),
    pytest.param(("৪", "1", "2026"), "day", id="bengali-four-that-looks-like-eight"),
    pytest.param(("\x00", "1", "2026"), "day", id="nul"),
    pytest.param(("1\x01", "1", "2026"), "day", id="control-character"),
    pytest.param(("-1", "1", "2026"), "day", id="negative"),
    pytest.param(("1", "1e3", "2026"), "month", id="exponent"),
    pytest.param(("1", "1", "0000"), "year", id="year-nought"),
    pytest.param(("0", "1", "2026"), "day", id="day-nought"),
    pytest.param(("1", "1", "2026" * 1000), "year", id="very-long"),
]


class ArisingForm(GovukForm):
    arose = GovukDateField(label="When?", words="the date the concern arose", past_only=True)


@pytest.mark.parametrize(("typed", "part"), BAD_DATES)
def test_the_shared_date_field_refuses_what_is_not_a_date_without_a_server_error(typed, part):
    form = ArisingForm(date_parts("arose", *typed))
    assert not form.is_valid()
    message = form.errors["arose"][0]
    assert message in (
        "The date the concern arose must be a real date",
        "Year must include 4 numbers",
    )
    html = str(form["arose"])  # drawing it again must not fail either
    marked = html.split(f'id="id_arose-{part}"')[0].rsplit("<input", 1)[1]
    assert "govuk-input--error" in marked


@pytest.mark.parametrize(("typed", "part"), BAD_DATES)
def test_the_case_pages_date_fields_refuse_what_is_not_a_date(typed, part):
    form = case_forms.RecordContactForm(
        {"version": "1", "text": "Phoned.", **date_parts("occurred_on", *typed)}
    )
    assert not form.is_valid()
    assert form.errors["occurred_on"][0] in (
        "The date it happened must be a real date",
        "Year must include 4 numbers",
    )


def test_full_width_digits_are_read_as_the_digits_they_look_like():
    form = ArisingForm(date_parts("arose", "２３", "１２", "２０２６"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["arose"] == TODAY


def test_every_date_field_in_every_form_is_the_shared_date_field():
    """One parser for every date: no form may bring its own."""
    from escalate.cases import case_forms as cf

    found = []
    for module in (cf, raise_forms, report_forms):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.Form):
                for name, field in value.base_fields.items():
                    if isinstance(field, forms.DateField | forms.DateTimeField):
                        found.append(f"{value.__name__}.{name}")
    assert found == []
    assert issubclass(cf.GovukDateField, GovukDateField)


def _raise_journey(client: Client, w: factories.World, *, risk: str = "no") -> None:
    assert client.get("/cases/raise/").status_code == 302
    assert client.post("/cases/raise/immediate-risk/", {"immediate_risk": risk}).status_code == 302


@pytest.mark.parametrize(("typed", "part"), BAD_DATES[:8])
def test_the_raise_journeys_date_fields_answer_bad_dates_with_a_message(w, typed, part):
    client = signed_in(w.raiser)
    _raise_journey(client, w, risk="yes")
    pages = [
        ("referral", {"referral_made": "yes", **date_parts("referral_made_on", *typed)}),
        (
            "person",
            {
                "subject_type": "adult",
                "person_name": "Alex Example",
                "person_knows": "yes",
                **date_parts("person_date_of_birth", *typed),
            },
        ),
        (
            "disagreement",
            {
                "categories": [w.procedure.categories[0].key],
                "disagreement": "Whether the care package meets their needs.",
                "outcome_sought": "A joint review.",
                **date_parts("concern_arose_on", *typed),
            },
        ),
    ]
    for slug, data in pages:
        response = client.post(f"/cases/raise/{slug}/", data)
        page = response.content.decode()
        assert response.status_code == 200, slug
        assert "There is a problem" in page, slug
        assert "must be a real date" in page or "Year must include 4 numbers" in page, slug
        assert f'value="{typed[0]}"' in page.replace("&#x27;", "'"), slug


@pytest.mark.parametrize(("typed", "part"), BAD_DATES[:8])
def test_the_case_action_date_fields_answer_bad_dates_with_a_message(w, typed, part):
    case = factories.raise_case(w)
    action = services.add_agreed_action(
        w.raiser,
        case,
        what="A joint visit.",
        agency=w.raising,
        owner_name="The ward manager",
        due_on=dt.date(2027, 1, 8),
        expected_version=case.version,
    )
    manager = w.raising_people[Role.LINE_MANAGER]
    posts = [
        (w.raiser, "record", "occurred_on", {"kind": "note", "text": "Phoned."}),
        (
            w.raiser,
            "actions/add",
            "due_on",
            {"what": "Visit.", "agency": str(w.raising.pk), "owner_name": "Ward manager"},
        ),
        (w.raiser, f"actions/{action.pk}/done", "done_on", {"note": "Seen."}),
        (w.raiser, "resolve", "action_due_on", {"outcome": "Agreed.", "action_what": "Visit."}),
        (manager, "debrief", "offered_on", {}),
        (manager, "debrief", "held_on", {}),
    ]
    for person, path, name, data in posts:
        case.refresh_from_db()
        response = signed_in(person).post(
            f"/cases/{case.reference}/{path}/",
            {"version": case.version, **data, **date_parts(name, *typed)},
        )
        page = response.content.decode()
        assert response.status_code == 400, (path, page[:500])
        assert "There is a problem" in page and f'href="#id_{name}-{part}"' in page, path
        assert "must be a real date" in page or "Year must include 4 numbers" in page, path


def test_case_action_versions_too_big_for_the_database_are_treated_as_out_of_date(w):
    case = factories.raise_case(w)
    response = signed_in(w.raiser).post(
        f"/cases/{case.reference}/record/",
        {"version": FORTY_DIGITS, "kind": "note", "text": "Phoned."},
    )
    assert response.status_code == 400
    assert "This page was out of date" in response.content.decode()


# ---------------------------------------------------------------- board filters


def _board(w: factories.World) -> Client:
    return signed_in(w.person(Role.BUSINESS_UNIT))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("reached=²", "Choose the stage reached from the list"),
        ("reached=" + FORTY_DIGITS, "Choose the stage reached from the list"),
        ("reached=9", "Choose the stage reached from the list"),
        ("agency=²", "Choose an agency from the list"),
        ("agency=" + FORTY_DIGITS, "Choose an agency from the list"),
        ("agency=-1", "Choose an agency from the list"),
        ("category=%00", "Choose a category from the list"),
        ("status=²", "Choose a status from the list"),
        ("sort=²", "sorted by date raised"),
        ("format=²", "CSV or Excel only"),
        ("period=²", "Enter the period as a year"),
        ("period=" + "2026" * 100, "Enter the period as a year"),
        ("period=%00", "Remove the unusual characters from the period"),
        ("period=٢٠٢٦", "Enter the period as a year"),
        ("from=²&to=2026-12-31", "Enter the start date as a date"),
        ("from=٢٠٢٦-٠١-٠١&to=2026-12-31", "Enter the start date as a date"),
        ("from=2026-01-01&to=" + FORTY_DIGITS, "Enter the end date as a date"),
    ],
)
def test_register_filters_that_are_not_one_of_the_choices_are_explained(w, query, message):
    response = _board(w).get(f"/board/{w.partnership.slug}/register/?{query}")
    page = response.content.decode()
    assert response.status_code == 400, page[:500]
    assert "There is a problem" in page and message in page


def test_a_bad_filter_stops_a_download_and_says_why(w):
    response = _board(w).get(f"/board/{w.partnership.slug}/register/?agency=²&format=csv")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_good_filters_still_filter(w):
    factories.raise_case(w)
    client = _board(w)
    url = f"/board/{w.partnership.slug}/register/?reached=1&agency={w.raising.pk}&status=open"
    response = client.get(url + "&sort=-reference&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=²", "Enter the period as a year"),
        ("period=%00", "Remove the unusual characters from the period"),
        ("from=²&to=2026-12-31", "Enter the start date as a date"),
        ("from=2026-01-01&to=" + HUGE, "Enter the end date as a date"),
        ("format=docx", "PDF or CSV only"),
    ],
)
def test_report_filters_that_are_not_a_period_are_explained(w, query, message):
    response = _board(w).get(f"/board/{w.partnership.slug}/report/?{query}")
    page = response.content.decode()
    assert response.status_code == 400, page[:500]
    assert "There is a problem" in page and message in page


def test_the_report_takes_any_suppress_value_as_a_tick_box(w):
    response = _board(w).get(f"/board/{w.partnership.slug}/report/?suppress=²")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"issue": "²", "response": "Noted.", "version": "1"},
        {"issue": FORTY_DIGITS, "response": "Noted.", "version": "1"},
        {"issue": "-4", "response": "Noted."},
    ],
)
def test_a_policy_issue_that_cannot_exist_is_not_found(w, data):
    case = factories.raise_case(w)
    services.flag_policy_issue(w.raiser, case, text="No guidance.", expected_version=case.version)
    chair = signed_in(w.person(Role.INDEPENDENT_CHAIR))
    response = chair.post(f"/board/{w.partnership.slug}/policy-issues/", data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Noted.\x01", "Remove the unusual characters from your response"),
        ("Noted.\x00", "Remove the unusual characters from your response"),
        ("x" * 5001, "Your response must be 5,000 characters or fewer"),
    ],
)
def test_a_policy_response_with_unusual_characters_is_refused_and_kept(w, typed, message):
    case = factories.raise_case(w)
    services.flag_policy_issue(w.raiser, case, text="No guidance.", expected_version=case.version)
    issue = PolicyIssue.objects.get()
    case.refresh_from_db()
    chair = signed_in(w.person(Role.INDEPENDENT_CHAIR))
    response = chair.post(
        f"/board/{w.partnership.slug}/policy-issues/",
        {"issue": issue.pk, "response": typed, "version": FORTY_DIGITS},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert typed.replace("\x00", "").replace("\x01", "")[:20] in page
    issue.refresh_from_db()
    assert issue.response == ""


# ---------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("path", "name", "words"),
    [
        ("resolve", "outcome", "the outcome"),
        ("record", "text", "what happened"),
        ("withdraw", "reason", "why the challenge is being withdrawn"),
        ("policy-issue", "text", "the policy issue"),
    ],
)
@pytest.mark.parametrize("bad", ["\x01", "\x00", "\x1b[31m", "\x7f", "\ufffe"])
def test_text_with_control_characters_is_refused_with_a_message(w, path, name, words, bad):
    case = factories.raise_case(w)
    data = {"version": case.version, "kind": "note", name: f"Agreed a joint visit.{bad}"}
    response = signed_in(w.raiser).post(f"/cases/{case.reference}/{path}/", data)
    page = response.content.decode()
    assert response.status_code == 400, page[:500]
    assert f"Remove the unusual characters from {words}" in page
    assert "Agreed a joint visit." in page


def test_word_line_and_page_breaks_become_new_lines(w):
    case = factories.raise_case(w)
    response = signed_in(w.raiser).post(
        f"/cases/{case.reference}/resolve/",
        {"version": case.version, "outcome": "Agreed a visit.\x0bThen a review.\x0cDone."},
    )
    assert response.status_code == 302
    outcome = StageRecord.objects.get(case=case, number=1).outcome
    assert outcome == "Agreed a visit.\nThen a review.\nDone."


def test_the_raise_journey_refuses_control_characters_and_keeps_line_breaks(w):
    client = signed_in(w.raiser)
    _raise_journey(client, w)
    refused = client.post(
        "/cases/raise/person/",
        {"subject_type": "adult", "person_name": "Alex\x01Example", "person_knows": "yes"},
    )
    assert "Remove the unusual characters from their name" in refused.content.decode()
    kept = client.post(
        "/cases/raise/person/",
        {
            "subject_type": "adult",
            "person_name": "Alex Example",
            "person_address": "1 Hidden Lane\x0bCrewe",
            "person_knows": "yes",
        },
    )
    assert kept.status_code == 302
    answers = client.session["raise_journey"]["answers"]["person"]
    assert answers["person_address"] == "1 Hidden Lane\nCrewe"


def test_the_shared_text_field_keeps_tabs_and_new_lines():
    field = GovukTextField(words="the note", max_length=100)
    assert field.clean("a\tb\r\nc") == "a\tb\r\nc"
    assert field.clean("a\u2028b") == "a\nb"
    with pytest.raises(forms.ValidationError, match="Remove the unusual characters from the note"):
        field.clean("a\x08b")


def test_excel_export_leaves_out_what_xml_cannot_hold_and_keeps_formulas_as_text():
    body = exports.xlsx_bytes(
        "Register\x01", ["Outcome"], [["Agreed\x01 a visit\x0bthen a review", "=HYPERLINK(1)"]]
    )
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].value == "Agreed a visit\nthen a review"
    assert sheet["B2"].value == "'=HYPERLINK(1)"


def test_csv_export_leaves_out_control_characters_and_keeps_formulas_as_text():
    body = exports.csv_bytes(
        ["Outcome"], [["Agreed\x00 a visit\x0bthen", "=1+1", "+1", "-1", "@SUM(A1)", "\t=1"]]
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1] == ["Agreed a visit\nthen", "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1"]


def test_word_export_leaves_out_what_xml_cannot_hold():
    body = exports.referral_docx(
        "Referral\x01", [("Name\x02", "Alex\x01 Example\x0bCrewe\ufffe")], "The board\x00"
    )
    document = Document(io.BytesIO(body))
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert cells[0] == "Name"
    assert "Alex Example" in cells[1] and "Crewe" in cells[1]


def _stored_outcome(w: factories.World) -> Case:
    """Text stored before input refused control characters: written straight to the
    row, as the services refuse it now (PostgreSQL refuses NUL bytes outright)."""
    case = factories.raise_case(w)
    case = services.resolve(
        w.raiser, case, outcome="Agreed a joint visit.", expected_version=case.version
    )
    StageRecord.objects.filter(case=case, outcome="Agreed a joint visit.").update(
        outcome="Agreed a joint visit.\x01\x0bReview in a month."
    )
    return case


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_stored_control_characters_do_not_break_the_register_download(w, fmt):
    _stored_outcome(w)
    response = _board(w).get(f"/board/{w.partnership.slug}/register/?reached=all&format={fmt}")
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        cells = [c.value for row in sheet.iter_rows() for c in row]
        assert "Agreed a joint visit.\nReview in a month." in cells


def _stored_referral(w: factories.World, case: Case) -> ReferralSubmission:
    found = referral.form_of(case)
    values = referral.prefill(case, found)
    first = found.form.fields[0].key
    values[first] = "Alex\x01 Example\x0bCrewe"
    return ReferralSubmission.objects.create(
        case=case,
        form_key=found.key,
        stage=found.stage,
        title=found.form.title,
        submit_to=found.form.submit_to,
        fields=[{"key": f.key, "label": f.label, "kind": f.kind.value} for f in found.form.fields],
        values=values,
        submitted_by=final_owner(case),
        submitted_at=clock.now(),
    )


@pytest.mark.parametrize("route", ["stage-4.docx", "stage-4.pdf", "stage-4/print/"])
def test_stored_control_characters_do_not_break_the_referral_files(w, route):
    case = at_final_stage(w)
    _stored_referral(w, case)
    response = signed_in(final_owner(case)).get(f"/board/cases/{case.reference}/forms/{route}")
    assert response.status_code == 200
    if route.endswith("docx"):
        text = " ".join(
            c.text for r in Document(io.BytesIO(response.content)).tables[0].rows for c in r.cells
        )
        assert "Alex Example" in text


# ---------------------------------------------------------------- the referral form


def _form_url(case: Case, key: str = "stage-4") -> str:
    return f"/board/cases/{case.reference}/forms/{key}/"


def _referral_post(case: Case, **changes: str) -> dict[str, Any]:
    found = referral.form_of(case)
    values = referral.prefill(case, found)
    values.update(changes)
    return {**values, "version": case.version}


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1f"])
def test_the_referral_form_refuses_nul_and_control_characters_and_logs_nothing_typed(
    w, bad, caplog
):
    case = at_final_stage(w)
    key = referral.form_of(case).form.fields[0].key
    caplog.set_level(logging.DEBUG)
    client = signed_in(final_owner(case))
    response = client.post(_form_url(case), _referral_post(case, **{key: f"Alex{bad}Example"}))
    page = response.content.decode()
    assert response.status_code == 400, page[:500]
    assert "Remove the unusual characters from" in page
    assert not ReferralSubmission.objects.exists()
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for identity in IDENTITY:
        assert identity not in logged


def test_the_referral_form_takes_word_line_breaks_as_new_lines(w):
    case = at_final_stage(w)
    key = next(f.key for f in referral.form_of(case).form.fields if f.kind.value == "long_text")
    response = signed_in(final_owner(case)).post(
        _form_url(case), _referral_post(case, **{key: "First line\x0bSecond line"})
    )
    assert response.status_code == 302
    assert ReferralSubmission.objects.get().values[key] == "First line\nSecond line"


def test_the_referral_forms_version_and_sent_flag_cannot_cause_an_error(w):
    case = at_final_stage(w)
    client = signed_in(final_owner(case))
    url = _form_url(case)
    assert client.get(url + "?sent=²").status_code == 200
    response = client.post(url, {**_referral_post(case), "version": FORTY_DIGITS})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "key", ["stage-1", "stage-99", "outcome", "STAGE-4", "stage-4\x00", "stage-٤", "x" * 300]
)
def test_a_form_the_case_has_not_or_cannot_have_is_not_found_and_not_an_error(w, key):
    case = at_final_stage(w)
    client = signed_in(final_owner(case))
    for method in ("get", "post"):
        response = getattr(client, method)(_form_url(case, key), _referral_post(case))
        # stage-1 has no form; "outcome" is no form of this procedure; the rest are no key.
        assert response.status_code == 404, (key, method)
        assert "Alex Example" not in response.content.decode()
    assert not ReferralSubmission.objects.exists()


def test_a_form_posted_as_a_list_or_without_answers_keeps_what_was_typed(w):
    case = at_final_stage(w)
    key = referral.form_of(case).form.fields[0].key
    client = signed_in(final_owner(case))
    response = client.post(
        _form_url(case), {**_referral_post(case), key: ["Two", "values"], "version": "x"}
    )
    assert response.status_code in (302, 400)
    case.refresh_from_db()
    response = client.post(_form_url(case), {"version": case.version, key: "Kept as typed"})
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page
    assert "Kept as typed" in page


def test_the_older_address_takes_no_post_and_sends_nothing_typed(w):
    case = at_final_stage(w)
    client = signed_in(final_owner(case))
    response = client.post(f"/board/cases/{case.reference}/referral/", _referral_post(case))
    assert response.status_code == 405
    assert not ReferralSubmission.objects.exists()


@pytest.mark.parametrize("typed", ["٢٤/١٢/٢٠٢٦", "২৪ December ২০২৬", "24/12/²⁰²⁶"])
def test_a_referral_date_in_other_digits_is_not_read_as_a_date(typed):
    assert referral.parse_day(typed) is None
    assert referral.parse_day("24/12/2026") == dt.date(2026, 12, 24)


def test_the_service_refuses_control_characters_in_a_referral_too(w):
    case = at_final_stage(w)
    found = referral.form_of(case)
    values = referral.prefill(case, found)
    values[found.form.fields[0].key] = "Alex\x00Example"
    errors = referral.field_errors(found, values)
    assert "Remove the unusual characters" in errors[found.form.fields[0].key][0]


# ---------------------------------------------------------------- text limits

#: Each form's text field and the column (or the service limit) it is stored in.
STORED_IN = {
    (raise_forms.StartStageForm, "expedite_reason"): 1000,
    (raise_forms.StartStageForm, "counterpart_name"): (StageRecord, "counterpart_name"),
    (raise_forms.StartStageForm, "counterpart_email"): (StageRecord, "counterpart_email"),
    (raise_forms.OtherAgencyForm, "other_professional_name"): (Case, "other_professional_name"),
    (raise_forms.OtherAgencyForm, "other_professional_email"): (Case, "other_professional_email"),
    (raise_forms.PersonForm, "person_name"): (Case, "person_name"),
    (raise_forms.PersonForm, "person_address"): (Case, "person_address"),
    (raise_forms.PersonForm, "person_record_id"): (Case, "person_record_id"),
    (raise_forms.PersonForm, "person_views"): (Case, "person_views"),
    (raise_forms.DisagreementForm, "disagreement"): (Case, "disagreement"),
    (raise_forms.DisagreementForm, "outcome_sought"): (Case, "outcome_sought"),
    (case_forms.RecordContactForm, "text"): 5000,
    (case_forms.RecordContactForm, "with_whom"): 1000,
    (case_forms.AgreedActionForm, "what"): (AgreedAction, "what"),
    (case_forms.AgreedActionForm, "owner_name"): (AgreedAction, "owner_name"),
    (case_forms.CompleteActionForm, "note"): (AgreedAction, "completion_note"),
    (case_forms.ResolveForm, "outcome"): (StageRecord, "outcome"),
    (case_forms.ResolveForm, "action_what"): (AgreedAction, "what"),
    (case_forms.ResolveForm, "action_owner_name"): (AgreedAction, "owner_name"),
    (case_forms.EscalateForm, "summary"): 1000,
    (case_forms.EscalateForm, "counterpart_name"): (StageRecord, "counterpart_name"),
    (case_forms.EscalateForm, "counterpart_email"): (StageRecord, "counterpart_email"),
    (case_forms.ExpediteForm, "reason"): 1000,
    (case_forms.PanelForm, "details"): 1000,
    (case_forms.WithdrawForm, "reason"): (Case, "withdrawn_reason"),
    (case_forms.PolicyIssueForm, "text"): (PolicyIssue, "text"),
    (case_forms.PolicyResponseForm, "response"): (PolicyIssue, "response"),
    (case_forms.LearningForm, "why_not_earlier"): (Case, "learning_why_not_earlier"),
    (case_forms.LearningForm, "good_practice"): (Case, "learning_good_practice"),
    (case_forms.RespondForm, "reason"): (Case, "response_reason"),
    (report_forms.PolicyResponseForm, "response"): (PolicyIssue, "response"),
}


def _form(form_class: type[forms.Form]) -> forms.Form:
    kwargs: dict[str, Any] = {}
    if form_class in (raise_forms.StartStageForm,):
        kwargs["owners"] = []
    if form_class is raise_forms.OtherAgencyForm:
        kwargs["agencies"] = []
    elif form_class.__module__ == raise_forms.__name__:
        from escalate.procedures import library

        kwargs["procedure"] = library.get("cheshire-east-sab")
    return form_class(**kwargs)


@pytest.mark.parametrize(
    ("form_class", "name"), list(STORED_IN), ids=[f"{f.__name__}.{n}" for f, n in STORED_IN]
)
def test_no_form_takes_more_text_than_is_stored(form_class, name):
    field = _form(form_class).fields[name]
    limit = STORED_IN[(form_class, name)]
    if isinstance(limit, tuple):
        model, column = limit
        limit = model._meta.get_field(column).max_length
    assert field.max_length is not None and field.max_length <= limit
    error = field.error_messages["max_length"]
    assert f"{field.max_length:,} characters or fewer" in error
    assert "%(" not in error and error[:1].isupper()


def _every_form() -> Iterator[forms.Form]:
    """One of each form the pages use."""
    from escalate.procedures import library

    procedure = library.get("cheshire-east-sab")
    choices = {"stages": [(1, "")], "agencies": [], "categories": [], "statuses": []}
    for module in (case_forms, raise_forms, report_forms):
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, forms.Form)):
                continue
            if value.__module__ != module.__name__:
                continue
            if value is report_forms.RegisterFilterForm:
                yield value({}, choices=choices)
            elif value is report_forms.ReferralSubmitForm:
                found = next(s.form for s in procedure.stages if s.form)
                yield value({}, definition=found)
            elif issubclass(value, report_forms.FilterForm):
                yield value({})
            elif value is raise_forms.WhereForm:
                yield value(choices=[])
            else:
                yield _form(value)


def test_every_text_field_of_every_form_has_a_limit():
    seen = 0
    for form in _every_form():
        for name, field in form.fields.items():
            if isinstance(field, forms.CharField):
                seen += 1
                assert field.max_length is not None, f"{type(form).__name__}.{name}"
    assert seen > 40


def test_an_address_longer_than_is_stored_is_refused_on_its_own_page(w):
    client = signed_in(w.raiser)
    _raise_journey(client, w)
    response = client.post(
        "/cases/raise/person/",
        {
            "subject_type": "adult",
            "person_name": "Alex Example",
            "person_address": "x" * 501,
            "person_knows": "yes",
        },
    )
    assert response.status_code == 200
    assert "Their address must be 500 characters or fewer" in response.content.decode()


# ---------------------------------------------------------------- the read log


@pytest.mark.parametrize("route", ["stage-4/", "stage-4/print/", "stage-4.pdf", "stage-4.docx"])
def test_each_referral_page_and_file_is_in_the_read_log(w, route):
    case = at_final_stage(w)
    owner = final_owner(case)
    before = Event.objects.filter(case=case, action=VIEWED, actor=owner).count()
    response = signed_in(owner).get(f"/board/cases/{case.reference}/forms/{route}")
    assert response.status_code == 200
    assert Event.objects.filter(case=case, action=VIEWED, actor=owner).count() == before + 1
    latest = Event.objects.filter(case=case, action=VIEWED, actor=owner).latest("id")
    assert latest.what_words.startswith("a form")
    # The business unit's "who has viewed" list says what was opened.
    business_unit = w.person(Role.BUSINESS_UNIT)
    page = signed_in(business_unit).get(f"/cases/{case.reference}/").content.decode()
    assert f"({escape(latest.what_words)})" in page


def test_a_refused_referral_page_is_not_in_the_read_log(w):
    case = at_final_stage(w)
    stranger = factories.user("Someone Else")
    for route in ("referral.pdf", "forms/stage-4.pdf", "forms/stage-4/"):
        signed_in(stranger).get(f"/board/cases/{case.reference}/{route}")
    assert not Event.objects.filter(case=case, action=VIEWED, actor=stranger).exists()


# ---------------------------------------------------------------- downloads logged


@pytest.fixture
def security_log(caplog) -> Iterator[pytest.LogCaptureFixture]:
    logger = logging.getLogger("escalate.security")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="escalate.security")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def _downloads(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "escalate.security" and r.getMessage().startswith("export.downloaded")
    ]


@pytest.mark.parametrize(
    ("page", "fmt"),
    [("register", "csv"), ("register", "xlsx"), ("report", "csv"), ("report", "pdf")],
)
def test_each_board_download_is_logged_with_who_which_partnership_and_format(
    w, page, fmt, security_log
):
    case = factories.raise_case(w)
    services.resolve(w.raiser, case, outcome="Agreed a joint visit.", expected_version=1)
    person = w.person(Role.BUSINESS_UNIT)
    response = signed_in(person).get(
        f"/board/{w.partnership.slug}/{page}/?reached=all&format={fmt}"
        if page == "register"
        else f"/board/{w.partnership.slug}/{page}/?period=2026&format={fmt}"
    )
    assert response.status_code == 200
    lines = _downloads(security_log)
    assert len(set(lines)) == 1, lines
    line = lines[0]
    assert f"user={person.pk}" in line
    assert f"partnership={w.partnership.slug}" in line
    assert f"format={fmt}" in line and f"what={page}" in line
    assert case.reference not in line and "Agreed" not in line


def test_a_page_that_is_not_a_download_is_not_logged_as_one(w, security_log):
    signed_in(w.person(Role.BUSINESS_UNIT)).get(f"/board/{w.partnership.slug}/register/")
    assert _downloads(security_log) == []


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_each_referral_download_is_logged_without_its_contents(w, fmt, security_log):
    case = at_final_stage(w)
    owner = final_owner(case)
    response = signed_in(owner).get(f"/board/cases/{case.reference}/forms/stage-4.{fmt}")
    assert response.status_code == 200
    line = _downloads(security_log)[0]
    assert f"user={owner.pk}" in line and f"format={fmt}" in line and "what=form" in line
    assert "form=stage-4" in line
    for identity in IDENTITY:
        assert identity not in line


def test_the_case_services_refuse_control_characters_even_without_a_form(w):
    from escalate.cases import services
    from escalate.cases.errors import Invalid

    case = factories.raise_case(w)
    for text in ("Phoned\x01 them.", "Phoned\x00 them."):
        with pytest.raises(Invalid, match="Remove the unusual characters"):
            services.record_contact(
                w.raiser, case, kind="contact", text=text, expected_version=case.version
            )
    services.record_contact(
        w.raiser, case, kind="contact", text="Line one\x0bline two", expected_version=case.version
    )
    assert "Line one\nline two" in [e.data.get("text") for e in case.events.all()]
