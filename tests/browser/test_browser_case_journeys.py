"""Real-browser journeys through a case: each stage's owner signs in, reads the case page
and escalates, until the final stage resolves it; and the other paths people take."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from conftest import assert_accessible, screenshot
from playwright.sync_api import Browser, Page, expect

from escalate import clock
from escalate.cases import services
from escalate.cases.models import Case, CaseStatus
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "case-journey-password"  # noqa: S105 - test accounts only
SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(dt.datetime(2026, 12, 23, 10, 0, tzinfo=dt.UTC))
    try:
        yield
    finally:
        clock.unfreeze()


def world(seed: str) -> factories.World:
    w = factories.world(seed)
    people = [*w.raising_people.values(), *w.other_people.values()]
    for person in [*people, *w.partnership_people.values()]:
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    return w


def sign_in(page: Page, base: str, person, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill('input[name="username"]', person.email)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def case_path(case: Case) -> str:
    return f"/cases/{case.reference}/"


def act(page: Page, action: str) -> None:
    page.locator(f'a[data-action="{action}"]').click()
    page.wait_for_load_state()


def raise_in_browser(page: Page, base: str, w: factories.World) -> Case:
    """The practitioner raises the challenge through the raise journey's pages."""
    sign_in(page, base, w.raiser, "/")
    page.get_by_role("button", name="Raise a professional challenge").click()
    page.get_by_label("No").check()  # nobody at immediate risk
    page.get_by_role("button", name="Continue").click()
    if w.procedure.out_of_scope:
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Is your concern about any of these?"
        )
        page.get_by_label("None of these").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who do you disagree with?")
    page.get_by_label("Which agency do you disagree with?").select_option(label=w.other.name)
    page.get_by_label("Name of the professional you disagree with").fill(
        w.other_professional.full_name
    )
    page.get_by_label("Their email address").fill(w.other_professional.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The person at risk")
    page.locator('input[name="subject_type"]').first.check()
    page.get_by_label("Their full name").fill("Alex Example")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The disagreement")
    page.get_by_label(w.procedure.categories[0].label).check()
    page.get_by_label("Describe the disagreement").fill("They closed the enquiry too soon.")
    page.get_by_label("What outcome are you seeking?").fill("A joint review.")
    page.get_by_label("Day").fill("23")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Raise the challenge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge raised")
    case = Case.objects.get(partnership=w.partnership)
    expect(page.locator(".govuk-panel")).to_contain_text(case.reference)
    sign_out(page)
    return case


@pytest.mark.parametrize("seed", SEEDS)
def test_each_stage_owner_escalates_in_turn_until_the_final_stage_resolves(
    page: Page, live_server, seed: str
) -> None:
    w = world(seed)
    base = live_server.url
    case = raise_in_browser(page, base, w)
    procedure = w.procedure
    last = len(procedure.stages)

    for number in range(1, last + 1):
        owner = case.stages.get(number=number).owner
        sign_in(page, base, owner, case_path(case))
        expect(page.locator(f'[data-stage-status="{number}"]')).to_have_text(
            re.compile("In progress|Overdue")
        )
        for stage in procedure.stages:
            expect(page.locator(f"#stage-{stage.number} h3")).to_contain_text(stage.title)
        assert_accessible(page)
        if number < last:
            act(page, "escalate")
            if number == 1:  # the same form at every stage: checked once per procedure
                assert_accessible(page)
            nxt = number + 1
            new_owner = w.owner_for(nxt)
            role = procedure.stage(nxt).owners[0].value
            page.locator(f'input[name="owner"][value="{new_owner.pk}:{role}"]').check()
            page.fill('textarea[name="summary"]', f"Stage {number} did not resolve it.")
            page.get_by_role("button", name="Escalate the case").click()
            expect(page.locator(".govuk-notification-banner--success")).to_contain_text("escalated")
            case.refresh_from_db()
            assert case.current_stage == nxt
        else:
            if procedure.stage(number).checklist:
                act(page, "tick")
                page.locator('input[name="item"]').first.check()
                page.get_by_role("button", name="Tick it off").click()
                expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
            act(page, "record_contact")
            page.locator('input[name="kind"][value="meeting"]').check()
            page.fill('textarea[name="text"]', "Written representations considered.")
            page.get_by_role("button", name="Add to the chronology").click()
            expect(page.locator("#chronology")).to_contain_text("Written representations")
            act(page, "resolve")
            expect(page.locator("h1")).to_have_text("Record the recommendation")
            assert_accessible(page)
            page.fill('textarea[name="outcome"]', "The chair recommends a joint review.")
            page.get_by_role("button", name="Record the outcome and close the case").click()
            expect(page.locator("#case-status")).to_have_text("Resolved")
            assert_accessible(page)
        sign_out(page)

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.current_stage == last


def test_a_practitioner_resolves_at_stage_one(page: Page, live_server) -> None:
    w = world("cheshire-east-sab")
    case = factories.raise_case(w)
    sign_in(page, live_server.url, w.raiser, case_path(case))
    screenshot(page, "case-page")

    item = w.procedure.stage(1).checklist[0]
    page.get_by_role("link", name=f"Tick off {item.text}").click()
    expect(page.locator(f'input[value="{item.key}"]')).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Tick it off").click()
    expect(page.locator("#stage-1")).to_contain_text("Done")

    act(page, "resolve")
    page.get_by_role("button", name="Record the outcome and close the case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the outcome")
    assert_accessible(page)
    screenshot(page, "case-resolve-error")
    page.get_by_role("link", name="Enter the outcome.").click()
    page.fill('textarea[name="outcome"]', "Joint review booked for Monday.")
    page.fill('textarea[name="action_what"]', "Hold the joint review")
    page.select_option('select[name="action_agency"]', str(w.other.pk))
    page.fill('input[name="action_owner_name"]', "Ward manager")
    page.fill('input[name="action_due_on-day"]', "4")
    page.fill('input[name="action_due_on-month"]', "1")
    page.fill('input[name="action_due_on-year"]', "2027")
    page.get_by_role("button", name="Record the outcome and close the case").click()

    expect(page.locator("#case-status")).to_have_text("Resolved")
    expect(page.locator("#agreed-actions")).to_contain_text("Hold the joint review")
    assert_accessible(page)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.current_stage == 1


def test_a_case_is_expedited_past_a_stage_when_someone_is_at_immediate_risk(
    page: Page, live_server
) -> None:
    w = world("warrington-sab")
    case = factories.raise_case(
        w, immediate_risk=True, referral_made=True, referral_made_on=dt.date(2026, 12, 23)
    )
    sign_in(page, live_server.url, w.raiser, case_path(case))

    act(page, "expedite")
    assert_accessible(page)
    screenshot(page, "case-expedite")
    page.locator('input[name="to_stage"][value="3"]').check()
    page.fill('textarea[name="reason"]', "Discharge planned for today.")
    owner = w.owner_for(3)
    role = w.procedure.stage(3).owners[0].value
    page.locator(f'input[name="owner"][value="{owner.pk}:{role}"]').check()
    page.get_by_role("button", name="Expedite the case").click()

    expect(page.locator('[data-stage-status="2"]')).to_have_text("Skipped")
    expect(page.locator('[data-stage-status="3"]')).to_have_text("In progress")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, live_server.url, owner, case_path(case))
    expect(page.locator('a[data-action="escalate"]')).to_be_visible()
    case.refresh_from_db()
    assert case.current_stage == 3


def test_a_stale_edit_shows_what_changed_and_can_be_sent_again(
    browser: Browser, page: Page, live_server
) -> None:
    w = world("shropshire-sscp")
    case = factories.raise_case(w)
    base = live_server.url
    sign_in(page, base, w.raiser, case_path(case))
    act(page, "escalate")
    manager = w.owner_for(2)
    page.locator(f'input[name="owner"][value="{manager.pk}:line_manager"]').check()
    page.fill('textarea[name="summary"]', "We met and could not agree.")

    other = browser.new_context()
    try:
        second = other.new_page()
        sign_in(second, base, w.other_professional, case_path(case))
        act(second, "record_contact")
        second.locator('input[name="kind"][value="note"]').check()
        second.fill('textarea[name="text"]', "I have sent the plan over.")
        second.get_by_role("button", name="Add to the chronology").click()
        expect(second.locator("#chronology")).to_contain_text("I have sent the plan over.")
    finally:
        other.close()

    page.get_by_role("button", name="Escalate the case").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("This case changed since you opened it")
    expect(page.locator("#what-changed")).to_contain_text("Note recorded")
    expect(page.locator('textarea[name="summary"]')).to_have_value("We met and could not agree.")
    assert_accessible(page)
    screenshot(page, "case-stale-edit")

    page.get_by_role("button", name="Escalate the case").click()
    expect(page.locator('[data-stage-status="2"]')).to_have_text("In progress")
    case.refresh_from_db()
    assert case.current_stage == 2


def test_someone_not_on_the_case_is_turned_away_kindly(page: Page, live_server) -> None:
    w = world("hammersmith-fulham-sab")
    case = factories.raise_case(w)
    outsider = factories.user("Nosy Outsider")
    factories.member(outsider, factories.agency("Elsewhere", w.partnership), Role.PRACTITIONER)
    outsider.set_password(PASSWORD)
    outsider.save(update_fields=["password"])
    services.record_contact(
        w.raiser, case, kind="note", text="Private note.", expected_version=case.version
    )

    sign_in(page, live_server.url, outsider, case_path(case))

    # The same kind answer as for a case that does not exist: nobody learns it does.
    expect(page.locator("h1")).to_have_text("Case not found")
    expect(page.locator("main")).to_contain_text("ask the person who raised it")
    expect(page.locator("main")).not_to_contain_text("Alex Example")
    expect(page.locator("main")).not_to_contain_text("Private note.")
    assert_accessible(page)
    page.goto(f"{live_server.url}/cases/{case.reference}/escalate/")
    expect(page.locator("h1")).to_have_text("Case not found")


def test_an_expedited_start_raises_straight_at_a_later_stage(page: Page, live_server) -> None:
    """Warrington: "if an adult is thought to be at immediate risk discretion should be
    used to initiate at the most relevant stage"."""
    w = world("warrington-sab")
    sign_in(page, live_server.url, w.raiser, "/")
    page.get_by_role("button", name="Raise a professional challenge").click()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text(w.procedure.expedite.prompt)
    page.get_by_label("Yes").check()
    page.get_by_label("Day").fill("23")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which stage should this start at?")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Stage 3:")).check()
    page.get_by_label("Why start at a later stage?").fill("Discharge is planned for today.")
    owner = w.owner_for(3)
    chooser = page.get_by_label("Who will own that stage?")
    label = next(
        text for text in chooser.locator("option").all_inner_texts() if owner.full_name in text
    )
    chooser.select_option(label=label)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who do you disagree with?")
    page.get_by_label("Which agency do you disagree with?").select_option(label=w.other.name)
    page.get_by_label("Name of the professional you disagree with").fill("Pat Jones")
    page.get_by_label("Their email address").fill(w.other_professional.email)
    page.get_by_role("button", name="Continue").click()
    page.locator('input[name="subject_type"]').first.check()
    page.get_by_label("Their full name").fill("Alex Example")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(w.procedure.categories[0].label).check()
    page.get_by_label("Describe the disagreement").fill("They say she can go home today.")
    page.get_by_label("What outcome are you seeking?").fill("A safe discharge plan first.")
    page.get_by_label("Day").fill("23")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page)
    page.get_by_role("button", name="Raise the challenge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge raised")
    case = Case.objects.get(partnership=w.partnership)
    assert case.current_stage == 3 and case.immediate_risk and case.referral_made
    assert case.stages.get(number=3).owner == owner
