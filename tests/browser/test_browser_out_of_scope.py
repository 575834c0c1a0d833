"""A practitioner whose concern is out of scope is steered elsewhere, in a real browser,
at a phone's width (what 400% zoom gives a 1280-pixel screen), and nothing is saved."""

from __future__ import annotations

import factories
import pytest
from conftest import assert_accessible, screenshot
from playwright.sync_api import Page, expect

from escalate.cases.models import Case

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.django_db(transaction=True)
def test_a_complaint_is_steered_to_the_complaints_route_and_nothing_is_saved(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    w = factories.world("hammersmith-fulham-sab")
    w.raiser.set_password(PASSWORD)
    w.raiser.save()
    page.set_viewport_size({"width": 320, "height": 720})  # 1280 px at 400% zoom

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", w.raiser.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Raise a professional challenge").click()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Is your concern about any of these?")
    complaints = next(o for o in w.procedure.out_of_scope if "complaint" in o.situation.lower())
    page.get_by_label(complaints.situation).check()
    page.get_by_role("button", name="Continue").click()

    main = page.locator("main")
    expect(main).to_contain_text(complaints.go_instead)
    assert_accessible(page)
    # Nothing scrolls sideways at this width: the page reflows (WCAG 1.4.10).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page is {width}px wide at a 320px viewport"
    screenshot(page, "raise-out-of-scope")
    assert Case.objects.count() == 0
