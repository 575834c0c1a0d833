"""Who may see and do what: every role against every read and every service, on a case
inside and outside their agency and partnership.

The case (Cheshire East: board representatives act from step 3, the business unit and
the independent chair from step 4, statutory partners never) is raised by R's
practitioner against O's. X is another agency of the same partnership; B is another
partnership. Each attempt runs in a savepoint that is rolled back, so every person
tries every action on the same state. "ok" succeeded, "403" was refused as not allowed,
"409" as not possible in the case's state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import factories
import pytest
from django.db import transaction

from escalate.accounts.models import User
from escalate.cases import permissions, selectors, services
from escalate.cases.errors import Conflict, Invalid, NotAllowed
from escalate.cases.models import AgreedAction, Case, PolicyIssue, StageRecord
from escalate.cases.permissions import CaseAction
from escalate.partnerships import permissions as partnership_permissions
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

D = dt.date
READS = ["view", "view_audit", "statistics", "directory"]
SERVICES = [
    "record_case_viewed",
    "record_contact",
    "tick",
    "add_agreed_action",
    "complete_agreed_action",
    "resolve",
    "escalate",
    "withdraw",
    "flag_policy_issue",
    "respond_to_policy_issue",
    "acknowledge",
    "respond",
    "record_debrief",
    "record_learning",
]
ACTIONS = READS + SERVICES
#: The permission each service is asked about, for checking can() against the service.
ASKED = {a: CaseAction(a) for a in SERVICES if a in CaseAction.__members__.values()} | {
    "view": CaseAction.VIEW,
    "view_audit": CaseAction.VIEW_AUDIT,
    "record_case_viewed": CaseAction.VIEW,
    "complete_agreed_action": CaseAction.COMPLETE_AGREED_ACTION,
    "respond_to_policy_issue": CaseAction.RESPOND_TO_POLICY_ISSUE,
}

MANAGERS = ["line_manager", "safeguarding_lead", "senior_manager", "director"]
PEOPLE = (
    ["R:practitioner", "R:practitioner (not named)"]
    + [f"R:{m}" for m in MANAGERS]
    + ["R:board_representative", "O:practitioner"]
    + [f"O:{m}" for m in MANAGERS]
    + ["O:board_representative"]
    + ["X:line_manager", "X:safeguarding_lead", "X:senior_manager", "X:board_representative"]
    + ["P:business_unit", "P:independent_chair", "P:statutory_partner", "P:administrator"]
    + ["B:line_manager", "B:business_unit", "B:independent_chair", "B:statutory_partner"]
    + ["outsider"]
)


def row(**allowed: str) -> dict[str, str]:
    """Everything refused (403) unless listed."""
    return {a: allowed.get(a, "403") for a in ACTIONS}


# Sees the case and takes part, but makes no decisions about the challenge.
PARTICIPANT = {
    "view": "ok",
    "directory": "ok",
    "record_case_viewed": "ok",
    "record_contact": "ok",
    "add_agreed_action": "ok",
    "complete_agreed_action": "ok",
    "flag_policy_issue": "ok",
}
MANAGER = {**PARTICIPANT, "record_debrief": "ok", "record_learning": "409"}  # learning: closed
DIRECTORY_ONLY = row(directory="ok")
NOTHING = row()


def expected(state: str) -> dict[str, dict[str, str]]:
    at_4 = state != "stage 1"
    closed = state == "resolved"

    def decisions(**moves: str) -> dict[str, str]:
        """Decision moves; once closed, anyone who could decide is told it is closed."""
        return {m: ("409" if closed else outcome) for m, outcome in moves.items()}

    def managing(**extra: str) -> dict[str, str]:
        r = row(**MANAGER, **extra)
        if closed:
            r.update(add_agreed_action="409", record_learning="ok")
        return r

    raiser = row(
        **PARTICIPANT,
        **(
            decisions(tick="403", resolve="403", escalate="409", withdraw="ok")
            if at_4
            else decisions(tick="ok", resolve="ok", escalate="ok", withdraw="ok")
        ),
    )
    other = row(**PARTICIPANT, acknowledge="ok", respond="409" if closed else "ok")
    if closed:
        for r in (raiser, other):
            r["add_agreed_action"] = "409"
    if closed:
        raiser.update(tick="409", resolve="409", escalate="409", withdraw="409")

    # Managers of the raising agency: decisions are theirs, but not at stage 1 (the
    # practitioners') or stage 4 (the chair's), and escalating stage 4 is impossible.
    raising_manager = managing(**decisions(escalate="409") if at_4 else {})
    if closed:
        raising_manager.update(tick="409", resolve="409", escalate="409", withdraw="409")
    other_manager = managing()

    partnership_stats = {"statistics": "ok", "directory": "ok"}
    table = {
        "R:practitioner": raiser,
        "R:practitioner (not named)": DIRECTORY_ONLY,
        **{f"R:{m}": raising_manager for m in MANAGERS},
        "R:board_representative": raising_manager if at_4 else DIRECTORY_ONLY,
        "O:practitioner": other,
        **{f"O:{m}": other_manager for m in MANAGERS},
        "O:board_representative": other_manager if at_4 else DIRECTORY_ONLY,
        "X:line_manager": DIRECTORY_ONLY,
        "X:safeguarding_lead": DIRECTORY_ONLY,
        "X:senior_manager": DIRECTORY_ONLY,
        "X:board_representative": DIRECTORY_ONLY,
        "P:business_unit": (
            managing(
                view_audit="ok",
                statistics="ok",
                **decisions(tick="ok", resolve="403", escalate="409", withdraw="ok"),
            )
            if at_4
            else row(view_audit="ok", **partnership_stats)
        ),
        "P:independent_chair": (
            managing(
                statistics="ok",
                respond_to_policy_issue="ok",
                **decisions(tick="ok", resolve="ok", escalate="409", withdraw="ok"),
            )
            if at_4
            else row(respond_to_policy_issue="ok", **partnership_stats)
        ),
        "P:statutory_partner": row(respond_to_policy_issue="ok", **partnership_stats),
        "P:administrator": DIRECTORY_ONLY,
        "B:line_manager": NOTHING,
        "B:business_unit": NOTHING,
        "B:independent_chair": NOTHING,
        "B:statutory_partner": NOTHING,
        "outsider": NOTHING,
    }
    if closed:
        for label in ("P:business_unit", "P:independent_chair"):
            table[label].update(tick="409", resolve="409", escalate="409", withdraw="409")
    return table


class _Rollback(Exception):
    pass


def outcome(call: Callable[[], Any]) -> str:
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return "ok"
    except NotAllowed:
        return "403"
    except Conflict:
        return "409"
    except Invalid as error:  # a mistake in the test's own input
        return f"400 {error}"


def build(state: str) -> tuple[factories.World, Case, dict[str, User], AgreedAction, PolicyIssue]:
    w = factories.world("cheshire-east-sab")
    people: dict[str, User] = {"outsider": factories.user("Outsider")}
    for role, person in w.raising_people.items():
        people[f"R:{role.value}"] = person
    for role, person in w.other_people.items():
        people[f"O:{role.value}"] = person
    for role, person in w.partnership_people.items():
        people[f"P:{role.value}"] = person
    assert w.administrator is not None
    people["P:administrator"] = w.administrator
    unnamed = factories.user("Unnamed practitioner")
    factories.member(unnamed, w.raising, Role.PRACTITIONER)
    people["R:practitioner (not named)"] = unnamed
    x = factories.agency("Agency X", w.partnership)
    for role in (
        Role.LINE_MANAGER,
        Role.SAFEGUARDING_LEAD,
        Role.SENIOR_MANAGER,
        Role.BOARD_REPRESENTATIVE,
    ):
        person = factories.user(f"X {role.label}")
        factories.member(person, x, role)
        people[f"X:{role.value}"] = person
    b = factories.world("cheshire-east-sab", label="B")
    people["B:line_manager"] = b.person(Role.LINE_MANAGER)
    for role in (Role.BUSINESS_UNIT, Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER):
        people[f"B:{role.value}"] = b.person(role)

    case = factories.raise_case(w)
    action = services.add_agreed_action(
        w.raiser,
        case,
        what="Share the care plan",
        agency=w.other,
        due_on=D(2027, 1, 8),
        owner=w.other_professional,
        expected_version=case.version,
    )
    case.refresh_from_db()
    issue = services.flag_policy_issue(
        w.raiser, case, text="No shared out-of-hours contact list.", expected_version=case.version
    )
    case.refresh_from_db()
    if state in ("stage 4", "resolved"):
        case = factories.escalate_to(w, case, 4)
    if state == "resolved":
        case = services.resolve(
            w.person(Role.INDEPENDENT_CHAIR),
            case,
            outcome="Recommendation made.",
            expected_version=case.version,
        )
    return w, case, people, action, issue


def granted(allowed: bool) -> None:
    """A partnership-level rule's answer, as the matrix records it."""
    if not allowed:
        raise NotAllowed("Refused by the partnership's rules.")


def attempt(
    name: str,
    person: User,
    w: factories.World,
    case: Case,
    action: AgreedAction,
    issue: PolicyIssue,
) -> str:
    case = Case.objects.get(pk=case.pk)
    v = case.version
    procedure = w.procedure
    stage = procedure.stage(case.current_stage)
    calls: dict[str, Callable[[], Any]] = {
        "view": lambda: selectors.get_case(person, pk=case.pk),
        "view_audit": lambda: selectors.case_views(person, case),
        "statistics": lambda: granted(
            partnership_permissions.sees_statistics(person, w.partnership)
        ),
        "directory": lambda: granted(partnership_permissions.sees_directory(person, w.partnership)),
        "record_case_viewed": lambda: services.record_case_viewed(person, case),
        "record_contact": lambda: services.record_contact(
            person, case, kind="contact", text="Phoned.", expected_version=v
        ),
        "tick": lambda: services.tick_required_action(
            person, case, item=stage.checklist[-1].key, expected_version=v
        ),
        "add_agreed_action": lambda: services.add_agreed_action(
            person,
            case,
            what="Joint visit",
            agency=w.raising,
            due_on=D(2027, 2, 1),
            owner_name="Visitor",
            expected_version=v,
        ),
        "complete_agreed_action": lambda: services.complete_agreed_action(
            person, action, expected_version=v
        ),
        "resolve": lambda: services.resolve(person, case, outcome="Agreed.", expected_version=v),
        "escalate": lambda: services.escalate(
            person,
            case,
            owner=w.owner_for(min(case.current_stage + 1, len(procedure.stages))),
            summary="Not agreed.",
            expected_version=v,
        ),
        "withdraw": lambda: services.withdraw(
            person, case, reason="Resolved elsewhere.", expected_version=v
        ),
        "flag_policy_issue": lambda: services.flag_policy_issue(
            person, case, text="Guidance unclear.", expected_version=v
        ),
        "respond_to_policy_issue": lambda: services.respond_to_policy_issue(
            person, issue, response="Will review the guidance.", expected_version=v
        ),
        "acknowledge": lambda: services.acknowledge(person, case, expected_version=v),
        "respond": lambda: services.respond(
            person, case, agrees=False, reason="The plan is adequate.", expected_version=v
        ),
        "record_debrief": lambda: services.record_debrief(
            person, case, offered_on=case.raised_on, expected_version=v
        ),
        "record_learning": lambda: services.record_learning(
            person,
            case,
            why_not_earlier="Managers were on leave.",
            themes=["communication"],
            expected_version=v,
        ),
    }
    return outcome(calls[name])


def listed(person: User, case: Case) -> bool:
    """Whether both query forms of the rules (the list of visible cases, and the check
    of rows at hand, here a case's stage records) agree ``person`` sees ``case``; raises
    if they disagree."""
    in_list = permissions.visible_cases(person).filter(pk=case.pk).exists()
    by_row = Case.objects.filter(permissions.visible_q(person), pk=case.pk).exists()
    through = StageRecord.objects.filter(permissions.visible_q(person, "case__"), case=case)
    assert in_list is by_row is through.exists(), person
    return in_list


@pytest.mark.parametrize("state", ["stage 1", "stage 4", "resolved"])
def test_permission_matrix(state: str, frozen_clock: Callable[[dt.date], dt.datetime]) -> None:
    frozen_clock(D(2026, 12, 23))
    w, case, people, action, issue = build(state)
    assert set(people) == set(PEOPLE)
    table = expected(state)

    found = {
        label: {name: attempt(name, people[label], w, case, action, issue) for name in ACTIONS}
        for label in PEOPLE
    }
    wrong = [
        f"{label} {name}: expected {table[label][name]}, got {found[label][name]}"
        for label in PEOPLE
        for name in ACTIONS
        if found[label][name] != table[label][name]
    ]
    assert not wrong, "\n".join(wrong)

    # The reads agree with each other and with can().
    case = Case.objects.get(pk=case.pk)
    for label in PEOPLE:
        person = people[label]
        sees = found[label]["view"] == "ok"
        assert permissions.can_view(person, case) is sees, label
        assert listed(person, case) is sees, label
        assert (case in selectors.cases_for(person)) is sees, label
        assert bool(permissions.roles_on_case(person, case)) is sees, label
        for name, asked in ASKED.items():
            assert permissions.can(person, asked, case) is (found[label][name] == "ok"), (
                label,
                name,
            )


@pytest.mark.parametrize(
    ("key", "role", "first_stage"),
    [
        ("cheshire-east-sab", Role.BOARD_REPRESENTATIVE, 3),
        ("cheshire-east-sab", Role.BUSINESS_UNIT, 4),  # told at step 3's end: from step 4
        ("cheshire-east-sab", Role.INDEPENDENT_CHAIR, 4),
        ("pan-cheshire-children", Role.STATUTORY_PARTNER, 4),
        ("shropshire-sscp", Role.BUSINESS_UNIT, 4),
        ("warrington-sab", Role.BOARD_REPRESENTATIVE, 3),
        ("warrington-sab", Role.INDEPENDENT_CHAIR, 4),
        ("hammersmith-fulham-sab", Role.BOARD_REPRESENTATIVE, 4),
    ],
)
def test_board_level_people_see_a_case_from_the_stage_they_are_involved(
    key: str, role: Role, first_stage: int, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world(key)
    case = factories.raise_case(w)
    person = w.person(role, side="other")  # board reps: the other agency's, not a stage owner
    for number in range(1, len(w.procedure.stages) + 1):
        case = factories.escalate_to(w, case, number)
        sees = number >= first_stage
        assert permissions.can_view(person, case) is sees, number
        assert listed(person, case) is sees, number
        assert (role in permissions.roles_on_case(person, case)) is sees, number


def test_roles_on_case_are_the_engine_roles_held_now(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 4)
    assert permissions.roles_on_case(w.raiser, case) == {Role.PRACTITIONER}
    assert permissions.roles_on_case(w.other_professional, case) == {Role.PRACTITIONER}
    assert permissions.roles_on_case(w.person(Role.LINE_MANAGER), case) == {Role.LINE_MANAGER}
    assert permissions.roles_on_case(w.person(Role.INDEPENDENT_CHAIR), case) == {
        Role.INDEPENDENT_CHAIR
    }
    assert permissions.roles_on_case(w.person(Role.STATUTORY_PARTNER), case) == set()
    assert permissions.roles_on_case(w.administrator, case) == set()


def test_inactive_people_see_nothing(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    lead = cheshire.person(Role.SAFEGUARDING_LEAD)
    lead.is_active = False
    lead.save()
    assert not permissions.can_view(lead, case)
    assert not permissions.visible_cases(lead).exists()


def test_a_named_counterpart_sees_the_case(cheshire: factories.World) -> None:
    w = cheshire
    counterpart = factories.user("Opposite manager")
    factories.member(counterpart, w.other, Role.PRACTITIONER)
    case = factories.raise_case(w)
    assert not permissions.can_view(counterpart, case)
    case = services.escalate(
        w.raiser,
        case,
        owner=w.person(Role.LINE_MANAGER),
        summary="Not resolved.",
        counterpart_name="Opposite manager",
        counterpart_email=counterpart.email,
        expected_version=case.version,
    )
    assert case.stages.get(number=2).counterpart == counterpart
    assert permissions.can_view(counterpart, case)
    assert listed(counterpart, case)


def test_the_other_professional_is_recognised_by_email_before_signing_in(
    cheshire: factories.World,
) -> None:
    """Named by email and working in the other agency: they see it, and their first
    response ties the case to their account."""
    w = cheshire
    newcomer = factories.user("New starter")
    case = factories.raise_case(
        w, other_professional_name="New starter", other_professional_email=newcomer.email
    )
    assert case.other_professional is None
    assert not permissions.can_view(newcomer, case)  # not yet in the other agency
    factories.member(newcomer, w.other, Role.PRACTITIONER)
    assert permissions.can_view(newcomer, case)
    assert listed(newcomer, case)
    case = services.respond(
        newcomer, case, agrees=False, reason="We see it differently.", expected_version=case.version
    )
    assert case.other_professional == newcomer


def test_expediting_is_for_the_raising_side_and_the_later_stages_roles(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)

    def expedite(person: User) -> str:
        return outcome(
            lambda: services.expedite(
                person,
                case,
                to_stage=3,
                reason="Immediate risk of harm.",
                owner=w.person(Role.SENIOR_MANAGER),
                expected_version=case.version,
            )
        )

    assert expedite(w.raiser) == "ok"
    assert expedite(w.person(Role.SENIOR_MANAGER)) == "ok"  # acts at stage 3
    assert expedite(w.person(Role.SAFEGUARDING_LEAD)) == "403"  # acts at neither
    assert expedite(w.other_professional) == "403"
    assert expedite(w.person(Role.SENIOR_MANAGER, side="other")) == "403"
    assert expedite(factories.user("Outsider")) == "403"


def test_referring_to_the_panel_is_for_the_stage_roles_of_the_raising_side(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("hammersmith-fulham-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 3)

    def refer(person: User) -> str:
        return outcome(
            lambda: services.refer_to_panel(
                person, case, details="Remains at high risk.", expected_version=case.version
            )
        )

    assert refer(w.person(Role.SENIOR_MANAGER)) == "ok"
    assert refer(w.person(Role.LINE_MANAGER)) == "403"
    assert refer(w.person(Role.SENIOR_MANAGER, side="other")) == "403"
    assert refer(w.raiser) == "403"
    case = services.refer_to_panel(
        w.person(Role.SENIOR_MANAGER),
        case,
        details="Remains at high risk.",
        expected_version=case.version,
    )
    assert case.panel_referred == [3]
    event = case.events.get(action="panel.referred")
    assert event.data["panel"] == "High-Risk Panel"
    assert refer(w.person(Role.SENIOR_MANAGER)).startswith("400")  # already referred


def test_addresses_match_in_any_case_in_both_query_forms(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(
        w, other_professional_name="Mixed case", other_professional_email="MIXED.case@example.ORG"
    )
    Case.objects.filter(pk=case.pk).update(other_professional_email="MIXED.case@example.ORG")
    case.refresh_from_db()
    newcomer = factories.user("Mixed case", email="Mixed.Case@Example.org")
    factories.member(newcomer, w.other, Role.PRACTITIONER)
    assert case.other_professional is None
    assert permissions.can_view(newcomer, case)
    assert listed(newcomer, case)
    stranger = factories.user("Stranger", email="mixed.case@example.com")
    factories.member(stranger, w.other, Role.PRACTITIONER)
    assert not permissions.can_view(stranger, case)
    assert not listed(stranger, case)
