"""Writing a partnership's procedure through the services: who may, drafts kept with
their problems (never published, never read by another partnership or any case), the
record of every change, and publishing from a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest

from escalate.accounts.models import User
from escalate.cases.models import Case
from escalate.errors import Conflict, Invalid, NotAllowed, NotFound
from escalate.partnerships import authoring, definition_text, drafts, permissions, versions
from escalate.partnerships.models import (
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
    VersionStatus,
)
from escalate.partnerships.version_models import VersionRecordIsAppendOnly
from escalate.procedures.model import Role

D = dt.date
KEY = "cheshire-east-sab"
TODAY = D(2026, 12, 23)


@pytest.fixture
def world(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(TODAY)
    made = factories.world(KEY)
    assert made.administrator is not None
    made.administrator.is_staff = True  # (administrators work in /admin/)
    made.administrator.save(update_fields=["is_staff"])
    return made


def shipped() -> str:
    return authoring.template_text(KEY)


def revised(label: str = "April 2027") -> str:
    """The shipped text with another version label (so another version)."""
    return shipped().replace('version = "April 2023"', f'version = "{label}"')


def broken() -> str:
    """The shipped text with a mistake: a value the format does not know."""
    return revised().replace('protects = "adults"', 'protects = "adultz"')


def business_unit(w: factories.World) -> User:
    person: User = w.person(Role.BUSINESS_UNIT)
    return person


# ---------------------------------------------------------------- who may


@pytest.mark.django_db
def test_the_business_unit_and_administrators_write_the_procedure_and_no_one_else(
    world: factories.World,
) -> None:
    p = world.partnership
    other = factories.world(KEY)
    role_only = factories.user()
    factories.partnership_role(role_only, p, "administrator")  # (not staff: no powers)
    superuser = factories.user(is_superuser=True, is_staff=True)
    inactive = business_unit(factories.world(KEY))
    factories.partnership_role(inactive, p, Role.BUSINESS_UNIT)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    may = permissions.may_author_procedure
    assert may(business_unit(world), p) and may(world.administrator, p) and may(superuser, p)
    assert not may(role_only, p)
    assert not may(inactive, p)
    assert not may(world.person(Role.INDEPENDENT_CHAIR), p)
    assert not may(world.person(Role.STATUTORY_PARTNER), p)
    assert not may(world.raiser, p)
    assert not may(business_unit(other), p)
    assert not may(None, p)


@pytest.mark.django_db
def test_someone_who_may_not_write_the_procedure_cannot_save_or_publish_a_draft(
    world: factories.World,
) -> None:
    p = world.partnership
    with pytest.raises(NotAllowed):
        drafts.save_draft_text(world.raiser, p, revised())
    with pytest.raises(NotAllowed):
        versions.save_draft_text(world.person(Role.INDEPENDENT_CHAIR), p, revised())
    draft = drafts.save_draft_text(business_unit(world), p, revised())
    with pytest.raises(NotAllowed):
        drafts.publish_draft(world.raiser, draft, D(2027, 1, 1))
    with pytest.raises(NotAllowed):
        versions.publish(world.person(Role.STATUTORY_PARTNER), draft, D(2027, 1, 1))
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_drafts_are_seen_only_by_those_who_write_the_procedure(world: factories.World) -> None:
    p = world.partnership
    draft = drafts.save_draft_text(business_unit(world), p, revised())
    in_force = versions.version_in_force(p, TODAY)
    chair = world.person(Role.INDEPENDENT_CHAIR)
    assert permissions.sees_version(business_unit(world), draft)
    assert not permissions.sees_version(chair, draft)
    assert not permissions.sees_version(world.raiser, draft)
    assert permissions.sees_version(world.raiser, in_force)
    assert not permissions.sees_version(factories.user(), in_force)


# ---------------------------------------------------------------- drafts with problems


@pytest.mark.django_db
def test_a_draft_with_problems_keeps_its_text_and_can_never_be_published(
    world: factories.World,
) -> None:
    p = world.partnership
    case_before = factories.raise_case(world)
    draft = drafts.save_draft_text(business_unit(world), p, broken())

    stored = ProcedureVersion.objects.get(pk=draft.pk)
    assert stored.definition_text == broken()
    assert (stored.snapshot, stored.content_hash, stored.status) == (None, "", "draft")
    assert stored.problems and "adultz" in str(stored.problems)
    assert not stored.publishable
    with pytest.raises(Conflict, match="has problems"):
        drafts.publish_draft(business_unit(world), stored, D(2027, 1, 4))
    with pytest.raises(Conflict, match="has problems"):
        versions.publish(world.administrator, stored, D(2027, 1, 4))
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
    assert factories.raise_case(world).definition_id == case_before.definition_id
    assert versions.version_in_force(p, D(2030, 1, 1)).pk == case_before.definition_id


@pytest.mark.django_db
def test_a_draft_never_affects_another_partnership_or_any_case(world: factories.World) -> None:
    other = factories.world(KEY)
    theirs = factories.raise_case(other)
    before = list(ProcedureVersion.objects.filter(partnership=other.partnership))

    drafts.save_draft_text(business_unit(world), world.partnership, broken())
    good = drafts.save_draft_text(business_unit(world), world.partnership, revised())
    drafts.publish_draft(business_unit(world), good, TODAY)

    assert list(ProcedureVersion.objects.filter(partnership=other.partnership)) == before
    assert factories.raise_case(other).definition_id == theirs.definition_id
    assert factories.raise_case(world).definition_id == good.pk


@pytest.mark.django_db
def test_fixing_a_draft_makes_it_publishable_from_a_later_date(
    world: factories.World, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    p, bu = world.partnership, business_unit(world)
    old = factories.raise_case(world)
    draft = drafts.save_draft_text(bu, p, broken())
    fixed = drafts.save_draft_text(bu, p, revised(), version=draft)
    assert fixed.pk == draft.pk and fixed.publishable and fixed.problems == []
    assert fixed.version_label == "April 2027"

    drafts.publish_draft(bu, fixed, D(2027, 4, 1), content_hash=fixed.content_hash)

    assert authoring.standing(p, TODAY).scheduled == fixed
    frozen_clock(D(2027, 3, 31))
    day_before = factories.raise_case(world)
    frozen_clock(D(2027, 4, 1))
    on_the_day = factories.raise_case(world)
    assert day_before.definition_id == old.definition_id
    assert on_the_day.definition_id == draft.pk
    assert on_the_day.procedure_version == "April 2027"
    assert versions.procedure_for_case(Case.objects.get(pk=old.pk)).version == "April 2023"


@pytest.mark.django_db
def test_a_draft_the_same_as_the_version_in_force_is_kept_with_that_as_its_problem(
    world: factories.World,
) -> None:
    in_force = versions.version_in_force(world.partnership, TODAY)
    draft = drafts.save_draft_text(business_unit(world), world.partnership, shipped())

    assert draft.pk != in_force.pk and draft.sequence == in_force.sequence + 1
    assert not draft.publishable
    assert draft.problems[0]["message"].startswith(
        f"This draft is the same as version {in_force.sequence}"
    )
    changed = drafts.save_draft_text(
        business_unit(world), world.partnership, revised(), version=draft
    )
    assert changed.publishable


@pytest.mark.django_db
def test_nul_bytes_control_characters_and_huge_texts_are_refused_and_nothing_is_stored(
    world: factories.World,
) -> None:
    for bad in (revised() + "\x00", "key = \x1b[31m", "#" * (definition_text.MAX_CHARACTERS + 1)):
        with pytest.raises(Invalid) as refused:
            drafts.save_draft_text(business_unit(world), world.partnership, bad)
        assert refused.value.errors["text"]
    assert not ProcedureVersion.objects.filter(status=VersionStatus.DRAFT).exists()


@pytest.mark.django_db
def test_an_empty_draft_is_kept_with_a_problem(world: factories.World) -> None:
    draft = drafts.save_draft_text(business_unit(world), world.partnership, "  \n")
    assert draft.problems == [{"line": None, "field": "", "message": "The definition is empty"}]


# ---------------------------------------------------------------- publishing


@pytest.mark.django_db
def test_publishing_from_a_date_before_today_is_refused(world: factories.World) -> None:
    draft = drafts.save_draft_text(business_unit(world), world.partnership, revised())
    with pytest.raises(Invalid) as refused:
        drafts.publish_draft(business_unit(world), draft, TODAY - dt.timedelta(days=1))
    assert "today or later" in refused.value.errors["effective_from"][0]
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_a_published_version_can_no_longer_be_edited_or_published_again(
    world: factories.World,
) -> None:
    bu = business_unit(world)
    draft = drafts.save_draft_text(bu, world.partnership, revised())
    drafts.publish_draft(bu, draft, TODAY)
    with pytest.raises(Conflict, match="can no longer change"):
        drafts.save_draft_text(bu, world.partnership, revised("Later"), version=draft)
    with pytest.raises(Conflict, match="already published"):
        drafts.publish_draft(bu, draft, D(2027, 1, 1))
    assert ProcedureVersion.objects.get(pk=draft.pk).definition_text == revised()


@pytest.mark.django_db
def test_publishing_a_draft_changed_since_it_was_checked_is_refused(
    world: factories.World,
) -> None:
    bu = business_unit(world)
    draft = drafts.save_draft_text(bu, world.partnership, revised())
    checked = draft.content_hash
    drafts.save_draft_text(bu, world.partnership, revised("May 2027"), version=draft)
    with pytest.raises(Conflict, match="changed since you previewed it"):
        drafts.publish_draft(bu, draft, D(2027, 1, 1), content_hash=checked)


@pytest.mark.django_db
def test_another_partnerships_draft_cannot_be_changed_through_this_one(
    world: factories.World,
) -> None:
    other = factories.world(KEY)
    theirs = drafts.save_draft_text(business_unit(other), other.partnership, revised())
    with pytest.raises(NotFound):
        drafts.save_draft_text(
            business_unit(world), world.partnership, revised("Mine"), version=theirs
        )
    assert ProcedureVersion.objects.get(pk=theirs.pk).definition_text == revised()


# ---------------------------------------------------------------- the record


@pytest.mark.django_db
def test_every_change_is_recorded_with_who_and_when(
    world: factories.World, frozen_clock: Callable[[dt.date | dt.datetime], dt.datetime]
) -> None:
    bu, admin = business_unit(world), world.administrator
    assert admin is not None
    draft = drafts.save_draft_text(bu, world.partnership, broken(), started_from="version 1")
    frozen_clock(dt.datetime(2026, 12, 23, 15, 0, tzinfo=dt.UTC))
    drafts.save_draft_text(admin, world.partnership, revised(), version=draft)
    drafts.publish_draft(admin, draft, D(2027, 4, 1))

    stored = ProcedureVersion.objects.get(pk=draft.pk)
    assert (stored.created_by, stored.updated_by, stored.published_by) == (bu, admin, admin)
    assert stored.updated_at == dt.datetime(2026, 12, 23, 15, 0, tzinfo=dt.UTC)
    record = list(VersionChange.objects.filter(version=draft).order_by("at", "id"))
    assert [(c.change, c.actor, c.detail) for c in record] == [
        (VersionChangeKind.STARTED, bu, "from version 1; 1 problem"),
        (VersionChangeKind.SAVED, admin, "no problems"),
        (VersionChangeKind.PUBLISHED, admin, "in force from 1 April 2027"),
    ]
    assert bu.full_name in record[0].actor_label
    with pytest.raises(VersionRecordIsAppendOnly):
        record[0].save()
    with pytest.raises(VersionRecordIsAppendOnly):
        VersionChange.objects.filter(version=draft).update(detail="")
    with pytest.raises(VersionRecordIsAppendOnly):
        VersionChange.objects.filter(version=draft).delete()


# ---------------------------------------------------------------- problems in words


def test_problems_name_their_line_and_field_where_the_library_locates_them() -> None:
    (located,) = definition_text.read(broken()).problems
    assert located["line"] == 11 and located["field"].startswith("protects")
    assert "adultz" in located["message"]
    assert definition_text.described(located).startswith("Line 11, protects: ")
    (bad_toml,) = definition_text.read('key = "x"\nname = \n').problems
    assert "TOML" in bad_toml["message"] or "line 2" in bad_toml["message"]


def test_an_upload_must_be_small_utf8_text() -> None:
    assert definition_text.decode_upload(b"\xef\xbb\xbfkey = 1\r\n") == ("key = 1\n", "")
    assert "UTF-8" in definition_text.decode_upload(b"key = 1\n\xff\xfe")[1]
    assert "line 2" in definition_text.decode_upload(b"key = 1\n\xff\xfe")[1]
    assert "smaller than" in definition_text.decode_upload(b"#" * 300_000)[1]
    assert "unusual characters" in definition_text.decode_upload(b"key = 1\x00")[1]
    assert "empty" in definition_text.decode_upload(b"  \n")[1]
