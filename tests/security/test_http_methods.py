"""Every page answers only the HTTP methods it handles: 405 to the rest (issue "Locked
doors": TRACE on a case page returned the page and logged a view)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import factories
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from escalate import clock
from escalate.partnerships import versions
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield
    finally:
        clock.unfreeze()


def _routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL Escalate serves outside the administration site, with sample values."""
    found: list[str] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def _sample(route: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        return values.get(name, "1")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def test_every_page_refuses_methods_it_does_not_handle(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client.force_login(w.partnership_people[Role.BUSINESS_UNIT])
    values = {
        "reference": case.reference,
        "slug": w.partnership.slug,
        "token": "not-a-real-token",
        "uidb64": "MQ",
        "version_id": str(versions.version_in_force(w.partnership, clock.today()).pk),
    }
    routes = _routes()
    assert len(routes) > 30
    answered = {}
    for route in routes:
        url = _sample(route, values)
        for method in ("put", "delete", "patch", "trace"):
            response = getattr(client, method)(url)
            answered[(method.upper(), url)] = response.status_code
    wrong = {key: status for key, status in answered.items() if status != 405}
    assert not wrong, sorted({f"{url} {status}" for (_, url), status in wrong.items()})


@pytest.mark.parametrize("method", ["put", "delete", "patch", "trace"])
def test_the_administration_site_takes_only_get_and_post(admin_client, method):
    for url in ("/admin/", "/admin/accounts/user/", "/admin/partnerships/partnership/"):
        assert getattr(admin_client, method)(url).status_code == 405, url
