"""In a real browser: the timeout warning, and the Content-Security-Policy at work."""

from __future__ import annotations

import factories
import pytest
from conftest import assert_accessible
from playwright.sync_api import Browser, Page, expect

PASSWORD = "correct-horse-battery-staple"


def _sign_in(page: Page, base: str) -> None:
    w = factories.world("cheshire-east-sab")
    w.raiser.set_password(PASSWORD)
    w.raiser.save()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", w.raiser.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


@pytest.mark.django_db(transaction=True)
def test_the_timeout_warning_offers_to_stay_signed_in_then_signs_out(
    page: Page, live_server, settings
) -> None:  # type: ignore[no-untyped-def]
    # Longer than the 30 seconds after which a request refreshes the session, so that
    # leaving the page a moment early would show (it would keep the session alive).
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 36
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/")

    warning = page.get_by_role("dialog", name="You will be signed out soon")
    expect(warning).to_be_visible(timeout=25_000)
    assert_accessible(page)
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    # Nothing more done: the warning comes back, and then the page signs out.
    expect(warning).to_be_visible(timeout=25_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Escalate", timeout=30_000)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You were signed out because you had not done anything"
    )


@pytest.mark.django_db(transaction=True)
def test_the_content_security_policy_blocks_injected_inline_script(
    browser: Browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.appendChild(script);
        document.body.insertAdjacentHTML('beforeend', '<p style="color: red" id=styled>x</p>');
    }"""
    )
    assert page.evaluate("() => window.injected") is None
    assert page.evaluate("() => getComputedStyle(document.getElementById('styled')).color") != (
        "rgb(255, 0, 0)"
    )
    assert any("Content Security Policy" in text for text in refused), refused
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_administration_site_works_under_the_content_security_policy(
    page: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    from escalate.accounts.models import User

    w = factories.world("cheshire-east-sab")
    User.objects.create_superuser(email="root@example.org", full_name="Root", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root@example.org")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("Escalate administration")
    for path in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{w.raiser.pk}/change/",
        f"/admin/partnerships/partnership/{w.partnership.pk}/change/",
        "/admin/partnerships/membership/add/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
    # The page fixture fails the test if the policy refused anything on these pages.
