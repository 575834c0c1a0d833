"""``escalate demo``: demo partnerships, agencies and a person in every role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalate.partnerships.demo import DEMO_DOMAIN, DEMO_PASSWORD, SignIn, create_demo


class Command(BaseCommand):
    help = (
        "Create demo partnerships (one per procedure in the library), member agencies and "
        "one person in every role, all with the same known password. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"the password every demo account gets (default {DEMO_PASSWORD!r})",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="add the demo accounts even though the database holds other people",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not options["force"]:
            _refuse_on_a_real_database()
        result = create_demo(options["password"])

        write = self.stdout.write
        write(f"Demo sign-ins. Every account's password is: {result.password}")
        write(f"Sign in at {settings.BASE_URL}/accounts/login/ (administration: /admin/).")
        for made in result.partnerships:
            partnership = made.partnership
            write("")
            write(
                f"{partnership.name} ({partnership.reference_prefix}, "
                f"procedure {partnership.procedure_key})"
            )
            write(_table(made.sign_ins))
        write("")
        write("Administration")
        write(_table([result.admin]))
        for key in result.skipped:
            self.stderr.write(
                f"Skipped the demo partnership for {key}: a partnership with the same name "
                "or reference prefix already exists."
            )
        write("")
        write(
            self.style.WARNING(
                "These demo accounts all share a known password. They are for trying Escalate "
                "only: never create them on a server that holds real cases."
            )
        )


def _refuse_on_a_real_database() -> None:
    """The demo accounts share a known password (and one is a superuser): never add
    them beside real people unless asked to in so many words."""
    from django.contrib.auth import get_user_model

    others = get_user_model().objects.exclude(email__iendswith=f"@{DEMO_DOMAIN}")
    if others.exists():
        raise CommandError(
            f"This database already has {others.count()} people who are not demo accounts, "
            "so it may hold real cases. The demo accounts share a known password; add them "
            "anyway with 'escalate demo --force', or use a fresh ESCALATE_DATA_DIR."
        )


def _table(rows: list[SignIn]) -> str:
    header = ("Email", "Name", "Role", "Agency or partnership")
    cells = [header] + [(r.email, r.full_name, r.role, r.place) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    lines = []
    for row in cells:
        lines.append(
            "  "
            + "  ".join(value.ljust(widths[i]) for i, value in enumerate(row[:3]))
            + "  "
            + row[3]
        )
    return "\n".join(lines)
