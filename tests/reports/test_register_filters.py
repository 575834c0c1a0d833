"""The escalation register's filters as people use them: the intro says which cases are
shown, and the dates are GOV.UK date inputs (day, month and year boxes) with GOV.UK
messages, which the page's sorting and download links carry along."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import board_fixtures
import pytest
from django.test import Client

from escalate import clock
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def board() -> Iterator[board_fixtures.Board]:
    try:
        built = board_fixtures.build(clock.freeze)
        clock.freeze(dt.date(2027, 2, 1))
        yield built
    finally:
        clock.unfreeze()


def get(board: board_fixtures.Board, query: str = "", page: str = "register"):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(board.w.person(Role.BUSINESS_UNIT))
    return client.get(f"/board/{board.w.partnership.slug}/{page}/?{query}")


def intro(html: str) -> str:
    found = re.search(r'<p class="govuk-body" id="register-intro">(.*?)</p>', html, re.S)
    assert found is not None
    return found.group(1)


def test_the_intro_says_which_stage_the_cases_shown_reached(board) -> None:
    final = len(board.w.procedure.stages)
    assert intro(get(board).content.decode()).startswith(
        f"Cases that reached the final stage (stage {final}), with their outcome."
    )
    every = intro(get(board, "reached=all").content.decode())
    assert every.startswith("Cases at every stage, with their outcome.")
    title = board.w.procedure.stage(2).title
    stopped = intro(get(board, "reached=2").content.decode())
    assert stopped.startswith(f"Cases that stopped at stage 2 ({title}), with their outcome.")
    for html in (every, stopped):
        assert "final stage" not in html


def test_the_intro_says_when_other_filters_narrow_it(board) -> None:
    html = get(board, f"reached=all&agency={board.w.raising.pk}").content.decode()
    assert intro(html).startswith("Cases at every stage that match the other filters,")


def test_the_dates_are_day_month_and_year_boxes(board) -> None:
    html = get(board).content.decode()
    for name in ("from", "to"):
        for part in ("day", "month", "year"):
            assert f'id="filter-{name}-{part}" name="{name}-{part}" type="text"' in html
    assert "<legend" in html and "Or from" in html and "For example, 1 7 2026" in html
    assert 'name="from"' not in html and "2026-07-01" not in html


def test_dates_typed_in_the_boxes_filter_the_register_and_stay_in_the_links(board) -> None:
    query = "reached=all&from-day=1&from-month=12&from-year=2026&to-day=31&to-month=12&to-year=2026"
    response = get(board, query)
    html = response.content.decode()
    assert response.status_code == 200, html[:300]
    for case in (board.a, board.b, board.c, board.d):
        assert case.reference in html
    assert board.e.reference not in html  # raised on 5 January 2027
    assert 'id="filter-from-day" name="from-day" type="text" value="1"' in html
    assert 'id="filter-to-month" name="to-month" type="text" value="12"' in html
    # Sorting and downloading keep the dates.
    assert "from=2026-12-01&amp;to=2026-12-31" in html
    sorted_again = get(board, "reached=all&from=2026-12-01&to=2026-12-31&sort=reference")
    assert sorted_again.status_code == 200
    assert board.a.reference in sorted_again.content.decode()
    assert board.e.reference not in sorted_again.content.decode()


@pytest.mark.parametrize(
    ("query", "message", "shown"),
    [
        (
            "from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026",
            "The start date must be a real date",
            'name="from-day" type="text" value="31"',
        ),
        (
            "from-day=1&from-year=2026&to-day=1&to-month=3&to-year=2026",
            "The start date must include a month",
            'name="from-year" type="text" value="2026"',
        ),
        (
            "from-day=1&from-month=1&from-year=2026&to-day=1&to-month=3&to-year=26",
            "Year must include 4 numbers",
            'name="to-year" type="text" value="26"',
        ),
        (
            "from-day=1&from-month=1&from-year=2026",
            "Enter the end date as well as the start date",
            'name="from-month" type="text" value="1"',
        ),
        (
            "from-day=²&from-month=1&from-year=2026&to-day=1&to-month=3&to-year=2026",
            "The start date must be a real date",
            'name="from-month" type="text" value="1"',
        ),
    ],
)
def test_a_wrong_date_is_explained_as_the_date_input_pattern_says(
    board, query: str, message: str, shown: str
) -> None:
    response = get(board, "reached=all&" + query)
    html = response.content.decode()
    assert response.status_code == 400
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</div>", 1)[0]
    key = "to" if "end date" in message or "to-year" in shown else "from"
    assert f'<a href="#filter-{key}-day">{message}</a>' in summary
    assert f'<p id="filter-{key}-error" class="govuk-error-message">' in html
    assert shown in html  # what was typed is shown again


def test_the_end_date_before_the_start_date_is_refused(board) -> None:
    query = "from-day=1&from-month=3&from-year=2026&to-day=1&to-month=2&to-year=2026"
    html = get(board, query).content.decode()
    assert "The end date must be the same as or after the start date." in html


def test_the_report_takes_its_dates_in_the_same_boxes(board) -> None:
    query = "from-day=1&from-month=12&from-year=2026&to-day=31&to-month=12&to-year=2026"
    response = get(board, query, page="report")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 December 2026 to 31 December 2026" in html
    assert 'name="to-day" type="text" value="31"' in html
    bad = get(board, "from-day=1&from-month=13&from-year=2026&to-day=1", page="report")
    assert bad.status_code == 400
    assert "The start date must be a real date" in bad.content.decode()
