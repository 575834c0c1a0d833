"""A practitioner raises a challenge in a real browser, through every page, and each page
passes an axe-core WCAG 2.2 AA scan; dates the final check would refuse are refused on
the page they are typed into."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from conftest import assert_accessible, screenshot
from playwright.sync_api import Page, expect

from escalate import clock
from escalate.cases.models import Case
from escalate.cases.services.raise_checks import OLDEST_CONCERN_DAYS, OLDEST_PERSON_YEARS
from escalate.govuk.dates import spoken, years_before

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


def type_date(page: Page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def expect_refused_here(page: Page, heading: str, message: str) -> None:
    """The same page again, with the GOV.UK error summary and the message by the date."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(f"Error: {heading} – Raise a professional challenge – Escalate")
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    expect(page.locator(".govuk-error-message")).to_contain_text(message)
    expect(page.locator(".govuk-date-input .govuk-input--error")).to_have_count(3)


@pytest.mark.django_db(transaction=True)
def test_dates_the_final_check_refuses_are_refused_on_their_own_pages(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    """Typed into the real pages: a concern more than 366 days ago, a concern in year
    0001 and a date of birth in year 0001 are each refused on the page that asks, in
    GOV.UK words; the corrected answers raise the challenge; Back after the confirmation
    shows the confirmation again."""
    w = factories.world("cheshire-east-sab")
    raiser = w.raiser
    raiser.set_password(PASSWORD)
    raiser.save()
    today = clock.today()
    oldest = today - dt.timedelta(days=OLDEST_CONCERN_DAYS)
    born_limit = years_before(today, OLDEST_PERSON_YEARS)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", raiser.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Raise a professional challenge").click()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Which agency do you disagree with?").select_option(label=w.other.name)
    page.get_by_label("Name of the professional you disagree with").fill("Pat Jones")
    page.get_by_label("Their email address").fill(w.other_professional.email)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The person at risk")
    page.get_by_label("An adult").check()
    page.get_by_label("Their full name").fill("Alex Example")
    page.get_by_label("No", exact=True).check()
    type_date(page, "Their date of birth (optional)", "1", "1", "0001")
    page.get_by_role("button", name="Continue").click()
    expect_refused_here(
        page,
        "The person at risk",
        f"Their date of birth must be between {spoken(born_limit)} and today",
    )
    assert_accessible(page)
    expect(page.get_by_label("Year")).to_have_value("0001")
    type_date(page, "Their date of birth (optional)", "27", "3", "1950")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The disagreement")
    page.get_by_label(w.procedure.categories[0].label).check()
    page.get_by_label("Describe the disagreement").fill("They closed the enquiry too soon.")
    page.get_by_label("What outcome are you seeking?").fill("A joint review.")
    concern_message = f"The date the concern arose must be between {spoken(oldest)} and today"
    too_old = oldest - dt.timedelta(days=1)
    for day, month, year in (
        (str(too_old.day), str(too_old.month), str(too_old.year)),
        ("1", "1", "0001"),
    ):
        type_date(page, "When did the concern arise?", day, month, year)
        page.get_by_role("button", name="Continue").click()
        expect_refused_here(page, "The disagreement", concern_message)
    assert_accessible(page)
    expect(page.get_by_label("Describe the disagreement")).to_have_value(
        "They closed the enquiry too soon."
    )
    type_date(
        page, "When did the concern arise?", str(oldest.day), str(oldest.month), str(oldest.year)
    )
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before raising this challenge"
    )
    expect(page.locator("main")).to_contain_text(spoken(oldest))
    page.get_by_role("button", name="Raise the challenge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge raised")
    case = Case.objects.get()
    assert case.concern_arose_on == oldest
    assert case.person_date_of_birth == dt.date(1950, 3, 27)
    confirmation = page.url

    # Back goes to the check page, which now shows the confirmation (and so does a
    # reload): never a redirect loop, an error or a new journey.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge raised")
    assert page.url == confirmation
    page.reload()
    expect(page.locator(".govuk-panel")).to_contain_text(case.reference)
    assert Case.objects.count() == 1
