"""Escalate's clock: the one place that says what day and time it is.

Every service takes its dates from :func:`today` and :func:`now`, so tests (and a demo)
can set the clock::

    with clock.frozen(dt.date(2026, 12, 23)):
        services.raise_case(...)          # raised on Wed 23 Dec 2026
        clock.advance(days=1)             # now Thu 24 Dec 2026

The frozen time is process-wide (not per thread), so work done in other threads, such
as in a concurrency test, sees the same day.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_lock = threading.Lock()
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current moment, timezone-aware."""
    frozen = _frozen
    return frozen if frozen is not None else timezone.now()


def today() -> dt.date:
    """Today's date where Escalate runs (``TIME_ZONE``, Europe/London by default)."""
    return timezone.localdate(now())


def is_frozen() -> bool:
    return _frozen is not None


def freeze(at: dt.date | dt.datetime) -> dt.datetime:
    """Stop the clock at ``at``: a datetime, or a date (taken as midday local time)."""
    global _frozen
    moment = _as_moment(at)
    with _lock:
        _frozen = moment
    return moment


def advance(**delta: float) -> dt.datetime:
    """Move a frozen clock on, e.g. ``advance(days=2)`` or ``advance(hours=1)``."""
    global _frozen
    with _lock:
        if _frozen is None:
            raise RuntimeError("The clock is not frozen; freeze it before advancing it.")
        _frozen = _frozen + dt.timedelta(**delta)
        return _frozen


def unfreeze() -> None:
    global _frozen
    with _lock:
        _frozen = None


@contextmanager
def frozen(at: dt.date | dt.datetime) -> Iterator[dt.datetime]:
    """Freeze the clock for the duration of a ``with`` block, then restore it."""
    global _frozen
    with _lock:
        previous = _frozen
    moment = freeze(at)
    try:
        yield moment
    finally:
        with _lock:
            _frozen = previous


def _as_moment(at: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(at, dt.datetime):
        return at if timezone.is_aware(at) else timezone.make_aware(at)
    # Midday: well away from midnight, whatever daylight saving does.
    return timezone.make_aware(dt.datetime.combine(at, dt.time(12, 0)))
