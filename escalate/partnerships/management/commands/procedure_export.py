"""``escalate procedure export SLUG [--version V] [--output FILE]``

Writes the definition (TOML, as it was written) of one version of a partnership's
procedure: the version in force today, or version V (its sequence number, as the
administration site lists them). To standard output, or to ``--output``. A version
rebuilt from the copies kept with older cases has no text to write, and Escalate has
no TOML writer to make one from the definition it keeps: the command says so.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from escalate import clock
from escalate.partnerships import versions
from escalate.partnerships.management.commands import (
    BadOption,
    ProcedureCommand,
    add_partnership_argument,
    check_slug,
    described,
    find_partnership,
    writable,
)
from escalate.partnerships.models import Partnership, ProcedureVersion

#: The most digits a version number may have (no partnership has a billion versions).
LONGEST_NUMBER = 9


class Command(ProcedureCommand):
    shown = "procedure export"
    help = (
        "Write the definition (TOML) of a version of a partnership's procedure: the "
        "version in force today, or --version V. Needs a migrated database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_partnership_argument(parser)
        parser.add_argument(
            "--version",
            default="",
            metavar="V",
            help="the version's number (1 for the partnership's first); the version in "
            "force today if not given",
        )
        parser.add_argument(
            "--output",
            default="",
            metavar="FILE",
            help="the file to write (its folder must exist; an existing file is replaced); "
            "standard output if not given",
        )

    def validate(self, options: dict[str, Any]) -> None:
        check_slug(options["partnership"], "partnership")
        if options["version"].strip():
            number(options["version"])
        if options["output"]:
            writable("--output", options["output"])

    def handle(self, *args: Any, **options: Any) -> None:
        partnership = find_partnership(options["partnership"])
        given = options["version"].strip()
        version = chosen(partnership, number(given)) if given else in_force_today(partnership)
        text = version.definition_text
        if not text.strip():
            raise CommandError(
                f"{described(version)} of {partnership.name}'s procedure has no definition "
                "text stored (it was rebuilt from the copies kept with older cases), and "
                "Escalate has no TOML writer to make one, so there is nothing to export."
            )
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        output = writable("--output", options["output"])
        try:
            output.write_bytes(text.encode("utf-8"))
        except OSError as error:
            raise CommandError(f"could not write {output}: {error.strerror}.") from None
        self.stdout.write(
            f"Wrote {described(version)} of {partnership.name}'s procedure to {output}."
        )


def number(text: str) -> int:
    """A version number: 1 or more, in ASCII digits."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > LONGEST_NUMBER:
        raise BadOption(
            f"--version {text!r} is not a version number: give the number of the version, "
            "like --version 2."
        )
    if int(text) < 1:
        raise BadOption("--version 0 is not a version: they are numbered from 1.")
    return int(text)


def chosen(partnership: Partnership, sequence: int) -> ProcedureVersion:
    every = versions.versions_of(partnership)
    found = every.filter(sequence=sequence).first()
    if found is None:
        numbers = list(every.order_by("sequence").values_list("sequence", flat=True))
        has = (
            f"its versions are {numbers[0]} to {numbers[-1]}"
            if len(numbers) > 1
            else f"its only version is {numbers[0]}"
            if numbers
            else "it has no versions yet"
        )
        raise CommandError(f"{partnership.name}'s procedure has no version {sequence}: {has}.")
    return found


def in_force_today(partnership: Partnership) -> ProcedureVersion:
    try:
        return versions.version_in_force(partnership, clock.today())
    except KeyError as unknown:  # no version, and no library definition for its key
        raise CommandError(
            f"{partnership.name} has no procedure version: {unknown.args[0]}."
        ) from None
