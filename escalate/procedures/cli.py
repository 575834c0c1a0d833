"""``escalate procedure …``: list, show, validate, deadlines and schema.

Pure Python like the rest of the engine: nothing here needs Django or a database.
``show`` and ``deadlines`` take a library key or a definition file (see
:func:`names_a_file`). ``import`` and ``export`` need the database: ``escalate/cli.py``
sends them to Django commands (escalate/partnerships/management/commands/); they are
listed here only so that ``escalate procedure --help`` names them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from escalate.procedures import library
from escalate.procedures.calendar import OutsideCalendar, WorkingCalendar, format_day
from escalate.procedures.engine import Deadline, StageDeadlines, stage_deadlines
from escalate.procedures.model import Procedure, Recipient, Stage, Timescale, Unit
from escalate.procedures.words import RECIPIENT_WORDS


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
    if not sep or not number.strip().isdigit():
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
        json.dump(_as_json(procedure, args.arose, stages), out)
        out.write("\n")
        return 0
    print(f"{procedure.name}: concern arose {format_day(args.arose)}", file=out)
    for s in stages:
        print(f"\nStage {s.number}: {s.title}", file=out)
        if not s.all:
            print("  No fixed timescale.", file=out)
        for d in s.all:
            due = format_day(d.due) if d.due else "not yet known"
            print(f"  {d.label}: {due}", file=out)
            print(f"    ({d.explanation})", file=out)
    return 0


def _as_json(
    procedure: Procedure, arose: dt.date, stages: list[StageDeadlines]
) -> dict[str, object]:
    def day(d: Deadline | None) -> str | None:
        return d.due.isoformat() if d and d.due else None

    return {
        "procedure": procedure.key,
        "arose": arose.isoformat(),
        "stages": [
            {
                "number": s.number,
                "title": s.title,
                "start_by": day(s.start_by),
                "conclude_by": day(s.conclude_by),
                "other_deadlines": [d.as_json() for d in s.other],
            }
            for s in stages
        ],
    }


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def who(recipients: tuple[Recipient, ...]) -> str:
    """Recipients in words: "both agencies' safeguarding leads and the business unit"."""
    return _listed([RECIPIENT_WORDS.get(r, r.value.replace("_", " ")) for r in recipients])


def describe_timescale(t: Timescale) -> str:
    if t.unit is Unit.WORKING_DAYS:
        plural = "s" if t.amount != 1 else ""
        anchor = "the concern arose" if t.anchor.value == "concern_arose" else "this stage began"
        return f"within {t.amount} working day{plural} of the day {anchor}"
    anchor = (
        "the day the concern arose"
        if t.anchor.value == "concern_arose"
        else "the day this stage began"
    )
    rolled = (
        " (moved to the next working day if that is a weekend or bank holiday)"
        if t.roll_forward
        else ""
    )
    return f"day {t.amount}, counting {anchor} as day 1{rolled}"


def timescale_sentence(what: str, t: Timescale) -> str:
    """What must happen by when: "Start within 1 working day of the day the concern
    arose", "Resolve or escalate by day 9, counting ... as day 1"."""
    words = describe_timescale(t)
    return f"{what} {words}" if t.unit is Unit.WORKING_DAYS else f"{what} by {words}"


def _told(recipients: tuple[Recipient, ...]) -> str:
    return f" (Escalate tells {who(recipients)}.)" if recipients else ""


def _stage_lines(procedure: Procedure, stage: Stage, bullet: textwrap.TextWrapper) -> list[str]:
    """A stage's timescales and who is told of what, for ``procedure show``."""
    lines: list[str] = []
    timescales = []
    if stage.start_by:
        timescales.append(timescale_sentence("Start", stage.start_by))
    if stage.conclude_by:
        timescales.append(timescale_sentence("Resolve or escalate", stage.conclude_by))
    for d in stage.other_deadlines:
        timescales.append(timescale_sentence(d.label, d.timescale))
    if timescales:
        # One line each, unwrapped, so each can be searched for whole.
        lines.append("  Timescales:")
        lines += [f"  - {t}." for t in timescales]
    else:
        lines.append("  Timescale: none fixed; resolve it as quickly as possible.")
    told = []
    if stage.notify_on_start:
        told.append(f"When the stage starts: {who(stage.notify_on_start)}.")
    every = tuple(dict.fromkeys((*procedure.on_every_decision, *stage.on_every_decision)))
    if every:
        told.append(f"Of every decision at this stage: {who(every)}.")
    for whom in stage.told_by_owner:
        told.append(f"By the stage's owner, not by Escalate (it does not email them): {whom}.")
    if told:
        lines.append("  Who is told:")
        lines += [bullet.fill(t) for t in told]
    return lines


def describe(procedure: Procedure) -> str:
    """The procedure as readable text, stage by stage, like the document."""
    wrap = textwrap.TextWrapper(width=88, initial_indent="  ", subsequent_indent="  ")
    bullet = textwrap.TextWrapper(width=88, initial_indent="  - ", subsequent_indent="    ")
    lines = [
        procedure.name,
        "=" * len(procedure.name),
        f"{procedure.partnership}. Protects: {procedure.protects.value}. "
        f"Version {procedure.version}, effective {procedure.effective:%d %B %Y}"
        + (f", review by {procedure.review:%d %B %Y}" if procedure.review else "")
        + ".",
        f"Working days: {procedure.region.value} bank holidays.",
        "",
    ]
    for para in procedure.guidance.split("\n\n"):
        lines += [wrap.fill(para), ""]
    if procedure.principles:
        lines.append("Principles")
        lines += [bullet.fill(p) for p in procedure.principles]
        lines.append("")
    if procedure.out_of_scope:
        lines.append("Not covered by this procedure")
        lines += [bullet.fill(f"{o.situation}: {o.go_instead}") for o in procedure.out_of_scope]
        lines.append("")
    lines.append("If someone is at immediate risk")
    lines.append(wrap.fill(procedure.expedite.prompt_words))
    lines.append(
        wrap.fill(
            "The case may start at, or move straight to, the most relevant later stage."
            if procedure.expedite.allowed
            else "Every case still starts at stage 1."
        )
    )
    lines.append("")
    for stage in procedure.stages:
        heading = f"Stage {stage.number}: {stage.title}"
        lines += [heading, "-" * len(heading)]
        lines.append("  Who acts: " + ", ".join(r.label for r in stage.roles))
        if stage.owner_roles:
            lines.append("  Accountable: " + ", ".join(r.label for r in stage.owner_roles))
        lines += _stage_lines(procedure, stage, bullet)
        lines.append(wrap.fill(stage.guidance))
        if stage.checklist:
            lines.append("  Required actions:")
            lines += [bullet.fill(c.text) for c in stage.checklist]
        if stage.on_resolved:
            lines.append("  If resolved:")
            lines += [bullet.fill(d.text + _told(d.recipients)) for d in stage.on_resolved]
        if stage.on_unresolved:
            lines.append("  If not resolved:")
            unresolved = stage.on_unresolved
            lines.append(bullet.fill(unresolved.text + _told(unresolved.notify)))
        if stage.panel:
            panel = stage.panel
            lines.append(bullet.fill(f"Panel: {panel.name}: {panel.when}{_told(panel.notify)}"))
        if stage.referral_form:
            lines.append(
                bullet.fill(
                    f"Referral form: {stage.referral_form.title}; send to "
                    f"{stage.referral_form.submit_to}"
                )
            )
        lines.append("")
    lines.append("Policy issues")
    lines.append(
        wrap.fill(
            "A gap in policy or procedure that a case shows up can be flagged at any stage: "
            f"Escalate tells {who(procedure.policy_issues.notify)}, and the board's "
            "business unit, which keeps the list of them."
        )
    )
    lines.append("")
    if procedure.readings:
        lines.append("How Escalate reads this procedure")
        lines += [bullet.fill(r) for r in procedure.readings]
        lines.append("")
    return "\n".join(lines)
