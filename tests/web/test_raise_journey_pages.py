"""The raise journey, page by page, with Django's test client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from django.test import Client
from django.utils.html import escape

from escalate import clock
from escalate.cases.models import Case

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(TODAY)
    yield
    clock.unfreeze()


def signed_in(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def answer_everything(client: Client, w: factories.World, *, risk: str = "no") -> None:
    assert client.get("/cases/raise/").status_code == 302
    response = client.post("/cases/raise/immediate-risk/", {"immediate_risk": risk})
    assert response.status_code == 302
    if w.procedure.out_of_scope:
        assert response.url == "/cases/raise/scope/"
        response = client.post("/cases/raise/scope/", {"situation": "none"})
    assert response.url == "/cases/raise/other-agency/"
    response = client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": w.other_professional.full_name,
            "other_professional_email": w.other_professional.email,
        },
    )
    assert response.url == "/cases/raise/person/"
    response = client.post(
        "/cases/raise/person/",
        {
            "subject_type": "child" if w.procedure.protects == "children" else "adult",
            "person_name": "Alex Example",
            "person_record_id": "AS-1234",
            "person_views": "Wants to stay at home.",
            "person_knows": "yes",
        },
    )
    assert response.url == "/cases/raise/disagreement/"
    response = client.post(
        "/cases/raise/disagreement/",
        {
            "categories": [w.procedure.categories[0].key],
            "disagreement": "Whether the care package meets their needs.",
            "outcome_sought": "A joint review of the care plan.",
            **date_parts("concern_arose_on", TODAY),
        },
    )
    assert response.url == "/cases/raise/check-your-answers/"


SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]


@pytest.mark.parametrize("key", SEEDS)
def test_a_challenge_can_be_raised_under_every_seed_procedure(key: str) -> None:
    w = factories.world(key)
    client = signed_in(w.raiser)
    answer_everything(client, w)
    response = client.post("/cases/raise/check-your-answers/")
    case = Case.objects.get()
    assert response.url == f"/cases/raise/raised/{case.reference}/"
    assert case.person_name == "Alex Example" and case.raised_by == w.raiser
    page = client.get(response.url).content.decode()
    assert case.reference in page
    if key == "warrington-sab":
        assert "no fixed timescale" in page


def test_a_practitioner_raises_a_challenge_and_sees_the_reference_and_deadline() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    page = client.get("/cases/raise/check-your-answers/").content.decode()
    assert "Check your answers" in page and "Alex Example" in page
    response = client.post("/cases/raise/check-your-answers/")
    case = Case.objects.get()
    assert response.url == f"/cases/raise/raised/{case.reference}/"
    page = client.get(response.url).content.decode()
    assert case.reference in page
    assert f"Raise this with {w.other.name} by Thursday 24 December 2026" in page
    assert re.search(rf'href="/cases/{case.reference}/"', page)


def test_each_page_shows_plain_english_errors_and_keeps_what_was_typed() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    page = client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": "Pat Jones",
            "other_professional_email": "pat at nhs",
        },
    ).content.decode()
    assert "<title>Error: " in page
    assert (
        '<a href="#id_other_professional_email">Enter the other professional&#x27;s email '
        "address in the correct format" in page
    )
    assert 'value="Pat Jones"' in page and 'value="pat at nhs"' in page
    assert f'<option value="{w.other.pk}" selected>' in page

    page = client.post(
        "/cases/raise/disagreement/",
        {
            "disagreement": "They closed the case.",
            "concern_arose_on-day": "3",
            "concern_arose_on-year": "2026",
        },
    ).content.decode()
    assert "The date the concern arose must include a month" in page
    assert 'href="#id_concern_arose_on-month"' in page
    assert "Choose at least one thing the disagreement is about" in page
    assert "They closed the case.</textarea>" in page
    assert 'name="concern_arose_on-day" type="text" value="3"' in page


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2026", "The date the concern arose must be a real date"),
        ("24", "12", "2026", "The date the concern arose must be today or in the past"),
        ("", "", "", "Enter the date the concern arose"),
        ("1", "12", "26", "Year must include 4 numbers"),
    ],
)
def test_the_date_the_concern_arose_must_be_a_real_date_not_in_the_future(
    day: str, month: str, year: str, message: str
) -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    page = client.post(
        "/cases/raise/disagreement/",
        {
            "concern_arose_on-day": day,
            "concern_arose_on-month": month,
            "concern_arose_on-year": year,
        },
    ).content.decode()
    assert message in page


def test_an_out_of_scope_concern_is_steered_elsewhere_and_nothing_is_saved() -> None:
    w = factories.world("hammersmith-fulham-sab")
    situation = w.procedure.out_of_scope[1]
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "no"})
    page = client.get("/cases/raise/scope/").content.decode()
    assert escape(situation.situation) in page
    response = client.post("/cases/raise/scope/", {"situation": "1"})
    assert response.url == "/cases/raise/not-covered/"
    page = client.get(response.url).content.decode()
    assert escape(situation.go_instead) in page and "Nothing has been saved" in page
    # Answering the rest does not let it through.
    assert client.get("/cases/raise/check-your-answers/").status_code == 302
    assert client.post("/cases/raise/check-your-answers/").status_code == 302
    assert Case.objects.count() == 0


def test_immediate_risk_prompts_for_the_referral_and_records_when_it_was_made() -> None:
    w = factories.world("hammersmith-fulham-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    response = client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    assert response.url == "/cases/raise/referral/"
    page = client.get(response.url).content.decode()
    assert escape(w.procedure.expedite.prompt) in page
    page = client.post("/cases/raise/referral/", {"referral_made": "yes"}).content.decode()
    assert "Enter the date you made the referral or contact" in page
    response = client.post(
        "/cases/raise/referral/",
        {"referral_made": "yes", **date_parts("referral_made_on", TODAY)},
    )
    # Hammersmith does not allow starting at a later stage: straight on to scope.
    assert response.url == "/cases/raise/scope/"
    client.post("/cases/raise/scope/", {"situation": "none"})
    client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": "Pat Jones",
            "other_professional_email": w.other_professional.email,
        },
    )
    client.post(
        "/cases/raise/person/",
        {"subject_type": "adult", "person_name": "Alex Example", "person_knows": "no"},
    )
    client.post(
        "/cases/raise/disagreement/",
        {
            "categories": [w.procedure.categories[0].key],
            "disagreement": "D",
            "outcome_sought": "O",
            **date_parts("concern_arose_on", TODAY),
        },
    )
    page = client.get("/cases/raise/check-your-answers/").content.decode()
    assert "Referral or front-door contact made" in page and "23 December 2026" in page
    client.post("/cases/raise/check-your-answers/")
    case = Case.objects.get()
    assert case.immediate_risk and case.referral_made and case.referral_made_on == TODAY


def test_where_the_procedure_allows_it_a_challenge_can_start_at_a_later_stage() -> None:
    w = factories.world("shropshire-sscp")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    response = client.post(
        "/cases/raise/referral/", {"referral_made": "yes", **date_parts("referral_made_on", TODAY)}
    )
    assert response.url == "/cases/raise/start-stage/"
    page = client.post("/cases/raise/start-stage/", {"start_stage": "2"}).content.decode()
    assert "Say why this should start at a later stage" in page
    assert "Choose who will own the stage it starts at" in page
    owner = w.owner_for(2)
    response = client.post(
        "/cases/raise/start-stage/",
        {
            "start_stage": "2",
            "expedite_reason": "The child is at home with the risk.",
            "owner": str(owner.pk),
        },
    )
    assert response.url == "/cases/raise/other-agency/"


def test_check_your_answers_change_links_go_back_to_each_page_and_return() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    page = client.get("/cases/raise/check-your-answers/").content.decode()
    for slug in ("immediate-risk", "scope", "other-agency", "person", "disagreement"):
        assert f'href="/cases/raise/{slug}/">Change' in page
    person = client.get("/cases/raise/person/").content.decode()
    assert 'value="Alex Example"' in person
    assert 'href="/cases/raise/check-your-answers/"' in person  # back goes to the check page
    response = client.post(
        "/cases/raise/person/",
        {"subject_type": "adult", "person_name": "Sam Example", "person_knows": "no"},
    )
    assert response.url == "/cases/raise/check-your-answers/"
    assert "Sam Example" in client.get(response.url).content.decode()


def test_problems_the_service_would_find_are_shown_on_the_page_they_belong_to() -> None:
    """The other-agency page runs the final check's own rule, so the person's own
    address is refused there, with what they typed kept, and nothing is raised."""
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    response = client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": "Me",
            "other_professional_email": w.raiser.email,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the other professional" in page and "not yours" in page
    assert f'value="{w.raiser.email}"' in page
    assert Case.objects.count() == 0


def test_someone_without_an_agency_role_cannot_raise_and_is_told_why() -> None:
    stranger = factories.user("Stranger Danger")
    response = signed_in(stranger).get("/cases/raise/")
    assert response.status_code == 403
    assert "You cannot raise a professional challenge" in response.content.decode()


def test_someone_in_two_agencies_chooses_which_one_they_raise_for() -> None:
    w = factories.world("cheshire-east-sab")
    second = factories.world("warrington-sab")
    factories.member(w.raiser, second.raising, "practitioner")
    client = signed_in(w.raiser)
    page = client.get("/cases/raise/").content.decode()
    assert w.raising.name in page and second.raising.name in page
    assert "Choose the agency" in client.post("/cases/raise/", {}).content.decode()
    response = client.post(
        "/cases/raise/", {"where": f"{second.raising.pk}:{second.partnership.pk}"}
    )
    assert response.url == "/cases/raise/immediate-risk/"
    page = client.get("/cases/raise/other-agency/").content.decode()
    assert second.other.name in page and w.other.name not in page


def test_the_journey_needs_signing_in() -> None:
    response = Client().get("/cases/raise/immediate-risk/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_first_question_goes_back_home_when_there_is_only_one_agency_to_raise_for() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    assert client.get("/cases/raise/").url == "/cases/raise/immediate-risk/"
    page = client.get("/cases/raise/immediate-risk/").content.decode()
    assert '<a href="/" class="govuk-back-link">Back</a>' in page


def test_date_of_birth_and_address_are_asked_only_where_the_referral_form_needs_them() -> None:
    assert "person_date_of_birth" not in _person_page("hammersmith-fulham-sab")
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    page = client.get("/cases/raise/person/").content.decode()
    assert 'name="person_date_of_birth-day"' in page and 'name="person_address"' in page
    client.post(
        "/cases/raise/person/",
        {
            "subject_type": "adult",
            "person_name": "Alex Example",
            "person_knows": "yes",
            "person_address": "1 High Street, Crewe",
            **date_parts("person_date_of_birth", dt.date(1950, 3, 1)),
        },
    )
    assert "1 March 1950" in client.get("/cases/raise/check-your-answers/").content.decode()
    client.post("/cases/raise/check-your-answers/")
    case = Case.objects.get()
    assert case.person_date_of_birth == dt.date(1950, 3, 1)
    assert case.person_address == "1 High Street, Crewe"


def _person_page(key: str) -> str:
    w = factories.world(key)
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    return client.get("/cases/raise/person/").content.decode()


def test_call_999_is_a_warning_before_the_continue_button_not_body_text_after_it() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    page = client.get("/cases/raise/immediate-risk/").content.decode()
    warning = page.index('class="govuk-warning-text"')
    assert "call 999" in page[warning : page.index("</strong>", warning)]
    assert warning < page.index("Continue</button>")
    assert '<p class="govuk-body">If someone is in danger' not in page
