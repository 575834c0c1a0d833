"""The delivery worker and the reminder sweep, as a loop run until told to stop: by a
process of its own (``escalate worker --remind``, which ``escalate serve`` starts once
beside its web workers, see :class:`Process`), or by a thread (:func:`start`)."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from django.conf import settings
from django.db import close_old_connections, connections

from escalate.accounts import sessions
from escalate.cases.services import viewing
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
                # Case views spooled by the web processes become chronology entries.
                viewing.flush_views()
                report = services.deliver_pending()
                if report.sent or report.retrying or report.failed:
                    logger.info("Notifications: %s", report)
            except Exception as exc:  # noqa: BLE001 - keep going; say what went wrong
                error = services.describe_error(exc)
                logger.error("Background work failed, trying again: %s", error)
            stop.wait(poll_seconds)
    finally:
        try:
            viewing.flush_views()
        except Exception as exc:  # noqa: BLE001 - stopping anyway; the lines stay spooled
            logger.error("Could not store case views before stopping: %s", exc)
        connections.close_all()


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM (``escalate serve`` stopping, systemd, a container) asks the loop to
    finish what it is sending and stop, as Ctrl+C does."""

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        # From another thread: the handler may interrupt this one inside the event's lock.
        threading.Thread(target=stop.set, daemon=True).start()

    signal.signal(signal.SIGTERM, ask_to_stop)


def stop_with_parent(stop: threading.Event, parent: int) -> threading.Thread:
    """Stop the loop if the process that started this one (``escalate serve``) goes,
    however it went: checked every second."""

    def watch() -> None:
        while not stop.wait(1):
            if os.getppid() != parent:
                logger.warning("escalate serve has gone: background work stops")
                stop.set()

    watcher = threading.Thread(target=watch, name="escalate-parent-watch", daemon=True)
    watcher.start()
    return watcher


# ---------------------------------------------------------------- one process of its own


class Process:
    """The background work of one ``escalate serve``: a single ``escalate worker
    --remind`` process beside the web workers (never one per web worker), started
    again if it ever ends while the server runs, and asked to stop with it.

    One that fails as soon as it starts (a setting it cannot use, a database it cannot
    reach) is started again after 10 seconds, then 20, 40 and so on, at most five
    minutes apart, until it runs a while. Its exit code is not known: gunicorn's master,
    this process, reaps every child it has, so its own reason is in the lines it wrote."""

    #: The wait before starting again after it first fails at once; doubled each time
    #: it fails at once again, up to MOST_RESTART_SECONDS.
    RESTART_SECONDS = 10.0
    MOST_RESTART_SECONDS = 300.0
    #: Ending sooner than this after it started counts as failing at once.
    QUICK_FAILURE_SECONDS = 60.0

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.stopping = False
        self.quick_failures = 0
        self.restart_at: float | None = None
        self.clock: Callable[[], float] = time.monotonic

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "escalate",
            "worker",
            "--remind",
            "--parent",
            str(os.getpid()),
        ]

    def start(self) -> None:
        self.started_at = self.clock()
        self.restart_at = None
        # Its own session: Ctrl+C reaches the server, which stops it in order.
        self.child = subprocess.Popen(  # noqa: S603 - this program, run again
            self.command(), start_new_session=True
        )

    def keep_running(self) -> None:
        """Start it, or start it again if it has ended (called about once a second)."""
        if self.stopping:
            return
        now = self.clock()
        if self.child is not None and self.restart_at is None:
            # Under gunicorn poll() never learns the exit code (see the class docstring).
            if self.child.poll() is None:
                return
            self.restart_at = self.ended(now - self.started_at, now)
        if self.restart_at is None or now >= self.restart_at:
            self.start()

    def ended(self, ran: float, now: float) -> float:
        """Say it ended; when to start it again."""
        if ran >= self.QUICK_FAILURE_SECONDS:
            self.quick_failures = 0
            logger.warning("Background work ended: starting it again")
            return now
        self.quick_failures += 1
        # The power stops growing once past the most (2 ** 1024 is too big for a float).
        doubled = self.RESTART_SECONDS * float(2 ** min(self.quick_failures - 1, 16))
        wait = min(doubled, self.MOST_RESTART_SECONDS)
        times = "once" if self.quick_failures == 1 else f"{self.quick_failures} times in a row"
        logger.warning(
            "Background work ended within a minute of starting (%s; the lines above say "
            "why): starting it again in %s",
            times,
            _duration(wait),
        )
        return now + wait

    def ask_to_stop(self) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()

    def wait(self, timeout: float = 15) -> None:
        """Wait for it to finish what it is sending; stop it outright after ``timeout``."""
        if self.child is None:
            return
        try:
            self.child.wait(timeout)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole >= 60 and whole % 60 == 0:
        minutes = whole // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{whole} second{'s' if whole != 1 else ''}"


def process() -> Process | None:
    """The background process ``escalate serve`` runs, unless ESCALATE_BACKGROUND_WORK
    is off (then ``escalate worker`` and ``escalate remind`` run elsewhere)."""
    return Process() if settings.BACKGROUND_WORK else None


# ---------------------------------------------------------------- a thread


def start() -> threading.Thread | None:
    """Start the loop in a thread of this process, once (unless ESCALATE_BACKGROUND_WORK
    is off); it stops when the process exits."""
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
