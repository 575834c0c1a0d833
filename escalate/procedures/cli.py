"""``escalate procedure …``: list, show, validate, deadlines and schema.

Pure Python like the rest of the engine: nothing here needs Django or a database.
``show`` and ``deadlines`` take a library key or a definition file (see
:func:`names_a_file`); what they print is written in
:mod:`~escalate.procedures.cli_show` and :mod:`~escalate.procedures.cli_deadlines`.
``import`` and ``export`` need the database: ``escalate/cli.py`` sends them to Django
commands (escalate/partnerships/management/commands/); they are listed here only so
that ``escalate procedure --help`` names them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from escalate.procedures import cli_deadlines, library
from escalate.procedures.calendar import OutsideCalendar, WorkingCalendar
from escalate.procedures.cli_show import describe as describe
from escalate.procedures.cli_show import who as who
from escalate.procedures.engine import stage_deadlines
from escalate.procedures.model import Procedure


class UsageError(Exception):
    """Bad input on the command line: one line to say what is wrong."""


class UnknownProcedure(Exception):
    """No procedure in the library has the key asked for."""


#: The commands ``escalate procedure`` runs through Django (they need the database),
#: and what each does, for ``--help``.
DATABASE_COMMANDS = {
    "import": "store a definition file as a draft (or published) version of a "
    "partnership's procedure",
    "export": "write the definition of one of a partnership's versions",
}


def names_a_file(argument: str) -> bool:
    """Whether ``show``/``deadlines`` read ``argument`` as a file rather than a library
    key: it names an existing file, or has a path separator in it, or ends in .toml.
    (A missing file is then "no such file", never "no procedure called ...".)"""
    separators = [s for s in (os.sep, os.altsep, "/") if s]
    if any(s in argument for s in separators) or argument.lower().endswith(".toml"):
        return True
    try:
        return Path(argument).is_file()
    except (OSError, ValueError):  # a NUL byte, a name too long: not a file
        return False


def procedure_named(argument: str) -> Procedure:
    """The procedure a KEY or FILE argument names (see :func:`names_a_file`);
    :class:`~escalate.procedures.library.DefinitionError` for a file that cannot be
    used, :class:`UnknownProcedure` for a key the library does not have."""
    if names_a_file(argument):
        return load_definition(argument)
    try:
        return library.get(argument)
    except KeyError as exc:
        raise UnknownProcedure(exc.args[0]) from None


def load_definition(file: str) -> Procedure:
    """The definition in ``file``, as :func:`~escalate.procedures.library.load_file`
    reads it (and says what is wrong), a name no file can have included."""
    if "\0" in file:
        raise library.DefinitionError(
            file.replace("\0", "\\0"), ["is not a file name: it has a NUL byte in it"]
        )
    try:
        return library.load_file(file)
    except library.DefinitionError as error:  # named as typed (not "a" for "./a")
        raise library.DefinitionError(file, error.problems) from None


def problem_lines(error: library.DefinitionError, prog: str = "escalate procedure") -> list[str]:
    """What is wrong with a definition, as ``validate`` prints it: a heading naming the
    file (after ``prog: ``, if given), then each problem on a line of its own."""
    lead = f"{prog}: " if prog else ""
    return [
        f"{lead}{error.source} is not a valid procedure definition:",
        *(f"  {error.source}: {problem}" for problem in error.problems),
    ]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'escalate procedure --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="escalate procedure",
        description="Work with procedure definitions: the TOML files that describe each "
        "board's professional challenge and escalation procedure.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="keys and names of the procedures Escalate ships")
    which = (
        "a key from 'escalate procedure list', or a definition file (a name with a / in it, "
        "ending in .toml, or of a file that exists)"
    )
    show = sub.add_parser("show", help="a stage-by-stage description of one procedure")
    show.add_argument("procedure", metavar="KEY|FILE", help=which)
    validate = sub.add_parser(
        "validate", help="check definition files; exit 1 if any of them is invalid"
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="one or more .toml files")
    sub.add_parser("schema", help="print the JSON Schema of the definition format")
    deadlines = sub.add_parser("deadlines", help="work out a case's deadlines")
    deadlines.add_argument("procedure", metavar="KEY|FILE", help=which)
    deadlines.add_argument("--arose", required=True, type=_date, help="YYYY-MM-DD")
    deadlines.add_argument(
        "--stage-started",
        action="append",
        default=[],
        type=_stage_date,
        metavar="N=YYYY-MM-DD",
        help="the day stage N began (repeatable)",
    )
    deadlines.add_argument("--json", action="store_true", help="print one JSON object")
    for name, purpose in DATABASE_COMMANDS.items():
        # Run by Django (escalate/cli.py); 'escalate procedure NAME --help' explains it.
        needs_database = sub.add_parser(
            name, help=f"{purpose} (needs the database)", add_help=False
        )
        needs_database.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


#: Dates the CLI accepts: wide enough for any real case, narrow enough that every
#: deadline (at most a year on) is a valid date with known bank holidays.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


#: YYYY-MM-DD in ASCII digits (fromisoformat would also take 2026-W52-3).
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)

#: A stage number in ASCII digits (isdigit() would also take "²", which int() refuses).
_ASCII_NUMBER = re.compile(r"[0-9]{1,9}", re.ASCII)


def _date(text: str) -> dt.date:
    text = text.strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a real date; write it as YYYY-MM-DD, for example 2026-12-23"
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range; use a date from {EARLIEST} to {LATEST}"
        )
    return day


def _stage_date(text: str) -> tuple[int, dt.date]:
    number, sep, day = text.partition("=")
    if not sep or not _ASCII_NUMBER.fullmatch(number.strip()):
        raise argparse.ArgumentTypeError(
            f"{text!r} should look like 2=2026-12-29 (stage number, '=', date)"
        )
    return int(number), _date(day.strip())


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        return _run(args, out)
    except UsageError as exc:
        print(f"escalate procedure: {exc}", file=sys.stderr)
        return 2
    except (UnknownProcedure, OutsideCalendar) as exc:
        print(f"escalate procedure: {exc}", file=sys.stderr)
        return 1
    except library.DefinitionError as exc:
        for line in problem_lines(exc):
            print(line, file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except Exception as exc:  # never a traceback: one line, and a code to tell apart
        print(
            f"escalate procedure: unexpected error, please report it: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 3


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "list":
        for key, procedure in library.load_library().items():
            print(f"{key:<28} {procedure.name} ({procedure.partnership})", file=out)
        return 0
    if args.command == "schema":
        print(library.json_schema(), file=out)
        return 0
    if args.command == "validate":
        return _validate(args.files, out)
    if args.command == "show":
        out.write(describe(procedure_named(args.procedure)))
        return 0
    if args.command == "deadlines":
        return _deadlines(args, out)
    if args.command in DATABASE_COMMANDS:  # (escalate/cli.py sends these to Django)
        raise UsageError(f"run 'escalate procedure {args.command}' (it needs the database)")
    raise UsageError(f"unknown command {args.command!r}")  # pragma: no cover


def _validate(files: list[str], out: TextIO) -> int:
    """Each file's verdict: valid on ``out``, or its problems on stderr; 1 if any is
    not valid."""
    failed = 0
    for file in files:
        try:
            procedure = load_definition(file)
        except library.DefinitionError as exc:
            failed += 1
            out.flush()  # (so the two streams, read together, keep the files' order)
            for line in problem_lines(exc):
                print(line, file=sys.stderr)
            sys.stderr.flush()
            continue
        print(f"{file}: valid: {procedure.key}, {len(procedure.stages)} stages", file=out)
        stem = Path(file).stem
        if stem != procedure.key:
            print(
                f"note: to ship it in the library, name the file {procedure.key}.toml "
                f"(the key), not {stem}.toml",
                file=out,
            )
    if len(files) > 1:
        print(
            f"{len(files) - failed} of {len(files)} files valid"
            + (f", {failed} not valid" if failed else ""),
            file=out,
        )
    return 1 if failed else 0


def _deadlines(args: argparse.Namespace, out: TextIO) -> int:
    procedure = procedure_named(args.procedure)
    started: dict[int, dt.date] = {}
    for number, day in args.stage_started:
        if not 1 <= number <= len(procedure.stages):
            raise UsageError(
                f"{procedure.key} has stages 1 to {len(procedure.stages)}, not {number}"
            )
        if number in started:
            raise UsageError(f"--stage-started {number}=... is given more than once")
        if day < args.arose:
            raise UsageError(
                f"stage {number} cannot start on {day}, before the concern arose on {args.arose}"
            )
        started[number] = day
    ordered = sorted(started.items())
    for (a, a_day), (b, b_day) in zip(ordered, ordered[1:], strict=False):
        if b_day < a_day:
            raise UsageError(
                f"stage {b} cannot start on {b_day}, before stage {a} started on {a_day}"
            )
    calendar = WorkingCalendar.for_region(procedure.region)
    stages = stage_deadlines(procedure, calendar, arose=args.arose, stage_started=started)
    if args.json:
        json.dump(cli_deadlines.as_json(procedure, args.arose, stages), out)
        out.write("\n")
        return 0
    cli_deadlines.print_text(procedure, args.arose, stages, out)
    return 0
