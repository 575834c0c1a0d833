"""Real-browser journey for the board: the business unit signs in, opens the escalation
register and the report, filters them, downloads every export, and each page passes
an axe-core scan."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from conftest import assert_accessible, screenshot
from playwright.sync_api import Page, expect

from escalate import clock
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "board-journey-password"  # noqa: S105 - test accounts only


@pytest.fixture(autouse=True)
def unfrozen_afterwards() -> Iterator[None]:
    try:
        yield
    finally:
        clock.unfreeze()


def _download(page: Page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    path = download.path()
    assert path is not None
    with open(path, "rb") as handle:
        return download.suggested_filename, handle.read()


def test_business_unit_filters_the_register_and_report_and_downloads_each_export(
    page: Page, live_server
) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
    import board_fixtures

    board = board_fixtures.build(clock.freeze)
    clock.freeze(dt.datetime(2027, 2, 1, 10, 0, tzinfo=dt.UTC))
    bu = board.w.person(Role.BUSINESS_UNIT)
    bu.set_password(PASSWORD)
    bu.save(update_fields=["password"])
    slug = board.w.partnership.slug
    base = live_server.url

    register = f"/board/{slug}/register/"
    page.goto(f"{base}/accounts/login/?next={register}")
    page.fill('input[name="username"]', bu.email)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(register) + "$"))
    expect(page.get_by_role("heading", name="Escalation register")).to_be_visible()
    expect(page.get_by_role("heading", name="0 cases")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Stage reached").select_option("all")
    page.get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="2 cases")).to_be_visible()
    expect(page.get_by_role("cell", name=board.a.reference)).to_be_visible()
    expect(page.get_by_role("cell", name=board.d.reference)).to_have_count(0)
    page.get_by_role("link", name="Reference").click()
    expect(page).to_have_url(re.compile(r"sort=reference"))
    assert_accessible(page)
    screenshot(page, "board-register")

    name, body = _download(page, "Download the register as CSV")
    assert name.endswith(".csv") and board.a.reference.encode() in body
    assert b"Alex Example" not in body
    name, body = _download(page, "Download the register as Excel")
    assert name.endswith(".xlsx") and body[:2] == b"PK"

    page.get_by_role("link", name="Report for the board").click()
    page.get_by_label("Period").fill("2026-Q4")
    page.get_by_label('Show counts below 5 as "fewer than 5"').check()
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026 quarter 4")
    expect(page.get_by_role("img", name="Cases by raising agency").first).to_be_visible()
    expect(page.get_by_text("fewer than 5").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "board-report")

    name, body = _download(page, "Download the report as a PDF")
    assert name.endswith(".pdf") and body[:4] == b"%PDF"
    name, body = _download(page, "Download the report as CSV")
    assert name.endswith(".csv") and b"fewer than 5" in body and b"Alex Example" not in body

    page.get_by_role("link", name="Policy issues").click()
    expect(page.get_by_text("No guidance on joint reviews over Christmas.")).to_be_visible()
    assert_accessible(page)
