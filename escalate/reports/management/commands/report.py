"""``escalate report --partnership KEY --period 2026-Q3 --format pdf|csv|xlsx --output FILE``

The board's report for a period, for publication: counts below 5 appear as "fewer
than 5" and nothing identifies anyone. Bad arguments get one plain-English line and a
non-zero exit.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalate.cases.errors import Invalid

FORMATS = ("pdf", "csv", "xlsx")


def _one_line_error(message: str) -> None:
    sys.stderr.write(f"escalate report: {message}\n")
    sys.exit(2)


class Command(BaseCommand):
    help = "Write the board's report for a period as a PDF, CSV or Excel file."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = _one_line_error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partnership", required=True, help="The partnership's key (slug).")
        parser.add_argument("--period", default="", help="A year (2026) or a quarter (2026-Q3).")
        parser.add_argument("--from", dest="since", default="", help="Start date, YYYY-MM-DD.")
        parser.add_argument("--to", dest="until", default="", help="End date, YYYY-MM-DD.")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--output", required=True, help="The file to write.")

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            sys.stderr.write(f"escalate report: {error}\n")
            sys.exit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        from escalate.partnerships.models import Partnership
        from escalate.reports import exports, presenting, selectors

        slug = options["partnership"]
        partnership = Partnership.objects.filter(slug=slug).first()
        if partnership is None:
            known = ", ".join(Partnership.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"there is no partnership {slug!r} (known: {known}).")
        try:
            period = selectors.parse_period(
                options["period"], since=options["since"] or None, until=options["until"] or None
            )
        except Invalid as invalid:
            message = next(iter(invalid.errors.values()))[0]
            raise CommandError(message) from None
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"the folder {output.parent} does not exist.")
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
        self.stdout.write(
            f"Wrote the {partnership.name} report for {period.label} to {output} "
            f"({report.raised} cases)."
        )
