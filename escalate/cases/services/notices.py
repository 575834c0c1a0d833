"""Who is told about a change: the engine's recipients turned into people and addresses,
one email each, owed through the notifications app's outbox. Nothing here sends email."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalate.cases.models import Case, Event, Invitation, StageRecord
from escalate.notifications import outbox
from escalate.notifications.models import Notification, RecipientKind
from escalate.procedures.model import Recipient, Role

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.procedures import engine

#: What a change owes: (recipient, stage, event, why).
Owed = tuple[Recipient | str, int, str, str]


@dataclass(frozen=True)
class Addressee:
    email: str
    user: User | None
    kind: str


#: Who a recipient is, on one case: (recipient, stage) to the people and addresses told.
Resolve = Callable[[Recipient | str, int], Sequence[Addressee]]


@dataclass(frozen=True)
class Owing:
    """What a change the engine does not rule on owes: the notifications, and who their
    recipients are when they are not the procedure's (whoever flagged a policy issue;
    None: :class:`Resolver`). Each such change's service has one public function saying
    it, used both when the change is made and by the page saying who will be told
    (:mod:`escalate.cases.told`), so the two cannot drift apart."""

    owed: tuple[Owed, ...]
    resolver: Resolve | None = None


def people(users: Iterable[User], kind: str) -> list[Addressee]:
    """The active ones of ``users``, as addressees of ``kind``."""
    return [Addressee(u.email.lower(), u, kind) for u in users if u.is_active]


def stage_records(case: Case) -> dict[int, StageRecord]:
    """The case's stage records by number, with their owners and counterparts."""
    return {s.number: s for s in case.stages.select_related("owner", "counterpart")}


def from_engine(notices: Iterable[engine.Notice]) -> list[Owed]:
    """What a change owes, from the engine's notices (their events are keys of
    :mod:`escalate.procedures.events`, as the outbox stores them)."""
    return [(n.recipient, n.stage, n.event, n.why) for n in notices]


class Resolver:
    """Turns the engine's recipients into people and addresses for one case."""

    def __init__(self, case: Case, decided_at: int) -> None:
        self.case = case
        self.decided_at = decided_at  # the stage at which the decision was made
        self.stages = stage_records(case)

    def __call__(self, recipient: Recipient | str, stage: int) -> list[Addressee]:
        from escalate.partnerships.models import Membership, PartnershipRole

        case, kind = self.case, str(recipient)
        record = self.stages.get(stage)
        agencies = [case.raising_agency_id, case.other_agency_id]

        def members(role: Role) -> list[Addressee]:
            found = Membership.objects.filter(
                agency_id__in=agencies, role=role.value, person__is_active=True
            ).select_related("person")
            return people([m.person for m in found], kind)

        def partnership_people(role: Role) -> list[Addressee]:
            found = PartnershipRole.objects.filter(
                partnership_id=case.partnership_id, role=role.value, person__is_active=True
            ).select_related("person")
            return people([p.person for p in found], kind)

        if recipient == Recipient.STAGE_OWNER:
            return people([record.owner], kind) if record else []
        if recipient == Recipient.RAISING_PRACTITIONER:
            return people([case.raised_by], kind)
        if recipient == Recipient.OTHER_PROFESSIONAL:
            return [self.other_professional(kind)]
        if recipient == Recipient.COUNTERPART:
            if record and record.counterpart_email:
                return [Addressee(record.counterpart_email.lower(), record.counterpart, kind)]
            if case.other_agency.safeguarding_email:
                return [Addressee(case.other_agency.safeguarding_email.lower(), None, kind)]
            return [self.other_professional(kind)]
        if recipient == Recipient.OWNER_LINE_MANAGER:
            # The line manager of whoever owned the stage the decision was made at. A
            # case raised straight at a later stage was decided at stage 1, which has no
            # record: its owner would have been the person raising it.
            deciding = self.stages.get(self.decided_at)
            decider = deciding.owner if deciding else case.raised_by
            manager = decider.line_manager
            return people([manager], kind) if manager else []
        if recipient == Recipient.SAFEGUARDING_LEADS:
            leads = members(Role.SAFEGUARDING_LEAD)
            covered = {
                m.agency_id
                for m in Membership.objects.filter(
                    agency_id__in=agencies,
                    role=Role.SAFEGUARDING_LEAD.value,
                    person__is_active=True,
                )
            }
            for agency in (case.raising_agency, case.other_agency):
                if agency.pk not in covered and agency.safeguarding_email:
                    leads.append(Addressee(agency.safeguarding_email.lower(), None, kind))
            return leads
        if recipient == Recipient.SENIOR_MANAGERS:
            return members(Role.SENIOR_MANAGER)
        if recipient == Recipient.BOARD_REPRESENTATIVES:
            return members(Role.BOARD_REPRESENTATIVE)
        if recipient == Recipient.BUSINESS_UNIT:
            return [
                *partnership_people(Role.BUSINESS_UNIT),
                Addressee(case.partnership.business_unit_email.lower(), None, kind),
            ]
        if recipient == Recipient.INDEPENDENT_CHAIR:
            return partnership_people(Role.INDEPENDENT_CHAIR)
        if recipient == Recipient.STATUTORY_PARTNERS:
            return partnership_people(Role.STATUTORY_PARTNER)
        if recipient == Recipient.ALL_INVOLVED:
            everyone = [*people([case.raised_by], kind), self.other_professional(kind)]
            for r in self.stages.values():
                everyone += people([r.owner], kind)
                if r.counterpart_email:
                    everyone.append(Addressee(r.counterpart_email.lower(), r.counterpart, kind))
            return everyone
        raise ValueError(f"unknown recipient {recipient!r}")  # pragma: no cover

    def other_professional(self, kind: str) -> Addressee:
        case = self.case
        return Addressee(case.other_professional_email.lower(), case.other_professional, kind)


def notify(
    case: Case,
    actor: User | None,
    source: Event,
    owed: Iterable[Owed],
    *,
    decided_at: int | None = None,
    invitation: Invitation | None = None,
    resolver: Resolve | None = None,
) -> list[Notification]:
    """Owe one email (an outbox row, through :func:`escalate.notifications.outbox.enqueue`)
    to each person owed a notification.

    ``owed`` holds (recipient, stage, event, why). A person is told once per change
    (the first reason wins) and never about their own action. A recipient nobody holds
    (no chair registered, say) is passed to the business unit, saying so.
    """
    resolve = resolver or Resolver(case, decided_at or case.current_stage)
    actor_email = actor.email.lower() if actor else None
    seen: set[str] = set()
    entries: list[outbox.Entry] = []
    for recipient, stage, event, why in owed:
        found = resolve(recipient, stage)
        if not found:
            found = [Addressee(case.partnership.business_unit_email.lower(), None, str(recipient))]
            label = RecipientKind(str(recipient)).label.lower()
            why = (
                f"no {label} is registered for this partnership, so the business unit is "
                f"told instead: {why}"
            )
        for person in found:
            if person.email in seen or person.email == actor_email:
                continue
            seen.add(person.email)
            entries.append(
                outbox.Entry(
                    invitation=(invitation if recipient == Recipient.OTHER_PROFESSIONAL else None),
                    recipient=person.user,
                    email=person.email,
                    recipient_kind=person.kind,
                    event=event,
                    stage=stage,
                    why=why,
                )
            )
    return outbox.enqueue(case, entries, source_event=source)
