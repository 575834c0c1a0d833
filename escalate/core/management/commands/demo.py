"""``escalate demo``: demo partnerships, agencies and a person in every role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from escalate.core.management.commands import EscalateCommand
from escalate.core.management.commands.serve import ServeError, address, browser_url
from escalate.partnerships.demo import DEMO_DOMAIN, DEMO_PASSWORD, SignIn, create_demo
from escalate.partnerships.demo_cases import tour


class Command(EscalateCommand):
    help = (
        "Create demo partnerships (one per procedure in the library), member agencies and "
        "one person in every role, all with the same known password, applying database "
        "migrations first. Safe to run again."
    )
    needs_migrated_database = False  # it applies them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            metavar="P",
            help=f"the password every demo account gets (default {DEMO_PASSWORD!r}); it must "
            "pass the same password rules as any account's",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="add the demo accounts even though the database holds other people",
        )
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="make the people only, not the year of demo cases (made by default)",
        )

    def validate(self, options: dict[str, Any]) -> None:
        try:
            validate_password(options["password"])
        except ValidationError as refused:
            problems = [f"--password is not allowed: {m}" for m in refused.messages]
            if not self.one_line_errors():
                raise CommandError(" ".join(problems)) from None
            for problem in problems[:-1]:
                self.stderr.write(f"escalate demo: {problem}")
            self.fail(problems[-1], 2)
        _sign_in_url()  # a bad ESCALATE_PORT is refused before anything is made

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not options["force"]:
            _refuse_on_a_real_database()
        result = create_demo(options["password"], cases=not options["no_cases"])

        write = self.stdout.write
        write(f"Demo sign-ins. Every account's password is: {result.password}")
        write(
            f"Sign in at {_sign_in_url()} once `escalate serve` is running "
            "(administration: /admin/)."
        )
        for made in result.partnerships:
            partnership = made.partnership
            write("")
            write(
                f"{partnership.name} ({partnership.reference_prefix}, "
                f"procedure {partnership.procedure_key})"
            )
            write(_table(made.sign_ins))
            for step in tour(partnership):
                write(f"  Tour step {step.step}: open {step.reference} as {step.sign_in}")
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


def _sign_in_url() -> str:
    """The sign-in page at the address ``escalate serve`` will use (ESCALATE_HOST and
    ESCALATE_PORT), as a browser on this computer reaches it."""
    try:
        return browser_url(*address()) + "accounts/login/"
    except ServeError as exc:
        raise CommandError(str(exc), returncode=exc.exit_code) from None


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
