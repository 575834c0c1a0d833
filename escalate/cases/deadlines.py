"""Every deadline of a case, stored: written from the procedure engine, marked met when
what it asks for happens, and read for the case page, the dashboard and the reminders.

Which deadlines a case keeps (:func:`plan_stage`, pure):

- for each stage it has reached: its start-by (met the day the stage began), its
  conclude-by, its act-by (resolve or escalate by; the engine's
  :func:`~escalate.procedures.deadlines.act_by`) and every extra deadline its
  definition holds (``other_deadlines``), each of these met when the stage concludes
  (an extra deadline also by ticking off the required action of its key, or by the
  event its ``met_by`` names: :func:`met_by_event`);
- while the case is open, for the stage after the one being worked: its start-by (owned
  by the owner of the stage being worked, who must move the case on) and any extra
  deadline naming a role whose date is already known.

Who owns a deadline: the owner of a stage record for start-, conclude- and act-by (and
an extra deadline naming no role); otherwise everyone holding the role the definition
names in the case (a partnership role in its partnership; an agency role in the raising
or the other agency), as :class:`escalate.cases.services.notices.Resolver` resolves
roles. An act-by stands for the start-by or conclude-by on the same day with the same
owner: those are never chased separately (:func:`open_deadlines`).

Writing is for :mod:`escalate.cases.services` (inside ``change_case``) and migrations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import BooleanField, Exists, OuterRef, QuerySet, Value

from escalate import clock
from escalate.cases.deadline_events import RESYNC_EVENTS as RESYNC_EVENTS  # re-exported
from escalate.cases.deadline_events import act_by_is_soft, is_soft
from escalate.cases.deadline_events import case_events as case_events  # re-exported
from escalate.cases.facts import (
    calendar_for,
    calendar_for_region,
    calendars_for_regions,
    facts_of,
    procedure_of,
)
from escalate.cases.models import Case, CaseStatus, StageRecord
from escalate.cases.models.deadlines import (
    ACT_BY,
    CONCLUDE_BY,
    START_BY,
    CaseDeadline,
)
from escalate.cases.models.deadlines import DeadlineStatus as DeadlineStatus  # re-exported
from escalate.cases.models.deadlines import deadline_name as deadline_name  # re-exported
from escalate.cases.models.limits import LONG_TEXT_MAX, SHORT_TEXT_MAX
from escalate.cases.role_holders import Holder as Holder  # re-exported
from escalate.cases.role_holders import RoleAsk as RoleAsk  # re-exported
from escalate.cases.role_holders import role_holders as role_holders  # re-exported
from escalate.partnerships.permissions import is_active_person
from escalate.procedures import engine
from escalate.procedures.calendar import WorkingCalendar, format_day
from escalate.procedures.deadlines import CaseEvents
from escalate.procedures.deadlines_plan import NO_EVENTS
from escalate.procedures.model import PARTNERSHIP_ROLES, Procedure, Role
from escalate.procedures.stages import MetBy
from escalate.procedures.words import article

if TYPE_CHECKING:
    from escalate.accounts.models import User


# ---------------------------------------------------------------- planning (pure)


@dataclass(frozen=True)
class Planned:
    """One deadline a case should keep. ``owner_stage``: the number of the stage whose
    record's owner answers for it (None: the holders of ``role``)."""

    stage: int
    key: str
    label: str
    due: dt.date
    explanation: str
    role: str = ""
    owner_stage: int | None = None
    met_on: dt.date | None = None
    #: A target the procedure softens ("where possible"): chased, never counted missed.
    soft: bool = False


def plan_stage(
    procedure: Procedure,
    calendar: WorkingCalendar,
    facts: engine.CaseFacts,
    number: int,
    events: CaseEvents = NO_EVENTS,
) -> list[Planned]:
    """The deadlines stage ``number`` keeps, from the engine, given the case's facts
    (and ``events``: when what its timescales count from happened, and the dates its
    owner set)."""
    all_stages = engine.stage_deadlines(
        procedure, calendar, arose=facts.arose, stage_started=facts.stage_started, events=events
    )
    here = all_stages[number - 1]
    started = facts.stage_started.get(number)

    def planned(d: engine.Deadline, owner: int | None, met: dt.date | None) -> Planned:
        assert d.due is not None
        role = d.role.value if d.role else ""
        return Planned(
            number,
            d.key,
            d.label,
            d.due,
            d.explanation,
            role,
            None if role else owner,
            met,
            is_soft(procedure, number, d.key),
        )

    if started is None:
        worked = facts.current_stage
        if (
            number <= worked
            or worked not in facts.stage_started
            or facts.status is not engine.CaseStatus.OPEN
        ):
            return []  # skipped, or nobody is working towards it
        rows = [planned(here.start_by, worked, None)] if here.start_by and here.start_by.due else []
        return rows + [
            planned(d, None, met_by_event(procedure, number, d.key, events))
            for d in here.other
            if d.role and d.due
        ]

    concluded = facts.stage_concluded.get(number)
    earlier = max((m for m in facts.stage_started if m < number), default=number)
    rows = []
    if here.start_by and here.start_by.due:
        rows.append(planned(here.start_by, earlier, started))
    if here.conclude_by and here.conclude_by.due:
        rows.append(planned(here.conclude_by, number, concluded))
    act = engine.act_by(procedure, calendar, facts, number, events)
    if act is not None and act.due is not None:
        own = here.conclude_by is not None and here.conclude_by.due == act.due
        soft = act_by_is_soft(procedure, number, own)
        rows.append(
            Planned(
                number, ACT_BY, act.label, act.due, act.explanation, "", number, concluded, soft
            )
        )
    for d in here.other:
        if d.due:
            happened = met_by_event(procedure, number, d.key, events)
            met = min(m for m in (concluded, happened) if m) if concluded or happened else None
            rows.append(planned(d, number, met))
    return rows


def met_by_event(procedure: Procedure, number: int, key: str, events: CaseEvents) -> dt.date | None:
    """The day the event that meets stage ``number``'s extra deadline ``key`` happened
    (its ``met_by``: the other professional acknowledging, the stage's first
    discussion), or None: it names none, or the event has not happened."""
    named = next((d for d in procedure.stage(number).other_deadlines if d.key == key), None)
    if named is None or named.met_by is None:
        return None
    if named.met_by is MetBy.OTHER_PROFESSIONAL_ACKNOWLEDGED:
        return events.acknowledged
    return events.first_discussion.get(number)


def met_by_checklist(procedure: Procedure, number: int, item: str) -> list[str]:
    """The keys of stage ``number``'s extra deadlines that ticking off required action
    ``item`` meets: the one with the same key, or whose label is the action's text."""
    stage = procedure.stage(number)
    texts = {c.key: " ".join(c.text.lower().split()) for c in stage.checklist}
    wanted = texts.get(item)
    return [
        d.key
        for d in stage.other_deadlines
        if d.key == item or (wanted is not None and " ".join(d.label.lower().split()) == wanted)
    ]


# ---------------------------------------------------------------- writing


def write_planned(
    model: type[CaseDeadline],
    case_id: int,
    number: int,
    planned: Sequence[Planned],
    record_ids: Mapping[int, int],
) -> list[CaseDeadline]:
    """Make stage ``number``'s stored deadlines what ``planned`` says, keeping each row
    (and so the reminders already sent for it) by its key. ``record_ids``: the case's
    stage record ids by number. ``model`` is :class:`CaseDeadline` (or, in a data
    migration, its historical model)."""
    existing = {d.key: d for d in model.objects.filter(case_id=case_id, stage=number)}
    new: list[CaseDeadline] = []
    changed: list[CaseDeadline] = []
    kept: list[CaseDeadline] = []
    fields: tuple[str, ...] = ("label", "due", "explanation", "role", "owner_stage_id", "met_on")
    # (A data migration's model from before deadlines could be soft has no such column.)
    with_soft = any(f.name == "soft" for f in model._meta.get_fields())
    if with_soft:
        fields += ("soft",)
    for p in planned:
        owner_id = record_ids.get(p.owner_stage) if p.owner_stage is not None else None
        if not p.role and owner_id is None:
            continue  # no stage record to answer for it
        row = existing.pop(p.key, None)
        met_on = p.met_on
        if p.key != START_BY and row is not None and row.met_on is not None:
            met_on = min(row.met_on, p.met_on) if p.met_on else row.met_on
        values: dict[str, Any] = {
            "label": p.label[:SHORT_TEXT_MAX],
            "due": p.due,
            "explanation": p.explanation[:LONG_TEXT_MAX],
            "role": p.role,
            "owner_stage_id": owner_id,
            "met_on": met_on,
        }
        if with_soft:
            values["soft"] = p.soft
        if row is None:
            new.append(model(case_id=case_id, stage=number, key=p.key, **values))
            continue
        if any(getattr(row, f) != values[f] for f in fields):
            for f in fields:
                setattr(row, f, values[f])
            changed.append(row)
        kept.append(row)
    with transaction.atomic():
        if existing:
            model.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
        if changed:
            model.objects.bulk_update(changed, list(fields))
        made = model.objects.bulk_create(new)
    return sorted([*kept, *made], key=lambda d: (d.due, d.key))


def record_stage_deadlines(
    case: Case,
    stage_number: int,
    procedure: Procedure | None = None,
    facts: engine.CaseFacts | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[CaseDeadline]:
    """Write (or replace) the stored deadlines of one stage of ``case``: every one of a
    stage that has begun, or those of a stage not yet begun that someone works towards
    (see the module's docstring). ``facts`` default to the stored stages'."""
    records = list(StageRecord.objects.filter(case=case))
    procedure = procedure or procedure_of(case)
    facts = facts or facts_of(case, records)
    calendar = calendar or calendar_for(case.partnership)
    events = case_events(case, records)
    planned = plan_stage(procedure, calendar, facts, stage_number, events)
    ids = {r.number: r.pk for r in records}
    return write_planned(CaseDeadline, case.pk, stage_number, planned, ids)


def sync_case_deadlines(
    case: Case,
    procedure: Procedure | None = None,
    calendar: WorkingCalendar | None = None,
) -> None:
    """Bring every stored deadline of ``case`` up to date with its stage records: each
    reached stage's, the next stage's while the case is open; rows of stages skipped or
    never reached are forgotten. Safe to call after any change (and twice)."""
    records = list(StageRecord.objects.filter(case=case))
    sync_from_records(
        CaseDeadline,
        case,
        records,
        procedure or procedure_of(case),
        calendar or calendar_for(case.partnership),
        case_events(case, records),
    )


def resync_region(region: str) -> int:
    """After a region's working days change (an extra day off, a listed bank holiday
    worked), work out again the stored deadlines of every open case there. Returns how
    many cases were looked at."""
    calendar = calendar_for_region(region)
    cases = Case.objects.filter(status=CaseStatus.OPEN, partnership__region=region)
    looked = 0
    for case in cases.select_related("partnership").iterator(chunk_size=500):
        sync_case_deadlines(case, calendar=calendar)
        looked += 1
    return looked


def sync_from_records(
    model: type[CaseDeadline],
    case: Case,
    records: Sequence[StageRecord],
    procedure: Procedure,
    calendar: WorkingCalendar,
    events: CaseEvents = NO_EVENTS,
) -> None:
    """:func:`sync_case_deadlines` given the case's stage records; ``model`` (and the
    case and records) may be a data migration's historical models (with no ``events``)."""
    facts = facts_of(case, records)
    ids = {r.number: r.pk for r in records}
    numbers = sorted(ids)
    nxt = case.current_stage + 1
    if case.status == CaseStatus.OPEN and nxt <= len(procedure.stages) and nxt not in ids:
        numbers.append(nxt)
    for number in numbers:
        planned = plan_stage(procedure, calendar, facts, number, events)
        write_planned(model, case.pk, number, planned, ids)
    model.objects.filter(case_id=case.pk).exclude(stage__in=numbers).delete()


def mark_met(
    case: Case,
    stage_number: int,
    keys: Iterable[str] | None = None,
    on: dt.date | None = None,
) -> int:
    """Record that what stage ``stage_number``'s deadlines ask for happened ``on`` (today
    by default): the ones named by ``keys``, or every one not met yet. How many were."""
    rows = CaseDeadline.objects.filter(case=case, stage=stage_number, met_on__isnull=True)
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    return rows.update(met_on=on or clock.today())


def mark_met_by_checklist(
    case: Case,
    stage_number: int,
    item: str,
    procedure: Procedure | None = None,
    on: dt.date | None = None,
) -> int:
    """Record the extra deadlines that ticking off required action ``item`` meets."""
    keys = met_by_checklist(procedure or procedure_of(case), stage_number, item)
    return mark_met(case, stage_number, keys, on) if keys else 0


def backfill_open_cases() -> int:
    """Stored deadlines for every open case that has none: its reached stages' and the
    next stage's (the data migration does the same with its historical models). How
    many cases were filled in."""
    todo = Case.objects.filter(status=CaseStatus.OPEN).exclude(
        pk__in=CaseDeadline.objects.values("case_id")
    )
    filled = 0
    for case in todo.select_related("partnership").iterator(chunk_size=200):
        with transaction.atomic():
            sync_case_deadlines(case)
        filled += 1
    return filled


# ---------------------------------------------------------------- status and words


def status(deadline: CaseDeadline, today: dt.date, calendar: WorkingCalendar) -> DeadlineStatus:
    """On time, due soon, overdue or met (:meth:`CaseDeadline.status`)."""
    return deadline.status(today, calendar)


def role_words(role: Role) -> str:
    """Why a role-named deadline is someone's: "you are the independent chair"."""
    if role in PARTNERSHIP_ROLES:
        return f"you are the {role.label.lower()} for this case's partnership"
    return f"you are {article(role.label).lower()} {role.label.lower()} in an agency involved"


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class DeadlineRow:
    """A stored deadline as someone is shown it."""

    deadline: CaseDeadline
    status: DeadlineStatus
    #: For an extra deadline due after its stage's conclude-by: that conclude-by.
    after_conclude_by: dt.date | None = None
    #: On a dashboard: why it is the reader's ("you own stage 4").
    yours_because: str = ""
    #: Someone is working towards it (:func:`open_deadlines`): read by :func:`for_case`.
    is_open: bool = False

    @property
    def name(self) -> str:
        d = self.deadline
        return deadline_name(d.key, d.label, d.stage)

    @property
    def due_text(self) -> str:
        return format_day(self.deadline.due)

    @property
    def note(self) -> str:
        """What the case page says of an extra deadline after the stage's end."""
        if self.after_conclude_by is None:
            return ""
        return (
            f"This falls after stage {self.deadline.stage} must be concluded "
            f"({format_day(self.after_conclude_by)})."
        )


def open_deadlines() -> QuerySet[CaseDeadline]:
    """Not met yet, and someone is working towards them (:meth:`CaseDeadlineQuerySet.open`)."""
    return CaseDeadline.objects.open()


def calendars_for(regions: Iterable[str]) -> dict[str, WorkingCalendar]:
    """Each region's working days (bank holidays, extra days off and listed holidays the
    region works), in one query per table."""
    return calendars_for_regions(regions)


def for_case(
    case: Case, today: dt.date | None = None, calendar: WorkingCalendar | None = None
) -> list[DeadlineRow]:
    """Every stored deadline of ``case``, by stage then due date, with its status and
    whether it is open (:func:`open_deadlines`, asked in the same query): one query, and
    one for the calendar when not given."""
    today = today or clock.today()
    calendar = calendar or calendar_for(case.partnership)
    found = CaseDeadline.objects.filter(case=case)
    if case.is_open:
        found = found.annotate(w_open=Exists(open_deadlines().filter(pk=OuterRef("pk"))))
    else:  # nothing on a closed case is worked towards
        found = found.annotate(w_open=Value(False, output_field=BooleanField()))
    rows = list(found.order_by("stage", "due", "key"))
    ends = {d.stage: d.due for d in rows if d.key == CONCLUDE_BY}
    return [
        DeadlineRow(
            d,
            status(d, today, calendar),
            ends[d.stage] if d.is_extra and d.stage in ends and d.due > ends[d.stage] else None,
            is_open=bool(d.w_open),  # type: ignore[attr-defined]
        )
        for d in rows
    ]


def deadlines_owned_by(user: User | Any, today: dt.date | None = None) -> list[DeadlineRow]:
    """The deadlines not met yet that are ``user``'s, soonest first, on cases they may
    see: those of stages they own, and those naming a role they hold in the case. A
    constant number of queries however many there are (a page of them:
    :func:`escalate.cases.owned.owned_rows` of a slice of its ``owned_deadlines``)."""
    from escalate.cases import owned

    if not is_active_person(user):
        return []
    return owned.owned_rows(user, owned.owned_deadlines(user), today)
