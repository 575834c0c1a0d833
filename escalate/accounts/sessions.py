"""Signed-in sessions: their limits, the list a person sees and signing out everywhere.

The only code that writes :class:`~escalate.accounts.models.SignedInSession`. Django's
own session table holds the session; this keeps, per session, who it is, when it began
and when it was last used, so that:

- a session ends after ``SESSION_IDLE_TIMEOUT_SECONDS`` without a request and
  ``SESSION_MAX_AGE_SECONDS`` after signing in, whatever the browser does;
- a person can list their sessions and end all the others, or all of them;
- an administrator can end the sessions of a person they administer.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from escalate import clock
from escalate.accounts.models import SignedInSession, User

security_log = logging.getLogger("escalate.security")

#: Session keys Escalate keeps in Django's session for its limits.
STARTED = "_escalate_started"
SEEN = "_escalate_seen"
RECORD = "_escalate_record"
#: A session's last-use time is written at most this often (seconds).
TOUCH_EVERY = 30


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 1800))


def max_age() -> int:
    return int(getattr(settings, "SESSION_MAX_AGE_SECONDS", 12 * 3600))


def _browser(request: HttpRequest) -> str:
    agent = request.META.get("HTTP_USER_AGENT", "")
    # Printable characters only: the list shows it back to the person.
    return "".join(ch for ch in agent if ch.isprintable())[:200]


def signed_in(request: HttpRequest, user: User) -> None:
    """Called when a person signs in (after Django has given the session a new key)."""
    now = clock.now()
    request.session[STARTED] = now.timestamp()
    request.session[SEEN] = now.timestamp()
    if request.session.session_key is None:
        request.session.save()
    record, _ = SignedInSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "started_at": now,
            "last_seen_at": now,
            "browser": _browser(request),
        },
    )
    request.session[RECORD] = record.pk


def signed_out(request: HttpRequest) -> None:
    key = request.session.session_key
    if key:
        SignedInSession.objects.filter(session_key=key).delete()


@dataclass(frozen=True)
class Expiry:
    reason: str  # "idle" or "limit"


def check(request: HttpRequest, *, touch: bool = True) -> Expiry | None:
    """Whether the signed-in session has run out; if not (and ``touch``), note that it
    was used."""
    session = request.session
    now = clock.now().timestamp()
    started = _number(session.get(STARTED))
    seen = _number(session.get(SEEN))
    if started is None or seen is None:
        # A session from before these limits (or one made some other way): sign in again.
        return Expiry("idle")
    if now - started > max_age():
        return Expiry("limit")
    if now - seen > idle_timeout():
        return Expiry("idle")
    if touch and now - seen >= TOUCH_EVERY:
        note_activity(request)
    return None


def note_activity(request: HttpRequest) -> None:
    """The person is active: the idle timeout starts again."""
    now = clock.now()
    request.session[SEEN] = now.timestamp()
    key = request.session.session_key
    if key and request.user.is_authenticated:
        # By the record's id: the session key changes when the password does.
        record_id = request.session.get(RECORD)
        updated = 0
        if isinstance(record_id, int):
            updated = SignedInSession.objects.filter(pk=record_id, user=request.user).update(
                last_seen_at=now, session_key=key
            )
        if not updated:
            started = _number(request.session.get(STARTED)) or now.timestamp()
            record, _ = SignedInSession.objects.update_or_create(
                session_key=key,
                defaults={
                    "user": request.user,
                    "started_at": min(now, _from_timestamp(started)),
                    "last_seen_at": now,
                    "browser": _browser(request),
                },
            )
            request.session[RECORD] = record.pk


def seconds_left(request: HttpRequest) -> int:
    """How long until the session ends if nothing more is done."""
    now = clock.now().timestamp()
    seen = _number(request.session.get(SEEN)) or now
    started = _number(request.session.get(STARTED)) or now
    return max(0, int(min(seen + idle_timeout(), started + max_age()) - now))


def sessions_of(person: User) -> list[SignedInSession]:
    """The person's sessions that have not run out, most recently used first."""
    idle_since = clock.now() - _seconds(idle_timeout())
    started_since = clock.now() - _seconds(max_age())
    return list(
        SignedInSession.objects.filter(
            user=person, last_seen_at__gte=idle_since, started_at__gte=started_since
        )
    )


def may_end_sessions_of(actor: Any, person: User) -> bool:
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.pk == person.pk or actor.is_superuser:
        return True
    from escalate.partnerships.administration import may_administer_person

    return bool(may_administer_person(actor, person))


def end_all_sessions(actor: User, person: User, *, keep: str | None = None) -> int:
    """Sign ``person`` out of every session (but ``keep``, a session key, when they end
    their other sessions themselves). Returns how many were ended."""
    if not may_end_sessions_of(actor, person):
        raise PermissionDenied("You cannot end this person's sessions.")
    with transaction.atomic():
        records = SignedInSession.objects.select_for_update().filter(user=person)
        if keep:
            records = records.exclude(session_key=keep)
        keys = list(records.values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        records.delete()
    security_log.info(
        "sessions.ended actor=%s person=%s count=%s others_only=%s",
        actor.pk,
        person.pk,
        len(keys),
        bool(keep),
    )
    return len(keys)


def clear_expired() -> int:
    """Forget sessions that have run out (Django's own expired sessions included)."""
    idle_since = clock.now() - _seconds(idle_timeout())
    started_since = clock.now() - _seconds(max_age())
    run_out = SignedInSession.objects.filter(
        Q(last_seen_at__lt=idle_since) | Q(started_at__lt=started_since)
    )
    with transaction.atomic():
        keys = list(run_out.values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        deleted, _ = SignedInSession.objects.filter(session_key__in=keys).delete()
    # Sessions nobody signed in to (or that Django itself says have expired).
    Session.objects.filter(expire_date__lt=clock.now()).delete()
    return deleted


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def _from_timestamp(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)
