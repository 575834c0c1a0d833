"""A version's status (draft, scheduled, in force, superseded) is worked out from the
effective dates against today, wherever it is shown: a version scheduled earlier is in
force once its day comes, and the one it replaced is superseded, though nothing was
published since."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate.partnerships import authoring, drafts, versions
from escalate.partnerships.models import ProcedureVersion
from escalate.partnerships.version_models import ShownStatus
from escalate.procedures.model import Role

D = dt.date
KEY = "cheshire-east-sab"
TODAY = D(2026, 12, 23)


def revised(label: str) -> str:
    return authoring.template_text(KEY).replace('version = "April 2023"', f'version = "{label}"')


@pytest.fixture
def world(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(TODAY)
    return factories.world(KEY)


@pytest.fixture
def scheduled(world: factories.World) -> tuple[ProcedureVersion, ProcedureVersion]:
    """Version 1 (the library's) in force; version 2 from 1 February 2027 and version 3
    from 1 March 2027, both published today."""
    bu = world.person(Role.BUSINESS_UNIT)
    made = []
    for label, day in (("February 2027", D(2027, 2, 1)), ("March 2027", D(2027, 3, 1))):
        draft = drafts.save_draft_text(bu, world.partnership, revised(label))
        made.append(drafts.publish_draft(bu, draft, day, content_hash=draft.content_hash))
    return made[0], made[1]


def statuses_on(world: factories.World, day: dt.date) -> dict[int, ShownStatus]:
    current = versions.version_in_force(world.partnership, day)
    return {
        row.version.sequence: row.status
        for row in authoring.history(world.partnership, day, current)
    }


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def rows_of(page: Any) -> dict[int, str]:
    """The versions table: each version's row, as text."""
    html = page.content.decode()
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S)
    found = {}
    for row in rows:
        number = re.search(r"Version (\d+)<span", row)
        if number:
            found[int(number.group(1))] = re.sub(r"<[^>]+>|\s+", " ", row)
    return found


@pytest.mark.django_db
def test_each_versions_status_follows_the_effective_dates_as_days_pass(
    world: factories.World, scheduled: tuple[ProcedureVersion, ProcedureVersion]
) -> None:
    S = ShownStatus
    assert statuses_on(world, TODAY) == {1: S.IN_FORCE, 2: S.SCHEDULED, 3: S.SCHEDULED}
    assert statuses_on(world, D(2027, 2, 1)) == {1: S.SUPERSEDED, 2: S.IN_FORCE, 3: S.SCHEDULED}
    assert statuses_on(world, D(2027, 3, 1)) == {1: S.SUPERSEDED, 2: S.SUPERSEDED, 3: S.IN_FORCE}
    draft = drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, "x")
    current = versions.version_in_force(world.partnership, TODAY)
    assert versions.status_on(draft, TODAY, current) is S.DRAFT


@pytest.mark.django_db
def test_a_version_scheduled_earlier_is_shown_in_force_once_its_day_comes(
    world: factories.World,
    scheduled: tuple[ProcedureVersion, ProcedureVersion],
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    """Nothing is published after today: on 15 February version 2 is in force and
    version 1 superseded; on 15 March version 3 is, and version 2 superseded, on the
    versions page, each version's page and the procedure page."""
    february, march = scheduled
    listing = reverse("partnerships:versions", args=[world.partnership.slug])

    def page_of(version: ProcedureVersion) -> str:
        client = signed_in(world.person(Role.BUSINESS_UNIT))
        url = reverse("partnerships:procedure_version", args=[world.partnership.slug, version.pk])
        return re.sub(r"\s+", " ", client.get(url).content.decode())

    frozen_clock(D(2027, 2, 15))
    rows = rows_of(signed_in(world.person(Role.BUSINESS_UNIT)).get(listing))
    assert "In force" in rows[2] and "Scheduled" in rows[3] and "Superseded" in rows[1]
    assert "Scheduled" not in rows[2]
    assert "cases raised today follow it" in page_of(february)

    frozen_clock(D(2027, 3, 15))
    rows = rows_of(signed_in(world.person(Role.BUSINESS_UNIT)).get(listing))
    assert "Superseded" in rows[1] and "Superseded" in rows[2] and "In force" in rows[3]
    assert "Scheduled" not in rows[1] + rows[2] + rows[3]
    shown = page_of(february)
    assert "Superseded" in shown and "until a later version replaced it" in shown
    assert "Scheduled" not in shown
    assert "cases raised today follow it" in page_of(march)
    procedure_page = re.sub(
        r"\s+",
        " ",
        signed_in(world.raiser)
        .get(reverse("partnerships:procedure", args=[world.partnership.slug]))
        .content.decode(),
    )
    assert "Version 3 (March 2027), in force since 1 March 2027" in procedure_page
    assert 'id="version-scheduled"' not in procedure_page
