"""The record of changes to procedure versions
(:class:`~escalate.partnerships.models.VersionChange`): written only here, by
:mod:`escalate.partnerships.versions` and :mod:`escalate.partnerships.drafts`, in the
same transaction as the change; and the words they share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from escalate import clock
from escalate.partnerships.version_models import (
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
)


def record(version: ProcedureVersion, actor: Any, change: VersionChangeKind, detail: str) -> None:
    """Add to the record of changes: changes made by a person, with an account, or at
    the command line (an actor with no account but a ``recorded_as``: "alice at the
    command line"). A version Escalate takes from the library says so on the version
    itself: no one made or published it, and nothing is recorded."""
    label = actor_label(actor)
    if not label:
        return
    VersionChange.objects.create(
        at=clock.now(),
        version=version,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label[:300],
        change=change,
        detail=detail[:300],
    )


def actor_label(actor: Any) -> str:
    """Who made a change, as the record keeps it: "Alice Smith (alice@example.org)" for
    an account, what a command-line operator is ``recorded_as``; "" for Escalate itself."""
    if not getattr(actor, "pk", None):
        return str(getattr(actor, "recorded_as", "") or "")[:300]
    name = getattr(actor, "full_name", "") or str(actor)
    email = getattr(actor, "email", "")
    return f"{name} ({email})" if email and email != name else name


def time_words(at: dt.datetime) -> str:
    """A time of day as GOV.UK writes it, where Escalate runs (``TIME_ZONE``): "9:05am"."""
    local = timezone.localtime(at)
    hour = local.hour % 12 or 12
    return f"{hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def when_words(at: dt.datetime) -> str:
    """A moment, where Escalate runs: "1 December 2026 at 9:05am"."""
    return f"{spoken(timezone.localtime(at).date())} at {time_words(at)}"


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
