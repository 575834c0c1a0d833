"""Who may see and do what: the one place that decides. Deny by default.

Rules (see also the module's tests, which check every role against every action):

- A practitioner sees the cases they raised or are named in: as the other
  professional, as a stage owner or as a stage counterpart.
- Line managers, safeguarding leads, senior managers and directors see every case
  involving their agency (raising or other); so does a person's own line manager
  (``User.line_manager``) for cases their report raised, owns or is challenged in.
- Board representatives see their agency's cases once the case reaches the first stage
  at which board representatives are involved in its procedure.
- The business unit sees its partnership's cases from the stage at which its procedure
  involves the business unit, and may see who viewed any of its partnership's cases and
  the statistics of all of them (statistics never identify the person at risk).
- The independent chair and statutory partners see their partnership's cases once they
  reach the stage at which the procedure involves them, and respond to policy issues
  flagged on any case of their partnership.
- Administrators manage people; they see no case contents. Nor does anyone else.

Rules about a partnership rather than a case (directory, procedure page, statistics,
where to raise from) are in :mod:`escalate.partnerships.permissions`; role groupings
(``MANAGERS``, ``PARTNERSHIP_ROLES``, ``POLICY_RESPONDERS``) are in ``procedures.model``.

Acting is narrower than seeing. Decisions about the challenge (tick off required
actions, resolve, escalate, expedite, refer to a panel, withdraw) belong to the
escalating side, the raising agency, and to the partnership's people, and within
those to the roles the procedure gives the current stage (the engine decides that).
The other agency's people take part by acknowledging and responding (the other
professional), recording contacts, meetings and notes, agreeing and completing actions
and flagging policy issues. The forms a procedure puts on a case (a stage's, and the
outcome form) are completed by the stage's owner, the escalating agency's managers or
the partnership's people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from escalate.cases import visibility
from escalate.cases.errors import CaseError, Conflict, NotAllowed, from_refusal
from escalate.cases.facts import facts_of, procedure_of
from escalate.cases.models import Case, CaseStatus, StageRecord
from escalate.cases.visibility import GATES as GATES  # gate columns on Case, by role
from escalate.partnerships.permissions import Holdings, holdings, is_active_person
from escalate.procedures import engine
from escalate.procedures.model import MANAGERS, PARTNERSHIP_ROLES, POLICY_RESPONDERS, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User


class CaseAction(StrEnum):
    """Everything a person may ask to see or do with a case."""

    VIEW = "view"
    VIEW_AUDIT = "view_audit"  # who has viewed the case
    RECORD_CONTACT = "record_contact"
    TICK = "tick"
    ADD_AGREED_ACTION = "add_agreed_action"
    COMPLETE_AGREED_ACTION = "complete_agreed_action"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    EXPEDITE = "expedite"
    REFER_TO_PANEL = "refer_to_panel"
    WITHDRAW = "withdraw"
    FLAG_POLICY_ISSUE = "flag_policy_issue"
    RESPOND_TO_POLICY_ISSUE = "respond_to_policy_issue"
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"
    RECORD_DEBRIEF = "record_debrief"
    RECORD_LEARNING = "record_learning"
    RESEND_INVITATION = "resend_invitation"  # the other professional's invitation email
    SUBMIT_FORM = "submit_form"  # any form the procedure puts on the case
    GIVE_NOTICE = "give_notice"  # that the escalating agency intends to escalate
    RECORD_CONSULTATION = "record_consultation"  # before skipping stages
    SET_TIMESCALE = "set_timescale"  # a deadline's date the procedure lets the owner set


#: Moves the engine rules on, by case action.
ENGINE_ACTIONS: dict[CaseAction, engine.Action] = {
    CaseAction.RECORD_CONTACT: engine.Action.RECORD,
    CaseAction.TICK: engine.Action.TICK,
    CaseAction.RESOLVE: engine.Action.RESOLVE,
    CaseAction.ESCALATE: engine.Action.ESCALATE,
    CaseAction.EXPEDITE: engine.Action.EXPEDITE,
    CaseAction.REFER_TO_PANEL: engine.Action.REFER_TO_PANEL,
    CaseAction.WITHDRAW: engine.Action.WITHDRAW,
    CaseAction.GIVE_NOTICE: engine.Action.GIVE_NOTICE,
    CaseAction.RECORD_CONSULTATION: engine.Action.RECORD_CONSULTATION,
}

#: Decisions about the challenge (the escalating side's and the partnership's): the
#: moves the engine rules on, but for recording.
DECISIONS: frozenset[CaseAction] = frozenset(ENGINE_ACTIONS) - {CaseAction.RECORD_CONTACT}

_ROLE_ORDER = {role: i for i, role in enumerate(Role)}


@dataclass(frozen=True)
class Standing:
    """How one person stands on one case, with roles in effect at its current stage."""

    raising: frozenset[Role] = frozenset()  # the escalating side: the raising agency
    other: frozenset[Role] = frozenset()  # the agency challenged
    partnership: frozenset[Role] = frozenset()
    is_raiser: bool = False
    is_other_professional: bool = False
    is_current_owner: bool = False
    current_owner_role: Role | None = None
    audits_partnership: bool = False  # business unit: may see who viewed the case
    responds_to_policy: bool = False  # chair or statutory partner of the partnership

    @property
    def roles(self) -> frozenset[Role]:
        return self.raising | self.other | self.partnership

    @property
    def can_view(self) -> bool:
        return bool(self.roles)

    def acting_roles(self, action: CaseAction) -> list[Role]:
        """Roles to put to the engine, most fitting first."""
        pool = self.raising | self.partnership if action in DECISIONS else self.roles
        owner = self.current_owner_role
        # The current stage's owner acts as owner first; then in the engine's role order.
        return sorted(pool, key=lambda r: (r != owner, _ROLE_ORDER[r]))


NOBODY = Standing()


def _reached(case: Case, role: Role) -> bool:
    gate = getattr(case, GATES[role])
    return gate is not None and case.current_stage >= gate


@dataclass(frozen=True, eq=False)
class CaseAccess:
    """One person's standing on one case, worked out once by :func:`access`, with the
    case's stage records by number (none for someone anonymous or inactive). Pass it
    instead of the person, here and to the selectors, and nothing is worked out twice."""

    user: User | Any
    case: Case
    standing: Standing
    stages: list[StageRecord]

    @property
    def can_view(self) -> bool:
        return self.standing.can_view

    @cached_property
    def moves(self) -> list[engine.Move]:
        """What the engine allows next on the case, by whom."""
        procedure = procedure_of(self.case)
        facts = facts_of(self.case, self.stages, procedure=procedure)
        return engine.next_moves(procedure, facts)

    @cached_property
    def awaits_acceptance(self) -> bool:
        """Whether an invitation to the case has not been accepted yet."""
        return self.case.invitations.filter(accepted_at__isnull=True).exists()

    def can(self, action: CaseAction | str) -> bool:
        """May the person do ``action`` now? Only that action is ruled on (the engine
        asked only for a move, and only once), unless :attr:`allowed` is known already."""
        action = CaseAction(action)
        if "allowed" in self.__dict__:  # where cached_property keeps what it worked out
            return action in self.allowed
        return self._allows(action)

    def _allows(self, action: CaseAction) -> bool:
        if refusal(self, action, self.case) is not None:
            return False
        roles = set(self.standing.acting_roles(action))
        return action not in ENGINE_ACTIONS or any(
            m.action is ENGINE_ACTIONS[action] and roles.intersection(m.roles) for m in self.moves
        )

    @cached_property
    def allowed(self) -> frozenset[CaseAction]:
        """Everything the person may do now (moves: if the engine allows one of them)."""
        return frozenset(filter(self._allows, CaseAction))


def accesses(user: User | Any, cases: Iterable[Case]) -> dict[int, CaseAccess]:
    """``user``'s access to each of ``cases``, by case id, in two queries however many
    (none for someone anonymous or inactive: nobody)."""
    cases = list({c.pk: c for c in cases}.values())
    if not is_active_person(user) or not cases:
        return {c.pk: CaseAccess(user, c, NOBODY, []) for c in cases}
    stages: dict[int, list[StageRecord]] = {c.pk: [] for c in cases}
    records = list(
        StageRecord.objects.filter(case__in=cases)
        .select_related("owner", "counterpart")
        .order_by("case_id", "number")
    )
    for record in records:
        stages[record.case_id].append(record)
    held = holdings(
        user,
        agencies={c.raising_agency_id for c in cases} | {c.other_agency_id for c in cases},
        partnerships={c.partnership_id for c in cases},
        people={c.raised_by_id for c in cases}
        | {c.other_professional_id for c in cases}
        | {r.owner_id for r in records},
    )
    return {
        c.pk: CaseAccess(user, c, _standing(user, c, stages[c.pk], held), stages[c.pk])
        for c in cases
    }


def access(who: User | CaseAccess | Any, case: Case) -> CaseAccess:
    """How ``who`` stands on ``case``: the one function that works it out. ``who`` may
    be an access already: kept when it is to this very case object."""
    if isinstance(who, CaseAccess) and who.case is case:
        return who
    return accesses(who.user if isinstance(who, CaseAccess) else who, [case])[case.pk]


def _standing(user: User | Any, case: Case, stages: list[StageRecord], held: Holdings) -> Standing:
    """How ``user`` stands on ``case``, from its stage records and what they hold."""
    email = user.email.lower()
    in_other_agency = case.other_agency_id in held.agency

    def agency_roles(agency_id: int) -> set[Role]:
        there = held.agency.get(agency_id, set())
        board = Role.BOARD_REPRESENTATIVE in there and _reached(case, Role.BOARD_REPRESENTATIVE)
        return (there & MANAGERS) | ({Role.BOARD_REPRESENTATIVE} if board else set())

    def named(pk: int | None, address: str | None) -> bool:  # by account, else by address
        return pk == user.pk or bool(
            pk is None and address and address.lower() == email and in_other_agency
        )

    raising, other = agency_roles(case.raising_agency_id), agency_roles(case.other_agency_id)
    partnership: set[Role] = set()
    is_raiser = case.raised_by_id == user.pk
    if is_raiser:
        raising.add(Role.PRACTITIONER)
    is_other_professional = named(case.other_professional_id, case.other_professional_email)
    if is_other_professional:
        other.add(Role.PRACTITIONER)
    current_owner_role: Role | None = None
    for record in stages:
        if record.owner_id == user.pk:
            role = Role(record.owner_role)
            (partnership if role in PARTNERSHIP_ROLES else raising).add(role)
            if record.number == case.current_stage:
                current_owner_role = role
        if named(record.counterpart_id, record.counterpart_email):
            other.add(Role.PRACTITIONER)

    # A person's own line manager, for the people they manage on the case.
    if held.reports & ({case.raised_by_id} | {r.owner_id for r in stages}):
        raising.add(Role.LINE_MANAGER)
    if case.other_professional_id in held.reports:
        other.add(Role.LINE_MANAGER)

    held_here = held.partnership.get(case.partnership_id, set())
    partnership |= {r for r in held_here if _reached(case, r)}
    return Standing(
        raising=frozenset(raising),
        other=frozenset(other),
        partnership=frozenset(partnership),
        is_raiser=is_raiser,
        is_other_professional=is_other_professional,
        is_current_owner=current_owner_role is not None,
        current_owner_role=current_owner_role,
        audits_partnership=Role.BUSINESS_UNIT in held_here,
        responds_to_policy=bool(held_here & POLICY_RESPONDERS),
    )


def standing(user: User | Any, case: Case) -> Standing:
    """How ``user`` stands on ``case``. Anonymous or inactive: nobody."""
    return access(user, case).standing


def roles_on_case(user: User | Any, case: Case) -> set[Role]:
    """The engine roles ``user`` holds on ``case`` now (empty: no access)."""
    return set(standing(user, case).roles)


def can_view(who: User | CaseAccess | Any, case: Case) -> bool:
    return access(who, case).can_view


def can(who: User | CaseAccess | Any, action: CaseAction | str, case: Case) -> bool:
    """May ``who`` do ``action`` on ``case`` now? (For showing or hiding buttons: the
    service still checks everything, including what the request itself says.)"""
    return access(who, case).can(action)


def allowed_actions(who: User | CaseAccess | Any, case: Case) -> set[CaseAction]:
    return set(access(who, case).allowed)


def refusal(s: Standing | CaseAccess, action: CaseAction, case: Case) -> CaseError | None:
    """Why ``s`` may not do ``action`` on ``case``: :class:`NotAllowed` when their roles
    never allow it, :class:`Conflict` when they do but not in the case's state. Moves
    the engine rules on are only checked for access here."""
    # A standing alone will do: the rules need only it and the case.
    got = s if isinstance(s, CaseAccess) else CaseAccess(None, case, s, [])
    s = got.standing
    is_open = case.status == CaseStatus.OPEN
    if action is CaseAction.RESPOND_TO_POLICY_ISSUE:
        return None if s.responds_to_policy else NotAllowed(_NOT_ALLOWED[action])
    if action is CaseAction.VIEW_AUDIT:
        # Who opened a case (not its contents): the business unit answers for access to
        # every case of its partnership, whatever stage it has reached.
        return None if s.audits_partnership else NotAllowed(_NOT_ALLOWED[action])
    if not s.can_view:
        return NotAllowed("You do not have access to this case.")
    if action is CaseAction.ADD_AGREED_ACTION and not is_open:
        return Conflict(
            f"This case is {case.status}: actions can only be agreed while it is open.",
            reason="closed",
        )
    if action in (CaseAction.ACKNOWLEDGE, CaseAction.RESPOND):
        if not s.is_other_professional:
            return NotAllowed(_NOT_ALLOWED[action])
        if action is CaseAction.ACKNOWLEDGE and case.acknowledged_at is not None:
            return Conflict("You have already acknowledged this challenge.", reason="done")
        if action is CaseAction.RESPOND and not is_open:
            return Conflict(
                f"This case is {case.status}, so it no longer needs your response.",
                reason="closed",
            )
    if action is CaseAction.RESEND_INVITATION:
        # The escalating side (the raiser, their managers, stage owners) and the business
        # unit may send the invitation again while nobody has accepted it.
        if not (s.raising or Role.BUSINESS_UNIT in s.partnership):
            return NotAllowed(_NOT_ALLOWED[action])
        if not is_open:
            return Conflict(
                f"This case is {case.status}, so the invitation is not sent again.",
                reason="closed",
            )
        if not got.awaits_acceptance:
            return Conflict(
                "The other professional has already accepted the invitation, so there is "
                "nothing to send again.",
                reason="done",
            )
        return None
    if action is CaseAction.SUBMIT_FORM:
        # Which form, and whether the case has reached it (its stage, or resolved for the
        # outcome form), is the form's to say (escalate.reports.referral). Once resolved,
        # the current stage is the one it resolved at: its owner completes the outcome form.
        completes = s.is_current_owner or bool(s.partnership or s.raising - {Role.PRACTITIONER})
        return None if completes else NotAllowed(_NOT_ALLOWED[action])
    if action in (CaseAction.RECORD_DEBRIEF, CaseAction.RECORD_LEARNING):
        if not s.roles - {Role.PRACTITIONER}:
            return NotAllowed(_NOT_ALLOWED[action])
        if action is CaseAction.RECORD_LEARNING and is_open:
            return Conflict(
                "Learning is recorded once the case is resolved or withdrawn.", reason="open"
            )
    if action is CaseAction.SET_TIMESCALE:
        # Which deadline, and which dates, are the service's to say.
        n = case.current_stage
        if not s.is_current_owner:
            return NotAllowed(f"Only the owner of stage {n} can set its timescales.")
        if not is_open:
            return Conflict(
                f"This case is {case.status}, so its timescales can no longer be set.",
                reason="closed",
            )
        if not procedure_of(case).stage(n).owner_sets_timescales:
            return Conflict(
                f"The procedure sets every timescale of stage {n}: none is yours to set.",
                reason="wrong_stage",
            )
        return None
    if action in _OPEN_TO_VIEWERS or action in ENGINE_ACTIONS:
        return None
    # Deny by default: an action added to CaseAction is refused until a rule allows it.
    return NotAllowed("You cannot do that on this case.")


#: What anyone who may view a case may ask to do (the engine and the services still
#: rule on each); every other action needs a rule of its own above.
_OPEN_TO_VIEWERS: frozenset[CaseAction] = frozenset(
    {
        CaseAction.VIEW,
        CaseAction.ADD_AGREED_ACTION,
        CaseAction.COMPLETE_AGREED_ACTION,
        CaseAction.FLAG_POLICY_ISSUE,
        CaseAction.ACKNOWLEDGE,
        CaseAction.RESPOND,
        CaseAction.RECORD_DEBRIEF,
        CaseAction.RECORD_LEARNING,
    }
)


def require(who: User | CaseAccess | Any, action: CaseAction, case: Case) -> Standing:
    """Raise a domain error unless ``who`` may do ``action`` on ``case`` now. For moves
    the engine rules on this checks access only: use :func:`acting_role` too, which asks
    the engine whether the move is legal now and in which of the person's roles."""
    a = access(who, case)
    refused = refusal(a, action, case)
    if refused is not None:
        raise refused
    return a.standing


_NOT_ALLOWED: dict[CaseAction, str] = {
    CaseAction.RESPOND_TO_POLICY_ISSUE: (
        "Only the partnership's independent chair or statutory partners respond to policy issues."
    ),
    CaseAction.VIEW_AUDIT: "Only the partnership's business unit can see who viewed a case.",
    CaseAction.ACKNOWLEDGE: "Only the professional the challenge was raised with acknowledges it.",
    CaseAction.RESPOND: "Only the professional the challenge was raised with responds to it.",
    CaseAction.RECORD_DEBRIEF: (
        "Debriefs are recorded by managers, safeguarding leads or the partnership."
    ),
    CaseAction.RECORD_LEARNING: (
        "Learning is recorded by managers, safeguarding leads or the partnership."
    ),
    CaseAction.RESEND_INVITATION: (
        "The invitation is sent again by the agency that raised the challenge or the "
        "partnership's business unit."
    ),
    CaseAction.SUBMIT_FORM: (
        "This case's forms are completed by the stage's owner, the escalating agency's "
        "managers or the partnership."
    ),
}


#: Refusals of a move in one of a person's roles only: another of theirs may be let.
_ROLE_REFUSALS = frozenset({engine.RefusalCode.FORBIDDEN, engine.RefusalCode.SKIP_ROLE})


def acting_role(
    s: Standing,
    action: CaseAction,
    case: Case,
    facts: engine.CaseFacts,
    *,
    to_stage: int | None = None,
    reason: str = "",
    item: str | None = None,
    field: str = "__all__",
) -> Role:
    """The role in which ``s`` makes an engine move now, or the engine's refusal as a
    domain error (the first role's reason if none of the person's roles may)."""
    procedure = procedure_of(case)
    move = ENGINE_ACTIONS[action]
    roles = s.acting_roles(action)
    if not roles:
        raise NotAllowed(
            "Decisions about this challenge are made by the agency that raised it and by "
            "the partnership, not by the agency it was raised with."
        )
    first: engine.Refused | None = None
    for role in roles:
        try:
            engine.check(procedure, facts, move, role, to_stage=to_stage, reason=reason, item=item)
        except engine.Refused as refused:
            if refused.code not in _ROLE_REFUSALS:
                raise from_refusal(refused, field=field) from None
            first = first or refused
        else:
            return role
    assert first is not None
    raise from_refusal(first) from None


# ---------------------------------------------------------------- querysets


def visible_cases(user: User | Any) -> QuerySet[Case]:
    """Every case ``user`` may see (agrees with :func:`can_view`): a ``UNION`` of
    indexed id queries, one per way of seeing a case (:mod:`escalate.cases.visibility`)."""
    return visibility.visible_cases(user)


def visible_q(user: User | Any, to: str = "") -> Q:
    """Whether ``user`` may see the case of each row filtered (``to``: ``"case__"`` from
    a row of a case; empty for cases), for a few rows already narrowed down."""
    return visibility.visible_q(user, to)


def may_complete_form(who: User | CaseAccess | Any, case: Case) -> bool:
    """Who completes the forms a case's procedure puts on it (any stage's, and the
    outcome form): people who may view the case and are its current stage owner (once
    resolved, the owner of the stage it resolved at), a manager in the escalating
    (raising) agency, or one of the partnership's people (:attr:`CaseAction.SUBMIT_FORM`)."""
    return can(who, CaseAction.SUBMIT_FORM, case)
