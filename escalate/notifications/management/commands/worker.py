"""``escalate worker``: send the outboxes (case notifications and account emails such as
password resets), trying failed emails again later; with ``--remind``, also sweep the
reminders and digests, as the background process of ``escalate serve`` does."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from escalate.core.management.commands import EscalateCommand
from escalate.notifications import background, services


class Command(EscalateCommand):
    help = (
        "Send pending emails (case notifications and password resets), retrying failures "
        "with increasing waits, at most an hour apart, for ESCALATE_NOTIFICATION_GIVE_UP_HOURS. "
        "Looks for new emails every ESCALATE_WORKER_POLL_SECONDS. Several workers may run "
        "at once, on several machines: each email goes once. Press Ctrl+C to stop. Needs a "
        "migrated database."
    )
    sends_signed_links = "sending emails"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="send everything due now, then exit (for cron instead of a running worker)",
        )
        parser.add_argument(
            "--remind",
            action="store_true",
            help="also sweep reminders and send digests every ESCALATE_REMIND_EVERY_MINUTES "
            "(what 'escalate serve' runs beside its web workers; each reminder goes once "
            "however many run)",
        )
        # The process id of the `escalate serve` that started this one: stop if it goes.
        parser.add_argument(
            "--parent",
            type=int,
            default=None,
            metavar="PID",
            help="stop when the process PID ends (escalate serve starts its background process so)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            report = services.deliver_pending()
            self.stdout.write(f"Notifications: {report}.")
            return
        stop = threading.Event()
        background.stop_on_signals(stop)
        parent = options["parent"]
        if parent is not None:
            background.stop_with_parent(stop, parent)
        else:
            self.stdout.write("Sending notifications — press Ctrl+C to stop")
        try:
            background.run(
                stop, poll_seconds=settings.WORKER_POLL_SECONDS, remind=options["remind"]
            )
        except KeyboardInterrupt:
            stop.set()
        if parent is None:
            self.stdout.write("Stopped sending notifications.")
