"""The record of changes to procedure versions
(:class:`~escalate.partnerships.models.VersionChange`): written only here, by
:mod:`escalate.partnerships.versions` and :mod:`escalate.partnerships.drafts`, in the
same transaction as the change; and the words they share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from escalate import clock
from escalate.partnerships.version_models import (
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
)


def record(version: ProcedureVersion, actor: Any, change: VersionChangeKind, detail: str) -> None:
    """Add to the record of changes: changes made by a person (a version Escalate takes
    from the library says so on the version itself: no one made or published it)."""
    if not getattr(actor, "pk", None):
        return
    name = getattr(actor, "full_name", "") or str(actor)
    email = getattr(actor, "email", "")
    label = f"{name} ({email})" if email and email != name else name
    VersionChange.objects.create(
        at=clock.now(),
        version=version,
        actor=actor,
        actor_label=label[:300],
        change=change,
        detail=detail[:300],
    )


def spoken(day: dt.date) -> str:
    """A date as GOV.UK writes it: "1 April 2027"."""
    return f"{day.day} {day:%B} {day.year}"


def unpublishable(version: ProcedureVersion) -> str:
    return (
        f"Version {version.sequence} has problems, so it cannot be published. "
        "Fix them and save the draft first."
    )


def problem_words(count: int) -> str:
    if not count:
        return "no problems"
    return f"{count} problem{'s' if count != 1 else ''}"
