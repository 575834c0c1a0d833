"""A practitioner raises a challenge in a real browser, through every page, and each page
passes an axe-core WCAG 2.2 AA scan."""

from __future__ import annotations

import factories
import pytest
from conftest import assert_accessible, screenshot
from playwright.sync_api import Page, expect

from escalate import clock
from escalate.cases.models import Case

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.django_db(transaction=True)
def test_a_practitioner_raises_a_challenge_through_every_page(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    w = factories.world("hammersmith-fulham-sab")
    raiser = w.raiser
    raiser.set_password(PASSWORD)
    raiser.save()
    today = clock.today()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", raiser.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    assert_accessible(page)

    page.get_by_role("button", name="Raise a professional challenge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Is anyone at immediate risk of harm?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # nothing chosen: an error
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether anyone")
    assert_accessible(page)
    screenshot(page, "raise-error")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Someone is at immediate risk")
    assert_accessible(page)
    page.get_by_label("Yes").check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Is your concern about any of these?")
    assert_accessible(page)
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Who do you disagree with?")
    assert_accessible(page)
    page.get_by_label("Which agency do you disagree with?").select_option(label=w.other.name)
    page.get_by_label("Name of the professional you disagree with").fill("Pat Jones")
    page.get_by_label("Their email address").fill(w.other_professional.email)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The person at risk")
    assert_accessible(page)
    page.get_by_label("An adult").check()
    page.get_by_label("Their full name").fill("Alex Example")
    page.get_by_label("What are their views and wishes? (optional)").fill("To stay at home.")
    page.get_by_label("No").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The disagreement")
    assert_accessible(page)
    page.get_by_label(w.procedure.categories[0].label).check()
    page.get_by_label("Describe the disagreement").fill("They closed the enquiry too soon.")
    page.get_by_label("What outcome are you seeking?").fill("A joint review.")
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before raising this challenge"
    )
    assert_accessible(page)
    screenshot(page, "raise-check-answers")
    page.get_by_role("button", name="Raise the challenge").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge raised")
    case = Case.objects.get()
    expect(page.locator(".govuk-panel")).to_contain_text(case.reference)
    expect(page.locator("main")).to_contain_text("Resolve the disagreement at stage 1")
    assert_accessible(page)
    screenshot(page, "raise-confirmation")
    assert case.immediate_risk and case.referral_made

    page.goto(f"{live_server.url}/partnerships/{w.partnership.slug}/procedure/")
    expect(page.locator("svg[role=img]")).to_be_visible()
    assert_accessible(page)
