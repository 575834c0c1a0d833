"""Everything on a page is inside a landmark: the phase banner in the header, a back link
in a navigation landmark before <main> (so "Skip to main content" still skips it)."""

from __future__ import annotations

import factories
import pytest
from django.test import Client

from escalate import clock

pytestmark = pytest.mark.django_db


def page(path: str, person=None) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    if person is not None:
        client.force_login(person)
    return client.get(path).content.decode()


def between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_phase_banner_is_in_the_header() -> None:
    html = page("/accounts/login/")
    header = between(html, '<header class="govuk-template__header">', "</header>")
    assert 'class="govuk-phase-banner"' in header and "This is a new service" in header
    assert html.count('class="govuk-phase-banner"') == 1


def test_a_back_link_is_in_a_navigation_landmark_before_main() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=clock.today())
    html = page(f"/cases/{case.reference}/record/", w.raiser)
    nav = between(html, '<nav class="app-before-content" aria-label="Back">', "</nav>")
    assert f'href="/cases/{case.reference}/"' in nav and "govuk-back-link" in nav
    assert html.index('aria-label="Back"') < html.index('<main class="govuk-main-wrapper"')
    assert html.count("govuk-back-link") == 1


def test_a_page_without_a_back_link_has_no_empty_navigation() -> None:
    w = factories.world("cheshire-east-sab")
    html = page("/", w.raiser)
    assert 'aria-label="Back"' not in html
    between_header_and_main = between(html, "</header>", '<main class="govuk-main-wrapper"')
    assert "<nav" not in between_header_and_main
