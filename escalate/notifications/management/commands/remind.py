"""``escalate remind``: tell people of deadlines coming up and passed, and send the
daily digests. Safe to run often and on several machines: each reminder goes once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from escalate.accounts import sessions
from escalate.core.management.commands import EscalateCommand
from escalate.notifications import services
from escalate.throttling import limits


class Command(EscalateCommand):
    help = (
        "One reminder sweep, for cron or a systemd timer: write the deadline and "
        "agreed-action reminders due today (each once, however often it runs), send the "
        "daily digests, and forget sessions that have run out. The reminders go out as "
        "emails when 'escalate worker' next runs, or now with --send. Needs a migrated "
        "database."
    )
    sends_signed_links = "sweeping reminders"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--send",
            action="store_true",
            help="also send every pending email now, as 'escalate worker --once' does",
        )
        parser.add_argument(
            "--no-digest",
            action="store_true",
            help="do not send the daily digests this time ('escalate digest' sends them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.sweep_reminders()
        self.stdout.write(f"Reminders: {report}.")
        if not options["no_digest"]:
            digests = services.send_digests()
            self.stdout.write(f"Daily digests sent: {digests}.")
        self.stdout.write(f"Expired sessions forgotten: {sessions.clear_expired()}.")
        limits.clear_old()
        if options["send"]:
            self.stdout.write(f"Notifications: {services.deliver_pending()}.")
