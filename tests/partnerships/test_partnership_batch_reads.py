"""Reading many partnerships at once decides what asking of each one decides: who
writes each procedure (:func:`permissions.authoring_partnership_ids`, as
:func:`permissions.may_author_procedure`) and the name of each procedure in force on a
day (:func:`selectors.procedure_names`, as ``versions.in_force``), in the same queries
however many partnerships there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import factories
import pytest
from django.contrib.auth.models import AnonymousUser

from escalate.partnerships import authoring, drafts, permissions, selectors, versions
from escalate.partnerships.models import Partnership, ProcedureVersion
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

D = dt.date
KEY = "cheshire-east-sab"
TODAY = D(2026, 12, 23)
LIBRARY_NAME = 'name = "CESAB Multi-agency Escalation Procedure"'


@pytest.fixture
def today(frozen_clock: Callable[[dt.date], dt.datetime]) -> dt.date:
    frozen_clock(TODAY)
    return TODAY


# ---------------------------------------------------------------- who writes the procedure


def people(w: factories.World, elsewhere: Partnership) -> dict[str, tuple[Any, set[str]]]:
    """Everyone worth asking about, and which of "here" and "elsewhere" each writes."""

    def made(**extra: Any) -> Any:
        return factories.user(**extra)

    staff_admin = made(is_staff=True)
    factories.partnership_role(staff_admin, w.partnership, "administrator")
    staff_admin_and_bu = made(is_staff=True)
    factories.partnership_role(staff_admin_and_bu, w.partnership, "administrator")
    factories.partnership_role(staff_admin_and_bu, elsewhere, Role.BUSINESS_UNIT)
    bu_elsewhere = made()
    factories.partnership_role(bu_elsewhere, elsewhere, Role.BUSINESS_UNIT)
    inactive_bu = made(is_active=False)
    factories.partnership_role(inactive_bu, w.partnership, Role.BUSINESS_UNIT)
    inactive_superuser = made(is_superuser=True, is_staff=True, is_active=False)
    staff = made(is_staff=True)
    return {
        "superuser": (made(is_superuser=True, is_staff=True), {"here", "elsewhere"}),
        "staff administrator": (staff_admin, {"here"}),
        "staff administrator, business unit elsewhere": (
            staff_admin_and_bu,
            {"here", "elsewhere"},
        ),
        "administrator role without staff status": (w.administrator, set()),
        "business unit": (w.person(Role.BUSINESS_UNIT), {"here"}),
        "business unit of another partnership": (bu_elsewhere, {"elsewhere"}),
        "independent chair": (w.person(Role.INDEPENDENT_CHAIR), set()),
        "statutory partner": (w.person(Role.STATUTORY_PARTNER), set()),
        "safeguarding lead": (w.person(Role.SAFEGUARDING_LEAD), set()),
        "staff without a role": (staff, set()),
        "inactive business unit": (inactive_bu, set()),
        "inactive superuser": (inactive_superuser, set()),
        "anonymous": (AnonymousUser(), set()),
    }


def test_who_writes_each_procedure_is_decided_alike_for_one_partnership_or_many(
    today: dt.date,
) -> None:
    w = factories.world(KEY)
    elsewhere = factories.partnership(KEY)
    places = {"here": w.partnership, "elsewhere": elsewhere}
    for who, (person, writes) in people(w, elsewhere).items():
        batch = permissions.authoring_partnership_ids(person, [w.partnership, elsewhere, None])
        assert batch == {places[name].pk for name in writes}, who
        one_by_one = {p.pk for p in places.values() if permissions.may_author_procedure(person, p)}
        assert one_by_one == batch, who
    assert permissions.authoring_partnership_ids(w.person(Role.BUSINESS_UNIT), []) == set()
    assert not permissions.may_author_procedure(w.person(Role.BUSINESS_UNIT), None)


@pytest.mark.parametrize("staff", [False, True], ids=["not staff", "staff"])
def test_who_writes_many_procedures_takes_the_same_queries_as_for_two(
    today: dt.date, staff: bool, django_assert_num_queries: Any
) -> None:
    person = factories.user(is_staff=staff)
    partnerships = [factories.partnership(KEY) for _ in range(12)]
    for n, partnership in enumerate(partnerships):
        role = (Role.BUSINESS_UNIT.value, "administrator", Role.INDEPENDENT_CHAIR.value)[n % 3]
        factories.partnership_role(person, partnership, role)
    queries = 2 if staff else 1
    with django_assert_num_queries(queries):
        few = permissions.authoring_partnership_ids(person, partnerships[:2])
    with django_assert_num_queries(queries):
        many = permissions.authoring_partnership_ids(person, partnerships)
    writes = {p.pk for n, p in enumerate(partnerships) if n % 3 == 0 or (staff and n % 3 == 1)}
    assert few == writes & {p.pk for p in partnerships[:2]}
    assert many == writes


# ---------------------------------------------------------------- the procedure in force


def own_version(partnership: Partnership, name: str, effective: dt.date) -> None:
    """The partnership's own procedure, called ``name``, published from ``effective``."""
    writer = factories.user(is_superuser=True, is_staff=True)
    text = authoring.template_text(KEY)
    assert LIBRARY_NAME in text
    draft = drafts.save_draft_text(
        writer, partnership, text.replace(LIBRARY_NAME, f'name = "{name}"')
    )
    drafts.publish_draft(writer, draft, effective, content_hash=draft.content_hash)


def in_force_names(partnerships: list[Partnership], day: dt.date) -> dict[int, str]:
    """What ``in_force`` says of each, asked of a fresh copy (nothing remembered)."""
    return {
        p.pk: versions.in_force(Partnership.objects.get(pk=p.pk), day).procedure.name
        for p in partnerships
    }


def test_each_procedure_named_is_the_one_in_force_on_the_day(today: dt.date) -> None:
    library_only = factories.partnership(KEY)
    scheduled = factories.partnership(KEY)
    own_today = factories.partnership(KEY)
    draft_only = factories.partnership(KEY)
    partnerships = [library_only, scheduled, own_today, draft_only]
    for p in partnerships:
        versions.version_in_force(p, TODAY)
    own_version(scheduled, "Scheduled in February", D(2027, 2, 1))
    own_version(scheduled, "Scheduled in March", D(2027, 3, 1))
    own_version(own_today, "Our own, from today", TODAY)
    writer = factories.user(is_superuser=True, is_staff=True)
    text = authoring.template_text(KEY).replace(LIBRARY_NAME, 'name = "Only a draft"')
    drafts.save_draft_text(writer, draft_only, text)

    library_name = library.get(KEY).name
    # Before any version's day (the earliest), today, and once each scheduled one starts.
    for day in (D(2020, 1, 1), TODAY, D(2027, 2, 1), D(2027, 2, 15), D(2027, 3, 2)):
        named = selectors.procedure_names(partnerships, day)
        assert named == in_force_names(partnerships, day), day
    assert selectors.procedure_names(partnerships, TODAY) == {
        library_only.pk: library_name,
        scheduled.pk: library_name,
        own_today.pk: "Our own, from today",
        draft_only.pk: library_name,
    }
    assert selectors.procedure_names([scheduled], D(2027, 2, 15)) == {
        scheduled.pk: "Scheduled in February"
    }
    assert selectors.procedure_names([], TODAY) == {}


def test_a_procedure_not_yet_stored_is_stored_as_in_force_stores_it(today: dt.date) -> None:
    never_visited = factories.partnership(KEY)
    moved = factories.partnership(KEY)
    versions.version_in_force(moved, TODAY)
    moved.procedure_key = "warrington-sab"  # an administrator chose another procedure
    moved.save(update_fields=["procedure_key"])

    named = selectors.procedure_names([never_visited, moved], TODAY)

    assert named == {
        never_visited.pk: library.get(KEY).name,
        moved.pk: library.get("warrington-sab").name,
    }
    assert ProcedureVersion.objects.filter(partnership=never_visited).count() == 1
    assert ProcedureVersion.objects.filter(partnership=moved).count() == 2
    assert named == in_force_names([never_visited, moved], TODAY)


def test_many_procedures_are_named_in_the_same_queries_as_two(
    today: dt.date, django_assert_num_queries: Any
) -> None:
    partnerships = [factories.partnership(KEY) for _ in range(12)]
    for n, p in enumerate(partnerships):
        versions.version_in_force(p, TODAY)
        if n % 2:
            own_version(p, f"Own procedure {n}", TODAY)
    fresh = list(Partnership.objects.filter(pk__in=[p.pk for p in partnerships]))
    with django_assert_num_queries(1):
        few = selectors.procedure_names(fresh[:2], TODAY)
    with django_assert_num_queries(1):
        many = selectors.procedure_names(fresh, TODAY)
    assert many == in_force_names(partnerships, TODAY)
    assert few == {pk: name for pk, name in many.items() if pk in {p.pk for p in fresh[:2]}}
