"""``escalate report --partnership KEY --period 2026-Q3 --format pdf|csv|xlsx --output FILE``

The board's report for a period, for publication: counts below 5 appear as "fewer
than 5" and nothing identifies anyone. Bad arguments get one plain-English line and a
non-zero exit, before the database is touched.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from escalate.core.management.commands import EscalateCommand
from escalate.errors import Invalid
from escalate.reports.selectors import Period, parse_period

FORMATS = ("pdf", "csv", "xlsx")

#: The years a report may cover: those escalate.reports.common.parse_period accepts
#: (tests/core/test_cli_bad_input.py keeps the two in step).
FIRST_YEAR = 2000
LAST_YEAR = 2100
_EARLIEST = dt.date(FIRST_YEAR, 1, 1)
_LATEST = dt.date(LAST_YEAR, 12, 31)

_YEAR = re.compile(r"(\d{4})(?:-?Q\d)?", re.ASCII | re.IGNORECASE)


class BadOption(CommandError):
    """An option given wrongly: exit code 2, as for any usage error."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class Command(EscalateCommand):
    help = (
        "Write the board's report for a period as a PDF, CSV or Excel file, as the "
        "'Report for the board' page does: counts below 5 are shown as 'fewer than 5'. "
        "Give the period as --period (a year or a quarter) or as --from and --to; "
        "with neither, the report covers the current calendar year. Needs a migrated "
        "database."
    )

    def one_line_errors(self) -> bool:
        return True  # from code too, as it always has: one line and a non-zero exit

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--partnership",
            required=True,
            metavar="SLUG",
            help="the partnership's key, as in its web address (for example cheshire-east-sab)",
        )
        parser.add_argument(
            "--period",
            default="",
            metavar="PERIOD",
            help=f"a year (2026) or a quarter (2026-Q3), from {FIRST_YEAR} to {LAST_YEAR}; "
            "not with --from/--to",
        )
        parser.add_argument(
            "--from",
            dest="since",
            default="",
            metavar="YYYY-MM-DD",
            help="the first day of the period (with --to, instead of --period)",
        )
        parser.add_argument(
            "--to",
            dest="until",
            default="",
            metavar="YYYY-MM-DD",
            help="the last day of the period (with --from), at most 10 years after it",
        )
        parser.add_argument(
            "--format",
            required=True,
            choices=FORMATS,
            help="pdf (to publish), csv or xlsx (Excel) for the figures",
        )
        parser.add_argument(
            "--output",
            required=True,
            metavar="FILE",
            help="the file to write (its folder must exist; an existing file is replaced)",
        )

    def validate(self, options: dict[str, Any]) -> None:
        if not options["partnership"].strip():
            raise BadOption("--partnership is empty: give the partnership's key.")
        period_from(options["period"], options["since"], options["until"])
        output = Path(options["output"])
        if not output.name:
            raise BadOption(f"--output {options['output']!r} is a folder: name a file.")
        if not output.parent.is_dir():
            raise BadOption(f"the folder {output.parent} does not exist.")

    def handle(self, *args: Any, **options: Any) -> None:
        from escalate.partnerships.models import Partnership
        from escalate.reports import exports, presenting, selectors

        slug = options["partnership"]
        partnership = Partnership.objects.filter(slug=slug).first()
        if partnership is None:
            known = ", ".join(Partnership.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"there is no partnership {slug!r} (known: {known}).")
        period = period_from(options["period"], options["since"], options["until"])
        output = Path(options["output"])
        report = selectors.build_report(partnership, period)
        table = exports.report_table(report, suppress=True)
        fmt = options["format"]
        if fmt == "pdf":
            body = exports.pdf_from_template(
                "reports/report_document.html",
                {**presenting.report_context(report, True), "partnership": partnership},
            )
        elif fmt == "csv":
            body = exports.csv_bytes(exports.REPORT_HEADINGS, table)
        else:
            body = exports.xlsx_bytes("Board report", exports.REPORT_HEADINGS, table)
        try:
            output.write_bytes(body)
        except OSError as error:
            raise CommandError(f"could not write {output}: {error.strerror}.") from None
        which = period.label
        if not (options["period"] or options["since"] or options["until"]):
            which += " (no --period given, so the current year)"
        self.stdout.write(
            f"Wrote the {partnership.name} report for {which} to {output} ({report.raised} cases)."
        )


def period_from(text: str, since: str, until: str) -> Period:
    """The period the options ask for; :class:`CommandError` saying in one line what
    is wrong with them otherwise."""
    text, since, until = text.strip(), since.strip(), until.strip()
    if text and (since or until):
        given = " and ".join(o for o, v in (("--from", since), ("--to", until)) if v)
        raise BadOption(
            f"give either --period or --from and --to, not both (you gave --period and {given})."
        )
    if since or until:
        if not (since and until):
            given, missing = ("--from", "--to") if since else ("--to", "--from")
            raise BadOption(
                f"{given} needs {missing} as well: give the first and last days, like "
                "--from 2026-04-01 --to 2026-06-30 (or use --period)."
            )
        first, last = _day("--from", since), _day("--to", until)
        if last < first:
            raise BadOption(f"--to {until} is before --from {since}.")
    else:
        year = _YEAR.fullmatch(text)
        if year and not FIRST_YEAR <= int(year[1]) <= LAST_YEAR:
            raise BadOption(
                f"--period {text} is out of range: use a year from {FIRST_YEAR} to "
                f"{LAST_YEAR} (like 2026) or a quarter of one (like 2026-Q3)."
            )
    try:
        return parse_period(text, since=since or None, until=until or None)
    except Invalid as invalid:
        option = {"period": "--period", "from": "--from", "to": "--to"}
        field, problems = next(iter(invalid.errors.items()))
        raise BadOption(f"{option.get(field, field)}: {problems[0]}") from None


def _day(option: str, text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadOption(
            f"{option} {text!r} is not a date: write it as YYYY-MM-DD, like 2026-07-01."
        ) from None
    if not _EARLIEST <= day <= _LATEST:
        raise BadOption(
            f"{option} {text} is out of range: use a date from {_EARLIEST} to {_LATEST}."
        )
    return day
