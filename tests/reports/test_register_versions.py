"""The register and the board's report read each case's own procedure version, not the
library's definition: a partnership whose later version has three stages (not four)
and calls a category by another name has each case filtered ("reached the final
stage"), labelled and counted by the version it was raised under."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import factories
import pytest
from django.test import Client
from openpyxl import load_workbook

from escalate.cases.models import Case
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Procedure, Role
from escalate.reports import selectors
from escalate.reports.exports import report_table

pytestmark = pytest.mark.django_db

D = dt.date
KEY = "cheshire-east-sab"
OLD_LABEL = "Difference of professional opinion"  # the library's (version 1's) words
NEW_LABEL = "Professional disagreement"  # version 2's words for the same category
V1 = "April 2023 (version 1, from 2023-04-01)"
V2 = "January 2027 (version 2, from 2027-01-04)"
WINTER = "from=2026-12-01&to=2027-01-31"


def three_stages() -> Procedure:
    """Cheshire East's definition without its fourth stage (the chair's), its first
    category renamed: version 2."""
    data = library.get(KEY).model_dump(mode="json")
    data["version"] = "January 2027"
    data["stages"] = data["stages"][:3]
    data["categories"][0]["label"] = NEW_LABEL
    return library.from_dict(data)


@dataclass
class TwoVersions:
    w: factories.World
    at_3_of_4: Case  # version 1, stage 3: not its final stage
    at_4_of_4: Case  # version 1, its final stage
    at_3_of_3: Case  # version 2, its final stage
    at_1_of_3: Case  # version 2, stage 1


@pytest.fixture
def board(frozen_clock: Callable[[dt.date], dt.datetime]) -> TwoVersions:
    frozen_clock(D(2026, 12, 23))
    w = factories.world(KEY)
    assert w.administrator is not None
    w.administrator.is_staff = True
    w.administrator.save(update_fields=["is_staff"])
    at_3_of_4 = factories.escalate_to(w, factories.raise_case(w), 3)
    at_4_of_4 = factories.escalate_to(w, factories.raise_case(w), 4)
    draft = versions.store_draft(w.administrator, w.partnership, three_stages())
    versions.publish(w.administrator, draft, D(2027, 1, 4))
    frozen_clock(D(2027, 1, 4))
    at_3_of_3 = factories.escalate_to(w, factories.raise_case(w), 3)
    at_1_of_3 = factories.raise_case(w)
    frozen_clock(D(2027, 1, 11))
    made = TwoVersions(w, at_3_of_4, at_4_of_4, at_3_of_3, at_1_of_3)
    assert [len(versions.procedure_for_case(c).stages) for c in cases(made)] == [4, 4, 3, 3]
    return made


def cases(b: TwoVersions) -> list[Case]:
    return [b.at_3_of_4, b.at_4_of_4, b.at_3_of_3, b.at_1_of_3]


def get(b: TwoVersions, page: str, query: str = ""):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(b.w.person(Role.BUSINESS_UNIT))
    response = client.get(f"/board/{b.w.partnership.slug}/{page}/?{query}")
    assert response.status_code == 200
    return response


def csv_records(b: TwoVersions, query: str) -> dict[str, dict[str, str]]:
    body = get(b, "register", query + "&format=csv").getvalue().decode("utf-8-sig")
    heading, *rows = list(csv.reader(io.StringIO(body)))
    return {r[0]: dict(zip(heading, r, strict=True)) for r in rows}


def test_reached_the_final_stage_is_each_cases_own_versions_final_stage(board: TwoVersions) -> None:
    b = board
    shown = csv_records(b, "reached=final")
    assert set(shown) == {b.at_4_of_4.reference, b.at_3_of_3.reference}
    html = get(b, "register").content.decode()
    assert b.at_3_of_3.reference in html and b.at_3_of_4.reference not in html
    intro = re.search(r'id="register-intro">(.*?)</p>', html, re.S)
    assert intro is not None
    assert intro.group(1).startswith(
        "Cases that reached the final stage of the procedure version they run "
        "(stage 4 in version 1, stage 3 in version 2), with their outcome."
    )
    # Stopped at a stage is the same number under either version.
    assert set(csv_records(b, "reached=3")) == {b.at_3_of_4.reference, b.at_3_of_3.reference}


def test_each_case_is_labelled_with_its_own_versions_categories_and_version(
    board: TwoVersions,
) -> None:
    b = board
    records = csv_records(b, "reached=all")
    assert {ref: r["Categories"] for ref, r in records.items()} == {
        b.at_3_of_4.reference: OLD_LABEL,
        b.at_4_of_4.reference: OLD_LABEL,
        b.at_3_of_3.reference: NEW_LABEL,
        b.at_1_of_3.reference: NEW_LABEL,
    }
    assert {ref: r["Procedure version"] for ref, r in records.items()} == {
        b.at_3_of_4.reference: V1,
        b.at_4_of_4.reference: V1,
        b.at_3_of_3.reference: V2,
        b.at_1_of_3.reference: V2,
    }
    # The Excel download holds the same.
    xlsx = get(b, "register", "reached=all&format=xlsx").getvalue()
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]  # type: ignore[union-attr]
    column = cells[0].index("Procedure version")
    assert {r[0]: r[column] for r in cells[1:]} == {
        ref: r["Procedure version"] for ref, r in records.items()
    }
    # The page shows which version each case runs, by its words and its number.
    html = get(b, "register", "reached=all&sort=reference").content.decode()
    row = re.search(rf"<tr[^>]*>\s*<td[^>]*>{b.at_3_of_3.reference}</td>(.*?)</tr>", html, re.S)
    assert row is not None
    assert "January 2027" in row.group(1) and "Version 2, in force from 4 January 2027" in row[1]
    assert NEW_LABEL in row.group(1) and OLD_LABEL not in row.group(1)
    assert '<th scope="col" class="govuk-table__header">Procedure version</th>' in html


def test_the_category_filter_offers_every_versions_words(board: TwoVersions) -> None:
    b = board
    html = get(b, "register").content.decode()
    assert f"{NEW_LABEL} / {OLD_LABEL}</option>" in html
    key = library.get(KEY).categories[0].key
    assert set(csv_records(b, f"reached=all&category={key}")) == {c.reference for c in cases(b)}


def test_the_report_says_which_versions_its_cases_ran_and_counts_by_each(
    board: TwoVersions,
) -> None:
    b = board
    period = selectors.parse_period(since="2026-12-01", until="2027-01-31")
    report = selectors.build_report(b.w.partnership, period)
    assert [(v.version.sequence, v.raised, v.reached_final) for v in report.versions] == [
        (1, 2, 1),
        (2, 2, 1),
    ]
    assert [v.by_category for v in report.versions] == [[(OLD_LABEL, 2)], [(NEW_LABEL, 2)]]
    assert sorted(report.by_category) == [(OLD_LABEL, 2), (NEW_LABEL, 2)]
    assert report.final_stage == 4 and len(report.by_stage_outcome) == 4

    rows = report_table(report, suppress=False)
    assert ["Procedure version", V1, "2"] in rows and ["Procedure version", V2, "2"] in rows
    assert ["Procedure version 2", "Final stage", "3"] in rows
    assert ["Procedure version 2: category", NEW_LABEL, "2"] in rows

    html = get(b, "report", WINTER).content.decode()
    section = html[html.index('id="procedure-versions"') :]
    assert "ran 2 versions of the procedure" in section
    assert "April 2023 (version 1, in force from 1 April 2023)" in section
    assert "January 2027 (version 2, in force from 4 January 2027)" in section
    assert "Category in version 2" in section and NEW_LABEL in section


def test_a_period_with_one_version_says_which(board: TwoVersions) -> None:
    html = get(board, "report", "from=2026-12-01&to=2026-12-31").content.decode()
    assert (
        "Every case raised in this period ran April 2023 (version 1, in force from "
        "1 April 2023)." in html
    )
    assert "Category in version" not in html


@pytest.mark.django_db
def test_a_draft_with_problems_changes_neither_register_nor_report(board: TwoVersions) -> None:
    cases(board)

    def register() -> str:  # (without what differs on every response)
        html = get(board, "register", "reached_final=any").content.decode()
        return re.sub(r'(nonce|value)="[^"]*"', "", html)

    before = register()
    versions.save_draft_text(
        board.w.person(Role.BUSINESS_UNIT), board.w.partnership, 'key = "half-written"\n'
    )

    assert register() == before
    assert b"half-written" not in get(board, "report", "period=2027").content
