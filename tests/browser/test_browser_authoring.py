"""Real-browser journey for writing the procedure: the business unit starts a draft
from the version in force, saves it with a mistake (the problems listed by line and
field), fixes it, previews it and publishes it from a later date; every page passes
axe-core. Then, through the services, a case raised before that date keeps the old
version and one raised from it follows the new one; the register and the report, in the
browser, label each case by its own version."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from conftest import assert_accessible, screenshot
from playwright.sync_api import Page, expect

from escalate import clock
from escalate.cases.models import Case
from escalate.partnerships import authoring, versions
from escalate.partnerships.models import ProcedureVersion, VersionStatus
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "authoring-journey-password"  # noqa: S105 - test accounts only
KEY = "cheshire-east-sab"


@pytest.fixture(autouse=True)
def unfrozen_afterwards() -> Iterator[None]:
    try:
        yield
    finally:
        clock.unfreeze()


def test_the_business_unit_takes_a_new_version_from_draft_to_published(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    clock.freeze(dt.datetime(2026, 12, 23, 10, 0, tzinfo=dt.UTC))
    w = factories.world(KEY)
    bu = w.person(Role.BUSINESS_UNIT)
    bu.set_password(PASSWORD)
    bu.save(update_fields=["password"])
    old_case = factories.raise_case(w)
    slug = w.partnership.slug
    base = live_server.url
    shipped = authoring.template_text(KEY)
    fixed = shipped.replace('version = "April 2023"', 'version = "April 2027"')
    mistaken = fixed.replace('protects = "adults"', 'protects = "adultz"')

    def sign_in(then: str) -> None:
        page.goto(f"{base}/accounts/login/?next={then}")
        page.fill('input[name="username"]', bu.email)
        page.fill('input[name="password"]', PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    sign_in(f"/partnerships/{slug}/procedure/")
    page.get_by_role("link", name="Versions of this procedure, and new drafts").click()
    expect(page.get_by_role("heading", name="Versions of the procedure")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Start a new draft").click()
    page.get_by_role("button", name="Start the draft").click()  # nothing chosen
    expect(page.get_by_role("link", name="Select what you want to start from")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("The version in force today")).check()
    page.get_by_role("button", name="Start the draft").click()
    expect(page.get_by_role("heading", name="Edit draft version 2")).to_be_visible()
    # Unchanged, it is the same as the version in force: a problem until it changes.
    expect(page.get_by_text("This draft is the same as version 1").first).to_be_visible()

    page.get_by_label("Procedure definition").fill(mistaken)
    page.get_by_role("button", name="Save the draft").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("This draft has problems")
    expect(summary.get_by_role("link", name=re.compile(r"^Line 11, protects"))).to_be_visible()
    expect(page.get_by_label("Procedure definition")).to_have_value(re.compile("adultz"))
    expect(page.get_by_role("link", name="Publish the draft")).to_have_count(0)
    assert_accessible(page)

    page.get_by_label("Procedure definition").fill(fixed)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("It has no problems")).to_be_visible()
    page.get_by_role("link", name="Preview the draft").click()
    expect(page.get_by_role("heading", name="Who is told at every move")).to_be_visible()
    expect(page.locator("#differences-list")).to_contain_text("April 2027")
    page.get_by_role("group", name="When the concern arose").get_by_label("Day").fill("4")
    page.get_by_role("group", name="When the concern arose").get_by_label("Month").fill("1")
    page.get_by_role("group", name="When the concern arose").get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Work out the deadlines").click()
    expect(page.get_by_text("For a concern that arose on 4 January 2027")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "procedure-draft-preview")

    page.get_by_role("button", name="Publish this version").click()
    date = page.get_by_role("group", name="When does this version come into force?")
    date.get_by_label("Day").fill("22")
    date.get_by_label("Month").fill("12")
    date.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Continue").click()  # yesterday: refused
    expect(page.locator(".govuk-error-summary")).to_contain_text("today or in the future")
    assert_accessible(page)
    date.get_by_label("Day").fill("1")
    date.get_by_label("Month").fill("4")
    date.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Publish version 2 from 1 April 2027?")).to_be_visible()
    expect(page.locator("#what-happens")).to_contain_text("keep the version they were raised")
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 2").click()
    expect(
        page.get_by_text("Version 2 is published. It comes into force on 1 April 2027.")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Scheduled", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto(f"{base}/partnerships/{slug}/procedure/")
    expect(page.locator("#version-scheduled")).to_contain_text("1 April 2027")
    assert_accessible(page)

    new = ProcedureVersion.objects.get(partnership=w.partnership, sequence=2)
    assert (new.status, new.effective_from, new.published_by) == (
        VersionStatus.PUBLISHED,
        dt.date(2027, 4, 1),
        bu,
    )

    clock.freeze(dt.date(2027, 3, 31))
    before = factories.raise_case(w, concern_arose_on=dt.date(2027, 3, 30))
    clock.freeze(dt.date(2027, 4, 1))
    on_the_day = factories.raise_case(w, concern_arose_on=dt.date(2027, 3, 30))

    assert before.definition_id == old_case.definition_id != new.pk
    assert on_the_day.definition_id == new.pk
    assert versions.procedure_for_case(Case.objects.get(pk=old_case.pk)).version == "April 2023"
    assert versions.procedure_for_case(Case.objects.get(pk=on_the_day.pk)).version == "April 2027"

    # The register and the board's report say which version each case runs (signed in
    # again: months have passed since the session began).
    sign_in(f"/board/{slug}/register/?reached=all%26sort=reference")
    expect(page.get_by_role("heading", name=re.compile("register", re.I)).first).to_be_visible()
    for case, version in ((old_case, 1), (before, 1), (on_the_day, 2)):
        row = page.get_by_role("row").filter(has_text=case.reference)
        expect(row).to_contain_text(f"Version {version}, in force from")
    expect(page.get_by_role("row").filter(has_text=on_the_day.reference)).to_contain_text(
        "Version 2, in force from 1 April 2027"
    )
    assert_accessible(page)
    page.goto(f"{base}/board/{slug}/report/?from=2026-12-01&to=2027-04-01")
    expect(page.get_by_text("ran 2 versions of the procedure")).to_be_visible()
    by_version = page.get_by_role("table", name="Cases by the procedure version they ran")
    expect(by_version).to_contain_text("April 2023 (version 1, in force from")
    expect(by_version).to_contain_text("April 2027 (version 2, in force from 1 April 2027)")
    assert_accessible(page)
