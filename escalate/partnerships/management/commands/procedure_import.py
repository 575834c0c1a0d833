"""``escalate procedure import FILE --partnership SLUG [--publish --effective YYYY-MM-DD]``

Stores a definition file as a version of a partnership's procedure (one the board
wrote: it is never replaced by the library's later definitions), as a draft or, with
``--publish``, in force from ``--effective``. Each version is stored once: a file whose
definition the partnership already has is that version, and the command says so.

A file with problems (not TOML, or not a valid definition) is kept as a draft, problems
and all, as the authoring pages keep one
(:func:`~escalate.partnerships.versions.save_draft_text`): the command lists the
problems as ``escalate procedure validate`` does, and the draft cannot be published
until they are fixed. With ``--publish`` such a file is refused and nothing is stored;
so is a file that cannot be read as text at all (missing, a folder, not UTF-8). Bad
options are refused in one line before the database is touched.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from escalate import clock
from escalate.errors import Conflict, Invalid, NotAllowed
from escalate.govuk import text as characters
from escalate.partnerships import definition_text, versions
from escalate.partnerships.management.commands import (
    BadOption,
    ProcedureCommand,
    ShellOperator,
    add_partnership_argument,
    check_slug,
    day,
    described,
    find_partnership,
    spoken,
)
from escalate.partnerships.models import Partnership, VersionStatus
from escalate.procedures import library
from escalate.procedures.cli import load_definition, problem_lines
from escalate.procedures.model import Procedure


class Command(ProcedureCommand):
    shown = "procedure import"
    help = (
        "Store a procedure definition file (TOML) as a version of a partnership's "
        "procedure: a draft, or with --publish and --effective, the version in force from "
        "that day. A valid definition the partnership already has is not stored again. A "
        "file with problems is kept as a draft that cannot be published until they are "
        "fixed ('escalate procedure validate FILE' lists them); with --publish it is "
        "refused. Needs a migrated database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the definition file (.toml) to store")
        add_partnership_argument(parser, "--partnership")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the version (with --effective); without it, it is stored as a draft",
        )
        parser.add_argument(
            "--effective",
            default="",
            metavar="YYYY-MM-DD",
            help="with --publish: the first day the version is in force, from 2000-01-01 "
            "to 2100-12-31",
        )

    def validate(self, options: dict[str, Any]) -> None:
        check_slug(options["partnership"], "--partnership")
        publishing, effective = options["publish"], options["effective"].strip()
        if effective and not publishing:
            raise BadOption(
                "--effective is the day a published version comes into force: add --publish, "
                "or leave --effective out to store a draft."
            )
        if publishing and not effective:
            raise BadOption(
                "--publish needs --effective YYYY-MM-DD: the first day the version is in force."
            )
        if effective:
            day("--effective", effective)
        reading = read(options["file"])  # refused before the database, if it must be
        if reading.problems is not None and publishing:
            raise CommandError(
                refusal(
                    reading.problems,
                    "Nothing was stored: a definition with problems cannot be published (fix "
                    "them, or leave out --publish to keep it as a draft).",
                )
            )

    def handle(self, *args: Any, **options: Any) -> None:
        file = options["file"]
        reading = read(file)
        partnership = find_partnership(options["partnership"])
        if reading.procedure is None:
            self.keep_with_problems(options["file"], partnership, reading)
            return
        procedure = reading.procedure
        effective = day("--effective", options["effective"]) if options["publish"] else None
        digest = versions.content_hash(versions.snapshot(procedure))
        had = versions.versions_of(partnership).filter(content_hash=digest).first()
        who = operator()
        try:
            with transaction.atomic():
                version = versions.store_draft(
                    who,
                    partnership,
                    procedure,
                    text=reading.text,
                    started_from=f"the file {definition_text.printable_name(file)}",
                )
                already = (
                    version.status != VersionStatus.DRAFT and version.effective_from == effective
                )
                if effective is not None and not already:
                    versions.publish(who, version, effective)
        except (NotAllowed, Conflict, Invalid) as refused:  # (the operator may do anything)
            raise CommandError(str(refused)) from None
        version.refresh_from_db(fields=["status", "effective_from"])
        for line in report(options["file"], partnership, version, had is not None):
            self.stdout.write(line)
        if effective is None:
            return
        if already:
            self.stdout.write(
                f"It was published from {spoken(effective)} already: nothing changed."
            )
        if effective != procedure.effective:
            self.stdout.write(
                f"note: the file gives {spoken(procedure.effective)} as its effective date; "
                f"the version is in force from {spoken(effective)} (--effective)."
            )
        if effective > clock.today():
            current = versions.version_in_force(partnership, clock.today())
            self.stdout.write(
                f"Until then, version {current.sequence} stays in force."
                if current.pk != version.pk
                else "Until then it is the earliest version, so it applies to earlier days too."
            )

    def keep_with_problems(self, file: str, partnership: Partnership, reading: Reading) -> None:
        """Keep the text of a definition with problems as a draft, and say what they are."""
        assert reading.problems is not None
        try:
            version = versions.save_draft_text(
                operator(),
                partnership,
                reading.text,
                started_from=f"the file {definition_text.printable_name(file)}",
            )
        except Invalid as refused:  # too long, or characters no definition may hold
            problems = "; ".join(p for found in refused.errors.values() for p in found)
            raise CommandError(f"{file} cannot be kept as a draft: {problems}.") from None
        except (NotAllowed, Conflict) as refused:
            raise CommandError(str(refused)) from None
        for line in problem_lines(reading.problems, prog=self.shown_as()):
            self.stderr.write(line)
        count = len(reading.problems.problems)
        self.stdout.write(
            f"Stored {file} as version {version.sequence} of {partnership.name}'s procedure: "
            f"a draft with {count} problem{'s' if count != 1 else ''} (listed above), which "
            "cannot be published until they are fixed."
        )

    def shown_as(self) -> str:
        return f"escalate {self.shown}"


@dataclass(frozen=True)
class Reading:
    """A file read: its text, and the definition or what is wrong with it."""

    text: str
    procedure: Procedure | None
    problems: library.DefinitionError | None


def read(file: str) -> Reading:
    """``file``'s text, as the authoring pages would keep it, and its definition or its
    problems; :class:`CommandError` for a file with no text to keep (missing, a folder,
    not UTF-8: listing what is wrong as ``escalate procedure validate`` does) or with
    what no definition may hold."""
    try:
        load_definition(file)  # (what is wrong with a file that cannot be read, in words)
        problems: library.DefinitionError | None = None
    except library.DefinitionError as found:
        problems = found
    try:
        written = Path(file).read_bytes().decode("utf-8-sig")
    except (OSError, ValueError):  # (ValueError: not UTF-8, or a NUL byte in the name)
        if problems is None:
            raise CommandError(f"{file} changed while it was being read: try again.") from None
        raise CommandError(refusal(problems, "Nothing was stored.")) from None
    text, refused = definition_text.prepared(written)
    if refused:
        raise CommandError(
            f"{file} cannot be stored: {refused[0].lower()}{refused[1:]}. Nothing was stored."
        )
    try:  # (what is stored is what was read, as the authoring pages read it)
        return Reading(text, library.parse(text, file), None)
    except library.DefinitionError as found:
        return Reading(text, None, found)


def operator() -> CommandLineOperator:
    """Whoever runs the command: :data:`SHELL_OPERATOR`, named by their login name."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):  # (no name in the environment, no account)
        name = ""
    return CommandLineOperator(login=characters.printable(name).strip()[:100])


@dataclass(frozen=True)
class CommandLineOperator(ShellOperator):
    """:data:`SHELL_OPERATOR` as the record of changes names them: "alice at the
    command line" (no account is recorded: versions' ``created_by`` and
    ``published_by`` stay empty)."""

    login: str = ""

    @property
    def recorded_as(self) -> str:
        return f"{self.login or 'someone'} at the command line"


def refusal(problems: library.DefinitionError, ending: str) -> str:
    """The problems as ``escalate procedure validate`` lists them, then ``ending``."""
    return "\n".join([*problem_lines(problems, prog=""), ending])


def report(file: str, partnership: Partnership, version: Any, had: bool) -> list[str]:
    """What was stored (or found stored already), and the version's status now."""
    whose = f"{partnership.name}'s procedure"
    lines = [
        f"{whose} already has the definition in {file}, as version {version.sequence}: it "
        "was not stored again."
        if had
        else f"Stored {file} as version {version.sequence} of {whose}."
    ]
    now = described(version)
    lines.append(f"{now[0].upper()}{now[1:]}.")
    if version.status == VersionStatus.DRAFT:
        lines.append("Publish it with --publish --effective YYYY-MM-DD.")
    return lines
