"""The raise journey under what a procedure may say about skipping stages (Riverside,
tests/procedures/definitions/riverside.toml): raising straight at a later stage
where the procedure needs a consultation first asks "Who did you consult?", refuses a
blank answer under the field, keeps what was typed, shows it for checking and raises
the case with it; a procedure that gives no words about immediate risk shows none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import factories
import pytest
from django.test import Client

from escalate import clock
from escalate.cases.models import Case, Event
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Procedure, Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)
RIVERSIDE = library.load_file(
    Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"
)


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(TODAY)
    yield
    clock.unfreeze()


def running(procedure: Procedure) -> factories.World:
    """A partnership running ``procedure`` as its own published version."""
    w = factories.world("shropshire-sscp")
    assert w.administrator is not None
    w.administrator.is_staff = True
    w.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(w.administrator, w.partnership, procedure)
    versions.publish(w.administrator, draft, dt.date(2020, 1, 1))
    return w


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def at_risk(client: Client) -> None:
    assert client.get("/cases/raise/").status_code == 302
    assert client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"}).status_code == 302
    made = {"referral_made": "yes", "referral_made_on-day": "23", "referral_made_on-month": "12"}
    response = client.post("/cases/raise/referral/", {**made, "referral_made_on-year": "2026"})
    assert response["Location"] == "/cases/raise/start-stage/"


def at_stage_3(head: Any, **extra: str) -> dict[str, str]:
    return {
        "start_stage": "3",
        "expedite_reason": "The child could come to serious harm tonight.",
        "owner": str(head.pk),
        **extra,
    }


def field_error(page: str, field: str) -> str:
    """The error message shown under ``field`` (GOV.UK: ``id_<field>-error``)."""
    start = page.index(f'id="id_{field}-error"')
    return page[start : page.index("</p>", start)]


def test_raising_at_a_later_stage_asks_who_was_consulted_and_raises_with_the_answer() -> None:
    w = running(RIVERSIDE)
    head = w.person(Role.SENIOR_MANAGER)
    client = signed_in(head)
    at_risk(client)
    page = client.get("/cases/raise/start-stage/").content.decode()
    assert "Who did you consult?" in page
    # The owners offered are named by Riverside's own words for their roles.
    assert f"{head.full_name} (Head of service)" in page
    assert f"{head.full_name} (Senior manager)" not in page
    assert "asks you to consult a line manager before starting at a later stage" in page

    wrong = {
        "": "Enter the name of the person you consulted",
        "   ": "Enter the name of the person you consulted",
        "Pat\x00": "Remove the unusual characters from the name of the person you consulted",
    }
    for typed, message in wrong.items():
        refused = client.post("/cases/raise/start-stage/", at_stage_3(head, consulted=typed))
        assert refused.status_code == 200
        shown = refused.content.decode()
        assert "<title>Error: " in shown
        assert message in field_error(shown, "consulted")
        assert "The child could come to serious harm tonight." in shown  # kept as typed

    sent = client.post("/cases/raise/start-stage/", at_stage_3(head, consulted="Pat Manager"))
    assert sent.status_code == 302
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
        {
            "subject_type": "child",
            "person_name": "Sam Example",
            "person_knows": "yes",
        },
    )
    done = client.post(
        "/cases/raise/disagreement/",
        {
            "categories": ["difference-of-opinion"],
            "disagreement": "Whether the plan keeps the child safe.",
            "outcome_sought": "A strategy discussion today.",
            "concern_arose_on-day": "22",
            "concern_arose_on-month": "12",
            "concern_arose_on-year": "2026",
        },
    )
    assert done["Location"] == "/cases/raise/check-your-answers/"
    check = client.get(done["Location"]).content.decode()
    assert "Who you consulted" in check and "Pat Manager" in check
    raised = client.post(done["Location"], {"once": client.session["raise_journey"]["once"]})
    assert raised.status_code == 302, raised.content.decode()[:2000]
    case = Case.objects.get()
    assert case.current_stage == 3
    assert Event.objects.get(case=case, action="case.raised").data["consulted"] == "Pat Manager"


def test_a_consultation_the_service_refuses_is_shown_under_the_field() -> None:
    # A name too long for the record: the service's message, on the start-stage page.
    w = running(RIVERSIDE)
    head = w.person(Role.SENIOR_MANAGER)
    client = signed_in(head)
    at_risk(client)
    refused = client.post("/cases/raise/start-stage/", at_stage_3(head, consulted="P" * 201))
    assert refused.status_code == 200
    assert "200 characters or fewer" in field_error(refused.content.decode(), "consulted")


def test_starting_at_stage_1_asks_no_consultation() -> None:
    w = running(RIVERSIDE)
    client = signed_in(w.raiser)
    at_risk(client)
    sent = client.post("/cases/raise/start-stage/", {"start_stage": "1"})
    assert sent.status_code == 302


def test_a_procedure_with_no_words_about_immediate_risk_shows_no_empty_prompt() -> None:
    quiet = RIVERSIDE.model_copy(
        update={"expedite": RIVERSIDE.expedite.model_copy(update={"prompt": None})}
    )
    w = running(quiet)
    client = signed_in(w.raiser)
    assert client.get("/cases/raise/").status_code == 302
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    referral = client.get("/cases/raise/referral/").content.decode()
    assert "govuk-warning-text" not in referral
    assert "does not replace a safeguarding referral" in referral
    client.post("/cases/raise/referral/", {"referral_made": "no"})
    start = client.get("/cases/raise/start-stage/").content.decode()
    assert "govuk-inset-text" not in start
    prompt = RIVERSIDE.expedite.prompt
    assert prompt is not None and prompt not in start
    # With its words, both pages say them.
    w2 = running(RIVERSIDE)
    client = signed_in(w2.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    assert prompt in client.get("/cases/raise/referral/").content.decode()
