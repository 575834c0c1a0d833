"""Procedure versions are stored once, cases refer to theirs for good, and the version
in force on a day honours effective dates; the migration that moved the snapshots out
of the case rows."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import factories
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from escalate.cases.models import Case
from escalate.errors import NotAllowed
from escalate.partnerships import versions
from escalate.partnerships.models import ProcedureVersion, VersionSource, VersionStatus
from escalate.procedures import library
from escalate.procedures.model import Procedure
from escalate.reports import figures_mark

D = dt.date
KEY = "cheshire-east-sab"


@pytest.fixture
def world(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(D(2026, 12, 23))
    made = factories.world(KEY)
    assert made.administrator is not None
    made.administrator.is_staff = True  # (administrators work in /admin/)
    made.administrator.save(update_fields=["is_staff"])
    return made


def revised(version: str, *, effective: dt.date | None = None, day_8: bool = True) -> Procedure:
    """Cheshire East's definition with another version label (and stage 2 concluded by
    day 8, not 9)."""
    data = library.get(KEY).model_dump(mode="json")
    data["version"] = version
    if effective is not None:
        data["effective"] = effective.isoformat()
        data["review"] = None
    if day_8:
        data["stages"][1]["conclude_by"]["amount"] = 8
    return library.from_dict(data)


def ship(monkeypatch: pytest.MonkeyPatch, procedure: Procedure) -> None:
    """As if ``procedure`` were the library's definition of Cheshire East."""
    real_get = library.get
    monkeypatch.setattr(library, "get", lambda key: procedure if key == KEY else real_get(key))


def stage_2_days(case: Case) -> int | None:
    fresh = Case.objects.get(pk=case.pk)
    conclude_by = versions.procedure_for_case(fresh).stage(2).conclude_by
    assert conclude_by is not None
    return conclude_by.amount


@pytest.mark.django_db
def test_cases_raised_under_the_same_definition_share_one_stored_version(
    world: factories.World,
) -> None:
    cases = [factories.raise_case(world) for _ in range(3)]

    (version,) = ProcedureVersion.objects.filter(partnership=world.partnership)
    assert {c.definition_id for c in cases} == {version.pk}
    assert version.status == VersionStatus.PUBLISHED
    assert version.effective_from == D(2023, 4, 1)  # the definition's effective date
    assert version.content_hash == versions.content_hash(versions.snapshot(library.get(KEY)))
    assert version.definition_text.startswith("# ")  # the shipped file, as written
    # Storing the same definition again gives the same version back.
    again = versions.store_draft(world.administrator, world.partnership, library.get(KEY))
    assert again.pk == version.pk
    assert ProcedureVersion.objects.filter(partnership=world.partnership).count() == 1


@pytest.mark.django_db
def test_partnerships_on_the_same_procedure_each_have_their_own_version(
    world: factories.World,
) -> None:
    other = factories.world(KEY)
    first, second = factories.raise_case(world), factories.raise_case(other)
    assert first.definition_id != second.definition_id
    assert first.definition.content_hash == second.definition.content_hash


@pytest.mark.django_db
def test_a_case_keeps_its_version_after_the_library_definition_changes(
    world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_case = factories.raise_case(world)
    ship(monkeypatch, revised("April 2027"))

    new_case = factories.raise_case(world)

    assert new_case.definition_id != old_case.definition_id
    assert (new_case.procedure_version, old_case.procedure_version) == ("April 2027", "April 2023")
    assert (stage_2_days(new_case), stage_2_days(old_case)) == (8, 9)
    old, new = versions.versions_of(world.partnership)
    assert (old.sequence, old.status) == (1, VersionStatus.SUPERSEDED)
    assert (new.sequence, new.status, new.effective_from) == (
        2,
        VersionStatus.PUBLISHED,
        D(2026, 12, 23),  # first seen today: after its stated effective date
    )
    assert new.definition_text == ""  # not the shipped file's text


@pytest.mark.django_db
def test_a_definition_effective_in_future_applies_only_to_cases_raised_from_that_day(
    world: factories.World,
    monkeypatch: pytest.MonkeyPatch,
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    first = factories.raise_case(world)
    ship(monkeypatch, revised("April 2027", effective=D(2027, 4, 1)))

    before = factories.raise_case(world)
    frozen_clock(D(2027, 3, 31))
    day_before = factories.raise_case(world)
    frozen_clock(D(2027, 4, 1))
    on_the_day = factories.raise_case(world)

    assert first.definition_id == before.definition_id == day_before.definition_id
    assert on_the_day.definition_id != first.definition_id
    assert on_the_day.procedure_version == "April 2027"
    assert stage_2_days(day_before) == 9 and stage_2_days(on_the_day) == 8


@pytest.mark.django_db
def test_a_published_version_is_in_force_from_its_effective_date(
    world: factories.World, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    factories.raise_case(world)
    draft = versions.store_draft(world.administrator, world.partnership, revised("Draft 2027"))
    assert (draft.status, draft.effective_from) == (VersionStatus.DRAFT, None)
    assert factories.raise_case(world).procedure_version == "April 2023"  # drafts never run

    versions.publish(world.administrator, draft, D(2027, 1, 4))

    p = world.partnership
    assert versions.version_in_force(p, D(2027, 1, 3)).version_label == "April 2023"
    assert versions.version_in_force(p, D(2027, 1, 4)).pk == draft.pk
    assert versions.version_in_force(p, D(2020, 1, 1)).version_label == "April 2023"  # earliest
    assert factories.raise_case(world).procedure_version == "April 2023"
    frozen_clock(D(2027, 1, 4))
    assert factories.raise_case(world).procedure_version == "Draft 2027"
    assert p.procedure.version == "Draft 2027"


@pytest.mark.django_db
def test_a_boards_own_published_version_stays_in_force_and_is_not_superseded_by_reading(
    world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = world.partnership
    own = versions.store_draft(world.administrator, p, revised("Board's own"))
    versions.publish(world.administrator, own, D(2020, 1, 1))

    assert versions.version_in_force(p, D(2026, 12, 23)).pk == own.pk
    assert versions.version_in_force(p, D(2026, 12, 23)).pk == own.pk
    assert factories.raise_case(world).procedure_version == "Board's own"
    ship(monkeypatch, revised("April 2027"))  # the library changes: the board's stays
    assert factories.raise_case(world).definition_id == own.pk

    (stored,) = ProcedureVersion.objects.filter(partnership=p)
    assert (stored.status, stored.source, stored.effective_from) == (
        VersionStatus.PUBLISHED,
        VersionSource.BOARD,
        D(2020, 1, 1),
    )


@pytest.mark.django_db
def test_a_boards_version_replacing_the_librarys_is_kept_when_the_library_changes(
    world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = factories.raise_case(world)
    own = versions.store_draft(world.administrator, world.partnership, revised("Board's own"))
    versions.publish(world.administrator, own, D(2026, 12, 23))
    ship(monkeypatch, revised("April 2027"))

    assert factories.raise_case(world).definition_id == own.pk
    old, mine = versions.versions_of(world.partnership)
    assert (old.pk, old.source, old.status) == (
        first.definition_id,
        VersionSource.LIBRARY,
        VersionStatus.SUPERSEDED,
    )
    assert (mine.pk, mine.status) == (own.pk, VersionStatus.PUBLISHED)


@pytest.mark.django_db
def test_a_version_from_the_library_follows_each_change_to_the_library(
    world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.raise_case(world)
    ship(monkeypatch, revised("April 2027"))
    assert factories.raise_case(world).procedure_version == "April 2027"
    ship(monkeypatch, revised("April 2028", day_8=False))
    assert factories.raise_case(world).procedure_version == "April 2028"

    rows = versions.versions_of(world.partnership)
    assert [(v.version_label, v.source, v.status) for v in rows] == [
        ("April 2023", VersionSource.LIBRARY, VersionStatus.SUPERSEDED),
        ("April 2027", VersionSource.LIBRARY, VersionStatus.SUPERSEDED),
        ("April 2028", VersionSource.LIBRARY, VersionStatus.PUBLISHED),
    ]


@pytest.mark.django_db
def test_a_version_rebuilt_from_older_cases_follows_a_changed_library(
    world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_case = factories.raise_case(world)
    ProcedureVersion.objects.filter(pk=old_case.definition_id).update(
        source=VersionSource.CASES
    )  # as migration cases/0007 leaves it
    versions.forget(world.partnership)
    ship(monkeypatch, revised("April 2027"))

    assert factories.raise_case(world).procedure_version == "April 2027"


@pytest.mark.django_db
def test_a_boards_draft_the_same_as_the_library_is_published_as_the_librarys(
    world: factories.World,
) -> None:
    draft = versions.store_draft(world.administrator, world.partnership, library.get(KEY))

    found = versions.version_in_force(world.partnership, D(2026, 12, 23))

    assert found.pk == draft.pk
    assert (found.status, found.source, found.effective_from) == (
        VersionStatus.PUBLISHED,
        VersionSource.LIBRARY,
        D(2023, 4, 1),
    )


@pytest.mark.django_db
def test_only_the_partnerships_administrators_store_or_publish_versions(
    world: factories.World,
) -> None:
    outsider = factories.user()
    with pytest.raises(NotAllowed):
        versions.store_draft(outsider, world.partnership, revised("Mine"))
    draft = versions.store_draft(world.administrator, world.partnership, revised("Theirs"))
    with pytest.raises(NotAllowed):
        versions.publish(world.raiser, draft, D(2027, 1, 1))
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_choosing_a_procedure_followed_before_brings_it_back_from_today(
    world: factories.World, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    p = world.partnership
    assert factories.raise_case(world).procedure_key == KEY
    frozen_clock(D(2027, 1, 4))
    p.procedure_key = "warrington-sab"
    p.save()
    versions.follow_library(world.administrator, p)
    assert p.procedure.key == "warrington-sab"
    frozen_clock(D(2027, 1, 5))
    p.procedure_key = KEY
    p.save()
    versions.follow_library(world.administrator, p)

    assert p.procedure.key == KEY
    assert versions.version_in_force(p, D(2027, 1, 4)).library_key == "warrington-sab"
    assert ProcedureVersion.objects.filter(partnership=p).count() == 2


@pytest.mark.django_db
def test_a_version_is_parsed_once_and_read_without_the_snapshot_in_the_case_row(
    world: factories.World, django_assert_num_queries: Any
) -> None:
    case = factories.raise_case(world)
    fresh = Case.objects.get(pk=case.pk)
    with django_assert_num_queries(0):
        first = versions.procedure_for_case(fresh)
        assert versions.procedure_for_case(fresh) is first
    assert versions.snapshot_of_version_id(fresh.definition_id) == versions.snapshot(first)


# ---------------------------------------------------------------- the admin


@pytest.mark.django_db
def test_superusers_see_the_versions_and_no_one_changes_them_in_the_admin(
    world: factories.World, client: Any
) -> None:
    case = factories.raise_case(world)
    version = case.definition
    superuser = world.raiser  # (the case admin shows a case only to those in it)
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(superuser)
    pages = "/admin/partnerships/procedureversion/"
    for url in (pages, f"{pages}{version.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "April 2023" in response.content.decode()
    assert client.get(f"{pages}add/").status_code == 403
    assert client.post(f"{pages}{version.pk}/delete/", {"post": "yes"}).status_code == 403
    case_page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "April 2023 (version 1)" in case_page
    assert '"stages"' not in case_page  # never the snapshot on a case's page

    assert world.administrator is not None
    client.force_login(world.administrator)
    assert client.get(f"{pages}{version.pk}/change/").status_code in (302, 403)
    assert ProcedureVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.django_db
def test_the_admin_shows_each_versions_status_worked_out_for_today(
    world: factories.World, client: Any, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    factories.raise_case(world)  # (stores the library's version, in force today)
    draft = versions.store_draft(world.administrator, world.partnership, revised("Draft 2027"))
    versions.publish(world.administrator, draft, D(2027, 1, 4))
    superuser = world.raiser
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(superuser)

    def statuses() -> list[str]:
        page = client.get("/admin/partnerships/procedureversion/").content.decode()
        return re.findall(r'<td class="field-shown_status">([^<]*)</td>', page)

    assert statuses() == ["In force", "Scheduled"]
    frozen_clock(D(2027, 1, 4))  # the scheduled version's day has come: nothing stored changes
    client.force_login(superuser)  # (a session signed in 12 days ago has ended)
    assert statuses() == ["Superseded", "In force"]  # (version 1, then 2)
    assert ProcedureVersion.objects.filter(status=VersionStatus.SUPERSEDED).count() == 0


# ---------------------------------------------------------------- the migration

BEFORE = [("cases", "0006_backfill_case_deadlines"), ("partnerships", "0003_worked_bank_holidays")]
AFTER = [("cases", "0007_case_definition")]


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    # (The executor sends no pre_migrate or post_migrate: do what they do, as migrate
    # would, with the report's figures mark triggers.)
    figures_mark.dropped_before_migrate()
    found = MigrationExecutor(connection)
    yield found
    found.loader.build_graph()
    found.migrate(found.loader.graph.leaf_nodes())
    figures_mark.installed_after_migrate()


def _old_case(apps: Any, partnership: Any, n: int, raised_on: dt.date, data: Any) -> Any:
    user = apps.get_model("accounts", "User").objects.create(
        email=f"raiser.{partnership.pk}.{n}@example.org", full_name=f"Raiser {n}"
    )
    agency = apps.get_model("partnerships", "Agency")
    raising = agency.objects.get_or_create(name=f"Raising {partnership.pk}", sector="other")[0]
    other = agency.objects.get_or_create(name=f"Other {partnership.pk}", sector="other")[0]
    return apps.get_model("cases", "Case").objects.create(
        reference=f"{partnership.reference_prefix}-{raised_on.year}-{n:04d}",
        partnership=partnership,
        year=raised_on.year,
        sequence=n,
        procedure_key=data["key"],
        procedure_version=data["version"],
        procedure_snapshot=data,
        subject_type="adult",
        person_name="Alex Example",
        person_knows=True,
        raised_by=user,
        raising_agency=raising,
        other_agency=other,
        other_professional_name="Sam Other",
        other_professional_email="sam.other@example.org",
        disagreement="Whether the care package meets the person's needs.",
        outcome_sought="A joint review.",
        concern_arose_on=raised_on,
        raised_at=dt.datetime.combine(raised_on, dt.time(12), tzinfo=dt.UTC),
        raised_on=raised_on,
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_stores_each_partnerships_snapshots_once_and_back(
    executor: MigrationExecutor,
) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    partnership = old.get_model("partnerships", "Partnership")
    cheshire = partnership.objects.create(
        name="Cheshire", slug="ce", reference_prefix="CE", kind="adults",
        procedure_key=KEY, business_unit_email="bu.ce@example.org",
    )  # fmt: skip
    warrington = partnership.objects.create(
        name="Warrington", slug="wa", reference_prefix="WA", kind="adults",
        procedure_key="warrington-sab", business_unit_email="bu.wa@example.org",
    )  # fmt: skip
    april_2023 = versions.snapshot(library.get(KEY))
    april_2027 = versions.snapshot(revised("April 2027", day_8=True))
    wsab = versions.snapshot(library.get("warrington-sab"))
    raised = {
        1: (cheshire, D(2025, 5, 2), april_2023),
        2: (cheshire, D(2025, 3, 3), april_2023),
        3: (cheshire, D(2026, 6, 1), april_2027),
        4: (warrington, D(2026, 1, 7), wsab),
        5: (cheshire, D(2026, 7, 1), april_2027),
    }
    pks = {n: _old_case(old, p, n, day, data).pk for n, (p, day, data) in raised.items()}

    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    version = new.get_model("partnerships", "ProcedureVersion")
    case = new.get_model("cases", "Case")
    rows = version.objects.order_by("partnership__slug", "sequence")
    assert [
        (v.partnership.slug, v.sequence, v.version_label, v.status, v.effective_from) for v in rows
    ] == [
        ("ce", 1, "April 2023", "superseded", D(2023, 4, 1)),  # the definition's date
        ("ce", 2, "April 2027", "published", D(2026, 6, 1)),  # its first case's
        ("wa", 1, "V2.2", "published", D(2023, 8, 1)),
    ]
    assert {v.source for v in rows} == {"cases"}
    by_label = {(v.partnership.slug, v.version_label): v for v in rows}
    assert by_label["ce", "April 2023"].content_hash == versions.content_hash(april_2023)
    assert by_label["ce", "April 2027"].snapshot == april_2027
    pointed = dict(case.objects.values_list("pk", "definition__version_label"))
    assert pointed == {
        pks[1]: "April 2023",
        pks[2]: "April 2023",
        pks[3]: "April 2027",
        pks[4]: "V2.2",
        pks[5]: "April 2027",
    }

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("cases", "Case")
    restored = dict(back.objects.values_list("pk", "procedure_snapshot"))
    assert restored == {pk: raised[n][2] for n, pk in pks.items()}


def test_the_migration_hashes_snapshots_as_the_live_code_does() -> None:
    migration = importlib.import_module("escalate.cases.migrations.0007_case_definition")
    for procedure in library.load_library().values():
        data = versions.snapshot(procedure)
        assert migration._content_hash(data) == versions.content_hash(data)


def _without_defaults_added_later(data: Any) -> Any:
    """A snapshot as an older Escalate stored it: without the fields the format has
    gained since (here: every field left at its default that is ``None``, empty or
    false)."""
    if isinstance(data, dict):
        return {
            k: _without_defaults_added_later(v)
            for k, v in data.items()
            if v not in (None, [], {}, False) or k in ("roll_forward",)
        }
    if isinstance(data, list):
        return [_without_defaults_added_later(v) for v in data]
    return data


@pytest.mark.django_db
def test_a_format_gaining_fields_does_not_give_partnerships_a_new_version(
    world: factories.World,
) -> None:
    first = factories.raise_case(world)
    stored = ProcedureVersion.objects.get(pk=first.definition_id)
    older = _without_defaults_added_later(stored.snapshot)
    assert older != stored.snapshot  # the format has fields this definition leaves unset
    ProcedureVersion.objects.filter(pk=stored.pk).update(
        snapshot=older, content_hash=versions.content_hash(older)
    )
    versions.forget(world.partnership)

    again = factories.raise_case(world)

    assert again.definition_id == first.definition_id
    assert versions.versions_of(world.partnership).count() == 1
