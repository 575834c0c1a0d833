"""Drafts of a partnership's procedure written by the board in the browser: kept as
typed, problems and all, and published from a date. With
:mod:`escalate.partnerships.versions` (which publishes them), the only code that
stores or changes procedure versions. Who may: :func:`escalate.partnerships.
permissions.may_author_procedure`, asked by every function here.

A draft with problems keeps its text, and the problems found in it (each with its line
and field where the library says), but has no snapshot and no content hash: it can
never be published, and nothing else reads it (no case runs a draft; drafts belong to
one partnership). A draft the same as another version of the partnership is kept too,
with that as its problem, so starting a draft from the version in force works.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from escalate import clock
from escalate.errors import Conflict, Invalid, NotAllowed, NotFound
from escalate.partnerships import definition_text, permissions, version_records, versions
from escalate.partnerships.models import (
    Partnership,
    ProcedureVersion,
    VersionChangeKind,
    VersionSource,
    VersionStatus,
)

#: Why a draft is not published when it is not the draft the author previewed.
CHANGED_SINCE_PREVIEW = (
    "This draft has changed since you previewed it, so it was not published. Preview it "
    "again, then publish it."
)


class StaleDraft(Conflict):
    """The draft was saved by someone else since the person opened it: nothing saved."""

    def __init__(self, version: ProcedureVersion) -> None:
        by = version.updated_by.full_name if version.updated_by else "someone else"
        at = f" at {version_records.time_words(version.updated_at)}" if version.updated_at else ""
        super().__init__(
            f"{by} saved this draft{at} since you opened it, so your text was not saved. "
            "Your text is below: check their changes on the versions page, or save again "
            "to replace them.",
            reason="stale",
        )
        self.revision = revision_of(version)


def revision_of(version: ProcedureVersion) -> str:
    """Which text of a draft this is (a digest of it): sent back with the edit form, so
    a draft saved by someone else meanwhile is not overwritten unknowingly."""
    text = version.definition_text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:32]


def _require_author(actor: Any, partnership: Partnership) -> None:
    if not permissions.may_author_procedure(actor, partnership):
        raise NotAllowed(f"You do not write {partnership}'s procedure, so cannot change it.")


def save_draft_text(
    actor: Any,
    partnership: Partnership,
    text: str,
    *,
    version: ProcedureVersion | None = None,
    started_from: str = "",
    revision: str | None = None,
) -> ProcedureVersion:
    """Keep ``text`` as a draft of the partnership's procedure: a new draft, or
    ``version`` (a draft of this partnership) changed. The text is kept even when it
    has problems: they are stored with it (line, field, message) and such a draft has
    no snapshot, so it can never be published. A draft the same as another version of
    the partnership is kept too, with that as its problem. ``started_from`` says, for
    a new draft, what it was started from (for the record of changes); ``revision``
    (:func:`revision_of` when the person opened it), if given, must still be the
    draft's (:class:`StaleDraft` if not)."""
    _require_author(actor, partnership)
    text, refused = definition_text.prepared(text)
    if refused:
        raise Invalid({"text": refused})
    reading = definition_text.read(text)
    procedure = reading.procedure
    if procedure is not None:
        # The library's version, if the partnership has none yet, is stored first: it
        # is the one in force, and one a usable draft may be the same as.
        versions.version_in_force(partnership, clock.today())
    data = versions.snapshot(procedure) if procedure is not None else None
    digest = versions.content_hash(data) if data is not None else ""
    person = actor if getattr(actor, "pk", None) else None
    fields: dict[str, Any] = {
        "definition_text": text,
        "snapshot": data,
        "library_key": procedure.key if procedure else partnership.procedure_key,
        "version_label": procedure.version[:100] if procedure else "",
        "updated_at": clock.now(),
        "updated_by": person,
    }
    mine = ProcedureVersion.objects.filter(partnership_id=partnership.pk)
    for _attempt in range(5):
        problems = list(reading.problems)
        same = mine.filter(content_hash=digest) if digest else mine.none()
        if version is not None:
            same = same.exclude(pk=version.pk)
        twin = same.only("sequence").first()
        if twin is not None:
            problems.append(
                definition_text.Problem(
                    line=None,
                    field="",
                    message=f"This draft is the same as version {twin.sequence}: change "
                    "something before you publish it",
                )
            )
        fields.update(problems=problems, content_hash="" if twin else digest)
        try:
            with transaction.atomic():
                saved = _save_draft(partnership, version, fields, person, revision)
                words = version_records.problem_words(len(problems))
                if version is None:
                    detail = f"from {started_from}; {words}" if started_from else words
                    version_records.record(saved, actor, VersionChangeKind.STARTED, detail)
                else:
                    version_records.record(saved, actor, VersionChangeKind.SAVED, words)
        except IntegrityError:
            continue  # someone else took the number, or stored the same content
        return saved
    raise RuntimeError(f"could not store a procedure version for {partnership}")


def _save_draft(
    partnership: Partnership,
    version: ProcedureVersion | None,
    fields: dict[str, Any],
    person: Any,
    revision: str | None = None,
) -> ProcedureVersion:
    if version is None:
        last = ProcedureVersion.objects.filter(partnership_id=partnership.pk).aggregate(
            n=Max("sequence")
        )["n"]
        return ProcedureVersion.objects.create(
            partnership=partnership,
            sequence=(last or 0) + 1,
            status=VersionStatus.DRAFT,
            source=VersionSource.BOARD,
            created_at=fields["updated_at"],
            created_by=person,
            **fields,
        )
    locked = (
        ProcedureVersion.objects.select_for_update(of=("self",))
        .filter(pk=version.pk, partnership_id=partnership.pk)
        .select_related("updated_by")
        .first()
    )
    if locked is None:
        raise NotFound("There is no such draft.")
    if not locked.is_draft:
        raise Conflict(
            f"Version {locked.sequence} is published, so it can no longer change. "
            "Start a new draft from it instead."
        )
    if revision is not None and revision != revision_of(locked):
        raise StaleDraft(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(fields))
    return locked


def publish_draft(
    actor: Any,
    version: ProcedureVersion,
    effective_from: dt.date,
    *,
    content_hash: str | None = None,
) -> ProcedureVersion:
    """Publish a draft of the board's, in force from ``effective_from`` (today or
    later): the authoring pages' way. Refused for a draft with problems, one already
    published, and (given ``content_hash``, what the author previewed) one changed
    since. Open cases keep the version they were raised under; cases raised from that
    day run this one."""
    partnership = version.partnership
    _require_author(actor, partnership)
    today = clock.today()
    if effective_from < today:
        raise Invalid({"effective_from": "The date it comes into force must be today or later"})
    with transaction.atomic():
        locked = (
            ProcedureVersion.objects.select_for_update()
            .filter(pk=version.pk, partnership_id=partnership.pk)
            .first()
        )
        if locked is None:
            raise NotFound("There is no such draft.")
        if not locked.is_draft:
            raise Conflict(f"Version {locked.sequence} is already published.")
        if not locked.publishable:
            raise Conflict(version_records.unpublishable(locked))
        if content_hash is not None and locked.content_hash != content_hash:
            raise Conflict(CHANGED_SINCE_PREVIEW, reason="changed")
        locked.partnership = partnership
        versions.publish(actor, locked, effective_from)
    return locked
