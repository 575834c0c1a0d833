"""Procedure versions (:class:`~escalate.partnerships.models.ProcedureVersion`): the
only code that makes and publishes them, and the reads that find the version in force
on a day and the procedure a case runs.

Each version is stored once per partnership (its snapshot's :func:`content_hash` is
unique there) and cases refer to it, so a case row carries no copy of its procedure.

Each version records where it came from (:class:`VersionSource`). The first time a
partnership's procedure is needed and it has no published version, the library's
definition for its ``procedure_key`` is stored as its first version, published from the
definition's ``effective`` date. While the partnership follows the library (its latest
published version came from the library, or was rebuilt from older cases' copies,
which did), a changed library definition (a new file shipped, or an administrator
choosing another key) is stored as a new version, in force from its effective date or
from the day it is first seen, whichever is later. A version the board wrote or
imported is never replaced by reading: only by the board publishing another, or by
:func:`follow_library`. A case keeps the version it was raised under whatever happens
afterwards.

A parsed version is kept for the life of the process by its id (a UUID, never
reused), so each version is parsed once per process.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import F, Max, OrderBy, QuerySet

from escalate import clock
from escalate.errors import Conflict, Invalid, NotAllowed, NotFound
from escalate.partnerships import definition_text, permissions, version_records
from escalate.partnerships.models import (
    Partnership,
    ProcedureVersion,
    VersionChangeKind,
    VersionSource,
    VersionStatus,
)
from escalate.partnerships.parsed_versions import kept
from escalate.partnerships.version_content import content_hash as content_hash
from escalate.partnerships.version_content import library_entry, library_procedure, library_text
from escalate.partnerships.version_content import snapshot as snapshot
from escalate.partnerships.version_models import ShownStatus
from escalate.procedures import library
from escalate.procedures.model import Procedure


class BoundToVersion(Protocol):
    """A case (partnerships do not depend on cases): what is read of it here."""

    @property
    def definition_id(self) -> UUID: ...


#: Versions that are (or were) in force for some days.
LIVE = (VersionStatus.PUBLISHED.value, VersionStatus.SUPERSEDED.value)
#: The order in which live versions claim a day: the latest effective date, then the
#: latest publication, then the latest made.
IN_FORCE_ORDER: tuple[OrderBy, ...] = (
    F("effective_from").desc(),
    F("published_at").desc(nulls_last=True),
    F("sequence").desc(),
)
#: The sources of versions that follow the library's later definitions.
FOLLOWING_LIBRARY = (VersionSource.LIBRARY.value, VersionSource.CASES.value)
#: The large columns, left in the database until asked for.
LARGE = ("snapshot", "definition_text")


# ---------------------------------------------------------------- reading

_MEMO = "_escalate_in_force"


@dataclass(frozen=True)
class InForce:
    """A version and its parsed procedure."""

    version: ProcedureVersion
    procedure: Procedure


def procedure_for_case(case: BoundToVersion) -> Procedure:
    """The procedure the case was raised under (parsed once per process per version)."""
    return procedure_of_version_id(case.definition_id)


def procedure_of_version(version: ProcedureVersion) -> Procedure:
    return procedure_of_version_id(version.pk)


def procedure_of_version_id(version_id: UUID) -> Procedure:
    """(A draft's is parsed each time, never kept: its text may change.)"""
    entry = kept.entry(version_id)
    if entry.procedure is not None:
        return entry.procedure
    parsed = library.from_dict(entry.snapshot, f"procedure version {version_id}")
    if entry.kept:
        kept.put(version_id, entry.snapshot, parsed)
    return parsed


def snapshot_of_version_id(version_id: UUID) -> dict[str, Any]:
    """The stored snapshot (kept per process like the parsed procedure; do not change
    it)."""
    return kept.entry(version_id).snapshot


def in_force(partnership: Partnership, on_date: dt.date) -> InForce:
    """The version in force for the partnership on ``on_date`` and its procedure.

    Remembered on the partnership object for that day (and that library definition),
    so asking again while one request is served costs nothing."""
    template = library_procedure(partnership)
    memo = partnership.__dict__.get(_MEMO)
    if memo is not None and memo[0] == on_date and memo[1] is template:
        found: InForce = memo[2]
        return found
    version = version_in_force(partnership, on_date)
    result = InForce(version, procedure_of_version(version))
    partnership.__dict__[_MEMO] = (on_date, template, result)
    return result


def version_in_force(partnership: Partnership, on_date: dt.date) -> ProcedureVersion:
    """The published version whose effective date is the latest on or before
    ``on_date`` (a day before every version's: the earliest version). If the
    partnership has no published version, or follows the library and the library's
    definition for its key has changed, that definition is stored first (see the
    module's description). Its large columns are deferred."""
    latest = _latest_query(partnership)
    template = library_procedure(partnership)
    if template is not None and (latest is None or latest.source in FOLLOWING_LIBRARY):
        data, digest = library_entry(template)
        if latest is None or not _same_definition(latest, data, digest):
            stored, made = _from_library(partnership, template, data, digest)
            if made or latest is None:  # (None: another process stored it just now)
                latest = _latest_query(partnership) or stored
    found = _in_force_query(partnership, on_date, latest)
    if found is None:
        library.get(partnership.procedure_key)  # says there is no such procedure
        raise LookupError(f"{partnership} has no procedure version")  # pragma: no cover
    return found


def stores_nothing_first(partnership: Partnership, latest: ProcedureVersion | None) -> bool:
    """Whether :func:`version_in_force` finds the partnership's version among those
    stored, its latest live one being ``latest``: it stores no library definition first
    and refuses nothing (so many partnerships' versions may be read together)."""
    template = library_procedure(partnership)
    if latest is None or template is None or latest.source not in FOLLOWING_LIBRARY:
        return latest is not None
    return _same_definition(latest, *library_entry(template))


def status_on(
    version: ProcedureVersion, on_date: dt.date, in_force_then: ProcedureVersion
) -> ShownStatus:
    """What ``version`` is on ``on_date``, worked out from the effective dates (the
    stored status says only whether it is a draft): a draft; in force (it is
    ``in_force_then``, :func:`version_in_force` on that day); scheduled (in force from
    a later day); or superseded (its day has come and another version is in force).
    The one place that decides: every page and command that shows a status asks it."""
    if version.is_draft:
        return ShownStatus.DRAFT
    if version.pk == in_force_then.pk:
        return ShownStatus.IN_FORCE
    if version.effective_from is not None and version.effective_from > on_date:
        return ShownStatus.SCHEDULED
    return ShownStatus.SUPERSEDED


def versions_of(partnership: Partnership) -> QuerySet[ProcedureVersion]:
    """Every version of the partnership's procedure, first first (large columns
    deferred)."""
    return ProcedureVersion.objects.filter(partnership=partnership).defer(*LARGE)


def _live(partnership: Partnership) -> QuerySet[ProcedureVersion]:
    live = ProcedureVersion.objects.filter(partnership_id=partnership.pk, status__in=LIVE)
    return live.defer(*LARGE)


def _latest_query(partnership: Partnership) -> ProcedureVersion | None:
    """The live version with the latest effective date: in force today, or to come."""
    return _live(partnership).order_by(*IN_FORCE_ORDER).first()


def _in_force_query(
    partnership: Partnership, on_date: dt.date, latest: ProcedureVersion | None = None
) -> ProcedureVersion | None:
    """(``latest``: what :func:`_latest_query` gave just now, which saves asking again
    when it is in force on ``on_date``.)"""
    if latest is not None and latest.effective_from and latest.effective_from <= on_date:
        return latest
    live = _live(partnership)
    found = live.filter(effective_from__lte=on_date).order_by(*IN_FORCE_ORDER).first()
    if found is None:
        found = live.order_by("effective_from", "published_at", "sequence").first()
    return found


# ---------------------------------------------------------------- making and publishing


def store_draft(
    actor: Any,
    partnership: Partnership,
    procedure: Procedure,
    *,
    text: str = "",
    started_from: str = "",
) -> ProcedureVersion:
    """A draft version of ``procedure`` (already valid: parsed by the library), recorded
    as started (``started_from``: from what). If the partnership already has a version
    with the same content, that version is given back unchanged: each version is
    stored once. ``text``, the definition as written, is kept as the authoring pages
    keep it (:func:`.definition_text.prepared`: :class:`Invalid` if it cannot be)."""
    _require_author(actor, partnership)
    text, refused = definition_text.prepared(text)
    if refused:
        raise Invalid({"text": refused})
    data = snapshot(procedure)
    with transaction.atomic():
        version, made = _store(
            partnership,
            procedure,
            data,
            content_hash(data),
            text=text,
            actor=actor,
            effective_from=None,
            source=VersionSource.BOARD,
        )
        if made:
            words = f"from {started_from}; no problems" if started_from else "no problems"
            version_records.record(version, actor, VersionChangeKind.STARTED, words)
    return version


def publish(actor: Any, version: ProcedureVersion, effective_from: dt.date) -> ProcedureVersion:
    """Publish ``version`` (a draft, or one published before, whose date changes): it
    is in force from ``effective_from`` until a version effective later.

    The version's row is locked and read again first, so of two publishing the same
    draft at once only one does: the other is refused (:class:`Conflict`), as is a
    draft whose content changed since ``version`` was read. ``version`` is given the
    published row's status and dates."""
    _require_author(actor, version.partnership)
    with transaction.atomic():
        locked = (
            ProcedureVersion.objects.select_for_update()
            .filter(pk=version.pk, partnership_id=version.partnership_id)
            .defer(*LARGE)
            .first()
        )
        if locked is None:
            raise NotFound("There is no such version.")
        if version.is_draft and not locked.is_draft:
            raise Conflict(f"Version {locked.sequence} is already published.", reason="published")
        if locked.content_hash != version.content_hash:
            raise Conflict(
                f"Version {locked.sequence} has changed since it was read, so it was not "
                "published. Check it again, then publish it.",
                reason="changed",
            )
        if locked.is_draft and not locked.publishable:
            raise Conflict(version_records.unpublishable(locked))
        locked.partnership = version.partnership
        _publish(locked, effective_from, actor)
    for name in ("status", "effective_from", "published_at", "published_by"):
        setattr(version, name, getattr(locked, name))
    return version


def follow_library(actor: Any, partnership: Partnership) -> ProcedureVersion:
    """Make the library's definition for the partnership's key the version in force
    from today (or its effective date, if later): after an administrator chooses
    another procedure, even one the partnership followed before. From then on the
    partnership follows the library (a version of the board's with the same content
    is taken to be the library's)."""
    _require_author(actor, partnership)
    template = library.get(partnership.procedure_key)
    data, digest = library_entry(template)
    with transaction.atomic():
        version, made = _from_library(partnership, template, data, digest, actor=actor)
        if version.source == VersionSource.BOARD:
            version.source = VersionSource.LIBRARY
            version.save(update_fields=["source"])
        today = clock.today()
        current = _in_force_query(partnership, today)
        if not made and (current is None or current.pk != version.pk):
            _publish(version, max(template.effective, today), actor)
    forget(partnership)
    return version


def forget(partnership: Partnership) -> None:
    """Drop what :func:`in_force` remembered on this partnership object."""
    partnership.__dict__.pop(_MEMO, None)


def _require_author(actor: Any, partnership: Partnership) -> None:
    if not permissions.may_author_procedure(actor, partnership):
        raise NotAllowed(f"You do not write {partnership}'s procedure, so cannot change it.")


def _publish(version: ProcedureVersion, effective_from: dt.date, actor: Any) -> None:
    version.status = VersionStatus.PUBLISHED
    version.effective_from = effective_from
    version.published_at = clock.now()
    version.published_by = actor if getattr(actor, "pk", None) else None
    version.save(update_fields=["status", "effective_from", "published_at", "published_by"])
    _mark_superseded(version.partnership_id)
    forget(version.partnership)
    version_records.record(
        version,
        actor,
        VersionChangeKind.PUBLISHED,
        f"in force from {version_records.spoken(effective_from)}",
    )


def _mark_superseded(partnership_id: int) -> None:
    """Versions a later one has replaced by today: superseded; the one in force today
    and any still to come: published."""
    live = ProcedureVersion.objects.filter(partnership_id=partnership_id, status__in=LIVE)
    ordered = list(live.order_by(*IN_FORCE_ORDER).only("pk", "effective_from", "status"))
    today = clock.today()
    current = next(
        (n for n, v in enumerate(ordered) if v.effective_from and v.effective_from <= today),
        None,
    )
    if current is None:
        return
    older = [v.pk for v in ordered[current + 1 :] if v.status != VersionStatus.SUPERSEDED]
    newer = [v.pk for v in ordered[: current + 1] if v.status != VersionStatus.PUBLISHED]
    if older:
        live.filter(pk__in=older).update(status=VersionStatus.SUPERSEDED)
    if newer:
        live.filter(pk__in=newer).update(status=VersionStatus.PUBLISHED)


def _from_library(
    partnership: Partnership,
    template: Procedure,
    data: dict[str, Any],
    digest: str,
    *,
    actor: Any = None,
) -> tuple[ProcedureVersion, bool]:
    """The library's definition stored as a published version (if it is not yet).

    A draft of the board's with the same content is published as the library's
    (otherwise a draft could be taken for the version in force)."""
    has_versions = ProcedureVersion.objects.filter(
        partnership_id=partnership.pk, status__in=LIVE
    ).exists()
    effective = max(template.effective, clock.today()) if has_versions else template.effective
    version, made = _store(
        partnership,
        template,
        data,
        digest,
        text=library_text(template, digest),
        actor=actor,
        effective_from=effective,
        source=VersionSource.LIBRARY,
    )
    if made:
        _mark_superseded(partnership.pk)
        forget(partnership)
    elif version.status == VersionStatus.DRAFT:
        version.source = VersionSource.LIBRARY
        version.save(update_fields=["source"])
        _publish(version, effective, actor)
        made = True
    return version, made


def _store(
    partnership: Partnership,
    procedure: Procedure,
    data: dict[str, Any],
    digest: str,
    *,
    text: str,
    actor: Any,
    effective_from: dt.date | None,
    source: VersionSource,
) -> tuple[ProcedureVersion, bool]:
    """Get or create the version with this content, safe when two processes try at
    once (the unique constraints decide; the loser takes the winner's)."""
    person = actor if getattr(actor, "pk", None) else None
    status = VersionStatus.DRAFT if effective_from is None else VersionStatus.PUBLISHED
    mine = ProcedureVersion.objects.filter(partnership_id=partnership.pk)
    for _attempt in range(5):
        found = mine.filter(content_hash=digest).defer(*LARGE).first()
        if found is not None:
            return found, False
        last = mine.aggregate(n=Max("sequence"))["n"] or 0
        now = clock.now()
        try:
            with transaction.atomic():
                made = ProcedureVersion.objects.create(
                    partnership=partnership,
                    sequence=last + 1,
                    status=status,
                    effective_from=effective_from,
                    library_key=procedure.key,
                    version_label=procedure.version,
                    definition_text=text,
                    snapshot=data,
                    content_hash=digest,
                    source=source,
                    created_at=now,
                    created_by=person,
                    published_at=None if effective_from is None else now,
                    published_by=None if effective_from is None else person,
                )
        except IntegrityError:
            continue  # someone else took the number, or stored the same content
        if effective_from is not None:
            kept.put(made.pk, data, procedure)
        return made, True
    raise RuntimeError(f"could not store a procedure version for {partnership}")


# ---------------------------------------------------------------- drafts the board writes


def save_draft_text(
    actor: Any,
    partnership: Partnership,
    text: str,
    *,
    version: ProcedureVersion | None = None,
    started_from: str = "",
    revision: str | None = None,
) -> ProcedureVersion:
    """Keep ``text`` as a draft, problems and all (:func:`.drafts.save_draft_text`)."""
    from escalate.partnerships import drafts

    return drafts.save_draft_text(
        actor, partnership, text, version=version, started_from=started_from, revision=revision
    )


def publish_draft(
    actor: Any,
    version: ProcedureVersion,
    effective_from: dt.date,
    *,
    content_hash: str | None = None,
) -> ProcedureVersion:
    """Publish a draft from today or later (:func:`.drafts.publish_draft`)."""
    from escalate.partnerships import drafts

    return drafts.publish_draft(actor, version, effective_from, content_hash=content_hash)


# ---------------------------------------------------------------- the library


_same_lock = threading.Lock()
_same_seen: dict[tuple[UUID, str], bool] = {}


def _same_definition(latest: ProcedureVersion, data: dict[str, Any], digest: str) -> bool:
    """Does the stored version say what the library's snapshot ``data`` says? Equal
    hashes say so at once; otherwise the stored snapshot is read with today's format,
    so a field the format gained since (stored snapshots lack it: it takes its default)
    is not taken for a new definition, and a partnership is not given a new version
    when only Escalate changed."""
    if latest.content_hash == digest:
        return True
    if latest.content_hash is None:
        return False
    key = (latest.pk, digest)
    with _same_lock:
        seen = _same_seen.get(key)
    if seen is None:
        seen = snapshot(procedure_of_version_id(latest.pk)) == data
        with _same_lock:
            if len(_same_seen) >= 256:
                _same_seen.clear()
            _same_seen[key] = seen
    return seen
