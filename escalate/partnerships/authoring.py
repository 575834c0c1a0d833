"""What the pages for writing a partnership's procedure read (nothing here changes
anything: :mod:`escalate.partnerships.drafts` and :mod:`escalate.partnerships.versions`
do): the versions and their record, where a draft may start from, a version's
procedure, and the preview of a draft (who is told at every move, deadlines for chosen
dates, the difference from the version in force).

The preview's parts come from :mod:`escalate.procedures.preview` (who is told, as the
engine decides; deadlines) and :mod:`escalate.procedures.diff`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from escalate.partnerships import calendars, definition_text, version_records, versions
from escalate.partnerships.models import (
    Partnership,
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
)
from escalate.partnerships.version_models import ShownStatus
from escalate.procedures import diff, library, preview
from escalate.procedures.model import Procedure

# ---------------------------------------------------------------- versions and their record


@dataclass(frozen=True)
class Listed:
    """A version as the pages show it: its status on the day (worked out from the
    effective dates: :func:`~escalate.partnerships.versions.status_on`), and who
    published it and changed it last ("Alice Smith", "alice at the command line";
    "Escalate" published a version it took from the library; "" when no one is
    known)."""

    version: ProcedureVersion
    status: ShownStatus
    published_by: str
    changed_by: str


def history(partnership: Partnership, today: dt.date, current: ProcedureVersion) -> list[Listed]:
    """Every version, the latest first, with its status today (``current``: the version
    in force today) and who published and changed it."""
    rows = _with_labels(versions.versions_of(partnership)).order_by("-sequence")
    return [_listed(v, today, current) for v in rows]


def listed(version: ProcedureVersion, today: dt.date, current: ProcedureVersion) -> Listed:
    """One version as :func:`history` lists it."""
    found = _with_labels(ProcedureVersion.objects.filter(pk=version.pk)).defer(*versions.LARGE)
    row = found.first() or version
    return _listed(row, today, current)


def _with_labels(rows: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    """With who published and changed each version last at the command line (no
    account: the record of changes keeps their name)."""
    by_command = VersionChange.objects.filter(version=OuterRef("pk"), actor__isnull=True)
    published = by_command.filter(change=VersionChangeKind.PUBLISHED)
    return rows.select_related("created_by", "updated_by", "published_by").annotate(
        published_label=Subquery(_latest_label(published)),
        changed_label=Subquery(_latest_label(by_command)),
    )


def _latest_label(changes: QuerySet[VersionChange]) -> QuerySet[VersionChange, Any]:
    return changes.order_by("-at", "-id").values("actor_label")[:1]


def _listed(version: ProcedureVersion, today: dt.date, current: ProcedureVersion) -> Listed:
    published_by = ""
    if version.published_at is not None:
        published_by = (
            version.published_by.full_name
            if version.published_by
            else getattr(version, "published_label", None) or "Escalate"
        )
    person = version.updated_by or version.created_by
    changed_by = person.full_name if person else getattr(version, "changed_label", None) or ""
    return Listed(version, versions.status_on(version, today, current), published_by, changed_by)


@dataclass(frozen=True)
class Change:
    """One entry of the record of changes to a version, in words (times where Escalate
    runs)."""

    when: str
    what: str
    by: str
    detail: str


def changes_of(version: ProcedureVersion) -> list[Change]:
    """The record of changes to one version, the latest first."""
    rows = VersionChange.objects.filter(version=version).only(
        "at", "actor_label", "change", "detail"
    )
    return [
        Change(version_records.when_words(c.at), c.get_change_display(), c.actor_label, c.detail)
        for c in rows
    ]


def version_of(partnership: Partnership, version_id: Any) -> ProcedureVersion | None:
    """One version of the partnership (None if it has no such version)."""
    return (
        ProcedureVersion.objects.filter(partnership=partnership, pk=version_id)
        .select_related("partnership", "created_by", "updated_by", "published_by")
        .first()
    )


@dataclass(frozen=True)
class Standing:
    """The version in force today, and the next one scheduled after it (if any)."""

    current: ProcedureVersion
    scheduled: ProcedureVersion | None


def standing(partnership: Partnership, today: dt.date) -> Standing:
    current = versions.version_in_force(partnership, today)
    later = (
        versions.versions_of(partnership)
        .filter(status__in=versions.LIVE, effective_from__gt=today)
        .exclude(pk=current.pk)
        .order_by("effective_from", "-published_at")
        .first()
    )
    return Standing(current, later)


def procedure_of(version: ProcedureVersion) -> Procedure | None:
    """The version's procedure: a draft's read afresh (its text may change; None while
    it has problems), a published one's as every case reads it."""
    if version.is_draft:
        data = (
            ProcedureVersion.objects.filter(pk=version.pk)
            .values_list("snapshot", flat=True)
            .first()
        )
        if not data:
            return None
        try:
            return library.from_dict(data, f"draft version {version.sequence}")
        except library.DefinitionError:
            return None
    return versions.procedure_of_version(version)


# ---------------------------------------------------------------- where a draft starts


def templates() -> list[tuple[str, str]]:
    """The shipped procedures a draft may start from: (key, name)."""
    return [(key, p.name) for key, p in library.load_library().items()]


def template_text(key: str) -> str:
    """A shipped procedure's file, as written ("" when there is no such procedure)."""
    if key not in library.load_library():
        return ""
    try:
        return definition_text.tidy((library.LIBRARY / f"{key}.toml").read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return ""


def text_of(version: ProcedureVersion) -> str:
    """A version's text to start a draft from: as written, or (for a version rebuilt
    from older cases, which has none) the shipped file if it is the same procedure."""
    text = (
        ProcedureVersion.objects.filter(pk=version.pk)
        .values_list("definition_text", flat=True)
        .first()
    )
    if text:
        return definition_text.tidy(text)
    shipped = template_text(version.library_key)
    if shipped and not version.is_draft:
        reading = definition_text.read(shipped)
        if reading.procedure is not None:
            digest = versions.content_hash(versions.snapshot(reading.procedure))
            if digest == version.content_hash:
                return shipped
    return ""


# ---------------------------------------------------------------- the preview


@dataclass(frozen=True)
class Table:
    """Rows for a GOV.UK table: column headings and each row's cells, as text."""

    head: list[str]
    rows: list[list[str]]


def who_is_told(procedure: Procedure) -> Table:
    """Who Escalate tells at every move, as the engine decides."""
    return Table(
        ["Stage", "Move", "Who is told"],
        [
            [
                "Any stage" if row.stage == preview.ANY_STAGE else str(row.stage),
                row.move,
                "; ".join(row.told) or "Nobody",
            ]
            for row in preview.who_is_told(procedure)
        ],
    )


@dataclass(frozen=True)
class StageDeadlines:
    title: str
    table: Table


def deadlines(
    partnership: Partnership,
    procedure: Procedure,
    arose: dt.date,
    stage_started: dict[int, dt.date],
) -> tuple[list[StageDeadlines], list[str]]:
    """Every stage's deadlines for a concern that arose on ``arose`` and stages begun
    on the days given, counted in the partnership's working days (as its cases count
    them: :func:`.calendars.calendar_for`), or what is wrong with those dates."""
    calendar = calendars.calendar_for(partnership)
    try:
        stages = preview.deadline_rows(procedure, arose, stage_started, calendar)
    except preview.PreviewDates as wrong:
        return [], list(wrong.problems)
    return [
        StageDeadlines(
            f"Stage {s.number}: {s.title}",
            Table(
                ["Deadline", "Due", "How it is worked out"],
                [[r.label, r.due_words, r.explanation] for r in s.rows],
            ),
        )
        for s in stages
    ], []


def differences(old: Procedure | None, new: Procedure) -> list[diff.Difference]:
    """What changes from ``old`` (the version in force) to ``new``, in words."""
    return diff.differences(old, new)
