"""From which stage the partnership-level roles are involved in a case
(:func:`escalate.cases.facts.involved_from`, stored with each case when it is raised):
where they act, or where the procedure tells them of something. Being told of every
decision involves a role from stage 1 (a stage's own ``on_every_decision``: from that
stage). An agency's board representatives told of a policy issue, which they can see
only on its case (Warrington: "these must be raised via the relevant representative to
the WSAB Independent Chair"), are involved in that case from the stage it is flagged
at, and in no other case earlier than before. The partnership's own people see every
policy issue of their partnership on its own page, so being told of one does not open
every case to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import factories
import pytest
from django.test import Client

from escalate import clock
from escalate.cases import permissions, selectors, services
from escalate.cases.facts import involved_from
from escalate.procedures import library
from escalate.procedures.model import Role

BOARD, UNIT, CHAIR, PARTNERS = (
    Role.BOARD_REPRESENTATIVE,
    Role.BUSINESS_UNIT,
    Role.INDEPENDENT_CHAIR,
    Role.STATUTORY_PARTNER,
)


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield
    finally:
        clock.unfreeze()


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("cheshire-east-sab", {BOARD: 3, UNIT: 4, CHAIR: 4, PARTNERS: None}),
        ("hammersmith-fulham-sab", {BOARD: 4, UNIT: None, CHAIR: None, PARTNERS: 4}),
        ("pan-cheshire-children", {BOARD: 3, UNIT: 4, CHAIR: None, PARTNERS: 4}),
        ("shropshire-sscp", {BOARD: None, UNIT: 4, CHAIR: None, PARTNERS: None}),
        # Told of policy issues too, but only the case one is flagged on opens earlier
        # (below). The chair, told of them too, responds from their own page.
        ("warrington-sab", {BOARD: 3, UNIT: 4, CHAIR: 4, PARTNERS: None}),
    ],
)
def test_each_seed_involves_its_board_level_roles_from_the_stage_it_tells_them(
    key: str, expected: dict[Role, int | None]
) -> None:
    procedure = library.get(key)
    assert {role: involved_from(procedure, role) for role in expected} == expected


def changed(key: str, change: dict[str, Any], stages: dict[int, dict[str, Any]] | None = None):
    """A seed procedure with some fields changed (and some of its stages')."""
    data = library.get(key).model_dump(mode="json")
    data.update(change)
    for number, fields in (stages or {}).items():
        data["stages"][number - 1].update(fields)
    return library.from_dict(data, f"{key}, changed for a test")


def test_told_of_every_decision_at_one_stage_involves_a_role_from_that_stage() -> None:
    procedure = changed("shropshire-sscp", {}, {2: {"on_every_decision": ["statutory_partners"]}})
    assert involved_from(procedure, PARTNERS) == 2
    assert involved_from(library.get("shropshire-sscp"), PARTNERS) is None


def test_told_of_every_decision_at_every_stage_involves_a_role_from_stage_1() -> None:
    procedure = changed("shropshire-sscp", {"on_every_decision": ["business_unit"]})
    assert involved_from(procedure, UNIT) == 1


def test_told_of_policy_issues_does_not_involve_anyone_in_every_case_from_stage_1() -> None:
    procedure = changed(
        "shropshire-sscp",
        {"policy_issues": {"notify": ["board_representatives", "statutory_partners"]}},
    )
    assert involved_from(procedure, BOARD) is None
    assert involved_from(procedure, PARTNERS) is None


@pytest.mark.django_db
@pytest.mark.parametrize("side", ["raising", "other"])
def test_a_warrington_representative_told_of_a_policy_issue_can_open_it_and_its_case(
    side: str,
) -> None:
    """ "these must be raised via the relevant representative to the WSAB Independent
    Chair": a representative of either agency, emailed of an issue flagged at stage 1,
    opens the case and finds the issue on it (and in their list of policy issues)."""
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    rep = w.person(BOARD, side=side)
    assert case.board_representative_from == 3
    assert not permissions.can_view(rep, case)
    issue = services.flag_policy_issue(
        w.raiser, case, text="No shared out-of-hours contact list.", expected_version=case.version
    )
    case.refresh_from_db()
    assert case.board_representative_from == 1
    assert case.notifications.filter(recipient=rep, event="policy_issue.flagged").exists()

    assert permissions.can_view(rep, case)
    assert permissions.visible_cases(rep).filter(pk=case.pk).exists()
    assert issue in selectors.policy_issues_for(rep)
    client = Client()
    client.force_login(rep)
    page = client.get(f"/cases/{case.reference}/")
    assert page.status_code == 200
    assert "No shared out-of-hours contact list." in page.content.decode()


@pytest.mark.django_db
def test_a_warrington_representative_sees_no_other_case_of_their_agency_earlier() -> None:
    w = factories.world("warrington-sab")
    flagged, quiet = factories.raise_case(w), factories.raise_case(w)
    services.flag_policy_issue(
        w.raiser, flagged, text="No shared contact list.", expected_version=flagged.version
    )
    rep = w.person(BOARD)
    quiet.refresh_from_db()
    assert quiet.board_representative_from == 3
    assert not permissions.can_view(rep, quiet)
    assert not permissions.visible_cases(rep).filter(pk=quiet.pk).exists()


@pytest.mark.django_db
def test_a_representative_of_an_agency_not_in_the_case_still_cannot_see_it() -> None:
    w = factories.world("warrington-sab")
    elsewhere = factories.agency("A third agency", w.partnership)
    outsider = factories.user("Third agency representative")
    factories.member(outsider, elsewhere, BOARD)
    case = factories.raise_case(w)
    assert not permissions.can_view(outsider, case)
    assert not permissions.visible_cases(outsider).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_the_chair_told_of_a_policy_issue_responds_from_their_own_page_not_the_case() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    issue = services.flag_policy_issue(
        w.raiser, case, text="No shared contact list.", expected_version=case.version
    )
    chair = w.person(CHAIR)
    assert not permissions.can_view(chair, case)
    assert issue in selectors.policy_issues_for(chair)
