"""The escalation register, the chair's policy-issue list and the report command."""

from __future__ import annotations

import csv
import datetime as dt
import io

import board_fixtures
import factories
import pytest
from board_walk import walk_to_final_stage
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from escalate.cases.models import Event, PolicyIssue, PolicyIssueStatus
from escalate.procedures.model import Role

REPORT_DAY = dt.date(2027, 2, 1)


@pytest.fixture
def board(frozen_clock) -> board_fixtures.Board:
    built = board_fixtures.build(frozen_clock)
    frozen_clock(REPORT_DAY)
    return built


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


@pytest.mark.django_db
def test_register_lists_cases_that_reached_the_final_stage_by_default(frozen_clock):
    w = factories.world("cheshire-east-sab")
    final = walk_to_final_stage(w, frozen_clock)
    early = factories.raise_case(w, concern_arose_on=dt.date(2027, 1, 6))
    client = _client(w.person(Role.BUSINESS_UNIT))

    page = client.get(f"/board/{w.partnership.slug}/register/").content.decode()
    assert final.reference in page and early.reference not in page
    assert "Stage 4: 6 Jan 2027 to now" in page

    everything = client.get(f"/board/{w.partnership.slug}/register/?reached=all").content.decode()
    assert final.reference in everything and early.reference in everything
    for identity in board_fixtures.IDENTITY:
        assert identity not in page and identity not in everything


@pytest.mark.django_db
def test_register_filters_and_sorts_without_javascript(board):
    w, client = board.w, _client(board.w.person(Role.BUSINESS_UNIT))
    url = f"/board/{w.partnership.slug}/register/?reached=all"

    def refs(query: str) -> list[str]:
        rows = _csv(client.get(url + query + "&format=csv"))
        return [r[0] for r in rows[1:]]

    everyone = [board.a, board.b, board.c, board.d, board.e]
    assert sorted(refs("")) == sorted(c.reference for c in everyone)
    assert refs("&period=2027") == [board.e.reference]
    assert sorted(refs("&status=resolved")) == sorted([board.a.reference, board.b.reference])
    assert refs("&reached=2") == [board.b.reference]
    second = w.procedure.categories[1].key
    assert sorted(refs(f"&category={second}")) == sorted([board.c.reference, board.d.reference])
    quiet = f"&agency={board.quiet.pk}"
    assert refs(quiet) == []
    assert refs("&sort=reference") == sorted(c.reference for c in everyone)
    assert refs("&sort=-reference") == sorted((c.reference for c in everyone), reverse=True)

    page = client.get(url + "&sort=stage").content.decode()
    assert 'aria-sort="ascending"' in page
    assert 'method="get"' in page and "Apply filters" in page


@pytest.mark.django_db
def test_register_exports_hold_the_columns_and_no_identity(board):
    w, client = board.w, _client(board.w.person(Role.BUSINESS_UNIT))
    url = f"/board/{w.partnership.slug}/register/?reached=all&period=2026"

    rows = _csv(client.get(url + "&format=csv"))
    heading, body = rows[0], rows[1:]
    assert heading[:5] == [
        "Reference",
        "Stage reached",
        "Procedure version",
        "Raising agency",
        "Raising agency sector",
    ]
    b = next(r for r in body if r[0] == board.b.reference)
    record = dict(zip(heading, b, strict=True))
    assert record["Stage reached"] == "2"
    assert record["Procedure version"] == "April 2023 (version 1, from 2023-04-01)"
    assert record["Stage dates"] == (
        "Stage 1: 2026-12-23 to 2026-12-24; Stage 2: 2026-12-24 to 2026-12-30"
    )
    assert record["Timeliness"] == "Within timescales"
    assert record["Outcome"] == "Resolved at stage 2"
    assert record["Other agency sector"] == "NHS trust"
    d = dict(zip(heading, next(r for r in body if r[0] == board.d.reference), strict=True))
    assert d["Timeliness"] == "Timescale missed" and d["Status"] == "Open"

    xlsx = client.get(url + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.getvalue())).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == heading and len(cells) == len(rows)
    text = csv.__name__ + str(rows) + str(cells)
    for identity in board_fixtures.IDENTITY:
        assert identity not in text


@pytest.mark.django_db
def test_chair_responds_to_policy_issues_from_their_list(board):
    w = board.w
    chair = w.person(Role.INDEPENDENT_CHAIR)
    issue = PolicyIssue.objects.get(case=board.b)
    url = f"/board/{w.partnership.slug}/policy-issues/"
    client = _client(chair)
    assert "No guidance on joint reviews over Christmas." in client.get(url).content.decode()

    empty = client.post(url, {"issue": issue.pk, "response": "  ", "version": board.b.version})
    assert empty.status_code == 400
    assert "Enter the response." in empty.content.decode()

    board.b.refresh_from_db()
    done = client.post(
        url, {"issue": issue.pk, "response": "Guidance updated.", "version": board.b.version}
    )
    assert done.status_code == 302
    issue.refresh_from_db()
    assert issue.status == PolicyIssueStatus.RESPONDED and issue.responded_by == chair
    assert Event.objects.filter(case=board.b, action="policy_issue.responded").exists()

    # The business unit sees the list but the response is the chair's.
    page = _client(w.person(Role.BUSINESS_UNIT)).get(url).content.decode()
    assert "Guidance updated." in page and "Send the response" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx"])
def test_report_command_writes_the_file(board, fmt, tmp_path, capsys):
    out = tmp_path / f"report.{fmt}"
    call_command(
        "report",
        "--partnership",
        board.w.partnership.slug,
        "--period",
        "2026-Q4",
        "--format",
        fmt,
        "--output",
        str(out),
    )
    body = out.read_bytes()
    assert body[:4] == {"pdf": b"%PDF", "csv": b"\xef\xbb\xbfS", "xlsx": b"PK\x03\x04"}[fmt]
    assert "Wrote the" in capsys.readouterr().out
    if fmt == "csv":
        text = body.decode("utf-8-sig")
        assert "fewer than 5" in text
        for identity in board_fixtures.IDENTITY:
            assert identity not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partnership", "nowhere", "--format", "csv"], "there is no partnership 'nowhere'"),
        (["--period", "summer", "--format", "csv"], "Enter the period as a year"),
        (["--period", "2026", "--format", "doc"], "invalid choice: 'doc'"),
        (
            ["--period", "2026", "--format", "csv", "--output", "/no/such/dir/r.csv"],
            "does not exist",
        ),
    ],
)
def test_report_command_refuses_bad_arguments_in_one_line(board, args, message, capsys):
    full = list(args)
    if "--partnership" not in full:
        full = ["--partnership", board.w.partnership.slug, *full]
    if "--output" not in full:
        full += ["--output", "/tmp/escalate-report-test.csv"]
    with pytest.raises(SystemExit) as exited:
        call_command("report", *full)
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
