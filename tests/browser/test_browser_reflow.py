"""Every kind of page at 320 CSS pixels wide (what 400% zoom gives a 1280-pixel screen):
nothing scrolls sideways (WCAG 2.2 1.4.10 Reflow), with real data in every table."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from conftest import REFLOW_WIDTH, assert_reflows
from playwright.sync_api import Browser, Page, expect

from escalate import clock
from escalate.cases import services
from escalate.cases.services.agreed_actions import ActionInput
from escalate.procedures.model import Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
import board_walk  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "reflow-journey-password"  # noqa: S105 - test accounts only


@pytest.fixture(autouse=True)
def unfrozen_afterwards() -> Iterator[None]:
    try:
        yield
    finally:
        clock.unfreeze()


@pytest.fixture
def narrow(browser: Browser) -> Iterator[Page]:
    """A page 320 px wide from the start, as a phone or a 400% zoom shows it."""
    context = browser.new_context(viewport={"width": REFLOW_WIDTH, "height": 720})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page: Page, base: str, person, next_path: str = "/") -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill('input[name="username"]', person.email)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def visit(page: Page, url: str, name: str) -> None:
    page.goto(url)
    expect(page.locator("h1")).to_be_visible()
    assert page.viewport_size and page.viewport_size["width"] == REFLOW_WIDTH
    assert_reflows(page, name)


def _world_with_a_busy_case() -> tuple[factories.World, object]:
    """Cheshire East: a case walked to step 4 (the referral form), with an agreed action,
    a policy issue, a long chronology and notifications; and a resolved case."""
    w = factories.world("cheshire-east-sab")
    for person in [
        *w.raising_people.values(),
        *w.other_people.values(),
        *w.partnership_people.values(),
    ]:
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    case = board_walk.walk_to_final_stage(w, clock.freeze)
    owner = case.stages.get(number=4).owner
    services.flag_policy_issue(
        owner,
        case,
        text="No guidance on joint reviews over Christmas.",
        expected_version=case.version,
    )
    case.refresh_from_db()
    resolved = factories.raise_case(w)
    resolved = services.resolve(
        w.raiser,
        resolved,
        outcome="Agreed a joint visit.",
        expected_version=resolved.version,
        agreed_actions=[
            ActionInput(
                what="Hold a joint review of the care and support plan",
                agency=w.other,
                owner_name="Ward manager on the discharge team",
                due_on=dt.date(2027, 1, 29),
            )
        ],
    )
    return w, case


def test_every_kind_of_page_reflows_at_320_pixels(narrow: Page, live_server) -> None:
    w, case = _world_with_a_busy_case()
    clock.freeze(dt.datetime(2027, 1, 7, 10, 0, tzinfo=dt.UTC))
    base = live_server.url
    page = narrow
    ref = case.reference
    slug = w.partnership.slug

    visit(page, f"{base}/accounts/login/", "the sign-in page")
    visit(page, f"{base}/accounts/password_reset/", "the password reset page")

    # The practitioner who raised it.
    sign_in(page, base, w.raiser)
    assert_reflows(page, "the practitioner's dashboard")
    visit(page, f"{base}/cases/raise/", "the start of the raise journey")
    visit(page, f"{base}/cases/{ref}/", "the case page")
    visit(page, f"{base}/cases/{ref}/record/", "recording a contact")
    visit(page, f"{base}/cases/{ref}/withdraw/", "withdrawing a case")
    visit(page, f"{base}/directory/", "the directory")
    visit(page, f"{base}/partnerships/{slug}/procedure/", "the procedure page")
    visit(page, f"{base}/notifications/", "the notifications page")
    visit(page, f"{base}/accounts/sessions/", "where you are signed in")
    visit(page, f"{base}/accounts/password_change/", "changing your password")

    # The owner of the final step: the stage's actions and the referral form.
    owner = case.stages.get(number=4).owner
    sign_in(page, base, owner)
    assert_reflows(page, "the stage owner's dashboard")
    visit(page, f"{base}/cases/{ref}/", "the case page at the final stage")
    for action in ("resolve", "tick", "record", "actions/add"):
        visit(page, f"{base}/cases/{ref}/{action}/", f"the {action} page")
    page.goto(f"{base}/cases/{ref}/resolve/")
    page.get_by_role("button", name=re.compile("Record")).first.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_reflows(page, "the resolve page with an error")

    # The line manager, who is told but owns nothing now.
    sign_in(page, base, w.raising_people[Role.LINE_MANAGER])
    assert_reflows(page, "the line manager's dashboard")

    # The board's business unit: dashboard, register, report, policy issues, referral.
    sign_in(page, base, w.person(Role.BUSINESS_UNIT))
    assert_reflows(page, "the business unit's dashboard")
    visit(page, f"{base}/board/{slug}/register/", "the escalation register")
    visit(page, f"{base}/board/{slug}/register/?reached=all", "the register of every case")
    visit(page, f"{base}/board/{slug}/register/?period=nonsense", "the register with an error")
    visit(page, f"{base}/board/{slug}/report/?period=2026", "the report for the board")
    visit(page, f"{base}/board/{slug}/policy-issues/", "the policy issues page")
    visit(page, f"{base}/partnerships/{slug}/roles/", "the role history page")
    visit(page, f"{base}/board/cases/{ref}/forms/stage-4/", "the stage 4 form")

    # The independent chair.
    sign_in(page, base, w.person(Role.INDEPENDENT_CHAIR))
    assert_reflows(page, "the chair's dashboard")
    visit(page, f"{base}/cases/{ref}/", "the case page for the chair")
    visit(page, f"{base}/cases/NOT-A-CASE/", "a case that is not found")


def test_a_table_shown_as_cards_on_a_phone_is_still_a_table_to_screen_readers(
    narrow: Page, live_server
) -> None:
    w, case = _world_with_a_busy_case()
    clock.freeze(dt.datetime(2027, 1, 7, 10, 0, tzinfo=dt.UTC))
    page = narrow
    sign_in(page, live_server.url, w.raiser)
    table = page.locator("#cases")
    row = table.locator("tbody tr").first
    # Each row is a card: its cells one above another, each under its column's name.
    # (Measured together, in the page, once its fonts are in: two separate measurements
    # can straddle a late layout shift and compare two different scroll positions.)
    page.evaluate("document.fonts.ready.then(() => true)")
    tops = row.evaluate("r => [...r.cells].map(c => c.getBoundingClientRect().top)")
    assert tops == sorted(tops) and len(set(tops)) == len(tops), tops
    second = row.locator("th, td").nth(1)
    label = second.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Raised by" in label
    # The accessibility tree still has the table, its column headings and its cells.
    tree = table.aria_snapshot()
    assert tree.startswith("- table")
    assert '- columnheader "Raised by"' in tree
    assert f'- rowheader "{case.reference}"' in tree
    assert f'- cell "{w.raising.name}"' in tree


def test_chart_labels_are_in_the_page_font_not_a_serif(narrow: Page, live_server) -> None:
    w, _ = _world_with_a_busy_case()
    clock.freeze(dt.datetime(2027, 1, 7, 10, 0, tzinfo=dt.UTC))
    page = narrow
    slug = w.partnership.slug
    sign_in(page, live_server.url, w.person(Role.BUSINESS_UNIT), f"/board/{slug}/report/")
    page.goto(f"{live_server.url}/board/{slug}/report/?period=2026")
    label = page.locator(".app-chart__svg text").first
    expect(label).to_be_visible()
    fonts = label.evaluate("text => getComputedStyle(text).fontFamily").lower()
    assert fonts.startswith("arial"), fonts
    assert "serif" not in fonts.replace("sans-serif", "")
    assert_reflows(page, "the report for the board")
