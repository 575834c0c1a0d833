"""``escalate remind``: tell people of deadlines coming up and passed, and send the
daily digests. Safe to run often and on several machines: each reminder goes once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escalate.accounts import sessions
from escalate.notifications import services
from escalate.throttling import limits


class Command(BaseCommand):
    help = (
        "Write the deadline and agreed-action reminders due today (each once), send the "
        "daily digests, forget sessions that have run out, and with --send deliver the "
        "emails now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--send", action="store_true", help="also send the emails now (as escalate worker)"
        )
        parser.add_argument("--no-digest", action="store_true", help="do not send digests")

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
