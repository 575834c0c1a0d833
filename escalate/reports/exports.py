"""Files for download: PDF (WeasyPrint), Word (python-docx), CSV and Excel (openpyxl).

PDFs are rendered from the same templates as the HTML print views. WeasyPrint may only
fetch our own static files from disk: every other address is refused, so a document
can never make a network request.

Every text written into a file goes through :func:`escalate.govuk.text.printable`: text
stored before input refused control characters (or written by other programs) can
hold characters XML forbids, and one of them would stop the Word or Excel file being
made for everyone. Spreadsheet cells are also kept from being read as formulas.

The register's downloads are streamed (:func:`csv_stream`, :func:`xlsx_file`): its rows
are read from the database as they are written, so a whole board's register takes no
more memory than a page of it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import mimetypes
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from escalate.govuk.text import printable
from escalate.reports.charts import shown, shown_pct
from escalate.reports.selectors import RegisterRow, Report

# WeasyPrint reports each rendering step at INFO: keep it out of the service's logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("weasyprint").setLevel(logging.ERROR)

#: The base address documents are rendered against; only its static files resolve.
DOCUMENT_BASE = "https://escalate.invalid/"
STATIC_PREFIX = DOCUMENT_BASE + "static/"


class RefusedFetch(ValueError):
    pass


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    # weasyprint ships no types, so URLFetcher is Any to mypy; WeasyPrint needs a subclass
    # (it reads the fetcher's own attributes), not just a callable.
    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves our own static files from disk and refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if not url.startswith(STATIC_PREFIX):
                raise RefusedFetch(f"documents may not fetch {url}")
            relative = url[len(STATIC_PREFIX) :].split("?")[0].split("#")[0]
            if ".." in relative.split("/"):
                raise RefusedFetch(f"documents may not fetch {url}")
            path = finders.find(relative)
            if not path:
                raise RefusedFetch(f"no static file {relative}")
            with open(path, "rb") as handle:
                body = handle.read()
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    return StaticOnlyFetcher


def static_only_fetcher() -> Any:
    return _fetcher_class()()


def pdf_from_template(template: str, context: dict[str, Any]) -> bytes:
    """A tagged PDF (PDF/UA-1) of ``template`` rendered for print."""
    from weasyprint import HTML

    html = printable(
        render_to_string(template, {**context, "for_pdf": True, "static_base": STATIC_PREFIX})
    )
    document = HTML(string=html, base_url=DOCUMENT_BASE, url_fetcher=static_only_fetcher())
    return bytes(document.write_pdf(pdf_variant="pdf/ua-1"))


# ---------------------------------------------------------------- a case's forms


def form_docx(title: str, rows: Sequence[tuple[str, str]], submit_to: str | None) -> bytes:
    """A case's form as Word: title, a two-column table of label and value, and where
    to send it (if anywhere) — laid out like the board's own form."""
    from docx import Document
    from docx.shared import Pt

    title, submit_to = printable(title), printable(submit_to or "")
    document = Document()
    document.core_properties.title = title[:255]
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        run = cells[0].paragraphs[0].add_run(printable(label))
        run.bold = True
        lines = printable(value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        cells[1].paragraphs[0].add_run(lines[0])
        for line in lines[1:]:
            cells[1].add_paragraph(line)
    if submit_to:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{SUBMIT_TO} ").bold = True
        paragraph.add_run(submit_to)
    for p in document.paragraphs:
        for r in p.runs:
            r.font.size = r.font.size or Pt(11)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


#: What a form says before where it is sent.
SUBMIT_TO = "Please send this form to:"

#: The older name of :func:`form_docx`.
referral_docx = form_docx


# ---------------------------------------------------------------- register

REGISTER_HEADINGS = [
    "Reference",
    "Stage reached",
    "Procedure version",
    "Raising agency",
    "Raising agency sector",
    "Other agency",
    "Other agency sector",
    "Categories",
    "Date concern arose",
    "Date raised",
    "Stage dates",
    "Timeliness",
    "Status",
    "Outcome",
    "Date closed",
    "Recommendation",
]


def _stage_dates(row: RegisterRow) -> str:
    parts = []
    for s in row.stages:
        end = s.concluded_on.isoformat() if s.concluded_on else "open"
        parts.append(f"Stage {s.number}: {s.started_on.isoformat()} to {end}")
    return "; ".join(parts)


def register_lines(rows: Iterable[RegisterRow]) -> Iterator[list[str]]:
    """Each register row as the downloads' cells, one at a time (``rows`` may be
    :func:`~escalate.reports.register.iter_register`, read as it is written).

    However it ends (read to the end, given up, or failing part-way), ``rows`` is
    closed then and there: a database cursor reading the register is not left open
    until the garbage collector finds it, perhaps after its transaction has ended."""
    source = iter(rows)
    try:
        for r in source:
            yield [
                r.reference,
                str(r.stage_reached),
                r.version_for_files,
                r.raising_agency,
                r.raising_sector,
                r.other_agency,
                r.other_sector,
                "; ".join(r.categories),
                r.concern_arose_on.isoformat(),
                r.raised_on.isoformat(),
                _stage_dates(r),
                r.timeliness,
                r.status_label,
                r.outcome,
                r.closed_on.isoformat() if r.closed_on else "",
                r.recommendation,
            ]
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _safe_cell(value: Any) -> str:
    """Text a spreadsheet can hold and will not read as a formula (CSV injection): what
    XML cannot hold left out, and a cell starting = + - @ (or a tab or carriage return
    before them) starting with ' instead."""
    text = printable("" if value is None else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_bytes(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_safe_cell(h) for h in headings])
    for row in rows:
        writer.writerow([_safe_cell(c) for c in row])
    return out.getvalue().encode("utf-8-sig")


class _Line:
    """Where :func:`csv.writer` writes one line: kept, to be handed on."""

    def write(self, text: str) -> str:
        return text


def csv_stream(
    headings: Sequence[str], rows: Iterable[Sequence[str]], *, lines_per_chunk: int = 200
) -> Iterator[bytes]:
    """The CSV of :func:`csv_bytes` in pieces of ``lines_per_chunk`` lines, each
    made only when the previous one has been sent: for a download as long as the
    register, in flat memory."""
    writer = csv.writer(_Line())
    chunk = ["\ufeff", writer.writerow([_safe_cell(h) for h in headings])]
    for row in rows:
        chunk.append(writer.writerow([_safe_cell(c) for c in row]))
        if len(chunk) >= lines_per_chunk:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def xlsx_file(
    sheet_title: str, headings: Sequence[str], rows: Iterable[Sequence[str]]
) -> IO[bytes]:
    """The workbook of :func:`xlsx_bytes` in a temporary file (gone once closed),
    written in openpyxl's write-only mode: each row goes to disk as it is added,
    so memory stays flat however many rows there are. Read it from the start."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by whoever reads it
    try:
        sheet = book.create_sheet(printable(sheet_title)[:31])
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        heading_cells = []
        for h in headings:
            cell = WriteOnlyCell(sheet, value=_safe_cell(h))
            cell.font = bold
            heading_cells.append(cell)
        sheet.append(heading_cells)
        for row in rows:
            sheet.append([_safe_cell(c) for c in row])
        book.save(out)
    except BaseException:
        out.close()
        _abandon(book)
        close = getattr(rows, "close", None)  # a generator of rows stops reading now
        if close is not None:
            close()
        raise
    out.seek(0)
    return out


class _Nowhere(io.RawIOBase):
    """A file that keeps nothing written to it."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(memoryview(data))


def _abandon(book: Any) -> None:
    """Remove the temporary files of a write-only workbook given up part-way.

    Each write-only sheet writes its rows to a file of its own (``openpyxl.*`` in the
    temporary directory), which openpyxl removes only once the workbook is saved, else
    when the process exits: a failed download would leave register data on disk for
    the life of the worker. Saving is the only public way to have openpyxl remove
    them, so the abandoned workbook is saved to nowhere. (Not a temporary directory of
    our own via ``tempfile.tempdir``: that is process-wide, so not safe with threads;
    not openpyxl's private list of its files: it may change.) A sheet whose rows were
    half-written still closes and saves (the cell that failed is left out); if saving
    fails anyway, the first error is the one worth raising, so this one is dropped."""
    with contextlib.suppress(Exception):  # the caller is raising the error that matters
        book.save(_Nowhere())


def xlsx_bytes(sheet_title: str, headings: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # a new workbook always starts with one worksheet
        raise TypeError("a new workbook has no worksheet")
    sheet.title = printable(sheet_title)[:31]
    sheet.append([_safe_cell(h) for h in headings])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe_cell(c) for c in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the report

REPORT_HEADINGS = ["Section", "Item", "Value"]


def report_table(report: Report, *, suppress: bool = True) -> list[list[str]]:
    """The report as (section, item, value) rows; for publication counts below 5 are
    "fewer than 5"."""
    s = suppress
    rows: list[list[str]] = [
        ["Period", "From", report.period.first.isoformat()],
        ["Period", "To", report.period.last.isoformat()],
        ["Raised", "Cases raised", shown(report.raised, s)],
    ]
    several = len(report.versions) > 1
    for v in report.versions:
        rows.append(["Procedure version", v.version.name_for_files, shown(v.raised, s)])
        if several:
            where = f"Procedure version {v.version.sequence}"
            rows += [
                [where, "Final stage", str(v.final_stage)],
                [where, "Reached the final stage", shown(v.reached_final, s)],
            ]
            rows += [[f"{where}: category", label, shown(n, s)] for label, n in v.by_category]
    for stage, resolved, withdrawn, still_open in report.by_stage_outcome:
        rows += [
            [f"Stage {stage} reached", "Resolved", shown(resolved, s)],
            [f"Stage {stage} reached", "Withdrawn", shown(withdrawn, s)],
            [f"Stage {stage} reached", "Open", shown(still_open, s)],
        ]
    for section, data in (
        ("Raising agency", report.by_raising_agency),
        ("Agency challenged", report.by_other_agency),
        ("Raising sector", report.by_raising_sector),
        ("Sector challenged", report.by_other_sector),
        ("Category", report.by_category),
        ("Timescale missed, by stage", report.missed_by_stage),
        ("Timescale missed, by agency", report.missed_by_agency),
        ("Policy issues", report.policy_issues),
        ("Learning theme", report.themes),
    ):
        rows += [[section, label, shown(n, s)] for label, n in data]
    rows += [
        [
            "Resolution",
            "Resolved at the lowest stage",
            shown_pct(report.resolved_at_lowest, report.resolved, s),
        ],
        ["Resolution", "Median working days to resolution", _days(report.median_days, report, s)],
        [
            "Resolution",
            "90th percentile working days to resolution",
            _days(report.p90_days, report, s),
        ],
        [
            "Timescales",
            "Stages concluded within their timescale",
            shown_pct(report.stages_in_time, report.stages_timed, s),
        ],
        ["Now", "Open cases", shown(report.open_now, s)],
        ["Now", "Overdue cases", shown(report.overdue_now, s)],
        ["Afterwards", "Cases closed", shown(report.closed, s)],
        ["Afterwards", "Debriefs offered", shown(report.debriefs_offered, s)],
        ["Afterwards", "Debriefs held", shown(report.debriefs_held, s)],
    ]
    rows += [
        ["Member agencies that raised none", name, ""] for name in report.agencies_raising_none
    ]
    return rows


def _days(value: float | None, report: Report, suppress: bool) -> str:
    if value is None:
        return "not applicable"
    if suppress and report.resolved < 5:
        return "withheld (small numbers)"
    return f"{value:g}"
