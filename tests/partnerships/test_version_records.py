"""Times in the record of changes to a version, and in what the authoring pages say of
them, are where Escalate runs (Europe/London), in GOV.UK's style: "9:05am" in summer
is 08:05 UTC."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate.partnerships import authoring, drafts, version_records
from escalate.partnerships.models import VersionChange
from escalate.procedures.model import Role

KEY = "cheshire-east-sab"
#: 9:05am in London on 1 June 2027 (British Summer Time).
SUMMER_MORNING = dt.datetime(2027, 6, 1, 8, 5, tzinfo=dt.UTC)


@pytest.fixture
def world(frozen_clock: Callable[[dt.datetime], dt.datetime]) -> factories.World:
    frozen_clock(SUMMER_MORNING)
    return factories.world(KEY)


def revised(label: str) -> str:
    return authoring.template_text(KEY).replace('version = "April 2023"', f'version = "{label}"')


def test_times_are_written_where_escalate_runs() -> None:
    assert version_records.time_words(SUMMER_MORNING) == "9:05am"
    assert version_records.when_words(SUMMER_MORNING) == "1 June 2027 at 9:05am"
    winter_evening = dt.datetime(2027, 1, 4, 23, 30, tzinfo=dt.UTC)
    assert version_records.when_words(winter_evening) == "4 January 2027 at 11:30pm"
    after_midnight = dt.datetime(2027, 6, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on 2 June
    assert version_records.when_words(after_midnight) == "2 June 2027 at 12:30am"


@pytest.mark.django_db
def test_a_draft_saved_meanwhile_says_when_in_local_time(world: factories.World) -> None:
    bu = world.person(Role.BUSINESS_UNIT)
    draft = drafts.save_draft_text(bu, world.partnership, revised("Ours"))
    opened = drafts.revision_of(draft)
    drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, revised("B"),
                           version=draft)  # fmt: skip

    with pytest.raises(drafts.StaleDraft) as stale:
        drafts.save_draft_text(bu, world.partnership, revised("C"), version=draft, revision=opened)

    assert " at 9:05am since you opened it" in stale.value.message
    assert "08:05" not in stale.value.message


@pytest.mark.django_db
def test_the_record_of_changes_is_written_in_local_time(world: factories.World) -> None:
    bu = world.person(Role.BUSINESS_UNIT)
    draft = drafts.save_draft_text(bu, world.partnership, revised("Ours"))
    change = VersionChange.objects.get(version=draft)
    assert str(change).startswith("1 June 2027 at 9:05am: ")
    client = Client()
    client.force_login(bu)
    page = client.get(
        reverse("partnerships:procedure_version", args=[world.partnership.slug, draft.pk])
    )
    assert "1 June 2027 at 9:05am: Draft started by " in re.sub(r"\s+", " ", page.content.decode())
