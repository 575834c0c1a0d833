"""``escalate worker``: send the outboxes (case notifications and account emails such as
password resets), trying failed emails again later."""

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
        "at once. Press Ctrl+C to stop. Needs a migrated database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="send everything due now, then exit (for cron instead of a running worker)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            report = services.deliver_pending()
            self.stdout.write(f"Notifications: {report}.")
            return
        stop = threading.Event()
        self.stdout.write("Sending notifications — press Ctrl+C to stop")
        try:
            background.run(stop, poll_seconds=settings.WORKER_POLL_SECONDS, remind=False)
        except KeyboardInterrupt:
            stop.set()
        self.stdout.write("Stopped sending notifications.")
