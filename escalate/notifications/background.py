"""The delivery worker and the reminder sweep, as a loop a thread (``escalate serve``)
or a process (``escalate worker``) runs until told to stop."""

from __future__ import annotations

import atexit
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections

from escalate.accounts import sessions
from escalate.notifications import services
from escalate.throttling import limits

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop: threading.Event | None = None


def run(
    stop: threading.Event,
    *,
    poll_seconds: float,
    remind: bool = True,
    remind_every_seconds: float | None = None,
) -> None:
    """Send what is due every ``poll_seconds``; with ``remind``, sweep reminders and
    digests every ``remind_every_seconds``. A failure (database or mail server down) is
    logged and tried again next time round; it never stops the loop."""
    every = remind_every_seconds or settings.REMIND_EVERY_MINUTES * 60
    next_sweep = 0.0
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                if remind and time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + every
                    swept = services.sweep_reminders()
                    digests = services.send_digests()
                    logger.info("Reminder sweep: %s; digests sent: %s", swept, digests)
                    # Signed-out sessions (and any journey answers they held) and old
                    # rate-limit counts go as soon as they have run out.
                    sessions.clear_expired()
                    limits.clear_old()
                report = services.deliver_pending()
                if report.sent or report.retrying or report.failed:
                    logger.info("Notifications: %s", report)
            except Exception as exc:  # noqa: BLE001 - keep going; say what went wrong
                error = services.describe_error(exc)
                logger.error("Background work failed, trying again: %s", error)
            stop.wait(poll_seconds)
    finally:
        connections.close_all()


def start() -> threading.Thread | None:
    """Start the background thread once per process (unless ESCALATE_BACKGROUND_WORK is
    off); it stops when the process exits."""
    global _thread, _stop
    if not settings.BACKGROUND_WORK:
        return None
    with _lock:
        if _thread is not None and _thread.is_alive():
            return _thread
        _stop = threading.Event()
        _thread = threading.Thread(
            target=run,
            args=(_stop,),
            kwargs={"poll_seconds": settings.WORKER_POLL_SECONDS},
            name="escalate-background-work",
            daemon=True,
        )
        _thread.start()
    atexit.register(stop)
    return _thread


def stop(timeout: float = 10) -> None:
    """Ask the background thread to finish what it is sending, and wait for it."""
    global _thread
    with _lock:
        thread, event = _thread, _stop
        _thread = None
    if event is not None:
        event.set()
    if thread is not None and thread.is_alive():
        thread.join(timeout)
