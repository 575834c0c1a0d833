"""What Escalate's own commands share: every problem is one plain line, never a traceback.

:class:`EscalateCommand` is the base of ``escalate serve``, ``demo``, ``worker``,
``remind``, ``digest`` and ``report``. Run as ``escalate NAME`` it

- answers a bad option with one line (``escalate remind: unrecognized arguments: --x``)
  and exit code 2, instead of argparse's usage block;
- checks, before doing anything, that the database can be reached and has every
  migration applied, when the command needs it (``needs_migrated_database``); when not,
  it says in one line to run ``escalate migrate`` and exits 1. Cron and systemd jobs
  (``ESCALATE_BACKGROUND_WORK=false``) never change the schema themselves: several may
  start at once on several machines, and the schema belongs to a deliberate
  ``escalate migrate`` (or ``escalate serve``, which applies migrations as it starts);
- on PostgreSQL, refuses to run without ESCALATE_SECRET_KEY when the command sends
  emails (``sends_signed_links``; see :func:`check_secret_key`);
- turns a :class:`~django.core.management.base.CommandError` or a database failure into
  one line naming the database (its host, never its password) and a non-zero exit.

Called from code (``call_command``) a command behaves as Django's do: errors are raised.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.conf import settings
from django.core.management import ManagementUtility
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

MIGRATE_FIRST = "run `escalate migrate` first (`escalate serve` also applies migrations)"


def describe_database() -> tuple[str, str]:
    """The database Escalate is using, for messages: its name, and what and where it is
    ("escalate", "PostgreSQL on 127.0.0.1 port 5432"), never its password."""
    database = settings.DATABASES[DEFAULT_DB_ALIAS]
    engine = str(database.get("ENGINE", ""))
    name = str(database.get("NAME") or "")
    if engine.endswith("sqlite3"):
        return name, "SQLite"
    kind = "PostgreSQL" if "postgres" in engine else engine.rsplit(".", 1)[-1]
    host = str(database.get("HOST") or "")
    port = str(database.get("PORT") or "")
    where = f"on {host}" if host else "on this computer"
    if host and port:
        where += f" port {port}"
    return name, f"{kind} {where}"


def first_line(error: BaseException) -> str:
    """The first line of a driver's message, with the database password (if one is
    set) blanked out, in case a driver ever repeats its connection settings."""
    text = str(error).strip()
    line = text.splitlines()[0].strip() if text else type(error).__name__
    password = str(settings.DATABASES[DEFAULT_DB_ALIAS].get("PASSWORD") or "")
    return line.replace(password, "********") if len(password) >= 4 else line


def _missing_table(said: str) -> bool:
    """What SQLite and PostgreSQL say of a table the migrations have not made yet (not
    of a missing database: ``escalate migrate`` cannot make that)."""
    return said.startswith("no such table") or (
        said.startswith("relation ") and said.endswith("does not exist")
    )


def not_set_up() -> str:
    name, place = describe_database()
    return f"the database {name} ({place}) is not set up yet: {MIGRATE_FIRST}."


def database_problem(error: DatabaseError) -> str:
    """One line for a database that failed: which one, what it said, what to do."""
    said = first_line(error)
    if _missing_table(said):
        return not_set_up()
    name, place = describe_database()
    check = (
        "check ESCALATE_DATA_DIR"
        if place == "SQLite"
        else "check DATABASE_URL and that the database server is running"
    )
    return f"cannot use the database {name}: {said} ({place}; {check})"


def on_postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def check_secret_key(doing: str) -> None:
    """On PostgreSQL, raise :class:`CommandError` unless ESCALATE_SECRET_KEY is set.

    Every app server, and every ``escalate worker``, ``remind`` and ``digest`` beside
    them, must sign with one key: each data directory would otherwise make its own, so
    a person signed in on one server would be signed out by the next, and a password
    reset link sent by a worker would not work on any of them. ``doing`` ends the
    message ("serving", "sending emails")."""
    if on_postgresql() and not settings.SECRET_KEY_FROM_ENVIRONMENT:
        raise CommandError(
            "ESCALATE_SECRET_KEY is not set: on PostgreSQL every app server and background "
            "worker must use the same secret key (it signs sign-ins and password reset "
            f"links), so set it (the same on each) before {doing}."
        )


def pending_migrations() -> tuple[int, int]:
    """How many migrations are waiting, and how many have been applied. Connects to
    the database, so an unreachable one raises :class:`~django.db.DatabaseError`."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    executor = MigrationExecutor(connection)
    waiting = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return len(waiting), len(executor.loader.applied_migrations)


def require_migrated_database() -> None:
    """Raise :class:`CommandError` unless the database is reachable and up to date."""
    waiting, applied = pending_migrations()
    if not waiting:
        return
    if not applied:
        raise CommandError(not_set_up())
    name, place = describe_database()
    plural = "s" if waiting != 1 else ""
    raise CommandError(
        f"the database {name} ({place}) is not up to date ({waiting} change{plural} to "
        f"apply): {MIGRATE_FIRST}."
    )


def one_line_usage_errors(parser: CommandParser, command: str) -> None:
    """Make ``parser`` answer a bad option with one line and exit code 2, instead of
    argparse's usage block."""

    def error(message: str) -> NoReturn:
        sys.stderr.write(f"escalate {command}: {message} (see 'escalate {command} --help')\n")
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


class CommandLine(ManagementUtility):
    """``escalate NAME ...`` for a Django command: Django's own commands (migrate,
    createsuperuser, ...) answer a bad option in one line too."""

    def fetch_command(self, subcommand: str) -> BaseCommand:
        command = super().fetch_command(subcommand)
        if isinstance(command, EscalateCommand):
            return command
        make_parser = command.create_parser

        def create_parser(prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
            parser = make_parser(prog_name, subcommand, **kwargs)
            one_line_usage_errors(parser, subcommand)
            return parser

        command.create_parser = create_parser  # type: ignore[method-assign]
        return command


class EscalateCommand(BaseCommand):
    """The base of Escalate's own commands (see the module's docstring)."""

    #: The command reads or writes the database: check it is reachable and migrated
    #: before starting. ``serve`` and ``demo`` apply migrations themselves.
    needs_migrated_database = True
    #: What the command does, if it sends emails (which may carry links signed with the
    #: secret key), for :func:`check_secret_key`'s message: run as ``escalate NAME`` on
    #: PostgreSQL, it refuses to start without ESCALATE_SECRET_KEY.
    sends_signed_links = ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.one_line_errors():
            one_line_usage_errors(parser, subcommand)
        return parser

    def from_command_line(self) -> bool:
        """Run as ``escalate NAME``, not by ``call_command``."""
        return bool(getattr(self, "_called_from_command_line", False))

    def one_line_errors(self) -> bool:
        """Whether problems are printed and exit, rather than raised: from the command
        line (``escalate NAME``), not from code (``call_command``)."""
        return self.from_command_line()

    def validate(self, options: dict[str, Any]) -> None:
        """Check the options before the database is touched; raise CommandError."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        traceback = bool(options.get("traceback"))
        try:
            self.validate(options)
            if self.needs_migrated_database and self.from_command_line():
                require_migrated_database()
            if self.sends_signed_links and self.from_command_line():
                check_secret_key(self.sends_signed_links)
            return super().execute(*args, **options)
        except CommandError as error:
            if traceback or not self.one_line_errors():
                raise
            self.fail(str(error), error.returncode)
        except DatabaseError as error:
            if traceback or not self.one_line_errors():
                raise
            self.fail(database_problem(error), 1)

    def fail(self, message: str, exit_code: int = 1) -> NoReturn:
        """Say what is wrong in one line on stderr and exit with ``exit_code``."""
        self.stderr.write(f"escalate {self.command_name()}: {message}")
        sys.exit(exit_code)

    def command_name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]
