"""People find the board's pages: the case page offers the referral form at its stage,
and the dashboard links the business unit to the register, report and policy issues."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from board_walk import walk_to_final_stage
from django.test import Client

from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def _page(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_offers_the_referral_form_only_at_its_stage(frozen_clock) -> None:
    frozen_clock(dt.date(2026, 12, 23))
    w = factories.world("cheshire-east-sab")
    early = factories.raise_case(w)
    assert "form-link-" not in _page(w.raiser, f"/cases/{early.reference}/")

    case = walk_to_final_stage(w, frozen_clock)
    business_unit = w.person(Role.BUSINESS_UNIT)
    html = _page(business_unit, f"/cases/{case.reference}/")
    assert f'href="/board/cases/{case.reference}/forms/stage-4/"' in html
    assert "form-link-stage-4" in html


def test_the_business_unit_dashboard_links_to_the_board_pages(frozen_clock) -> None:
    frozen_clock(dt.date(2026, 12, 23))
    w = factories.world("cheshire-east-sab")
    slug = w.partnership.slug
    html = _page(w.person(Role.BUSINESS_UNIT), "/")
    for page in ("register", "report", "policy-issues"):
        assert f'href="/board/{slug}/{page}/"' in html
    assert "Board oversight" not in _page(w.raiser, "/")
