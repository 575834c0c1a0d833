"""End to end, for routes that depend on the case (Riverside,
tests/procedures/definitions/riverside.toml, published as a board's own version):
a looked-after child's case, ticked in the raise journey, is stored with its kind, the
liaison officer is told why, it is never escalated (the service refuses, the case page
offers no escalation and says where it goes) and it is resolved at its stage; a kind of
case for someone else is refused under the field; the final forum follows whom the case
is about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories
import pytest
from django.test import Client

from escalate.cases import services
from escalate.cases.errors import Conflict, Invalid
from escalate.cases.facts import procedure_of
from escalate.cases.models import Case, Event
from escalate.cases.permissions import CaseAction, can
from escalate.cases.views.route_rows import case_routes
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

RIVERSIDE_FILE = Path(__file__).parents[2] / "procedures" / "definitions" / "riverside.toml"
AROSE = dt.date(2026, 12, 23)
WHY = (
    "The child is looked after by the local authority: the procedure sends it to the "
    "named officer for looked-after children"
)


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


def raise_in_the_journey(w: factories.World, **person: Any) -> Any:
    client = Client()
    client.force_login(w.raiser)
    assert client.get("/cases/raise/").status_code == 302
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "no"})
    client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": w.other_professional.full_name,
            "other_professional_email": w.other_professional.email,
        },
    )
    page = client.post(
        "/cases/raise/person/",
        {"person_name": "Sam Example", "person_knows": "yes", **person},
    )
    return client, page


def test_a_looked_after_childs_case_goes_to_the_named_officer_not_up_the_stages(
    w: factories.World,
) -> None:
    client, person_page = raise_in_the_journey(
        w, subject_type="child", kinds=["looked_after_child"]
    )
    assert person_page.status_code == 302
    sent = client.post(
        "/cases/raise/disagreement/",
        {
            "categories": ["difference-of-opinion"],
            "disagreement": "Whether the placement keeps the child safe.",
            "outcome_sought": "A review of the placement.",
            "concern_arose_on-day": "22",
            "concern_arose_on-month": "12",
            "concern_arose_on-year": "2026",
        },
    )
    check = client.get(sent.url).content.decode()
    assert "What applies" in check and "The child is looked after by the local authority" in check
    raised = client.post(sent.url, {"once": client.session["raise_journey"]["once"]})
    assert raised.status_code == 302
    case = Case.objects.get()
    assert case.kinds == ["looked_after_child"]
    entry = Event.objects.get(case=case, action="case.raised")
    assert entry.data["kinds"] == ["looked_after_child"]
    liaison = w.person(Role.BUSINESS_UNIT, side="partnership").email.lower()
    told = {(n.email, n.why) for n in Notification.objects.filter(source_event=entry)}
    assert (liaison, WHY) in told

    # Never up the stages: not offered, and refused by the service.
    assert not can(w.raiser, CaseAction.ESCALATE, case)
    with pytest.raises(Conflict) as refused:
        services.escalate(
            w.raiser,
            case,
            owner=w.person(Role.LINE_MANAGER),
            summary="Not resolved.",
            expected_version=case.version,
        )
    assert refused.value.reason == "routed"
    assert "the named officer for looked-after children instead of up the stages" in str(
        refused.value
    )
    page = client.get(f"/cases/{case.reference}/escalate/", follow=True)
    assert page.status_code == 403
    assert Case.objects.get(pk=case.pk).current_stage == 1

    shown = case_routes(case, procedure_of(case))
    (route,) = shown.routes
    assert route.words == (
        "This case goes to the named officer for looked-after children instead of up the stages."
    )
    assert route.how.startswith("Call the Riverside looked-after children's service")
    assert [(f.number, f.forum) for f in shown.forums] == [(4, "Children's Partnership executive")]

    case = services.resolve(
        w.raiser, case, outcome="The named officer reviewed it.", expected_version=case.version
    )
    assert case.status == "resolved"


def test_a_kind_of_case_for_someone_else_is_refused_under_the_field(
    w: factories.World,
) -> None:
    _client, page = raise_in_the_journey(w, subject_type="adult", kinds=["looked_after_child"])
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="id_kinds-error"' in text
    assert "is for cases about children; this case is about an adult" in text
    _client, page = raise_in_the_journey(w, subject_type="child", kinds=["nonsense"])
    assert page.status_code == 200 and "Choose from the list" in page.content.decode()
    with pytest.raises(Invalid) as unknown:
        factories.raise_case(w, kinds=["nonsense", "\x00"], categories=["difference-of-opinion"])
    assert "lists no such kind of case" in unknown.value.errors["kinds"][0]
    assert not Case.objects.exists()


def test_an_adults_case_is_heard_by_the_adults_forum_and_escalates_as_usual(
    w: factories.World,
) -> None:
    theirs: dict[str, Any] = {"categories": ["difference-of-opinion"]}
    case = factories.raise_case(w, subject_type="adult", kinds=["section_42_enquiry"], **theirs)
    assert [f.forum for f in case_routes(case, procedure_of(case)).forums] == [
        "Safeguarding Adults Board resolution panel"
    ]
    assert can(w.raiser, CaseAction.ESCALATE, case)
    plain = factories.raise_case(w, **theirs)
    assert not case_routes(plain, procedure_of(plain)).routes
