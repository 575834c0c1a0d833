"""The escalation register takes the same number of queries however many cases it holds:
its pages (50 rows each, whichever page), and its CSV and Excel downloads, which are
streamed rather than built in memory; and the downloads still hold every case, in order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import tracemalloc
from collections.abc import Iterator

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from register_cases import cases, many_more

from escalate import clock
from escalate.cases.models import Case
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

#: Every page and download of the register whose queries are counted.
QUERIES = [
    "",  # the default: cases that reached the final stage
    "reached=all",
    "reached=all&page=2",
    "reached=all&sort=timeliness",
    "reached=all&sort=-raising&page=3",
    "reached=all&status=open&period=2026",
    "reached=all&format=csv",
    "reached=all&format=xlsx",
    "reached=all&sort=stage&format=csv",
    "reached=all&sort=-timeliness&format=csv",
    "reached=all&category=difference-of-opinion&format=xlsx",
]


@pytest.fixture
def world() -> Iterator[factories.World]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield factories.world("cheshire-east-sab")
    finally:
        clock.unfreeze()


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    """A page's or a streamed download's bytes, read in full."""
    return response.getvalue()


def register_queries(w: factories.World, query: str) -> tuple[int, bytes]:
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/board/{w.partnership.slug}/register/?{query}")
        content = body(response)  # a streamed download reads its rows now
    assert response.status_code == 200, content[:300]
    return len(queries), content


def test_the_register_and_its_downloads_take_the_same_queries_for_20_or_500_cases(
    world: factories.World,
) -> None:
    w = world
    cases(w, 20)
    few = {q: register_queries(w, q)[0] for q in QUERIES}
    many_more(w, 480)
    assert Case.objects.filter(partnership=w.partnership).count() == 501
    many = {q: register_queries(w, q)[0] for q in QUERIES}
    assert many == few


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_download_of_many_cases_holds_every_case_once_in_the_order_asked(
    world: factories.World,
) -> None:
    w = world
    made = cases(w, 6)
    many_more(w, 600)
    references = list(
        Case.objects.filter(partnership=w.partnership).values_list("reference", flat=True)
    )
    assert len(references) == 607

    _, content = register_queries(w, "reached=all&sort=reference&format=csv")
    rows = csv_rows(content)
    assert rows[0][:2] == ["Reference", "Stage reached"]
    assert [r[0] for r in rows[1:]] == sorted(references)
    withdrawn = dict(zip(rows[0], next(r for r in rows if r[0] == made[2].reference), strict=True))
    assert withdrawn["Status"] == "Withdrawn" and withdrawn["Outcome"] == "Withdrawn at stage 1"
    escalated = dict(zip(rows[0], next(r for r in rows if r[0] == made[1].reference), strict=True))
    assert escalated["Stage dates"] == (
        "Stage 1: 2026-12-23 to 2026-12-23; Stage 2: 2026-12-23 to open"
    )

    _, content = register_queries(w, "reached=all&sort=-reference&format=xlsx")
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]  # type: ignore[union-attr]
    assert cells[0] == rows[0]
    assert [r[0] for r in cells[1:]] == sorted(references, reverse=True)
    assert [[c or "" for c in r] for r in cells[1:]] == sorted(rows[1:], reverse=True)


def test_a_download_is_streamed_not_built_in_memory(world: factories.World) -> None:
    cases(world, 2)
    client = Client()
    client.force_login(world.person(Role.BUSINESS_UNIT))
    url = f"/board/{world.partnership.slug}/register/?reached=all&format="
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        response = client.get(url + fmt)
        assert response.streaming, fmt
        assert kind in response["Content-Type"]
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert "no-store" in response["Cache-Control"]
        body(response)


def test_an_excel_download_that_fails_part_way_leaves_no_register_data_on_disk(
    world: factories.World, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """openpyxl's write-only sheet writes its rows to a temporary file of its own; a
    download whose rows cannot all be read must remove it, not leave it until the
    worker exits."""
    from escalate.reports import exports

    cases(world, 6)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where openpyxl writes
    real, read = exports._stage_dates, []

    def fails_on_the_fourth_row(row):  # type: ignore[no-untyped-def]
        read.append(row)
        if len(read) == 4:
            raise RuntimeError("the database went away")
        return real(row)

    monkeypatch.setattr(exports, "_stage_dates", fails_on_the_fourth_row)
    client = Client()
    client.force_login(world.person(Role.BUSINESS_UNIT))
    with pytest.raises(RuntimeError, match="went away"):
        client.get(f"/board/{world.partnership.slug}/register/?reached=all&format=xlsx")
    assert len(read) == 4  # rows were being written when it failed
    assert list(tmp_path.glob("openpyxl.*")) == []


def test_an_excel_download_leaves_no_temporary_files_once_read(
    world: factories.World, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    cases(world, 3)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client = Client()
    client.force_login(world.person(Role.BUSINESS_UNIT))
    response = client.get(f"/board/{world.partnership.slug}/register/?reached=all&format=xlsx")
    book = load_workbook(io.BytesIO(body(response)), read_only=True)
    assert len(list(book.worksheets[0].values)) == 4
    response.close()
    assert list(tmp_path.iterdir()) == []


def download_peak(w: factories.World, fmt: str) -> tuple[int, int]:
    """The most memory Python held while the register's download was made and read
    (each piece dropped as it is read, as a server sends it on), and its size."""
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    url = f"/board/{w.partnership.slug}/register/?reached=all&format={fmt}"
    client.get(url).getvalue()  # anything kept per process, kept
    tracemalloc.start()
    try:
        size = sum(len(piece) for piece in client.get(url).streaming_content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_a_download_of_thousands_more_cases_takes_no_more_memory_to_make(
    frozen_clock,
) -> None:
    """Flat memory: the rows are read 2,000 at a time and written as they come, so a
    register of 12,000 cases takes what one of 4,500 does (at most two chunks of rows
    held at once, at either size; held whole, the rows would take nearly three times
    as much)."""
    frozen_clock(dt.date(2026, 12, 23))
    small, large = factories.world(label="SMALL"), factories.world(label="LARGE")
    many_more(small, 4_500)
    many_more(large, 12_000)
    for fmt in ("csv", "xlsx"):
        (small_peak, small_size), (large_peak, large_size) = (
            download_peak(small, fmt),
            download_peak(large, fmt),
        )
        assert large_size > 2.5 * small_size, fmt
        assert large_peak < 1.25 * small_peak, (fmt, small_peak, large_peak)
