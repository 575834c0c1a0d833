"""Shaping what the case pages show: plain data for the templates.

The views read (through :mod:`escalate.cases.selectors`) and decide what to offer
(through :mod:`escalate.cases.permissions`); these only arrange what they are given,
with the labels and tag colours the pages use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

from escalate.cases.deadlines import DeadlineRow, DeadlineStatus
from escalate.cases.models import Case, CaseStatus, Event
from escalate.cases.models.deadlines import STAGE_KEYS
from escalate.cases.permissions import CaseAction
from escalate.cases.selectors import OwnerCandidate
from escalate.cases.views import summary_rows
from escalate.procedures.calendar import format_day
from escalate.procedures.engine import StageStatus
from escalate.procedures.model import PARTNERSHIP_ROLES, Procedure, Role
from escalate.procedures.words import article

STATUS_TAGS: dict[StageStatus, tuple[str, str]] = {
    StageStatus.NOT_REACHED: ("Not reached", "govuk-tag--grey"),
    StageStatus.IN_PROGRESS: ("In progress", "govuk-tag--blue"),
    StageStatus.OVERDUE: ("Overdue", "govuk-tag--red"),
    StageStatus.CONCLUDED: ("Concluded", "govuk-tag--green"),
    StageStatus.SKIPPED: ("Skipped", "govuk-tag--yellow"),
}

#: How a stored deadline's status is shown (the case page and the dashboard).
DEADLINE_TAGS: dict[str, dict[str, str]] = {
    DeadlineStatus.ON_TIME: {"text": "On time", "classes": "govuk-tag--blue"},
    DeadlineStatus.DUE_SOON: {"text": "Due soon", "classes": "govuk-tag--yellow"},
    DeadlineStatus.OVERDUE: {"text": "Overdue", "classes": "govuk-tag--red"},
    DeadlineStatus.TARGET_PASSED: {"text": "Target passed", "classes": "govuk-tag--yellow"},
    DeadlineStatus.MET: {"text": "Met", "classes": "govuk-tag--green"},
}

CASE_STATUS_TAGS: dict[str, str] = {
    CaseStatus.OPEN: "govuk-tag--blue",
    CaseStatus.RESOLVED: "govuk-tag--green",
    CaseStatus.WITHDRAWN: "govuk-tag--grey",
}

#: How the details kept with chronology entries read.
EVENT_DETAILS: list[tuple[str, str]] = [
    ("title", "Form"),
    ("text", "Details"),
    ("occurred_on", "Happened on"),
    ("with_whom", "With"),
    ("item", "Required action"),
    ("summary", "Why it was escalated"),
    ("reason", "Reason"),
    ("outcome", "Outcome"),
    ("owner", "Owner"),
    ("counterpart", "Counterpart"),
    ("what", "Action"),
    ("owner_name", "Who"),
    ("due_on", "Due"),
    ("done_on", "Done on"),
    ("note", "Note"),
    ("panel", "Panel"),
    ("details", "Details"),
    ("response", "Response"),
    ("offered_on", "Debrief offered"),
    ("held_on", "Debrief held"),
    ("why_not_earlier", "Why not resolved earlier"),
    ("themes", "Themes"),
    ("good_practice", "Good practice"),
]

#: Chronology details that are days.
DAY_DETAILS = ("occurred_on", "due_on", "done_on", "offered_on", "held_on")


# ---------------------------------------------------------------- the stages


@dataclass
class StageRow:
    number: int
    title: str
    guidance: str
    status_label: str
    status_class: str
    owner_roles: str
    record: Any = None
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    is_current: bool = False
    panel: str = ""
    #: The group the procedure lists the stage under ("Informal (stages 1 and 2)").
    group: str = ""
    #: The card's title and its summary list's rows (:mod:`.summary_rows`).
    card_title: str = ""
    card_rows: list[dict[str, Any]] = field(default_factory=list)
    #: A reached stage's owner's role, by the procedure's own name for it.
    owner_role: str = ""


def day(value: Any) -> str:
    """A day as the pages write it, from a date or an ISO date string ("" for none)."""
    if isinstance(value, str) and value:
        try:
            return format_day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return format_day(value)
    return ""


def deadline_row(d: dict[str, Any], stored: DeadlineRow | None = None) -> dict[str, Any]:
    """One deadline as kept with a stage record (or projected), ready to show; with its
    stored row, the day comes with its status (``tag``) and, for an extra deadline due
    after the stage must be concluded, a note saying so. The same deadline kept twice (a
    conclude-by and the act-by it is) reads the same, so the card shows it once."""
    if stored is None:
        return {
            "label": d.get("label") or "",
            "due": day(d.get("due")),
            "explanation": d.get("explanation") or "",
            "status": "",
            "tag": None,
            "note": "",
            "stage": 0,
        }
    return {
        "label": d.get("label") or "",
        "due": day(stored.deadline.due),
        "explanation": d.get("explanation") or "",
        "status": stored.status,
        "tag": DEADLINE_TAGS[stored.status],
        "note": stored.note,
        "stage": stored.deadline.stage,
    }


def needs_projection(procedure: Procedure, records: dict[int, Any]) -> bool:
    """Whether some stage's card needs the engine's projected deadlines: one the case
    has not reached (a stage it reached keeps its own, stored)."""
    return any(records.get(s.number) is None for s in procedure.stages)


def kept_form(row: DeadlineRow) -> dict[str, Any]:
    """A stored deadline in the shape a stage record keeps one."""
    d = row.deadline
    return {"key": d.key, "label": d.label, "due": d.due, "explanation": d.explanation}


def waiting_deadlines(record: Any) -> list[dict[str, Any]]:
    """The deadlines a reached stage's record keeps that are not due yet: waiting for
    the owner's date or for what they count from (the engine's explanation says which),
    in the shape a stage record keeps them."""
    kept = (record.deadlines or {}) if record is not None else {}
    found = [{**kept[key], "key": key} for key in STAGE_KEYS if kept.get(key)]
    found += [d for d in kept.get("other") or [] if d]
    return [d for d in found if not d.get("due")]


def stored_deadlines(
    procedure: Procedure,
    number: int,
    rows: Sequence[DeadlineRow],
    waiting: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """A reached stage's deadlines read from its stored rows, with those ``waiting``
    (:func:`waiting_deadlines`) that have none: start-, conclude- and act-by, then the
    extra ones in the definition's order."""
    extra = [d.key for d in procedure.stage(number).other_deadlines]

    def order(key: str) -> tuple[int, int, str]:
        if key in STAGE_KEYS:
            return (0, STAGE_KEYS.index(key), key)
        return (1, extra.index(key) if key in extra else len(extra), key)

    shown = [(r.deadline.key, deadline_row(kept_form(r), r)) for r in rows]
    have = {key for key, _ in shown}
    shown += [
        (key, deadline_row(d))
        for d in waiting
        if (key := str(d.get("key") or "")) and key not in have
    ]
    return [row for _, row in sorted(shown, key=lambda pair: order(pair[0]))]


def stage_rows(
    case: Case,
    procedure: Procedure,
    records: dict[int, Any],
    statuses: dict[int, StageStatus],
    projected: dict[int, list[dict[str, Any]]],
    stored: Sequence[DeadlineRow] = (),
    *,
    may_tick: bool = False,
) -> list[StageRow]:
    """Every stage of the procedure, with its status, its deadlines and its required
    actions. A stage the case reached shows its stored deadlines, each with its status
    (or, for a case kept from before deadlines were stored, those its record keeps); a
    stage not reached shows those projected, with the status of any stored already.
    ``may_tick``: whether the person may tick off the current stage's required actions
    (each gets a link)."""
    tags = summary_rows.Tags()
    kept_rows = {(r.deadline.stage, r.deadline.key): r for r in stored}
    by_stage: dict[int, list[DeadlineRow]] = {}
    for r in stored:
        by_stage.setdefault(r.deadline.stage, []).append(r)
    rows = []
    for stage in procedure.stages:
        status = statuses.get(stage.number, StageStatus.NOT_REACHED)
        label, css = STATUS_TAGS[status]
        record = records.get(stage.number)
        deadlines: list[dict[str, Any]] = []
        n = stage.number
        if record is not None and n in by_stage:
            deadlines = stored_deadlines(procedure, n, by_stage[n], waiting_deadlines(record))
        elif record is not None and record.deadlines:
            kept = record.deadlines
            for key in ("start_by", "conclude_by", "act_by"):
                if kept.get(key):
                    deadlines.append(deadline_row(kept[key], kept_rows.get((n, key))))
            deadlines.extend(
                deadline_row(d, kept_rows.get((n, d.get("key") or "")))
                for d in kept.get("other") or []
            )
        elif n in projected:
            for d in projected[n]:
                row = kept_rows.get((n, d.get("key") or ""))
                deadlines.append(deadline_row(kept_form(row) if row else d, row))
        done = set(record.checklist_done) if record else set()
        shown = StageRow(
            number=stage.number,
            title=stage.title,
            guidance=stage.guidance,
            status_label=label,
            status_class=css,
            owner_roles=" or ".join(procedure.role_label(r).lower() for r in stage.owners),
            record=record,
            deadlines=deadlines,
            checklist=[
                {"key": c.key, "text": c.text, "done": c.key in done} for c in stage.checklist
            ],
            is_current=stage.number == case.current_stage and case.is_open,
            panel=stage.panel.name if stage.panel else "",
            group=group.words if (group := procedure.group_of(stage.number)) else "",
            owner_role=role_name(procedure, record),
        )
        shown.card_title = summary_rows.stage_title(shown, tags)
        shown.card_rows = summary_rows.stage_card_rows(shown, case, may_tick, tags)
        rows.append(shown)
    return rows


def role_name(procedure: Procedure, record: Any) -> str:
    """What the procedure calls the role a stage record's owner holds ("Head of
    service"); "" for no record."""
    if record is None or not record.owner_role:
        return ""
    try:
        return procedure.role_label(Role(record.owner_role))
    except ValueError:  # a role no longer known: as the record names it
        return str(record.get_owner_role_display())


# ---------------------------------------------------------------- the headline


def owner_words(
    row: DeadlineRow, records_by_id: dict[int, Any], procedure: Procedure | None = None
) -> str:
    """Who a stored deadline is due from: the stage owner's name, or the role's holders
    (by the procedure's own name for the role, when given)."""
    d = row.deadline
    record = records_by_id.get(d.owner_stage_id) if d.owner_stage_id else None
    if record is not None and record.owner is not None:
        return str(record.owner.full_name)
    role = d.owner_role
    if role is None:
        return ""
    label = procedure.role_label(role) if procedure is not None else role.label
    if role in PARTNERSHIP_ROLES:
        return f"the {label.lower()}"
    return f"{article(label).lower()} {label.lower()} in an agency involved"


def next_due(
    stored: Sequence[DeadlineRow],
    open_ids: Iterable[int],
    records: Iterable[Any],
    procedure: Procedure | None = None,
) -> dict[str, Any] | None:
    """What is due next on the case, by when and from whom: its soonest stored deadline
    still being worked towards (``open_ids``: those :func:`deadlines.open_deadlines`
    holds), or None."""
    wanted = set(open_ids)
    rows = [r for r in stored if r.deadline.pk in wanted]
    if not rows:
        return None
    row = min(rows, key=lambda r: (r.deadline.due, r.deadline.stage, r.deadline.key))
    return {
        "name": row.name,
        "due": row.due_text,
        "who": owner_words(row, {r.pk: r for r in records}, procedure),
        "status": DEADLINE_TAGS[row.status],
        "stage": row.deadline.stage,
    }


# ---------------------------------------------------------------- the chronology


def event_rows(events: list[Event], whole: str = "") -> list[dict[str, Any]]:
    """The chronology's entries, each with its details in words and the entries that
    correct it. ``whole``: the address of the whole chronology, when ``events`` are only
    the latest entries (a link to an entry not among them goes there)."""
    shown = {e.pk for e in events}

    def href(pk: int) -> str:
        return f"#event-{pk}" if pk in shown or not whole else f"{whole}#event-{pk}"

    corrected_by: dict[int, list[int]] = {}
    for e in events:
        if e.corrects_id:
            corrected_by.setdefault(e.corrects_id, []).append(e.pk)
    rows = []
    for e in events:
        data = e.data or {}
        details = []
        for key, label in EVENT_DETAILS:
            value = data.get(key)
            if value in (None, "", []):
                continue
            if key in DAY_DETAILS:
                value = day(value)
            elif key == "themes":
                value = ", ".join(value)
            elif key == "response" and e.action == "case.responded":
                value = "Agrees" if value == "agree" else "Disagrees"
            details.append((label, value))
        for action in data.get("agreed_actions") or []:
            details.append(
                (
                    "Action agreed",
                    f"{action.get('what')} ({action.get('agency')}, "
                    f"{action.get('owner')}, due {day(action.get('due_on'))})",
                )
            )
        rows.append(
            {
                "event": e,
                "details": [summary_rows.words_row(label, value) for label, value in details],
                "corrects_href": href(e.corrects_id) if e.corrects_id else "",
                "corrected_by": [href(pk) for pk in corrected_by.get(e.pk, [])],
            }
        )
    return rows


# ---------------------------------------------------------------- the procedure


def procedure_link(case: Case, procedure: Procedure) -> dict[str, str]:
    """The procedure version the case runs, in words, and the address of its page ("":
    none to link to)."""
    try:
        url = reverse(
            "partnerships:procedure_version", args=[case.partnership.slug, case.definition_id]
        )
    except NoReverseMatch:  # the procedure version page is not served (yet)
        url = ""
    return {"text": f"{procedure.name}, version {procedure.version}", "url": url}


# ---------------------------------------------------------------- what may be done


def offered_actions(
    case: Case, allowed: AbstractSet[CaseAction], procedure: Procedure
) -> list[dict[str, str]]:
    """The buttons for what this person may do now, most likely first."""
    ref = case.reference
    final = case.current_stage == len(procedure.stages)
    labels: list[tuple[CaseAction, str, str]] = [
        (CaseAction.ACKNOWLEDGE, "cases:acknowledge", "Acknowledge the challenge"),
        (CaseAction.RESPOND, "cases:respond", "Respond to the challenge"),
        (
            CaseAction.RESOLVE,
            "cases:resolve",
            "Record the recommendation and close"
            if final
            else f"Record that stage {case.current_stage} resolved it",
        ),
        (CaseAction.ESCALATE, "cases:escalate", f"Escalate to stage {case.current_stage + 1}"),
        (CaseAction.GIVE_NOTICE, "cases:give_notice", "Give notice that you intend to escalate"),
        (CaseAction.SET_TIMESCALE, "cases:set_timescale", "Set a timescale"),
        (CaseAction.EXPEDITE, "cases:expedite", "Expedite to a later stage"),
        (
            CaseAction.RECORD_CONSULTATION,
            "cases:record_consultation",
            "Record your consultation before skipping stages",
        ),
        (CaseAction.TICK, "cases:tick", "Tick off a required action"),
        (
            CaseAction.RECORD_CONTACT,
            "cases:record",
            "Record written representations, a contact, meeting or note"
            if final and case.is_open
            else "Record a contact, meeting or note",
        ),
        (CaseAction.ADD_AGREED_ACTION, "cases:add_action", "Add an agreed action"),
        (CaseAction.REFER_TO_PANEL, "cases:panel", "Refer to the panel"),
        (CaseAction.FLAG_POLICY_ISSUE, "cases:policy_issue", "Flag a policy issue"),
        (CaseAction.RECORD_DEBRIEF, "cases:debrief", "Record a debrief"),
        (CaseAction.RECORD_LEARNING, "cases:learning", "Record learning"),
        (CaseAction.WITHDRAW, "cases:withdraw", "Withdraw the challenge"),
    ]
    if case.is_open:
        # Debriefs are mostly recorded at closure; offer them then.
        allowed = allowed - {CaseAction.RECORD_DEBRIEF}
    return [
        {"url": reverse(name, args=[ref]), "label": label, "action": action.value}
        for action, name, label in labels
        if action in allowed
    ]


# ---------------------------------------------------------------- choices on the forms


def agency_choices(case: Case) -> list[tuple[str, str]]:
    """The case's two agencies, as form choices (value: the agency's id)."""
    return [
        (str(case.raising_agency_id), case.raising_agency.name),
        (str(case.other_agency_id), case.other_agency.name),
    ]


def owner_choices(
    candidates: Iterable[OwnerCandidate], procedure: Procedure
) -> list[tuple[str, str]]:
    """Who may own a stage, as form choices (value ``pk:role``), each role by the
    procedure's own name for it."""
    return [
        (
            f"{c.person.pk}:{c.role.value}",
            f"{c.person.full_name}, {procedure.role_label(c.role)} ({c.where})",
        )
        for c in candidates
    ]
