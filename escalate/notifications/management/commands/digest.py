"""``escalate digest``: send today's daily digests (at most one per person per day)."""

from __future__ import annotations

from typing import Any

from escalate.core.management.commands import EscalateCommand
from escalate.notifications import services


class Command(EscalateCommand):
    help = (
        "Send each person who chose a daily digest today's digest, once (from "
        "ESCALATE_DIGEST_HOUR). 'escalate remind' does this too; this sends only digests. "
        "Needs a migrated database."
    )
    sends_signed_links = "sending digests"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Daily digests sent: {services.send_digests()}.")
