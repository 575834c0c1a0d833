"""``escalate digest``: send today's daily digests (at most one per person per day)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from escalate.notifications import services


class Command(BaseCommand):
    help = "Send each person who chose a daily digest today's digest, once."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Daily digests sent: {services.send_digests()}.")
