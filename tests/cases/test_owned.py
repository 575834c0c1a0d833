"""A person's own deadlines (escalate.cases.owned): exactly the unmet deadlines of the
stages they own, and those naming a role they hold in the case, on cases they may see,
however that is decided (by the role itself, or by working out what they see)."""

from __future__ import annotations

import datetime as dt

import factories
import pytest

from escalate.accounts.models import User
from escalate.cases import compiled, dashboard, owned, permissions
from escalate.cases.models import Case, CaseDeadline
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

#: The day the ``cheshire`` fixture's clock is set to.
TODAY = dt.date(2026, 12, 23)


@pytest.fixture
def world(cheshire: factories.World) -> factories.World:
    return cheshire


def _name_every_role(case: Case) -> None:
    """A deadline at the stage being worked naming each role (what a definition's
    extra deadlines do), besides the ones the case has."""
    for n, role in enumerate(Role):
        CaseDeadline.objects.create(
            case=case,
            stage=case.current_stage,
            key=f"named-{n}",
            label=f"For the {role.label}",
            due=TODAY + dt.timedelta(days=n + 1),
            explanation="A test's.",
            role=role.value,
        )


def _expected(person: User) -> set[int]:
    """What the rule says, asked of each deadline in turn."""
    theirs = set(
        CaseDeadline.objects.filter(owned.owned(person), met_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    found = set()
    for d in CaseDeadline.objects.filter(pk__in=theirs).select_related("case", "owner_stage"):
        owns_stage = d.owner_stage is not None and d.owner_stage.owner_id == person.pk
        if owns_stage or permissions.can_view(person, d.case):
            found.add(d.pk)
    return found


def test_a_persons_deadlines_are_those_they_own_on_the_cases_they_may_see(
    world: factories.World,
) -> None:
    early = factories.raise_case(world)  # stage 1: before every gate
    late = factories.escalate_to(world, factories.raise_case(world), 4)  # past them
    for case in (early, late):
        case.refresh_from_db()
        _name_every_role(case)
    # A practitioner of the raising agency who had nothing to do with either case: the
    # practitioner's deadlines name their role, but it lets them see nothing.
    colleague = factories.user("A colleague of the raiser")
    factories.member(colleague, world.raising, Role.PRACTITIONER)
    # A board representative who manages the raising agency's work too: their role is
    # named on the early case before its gate for them, but they see it as a manager.
    both = factories.user("A board representative who is a line manager")
    factories.member(both, world.raising, Role.BOARD_REPRESENTATIVE)
    factories.member(both, world.raising, Role.LINE_MANAGER)
    people = [
        *world.one_of_each(),
        both,
        world.person(Role.BOARD_REPRESENTATIVE),
        world.person(Role.SENIOR_MANAGER, side="other"),
        world.person(Role.DIRECTOR),
        world.person(Role.PRACTITIONER, side="other"),
        colleague,
    ]
    kept = compiled.compile_once(
        "owned_deadline_ids", lambda: owned.owned_deadline_ids(compiled.standin())
    )
    managers_kept = compiled.compile_once(
        ("owned_deadline_ids", True),
        lambda: owned.owned_deadline_ids(compiled.standin(), managers_only=True),
    )
    hidden_from_someone = False
    settled = []
    for person in people:
        expected = _expected(person)
        assert set(owned.owned_deadline_ids(person).values_list("pk", flat=True)) == expected
        assert {r[0] for r in kept.rows(compiled.values_for(person))} == expected, person
        if owned.settled_by_holding(owned.roles_held(person)):
            # Their query without the part that tests visibility: the same deadlines.
            assert {r[0] for r in managers_kept.rows(compiled.values_for(person))} == expected
            settled.append(person)
        # The dashboard's list picks the query by what the person holds: the same list.
        listed = {d.pk for d in dashboard.deadlines_page(person, per_page=50)[1]}
        assert listed == {d.pk for d in owned.owned_deadlines(person)}
        named = CaseDeadline.objects.filter(owned.owned(person), met_on__isnull=True)
        hidden_from_someone |= named.exclude(pk__in=expected).exists()
    # The comparison compared something: someone holds a role named on a case they may
    # not see (a board representative's, before the board's stage), and is not given it.
    assert hidden_from_someone
    # Each manager's role (and the person with none) was asked the shorter way too.
    assert {world.person(Role.LINE_MANAGER), world.person(Role.DIRECTOR)} <= set(settled)
    # Their role settles nothing before the gate: the case's own test gives it them.
    before_gate = CaseDeadline.objects.get(case=early, role=Role.BOARD_REPRESENTATIVE.value)
    assert before_gate.pk in set(owned.owned_deadline_ids(both).values_list("pk", flat=True))
    assert not owned.settled_by_holding(owned.roles_held(both))
    rep = world.person(Role.BOARD_REPRESENTATIVE)
    ids = owned.owned_deadline_ids(rep)
    theirs = set(CaseDeadline.objects.filter(pk__in=ids).values_list("case_id", flat=True))
    assert late.pk in theirs and early.pk not in theirs


def test_only_managers_roles_settle_what_their_holder_sees(world: factories.World) -> None:
    settled = owned.settled_by_holding
    assert settled({Role.LINE_MANAGER.value, Role.DIRECTOR.value})
    assert settled(set())
    for role in (
        Role.PRACTITIONER,
        Role.BOARD_REPRESENTATIVE,
        Role.BUSINESS_UNIT,
        Role.INDEPENDENT_CHAIR,
        Role.STATUTORY_PARTNER,
    ):
        assert not settled({Role.LINE_MANAGER.value, role.value}), role
    assert not settled({"administrator"})
    # What a person holds: each of their memberships' and partnership roles' roles.
    manager = world.person(Role.LINE_MANAGER)
    factories.partnership_role(manager, world.partnership, Role.INDEPENDENT_CHAIR)
    assert owned.roles_held(manager) == {Role.LINE_MANAGER.value, Role.INDEPENDENT_CHAIR.value}
    assert not settled(owned.roles_held(manager))
