"""A procedure's own words on its pages: its names for the roles, its groups of stages,
and "not given" where the document gives nothing (Riverside,
tests/procedures/definitions/riverside.toml: undated, its senior managers called
heads of service, stages 1-2 "Informal" and 3-4 "Formal")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import factories
import pytest
from django.test import Client

from escalate.cases import services
from escalate.partnerships import versions
from escalate.procedures import library

pytestmark = pytest.mark.django_db

RIVERSIDE = Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"


@pytest.fixture
def w(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(dt.date(2026, 12, 23))
    made = factories.world("shropshire-sscp")
    assert made.administrator is not None
    made.administrator.is_staff = True  # (administrators work in /admin/)
    made.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(made.administrator, made.partnership, library.load_file(RIVERSIDE))
    versions.publish(made.administrator, draft, dt.date(2020, 1, 1))
    return made


def page(user: object, path: str) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_procedure_page_uses_the_procedures_own_words(w: factories.World) -> None:
    html = page(w.raiser, f"/partnerships/{w.partnership.slug}/procedure/")

    assert "Head of service" in html  # stage 3's senior managers, in Riverside's words
    assert "Informal (stages 1 and 2)" in html
    assert "Formal (stages 3 and 4)" in html
    assert "not given" in html  # the document is undated
    assert "None" not in html


def test_the_case_page_names_each_stages_group(w: factories.World) -> None:
    details = factories.case_details(w, categories=["difference-of-opinion"])
    case = services.raise_case(w.raiser, **details)

    html = page(w.raiser, f"/cases/{case.reference}/")

    assert "Informal (stages 1 and 2)" in html
    assert "Formal (stages 3 and 4)" in html
