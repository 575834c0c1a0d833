"""Bad input in the raise journey never reaches a server error: each page refuses what
the final check (escalate.cases.services.raise_checks) would refuse, with a GOV.UK
message on that page; answers kept in the session that are no longer good (or never
were) send the person back to the page to change them; journey pages are never cached,
and Back after the confirmation shows the confirmation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import factories
import pytest
from django.conf import settings
from django.test import Client, override_settings

from escalate import clock
from escalate.cases.models import Case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)
LONDON = ZoneInfo("Europe/London")
JOURNEY = "raise_journey"


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(TODAY)
    yield
    clock.unfreeze()


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def typed(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def parts(name: str, day: dt.date) -> dict[str, str]:
    return typed(name, str(day.day), str(day.month), f"{day.year:04d}")


def disagreement(w: factories.World, arose: dict[str, str]) -> dict[str, Any]:
    return {
        "categories": [w.procedure.categories[0].key],
        "disagreement": "Whether the care package meets their needs.",
        "outcome_sought": "A joint review of the care plan.",
        **arose,
    }


def person(born: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "subject_type": "adult",
        "person_name": "Alex Example",
        "person_knows": "yes",
        **(born or {}),
    }


def answer_up_to_person(client: Client, w: factories.World) -> None:
    """Cheshire East: immediate risk (no), scope (none of these), the other agency."""
    assert client.get("/cases/raise/").status_code == 302
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "no"})
    client.post("/cases/raise/scope/", {"situation": "none"})
    response = client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": w.other_professional.full_name,
            "other_professional_email": w.other_professional.email,
        },
    )
    assert response.url == "/cases/raise/person/"


def answer_everything(client: Client, w: factories.World) -> None:
    answer_up_to_person(client, w)
    assert client.post("/cases/raise/person/", person()).url == "/cases/raise/disagreement/"
    response = client.post(
        "/cases/raise/disagreement/", disagreement(w, parts("concern_arose_on", TODAY))
    )
    assert response.url == "/cases/raise/check-your-answers/"


@pytest.fixture
def cheshire() -> factories.World:
    w = factories.world("cheshire-east-sab")
    assert "person_date_of_birth" in person_page_fields(w)
    return w


def person_page_fields(w: factories.World) -> set[str]:
    from escalate.cases.raise_forms import PersonForm

    return set(PersonForm(procedure=w.procedure).fields)


def follow(client: Client, path: str, method: str = "get", data: Any = None) -> Any:
    """The page a request ends on, every response along the way checked: no server
    error and at most a few redirects."""
    response = getattr(client, method)(path, data or {}, follow=True)
    assert response.status_code < 500
    assert len(response.redirect_chain) <= 3, response.redirect_chain
    return response


# ---------------------------------------------------------------- dates, each on its page


CONCERN_REFUSED = {
    "367 days ago": parts("concern_arose_on", TODAY - dt.timedelta(days=367)),
    "in year 0001": typed("concern_arose_on", "1", "1", "0001"),
    "in year 1000": typed("concern_arose_on", "23", "12", "1000"),
}


@pytest.mark.parametrize("case", sorted(CONCERN_REFUSED))
def test_a_concern_the_final_check_would_refuse_is_refused_on_the_disagreement_page(
    cheshire: factories.World, case: str
) -> None:
    client = signed_in(cheshire.raiser)
    answer_up_to_person(client, cheshire)
    client.post("/cases/raise/person/", person())
    response = client.post(
        "/cases/raise/disagreement/", disagreement(cheshire, CONCERN_REFUSED[case])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: The disagreement" in page
    message = "The date the concern arose must be between 22 December 2025 and today"
    assert f'<a href="#id_concern_arose_on-day">{message}</a>' in page
    assert "govuk-input--error" in page
    # Nothing was kept: checking the answers sends the person back to the page.
    assert follow(client, "/cases/raise/check-your-answers/").request["PATH_INFO"] == (
        "/cases/raise/disagreement/"
    )
    assert Case.objects.count() == 0


def test_a_concern_366_days_ago_is_taken_by_the_page_and_raised(
    cheshire: factories.World,
) -> None:
    client = signed_in(cheshire.raiser)
    answer_up_to_person(client, cheshire)
    client.post("/cases/raise/person/", person())
    oldest = TODAY - dt.timedelta(days=366)
    response = client.post(
        "/cases/raise/disagreement/", disagreement(cheshire, parts("concern_arose_on", oldest))
    )
    assert response.url == "/cases/raise/check-your-answers/"
    response = client.post("/cases/raise/check-your-answers/")
    assert Case.objects.get().concern_arose_on == oldest


BIRTH_REFUSED = {
    "in year 0001": typed("person_date_of_birth", "1", "1", "0001"),
    "130 years and a day ago": parts("person_date_of_birth", dt.date(1896, 12, 22)),
}


@pytest.mark.parametrize("case", sorted(BIRTH_REFUSED))
def test_a_date_of_birth_the_final_check_would_refuse_is_refused_on_the_person_page(
    cheshire: factories.World, case: str
) -> None:
    client = signed_in(cheshire.raiser)
    answer_up_to_person(client, cheshire)
    response = client.post("/cases/raise/person/", person(BIRTH_REFUSED[case]))
    assert response.status_code == 200
    page = response.content.decode()
    message = "Their date of birth must be between 23 December 1896 and today"
    assert f'<a href="#id_person_date_of_birth-day">{message}</a>' in page
    assert 'value="Alex Example"' in page
    assert Case.objects.count() == 0


def test_a_date_of_birth_130_years_ago_is_taken_and_raised(cheshire: factories.World) -> None:
    client = signed_in(cheshire.raiser)
    answer_up_to_person(client, cheshire)
    born = dt.date(1896, 12, 23)
    response = client.post("/cases/raise/person/", person(parts("person_date_of_birth", born)))
    assert response.url == "/cases/raise/disagreement/"
    client.post(
        "/cases/raise/disagreement/", disagreement(cheshire, parts("concern_arose_on", TODAY))
    )
    client.post("/cases/raise/check-your-answers/")
    assert Case.objects.get().person_date_of_birth == born


def test_your_own_email_is_refused_on_the_other_agency_page(cheshire: factories.World) -> None:
    client = signed_in(cheshire.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "no"})
    client.post("/cases/raise/scope/", {"situation": "none"})
    response = client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(cheshire.other.pk),
            "other_professional_name": "Me",
            "other_professional_email": cheshire.raiser.email.upper(),
        },
    )
    assert response.status_code == 200
    assert "Enter the other professional&#x27;s email address, not yours" in (
        response.content.decode()
    )


def test_a_later_stage_owner_without_that_stages_role_is_refused_on_the_page() -> None:
    w = factories.world("warrington-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    client.post("/cases/raise/referral/", {"referral_made": "no"})
    # The line manager owns stage 2, not stage 4 (the Independent Chair's).
    response = client.post(
        "/cases/raise/start-stage/",
        {
            "start_stage": "4",
            "expedite_reason": "Risk of serious harm tonight.",
            "owner": str(w.raising_people[Role.LINE_MANAGER].pk),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page and "The owner of stage 4" in page


# ---------------------------------------------------------------- the session


def kept(client: Client) -> dict[str, Any]:
    state: dict[str, Any] = client.session[JOURNEY]
    return state


def keep(client: Client, state: Any) -> None:
    session = client.session
    session[JOURNEY] = state
    session.save()


def test_a_concern_that_has_become_too_old_overnight_is_asked_again(
    cheshire: factories.World,
) -> None:
    clock.freeze(dt.datetime(2026, 12, 23, 23, 50, tzinfo=LONDON))
    client = signed_in(cheshire.raiser)
    answer_up_to_person(client, cheshire)
    client.post("/cases/raise/person/", person())
    oldest = TODAY - dt.timedelta(days=366)
    response = client.post(
        "/cases/raise/disagreement/", disagreement(cheshire, parts("concern_arose_on", oldest))
    )
    assert response.url == "/cases/raise/check-your-answers/"
    clock.freeze(dt.datetime(2026, 12, 24, 0, 5, tzinfo=LONDON))
    response = follow(client, "/cases/raise/check-your-answers/", "post")
    assert response.request["PATH_INFO"] == "/cases/raise/disagreement/"
    page = response.content.decode()
    assert "it needs changing before you can raise the challenge" in page
    assert "The date the concern arose must be between 23 December 2025 and today" in page
    assert 'value="22"' in page and 'value="2025"' in page
    assert Case.objects.count() == 0


TAMPERED: dict[str, tuple[str, Any, str]] = {
    # what the session holds instead: (page, field, value) -> the page asked again
    "a date that is no date": ("disagreement", "concern_arose_on", "23/12/2026"),
    "a date as a number": ("disagreement", "concern_arose_on", 20261223),
    "a date in year 0001": ("disagreement", "concern_arose_on", "0001-01-01"),
    "a date of birth in year 0001": ("person", "person_date_of_birth", "0001-01-01"),
    "an agency that is not the partnership's": ("other-agency", "other_agency", "999999"),
    "an agency as a list": ("other-agency", "other_agency", ["999998", "999999"]),
    "an agency as a Unicode digit": ("other-agency", "other_agency", "\u00b2"),
    "an agency as a number too long to read": ("other-agency", "other_agency", "9" * 5000),
    "a category that is not the procedure's": ("disagreement", "categories", ["no-such"]),
    "your own email": ("other-agency", "other_professional_email", "OWN"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_answers_kept_in_the_session_that_a_page_would_refuse_send_the_person_to_that_page(
    cheshire: factories.World, case: str
) -> None:
    client = signed_in(cheshire.raiser)
    answer_everything(client, cheshire)
    slug, field, value = TAMPERED[case]
    state = kept(client)
    state["answers"][slug][field] = cheshire.raiser.email if value == "OWN" else value
    keep(client, state)
    for method in ("get", "post"):
        response = follow(client, "/cases/raise/check-your-answers/", method)
        assert response.request["PATH_INFO"] == f"/cases/raise/{slug}/"
        page = response.content.decode()
        assert "<title>Error: " in page
        assert "it needs changing before you can raise the challenge" in page
    assert Case.objects.count() == 0


def test_a_year_0001_kept_in_the_session_is_shown_as_typed_with_the_real_problem(
    cheshire: factories.World,
) -> None:
    client = signed_in(cheshire.raiser)
    answer_everything(client, cheshire)
    state = kept(client)
    state["answers"]["disagreement"]["concern_arose_on"] = "0001-01-01"
    keep(client, state)
    page = follow(client, "/cases/raise/check-your-answers/").content.decode()
    assert 'name="concern_arose_on-year" type="text" value="0001"' in page
    assert "Year must include 4 numbers" not in page
    assert "must be between 22 December 2025 and today" in page


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("person_name", 12345, "12345"),
        ("person_record_id", 42, "42"),
        ("person_views", 1.5, "1.5"),
    ],
)
def test_numbers_kept_where_text_belongs_are_raised_as_text_not_a_server_error(
    cheshire: factories.World, field: str, value: Any, stored: str
) -> None:
    client = signed_in(cheshire.raiser)
    answer_everything(client, cheshire)
    state = kept(client)
    state["answers"]["person"][field] = value
    keep(client, state)
    response = follow(client, "/cases/raise/check-your-answers/", "post")
    assert response.request["PATH_INFO"].startswith("/cases/raise/raised/")
    assert getattr(Case.objects.get(), field) == stored


@pytest.mark.parametrize(
    "state",
    [
        "not a journey",
        ["a", "list"],
        {"agency": "x", "partnership": None},
    ],
    ids=["text", "list", "no such agency"],
)
def test_a_session_holding_no_readable_journey_starts_again(
    cheshire: factories.World, state: Any
) -> None:
    client = signed_in(cheshire.raiser)
    client.get("/cases/raise/")
    keep(client, state)
    for path in ("/cases/raise/disagreement/", "/cases/raise/check-your-answers/"):
        response = follow(client, path)
        assert response.request["PATH_INFO"] == "/cases/raise/immediate-risk/"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("part", "value"),
    [
        ("answers", ["a", "list"]),
        ("answers", {"person": "not answers", "immediate-risk": {"immediate_risk": "no"}}),
        ("errors", "not errors"),
        ("errors", {"concern_arose_on": [1, None]}),
        ("checking", "yes"),
        ("once", 7),
    ],
)
def test_parts_of_a_journey_that_cannot_be_read_are_asked_again(
    cheshire: factories.World, part: str, value: Any
) -> None:
    client = signed_in(cheshire.raiser)
    answer_everything(client, cheshire)
    state = kept(client)
    state[part] = value
    keep(client, state)
    response = follow(client, "/cases/raise/check-your-answers/")
    assert response.status_code == 200
    if part == "answers":
        assert response.request["PATH_INFO"] != "/cases/raise/check-your-answers/"
    follow(client, "/cases/raise/disagreement/")


def test_a_stage_number_kept_that_the_procedure_does_not_have_is_asked_again() -> None:
    w = factories.world("warrington-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    client.post("/cases/raise/referral/", {"referral_made": "no"})
    client.post("/cases/raise/start-stage/", {"start_stage": "1"})
    state = kept(client)
    state["answers"]["start-stage"]["start_stage"] = "9"
    keep(client, state)
    client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": "Pat Jones",
            "other_professional_email": w.other_professional.email,
        },
    )
    client.post("/cases/raise/person/", person())
    client.post("/cases/raise/disagreement/", disagreement(w, parts("concern_arose_on", TODAY)))
    response = follow(client, "/cases/raise/check-your-answers/")
    assert response.request["PATH_INFO"] == "/cases/raise/start-stage/"
    assert "Choose the stage to start at" in response.content.decode()


# ---------------------------------------------------------------- caching and Back


JOURNEY_PAGES = [
    "/cases/raise/",
    "/cases/raise/immediate-risk/",
    "/cases/raise/scope/",
    "/cases/raise/other-agency/",
    "/cases/raise/person/",
    "/cases/raise/disagreement/",
    "/cases/raise/check-your-answers/",
    "/cases/raise/not-covered/",
]


def assert_not_stored(response: Any) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, (response.request["PATH_INFO"], directives)


def journey_responses(client: Client, w: factories.World) -> list[Any]:
    seen = [client.get(path) for path in JOURNEY_PAGES]
    answer_everything(client, w)
    seen.append(client.get("/cases/raise/check-your-answers/"))
    raised = client.post("/cases/raise/check-your-answers/")
    seen += [raised, client.get(raised.url), client.post("/cases/raise/start-again/")]
    return seen


def test_no_page_or_redirect_of_the_journey_may_be_stored_by_a_browser(
    cheshire: factories.World,
) -> None:
    for response in journey_responses(signed_in(cheshire.raiser), cheshire):
        assert_not_stored(response)


def test_journey_pages_say_no_store_themselves_not_only_through_site_wide_headers(
    cheshire: factories.World,
) -> None:
    site_wide = "escalate.core.middleware.SecurityHeadersMiddleware"
    without = [m for m in settings.MIDDLEWARE if m != site_wide]
    with override_settings(MIDDLEWARE=without):
        for response in journey_responses(signed_in(cheshire.raiser), cheshire):
            assert_not_stored(response)


def test_back_after_the_confirmation_shows_the_confirmation_never_a_redirect_loop(
    cheshire: factories.World,
) -> None:
    client = signed_in(cheshire.raiser)
    answer_everything(client, cheshire)
    done = client.post("/cases/raise/check-your-answers/").url
    case = Case.objects.get()
    assert done == f"/cases/raise/raised/{case.reference}/"
    # Back goes to the pages before it, newest first; each shows the confirmation.
    for path in (
        "/cases/raise/check-your-answers/",
        "/cases/raise/disagreement/",
        "/cases/raise/person/",
        "/cases/raise/immediate-risk/",
    ):
        response = follow(client, path)
        assert response.redirect_chain == [(done, 302)]
        assert "Challenge raised" in response.content.decode()
    assert Case.objects.count() == 1
    # Raising another starts a new journey.
    response = follow(client, "/cases/raise/")
    assert response.request["PATH_INFO"] == "/cases/raise/immediate-risk/"
    assert follow(client, "/cases/raise/check-your-answers/").request["PATH_INFO"] == (
        "/cases/raise/immediate-risk/"
    )


def test_raise_again_after_the_confirmation_shows_the_same_case(
    cheshire: factories.World,
) -> None:
    client = signed_in(cheshire.raiser)
    answer_everything(client, cheshire)
    check_page = client.get("/cases/raise/check-your-answers/").content.decode()
    token = check_page.split('name="once" value="')[1].split('"')[0]
    done = client.post("/cases/raise/check-your-answers/", {"once": token}).url
    again = client.post("/cases/raise/check-your-answers/", {"once": token})
    assert again.url == done
    assert Case.objects.count() == 1
