"""The pages that meet a procedure's conditions on a move, with Django's test client
(Riverside, tests/procedures/definitions/riverside.toml): giving notice that the
agency intends to escalate stage 2, then escalating; recording the consultation with a
line manager before skipping to stage 3, then expediting. Bad input is put back on the
form with what was typed; the agency challenged, and a stage that needs no notice, are
refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate.cases import services
from escalate.cases.models import Case, Event
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

RIVERSIDE_FILE = Path(__file__).parents[2] / "procedures" / "definitions" / "riverside.toml"
AROSE = dt.date(2026, 12, 23)


@pytest.fixture
def w(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(AROSE)
    made = factories.world("shropshire-sscp")
    assert made.administrator is not None
    made.administrator.is_staff = True
    made.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(
        made.administrator, made.partnership, library.load_file(RIVERSIDE_FILE)
    )
    versions.publish(made.administrator, draft, dt.date(2020, 1, 1))
    return made


def raised(w: factories.World) -> Case:
    details = factories.case_details(w, categories=["difference-of-opinion"])
    return services.raise_case(w.raiser, **details)


def at_stage_2(w: factories.World) -> Case:
    case = raised(w)
    return services.escalate(
        w.raiser,
        case,
        owner=w.person(Role.LINE_MANAGER),
        summary="Stage 1 did not resolve it.",
        expected_version=case.version,
    )


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_notice_is_given_on_its_page_then_the_case_can_be_escalated(
    w: factories.World,
) -> None:
    case = at_stage_2(w)
    url = reverse("cases:give_notice", args=[case.reference])
    manager = signed_in(w.person(Role.LINE_MANAGER))
    page = manager.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Give notice that you intend to escalate" in text
    assert "before stage 2 (Line manager to line manager) is escalated" in text
    assert w.other_professional.full_name in text  # who will be told

    for typed, message in {
        "": "Enter what you told them, and how",
        "Told\x00them": "Remove the unusual characters",
        "x" * 1001: "1,000 characters or fewer",
    }.items():
        refused = manager.post(url, {"version": case.version, "details": typed})
        assert refused.status_code == 400
        assert message in refused.content.decode()
    assert not Event.objects.filter(case=case, action="escalation.notice_given").exists()

    said = "Emailed their team manager that we intend to escalate on Friday."
    sent = manager.post(url, {"version": case.version, "details": said})
    assert sent.status_code == 302
    assert sent["Location"] == reverse("cases:case", args=[case.reference])
    entry = Event.objects.get(case=case, action="escalation.notice_given")
    assert entry.data["details"] == said
    assert Notification.objects.filter(source_event=entry).exists()
    # Given once: the page now sends the person back to the case, saying why.
    again = manager.get(url, follow=True)
    assert again.redirect_chain == [(reverse("cases:case", args=[case.reference]), 302)]
    assert "Notice that you intend to escalate stage 2 has already been given" in (
        again.content.decode()
    )
    case.refresh_from_db()
    case = services.escalate(
        w.person(Role.LINE_MANAGER),
        case,
        owner=w.person(Role.SENIOR_MANAGER),
        summary="Not resolved.",
        expected_version=case.version,
    )
    assert case.current_stage == 3


def test_notice_is_refused_to_the_agency_challenged_and_where_no_stage_needs_it(
    w: factories.World,
) -> None:
    case = raised(w)
    url = reverse("cases:give_notice", args=[case.reference])
    refused = signed_in(w.raiser).get(url, follow=True)  # stage 1 needs no notice
    assert "needs no notice before it is escalated" in refused.content.decode()
    case = at_stage_2(w)
    url = reverse("cases:give_notice", args=[case.reference])
    other = signed_in(w.person(Role.LINE_MANAGER, side="other"))
    assert other.get(url).status_code == 403
    assert other.post(url, {"version": case.version, "details": "We will."}).status_code == 403
    assert not Event.objects.filter(case=case, action="escalation.notice_given").exists()


def test_the_consultation_is_recorded_on_its_page_then_the_case_can_skip(
    w: factories.World,
) -> None:
    case = raised(w)
    lead = w.person(Role.SAFEGUARDING_LEAD)
    url = reverse("cases:record_consultation", args=[case.reference])
    client = signed_in(lead)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Who did you consult?" in text
    assert "consult a line manager before skipping stages" in text

    refused = client.post(url, {"version": case.version, "consulted": " ", "advice": "Go now."})
    assert refused.status_code == 400
    shown = refused.content.decode()
    assert "Enter the name of a line manager" in shown
    assert "Go now." in shown  # what was typed is kept
    for version in ("٣", "３", "9" * 40, "\x00"):  # a tampered page: sent again from now
        tampered = client.post(url, {"version": version, "consulted": "Pat Manager"})
        assert tampered.status_code == 400
        assert "This page was out of date" in tampered.content.decode()
    assert not Event.objects.filter(case=case, action="consultation.recorded").exists()

    sent = client.post(
        url, {"version": case.version, "consulted": "Pat Manager", "advice": "Go now."}
    )
    assert sent.status_code == 302
    entry = Event.objects.get(case=case, action="consultation.recorded")
    assert (entry.data["consulted"], entry.data["advice"]) == ("Pat Manager", "Go now.")
    assert not Notification.objects.filter(source_event=entry).exists()
    case.refresh_from_db()
    case = services.expedite(
        lead,
        case,
        to_stage=3,
        reason="The child could come to serious harm tonight.",
        owner=w.person(Role.SENIOR_MANAGER),
        expected_version=case.version,
    )
    assert case.current_stage == 3


def test_the_consultation_page_is_not_for_the_agency_challenged(w: factories.World) -> None:
    case = raised(w)
    url = reverse("cases:record_consultation", args=[case.reference])
    other = signed_in(w.person(Role.SAFEGUARDING_LEAD, side="other"))
    assert other.get(url).status_code == 403
    sent = other.post(url, {"version": case.version, "consulted": "Pat Manager"})
    assert sent.status_code == 403
    assert not Event.objects.filter(case=case, action="consultation.recorded").exists()
