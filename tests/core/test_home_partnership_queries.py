"""The home page's "Your partnerships' procedures" takes the same queries however many
partnerships the person works in, and still names each partnership's procedure in force
today, with "versions of the procedure" where (and only where) they write it.

The person is a member of staff working across a region: in each partnership they are
the business unit (so they write its procedure), a practitioner in a member agency
(they do not), or its administrator (they do). Some partnerships follow the library's
procedure; others have published one of their own, in force today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalate.accounts.models import User
from escalate.partnerships import authoring, drafts, permissions, versions
from escalate.partnerships.models import Partnership
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

KEY = "cheshire-east-sab"
TODAY = dt.date(2026, 12, 23)
#: How the person works in each partnership, in turn.
KINDS = ("business unit", "practitioner", "administrator")
WRITES = {"business unit", "administrator"}


@pytest.fixture
def today(frozen_clock: Callable[[dt.date], dt.datetime]) -> dt.date:
    frozen_clock(TODAY)
    return TODAY


def own_procedure(writer: User, partnership: Partnership, name: str) -> None:
    """The partnership's own procedure, called ``name``, in force from today."""
    library_name = 'name = "CESAB Multi-agency Escalation Procedure"'
    text = authoring.template_text(KEY)
    assert library_name in text
    draft = drafts.save_draft_text(
        writer, partnership, text.replace(library_name, f'name = "{name}"')
    )
    drafts.publish_draft(writer, draft, TODAY, content_hash=draft.content_hash)


def regional_person(count: int, writer: User) -> tuple[User, dict[Partnership, str]]:
    """A member of staff in ``count`` partnerships (the kinds in turn), each already
    visited once (its library procedure stored); every other one has its own procedure.
    How they work in each partnership, by partnership."""
    person = factories.user(is_staff=True)
    kinds = {}
    for n in range(count):
        partnership = factories.partnership(KEY)
        kind = KINDS[n % len(KINDS)]
        if kind == "business unit":
            factories.partnership_role(person, partnership, Role.BUSINESS_UNIT)
        elif kind == "administrator":
            factories.partnership_role(person, partnership, "administrator")
        else:
            factories.member(person, factories.agency(None, partnership), Role.PRACTITIONER)
        versions.version_in_force(partnership, TODAY)
        if n % 2:
            own_procedure(writer, partnership, f"Own procedure of {partnership.name}")
        kinds[partnership] = kind
    return person, kinds


def home_page(person: User) -> tuple[int, str]:
    """The queries the home page takes (asked for once before) and its HTML."""
    client = Client()
    client.force_login(person)
    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def procedures_shown(page: str) -> dict[str, tuple[str, bool]]:
    """Each partnership's line in "Your partnerships' procedures": the procedure it
    follows and whether a link to the versions of the procedure is shown."""
    section = page.split("Your partnerships' procedures</h2>", 1)[1].split("</ul>", 1)[0]
    shown = {}
    for line in re.findall(r"<li>(.*?)</li>", section, re.S):
        found = re.match(r"(.+?) follows the <a [^>]*>(.+?)</a>", line)
        assert found, line
        shown[found.group(1)] = (found.group(2), "versions of the procedure" in line)
    return shown


def test_the_home_page_takes_the_same_queries_for_2_partnerships_or_12(today: dt.date) -> None:
    writer = factories.user(is_superuser=True, is_staff=True)
    few_person, few_kinds = regional_person(2, writer)
    many_person, many_kinds = regional_person(12, writer)

    few, few_page = home_page(few_person)
    many, many_page = home_page(many_person)

    assert few == many, (few, many)
    for person, kinds, page in (
        (few_person, few_kinds, few_page),
        (many_person, many_kinds, many_page),
    ):
        expected = {
            p.name: (
                versions.in_force(Partnership.objects.get(pk=p.pk), today).procedure.name,
                kind in WRITES,
            )
            for p, kind in kinds.items()
        }
        assert procedures_shown(page) == expected
        assert {p.name for p, kind in kinds.items() if kind in WRITES} == {
            p.name for p in kinds if permissions.may_author_procedure(person, p)
        }
        for p, kind in kinds.items():
            link = reverse("partnerships:versions", args=[p.slug])
            assert (f'href="{link}"' in page) == (kind in WRITES), (p.name, kind)
    # Some follow the library, some their own procedure.
    names = {name for name, _ in procedures_shown(many_page).values()}
    assert "CESAB Multi-agency Escalation Procedure" in names and len(names) == 7
