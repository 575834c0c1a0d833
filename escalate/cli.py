"""The ``escalate`` command (also ``python -m escalate``).

``escalate procedure …`` needs nothing but the engine, except ``procedure import`` and
``procedure export``, which read and write a partnership's procedure versions: those
are Django commands (:data:`PROCEDURE_DATABASE_COMMANDS`). Everything else (serve, demo,
worker, remind, digest, report and Django's own management commands such as migrate)
goes through Django's command machinery, so one command name serves both.

Whatever goes wrong, the answer is one plain line on stderr and a non-zero exit, never
a traceback (``--traceback`` shows one for a problem to report): Escalate's own commands
say what is wrong themselves (escalate/core/management/commands/__init__.py); here is
the last line of defence for the rest.
"""

from __future__ import annotations

import difflib
import os
import sys

#: Every command ``escalate --help`` lists: (name, synopsis, what it does). Escalate's
#: own, then the Django commands a new installation needs. tests/test_cli.py checks that
#: each exists and that every command of Escalate's own is here.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    (
        "serve",
        "[--host H] [--port P] [--workers N] [--no-background] ...",
        "apply database migrations, then serve Escalate",
    ),
    ("demo", "[--password P] [--force]", "make demo partnerships and a person in every role"),
    (
        "worker",
        "[--once] [--remind]",
        "send pending emails, retrying failures (runs until stopped)",
    ),
    ("remind", "[--send] [--no-digest]", "one sweep of deadline reminders and digests"),
    ("digest", "", "send today's daily digests"),
    (
        "report",
        "--partnership SLUG --format pdf|csv|xlsx --output FILE [--period P]",
        "write the board's report for a period (or --from D --to D)",
    ),
    (
        "procedure",
        "list|show|validate|deadlines|schema|import|export",
        "procedure definitions (import and export need the database)",
    ),
    ("migrate", "", "create or update the database (worker, remind, ... need it)"),
    ("createsuperuser", "", "make an account for the administration site"),
)

#: ``escalate procedure NAME``: the Django commands that run it (they need the database).
PROCEDURE_DATABASE_COMMANDS = {"import": "procedure_import", "export": "procedure_export"}

#: Django's other commands, named as examples on the last line of the list.
OTHER_DJANGO_COMMANDS = ("check", "changepassword", "shell")

#: Django's commands that need the accounts table: on a database not yet migrated they
#: say to run ``escalate migrate`` instead of warning and failing. (Escalate's own
#: commands check for themselves.)
NEEDS_MIGRATED_DATABASE = frozenset({"createsuperuser", "changepassword"})


def _usage() -> str:
    lines = ["usage: escalate COMMAND [options]", "", "Commands:"]
    width = 36
    for name, synopsis, purpose in COMMANDS:
        left = f"{name} {synopsis}".strip()
        if len(left) < width:
            lines.append(f"  {left.ljust(width)}{purpose}")
        else:
            lines.append(f"  {left}")
            lines.append(f"  {'':{width}}{purpose}")
    others = ", ".join(OTHER_DJANGO_COMMANDS) + ", ..."
    lines.append(f"  {others.ljust(width)}Django's other commands ('escalate help' lists them)")
    lines += [
        "",
        "'escalate COMMAND --help' explains one command and every option it takes.",
        "Settings are environment variables (ESCALATE_DATA_DIR, DATABASE_URL, ...); see README.md.",
    ]
    return "\n".join(lines) + "\n"


USAGE = _usage()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if args[0] == "--version":
        from importlib.metadata import version

        print(f"escalate {version('escalate')}")
        return 0
    shown = args[0]
    if args[0] == "procedure":
        if len(args) > 1 and args[1] in PROCEDURE_DATABASE_COMMANDS:
            shown = f"procedure {args[1]}"
            args = [PROCEDURE_DATABASE_COMMANDS[args[1]], *args[2:]]
        else:
            from escalate.procedures.cli import main as procedure_main

            return procedure_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalate.settings")
    try:
        import django
    except ImportError:  # pragma: no cover - Django is a declared dependency
        print("escalate: Django is not installed; run the set-up command in the README.")
        return 1
    try:
        django.setup()
    except Exception as exc:  # noqa: BLE001 - a bad setting is one line, not a traceback
        if "--traceback" in args:
            raise
        print(f"escalate: the configuration is not valid: {_setting_problem(exc)}", file=sys.stderr)
        return 2
    return _run_django_command(args, shown)


def _setting_problem(exc: Exception) -> str:
    if type(exc).__module__.startswith("dj_database_url"):
        said = str(exc).split(". ")[0]  # the scheme, never the URL with its password
        return (
            f"DATABASE_URL is not a database address Escalate can use ({said}); write it "
            "as postgres://user:password@host:5432/name"
        )
    return _first_line(exc)


def _run_django_command(args: list[str], shown: str = "") -> int:
    """Run the Django command ``args[0]``; ``shown`` is its name in messages (as the
    person typed it: "procedure import" for procedure_import)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import CommandError, get_commands
    from django.db import DatabaseError

    from escalate.core.management.commands import (
        CommandLine,
        database_problem,
        require_migrated_database,
    )

    name = args[0]
    known = get_commands()
    if not name.startswith("-") and name not in known and name not in ("help", "version"):
        close = difflib.get_close_matches(name, [*known, "procedure"], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        print(
            f"escalate: there is no command {name!r}{hint}; 'escalate --help' lists them",
            file=sys.stderr,
        )
        return 2
    try:
        utility = CommandLine(["escalate", *args])
        if name in NEEDS_MIGRATED_DATABASE:
            # Options first (a bad one, or --help, ends here), then the database.
            utility.fetch_command(name).create_parser("escalate", name).parse_args(args[1:])
            require_migrated_database()
        utility.execute()
    except CommandError as exc:  # only require_migrated_database's: the rest are caught
        if "--traceback" in args:
            raise
        print(f"escalate {shown or name}: {exc}", file=sys.stderr)
        return exc.returncode
    except ImproperlyConfigured as exc:
        print(f"escalate: the configuration is not valid: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"escalate {shown or name}: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head: nobody is reading any more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except DatabaseError as exc:
        if "--traceback" in args:
            raise
        print(f"escalate {shown or name}: {database_problem(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        if "--traceback" in args:
            raise
        print(
            f"escalate {shown or name}: unexpected error, please report it: {type(exc).__name__}: "
            f"{_first_line(exc)} (run it again with --traceback to see where)",
            file=sys.stderr,
        )
        return 3
    return 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
