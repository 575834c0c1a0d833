"""The chronology is append-only: entries are never changed or deleted; a correction is
a later entry pointing at the one it puts right. Opening a case is recorded too."""

from __future__ import annotations

import factories
import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from escalate import clock
from escalate.cases import selectors, services
from escalate.cases.errors import ChronologyIsAppendOnly, Invalid, NotAllowed
from escalate.cases.models import Case, Event
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cheshire: factories.World) -> Case:
    return factories.raise_case(cheshire)


def test_chronology_entries_cannot_be_changed(case: Case) -> None:
    event = case.events.get()
    before = Event.objects.filter(pk=event.pk).values().get()
    event.data = {"tampered": True}
    with pytest.raises(ChronologyIsAppendOnly, match="append-only"):
        event.save()
    with pytest.raises(ChronologyIsAppendOnly):
        Event.objects.filter(pk=event.pk).update(action="case.tampered")
    with pytest.raises(ChronologyIsAppendOnly):
        Event.objects.bulk_update([event], ["data"])
    with pytest.raises(ChronologyIsAppendOnly):
        case.events.update(stage=3)
    assert Event.objects.filter(pk=event.pk).values().get() == before


def test_chronology_entries_cannot_be_deleted(case: Case) -> None:
    event = case.events.get()
    with pytest.raises(ChronologyIsAppendOnly):
        event.delete()
    with pytest.raises(ChronologyIsAppendOnly):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(ChronologyIsAppendOnly):
        Event.objects.all().delete()
    assert Event.objects.filter(pk=event.pk).exists()


def test_a_case_with_a_chronology_cannot_be_deleted(case: Case) -> None:
    with pytest.raises(ProtectedError):
        case.delete()
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_database_refuses_an_undotted_action(case: Case) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(case=case, at=clock.now(), action="Raised", version=1)


def test_a_correction_points_at_the_entry_it_corrects(
    cheshire: factories.World, case: Case
) -> None:
    note = services.record_contact(
        cheshire.raiser,
        case,
        kind="contact",
        text="Phoned the ward manager.",
        with_whom="Ward manager",
        expected_version=case.version,
    )
    correction = services.record_contact(
        cheshire.raiser,
        case,
        kind="note",
        text="Correction: it was the deputy ward manager.",
        corrects=note,
        expected_version=note.version,
    )
    assert correction.corrects == note
    assert list(note.corrections.all()) == [correction]
    assert Event.objects.get(pk=note.pk).data["text"] == "Phoned the ward manager."
    assert [e.action for e in selectors.chronology(cheshire.raiser, case)] == [
        "case.raised",
        "contact.recorded",
        "note.recorded",
    ]


def test_a_correction_must_point_into_the_same_case(cheshire: factories.World, case: Case) -> None:
    other = factories.raise_case(cheshire)
    with pytest.raises(Invalid) as caught:
        services.record_contact(
            cheshire.raiser,
            case,
            kind="note",
            text="Correction.",
            corrects=other.events.get(),
            expected_version=case.version,
        )
    assert list(caught.value.errors) == ["corrects"]
    assert case.events.count() == 1


def test_a_note_cannot_be_dated_in_the_future_or_before_the_concern(
    cheshire: factories.World, case: Case
) -> None:
    import datetime as dt

    for day, problem in (
        (dt.date(2026, 12, 24), "cannot be in the future"),
        (dt.date(2026, 12, 1), "cannot be before the concern arose"),
    ):
        with pytest.raises(Invalid) as caught:
            services.record_contact(
                cheshire.raiser,
                case,
                kind="meeting",
                text="Met.",
                occurred_on=day,
                expected_version=case.version,
            )
        assert problem in caught.value.errors["occurred_on"][0]


def test_opening_a_case_is_recorded_without_changing_it(
    cheshire: factories.World, case: Case
) -> None:
    viewer = cheshire.person(Role.SAFEGUARDING_LEAD, side="other")
    clock.advance(hours=2)
    event = services.record_case_viewed(viewer, case)
    assert (event.action, event.actor, event.version) == ("case.viewed", viewer, case.version)
    assert Case.objects.get(pk=case.pk).version == case.version
    assert [e.action for e in selectors.chronology(viewer, case)] == ["case.raised"]
    with pytest.raises(NotAllowed):  # who looked is for the business unit only
        selectors.chronology(viewer, case, include_views=True)
    business_unit = cheshire.person(Role.BUSINESS_UNIT)
    assert [e.action for e in selectors.case_views(business_unit, case)] == ["case.viewed"]


def test_the_business_unit_sees_who_viewed_a_case(cheshire: factories.World, case: Case) -> None:
    lead = cheshire.person(Role.SAFEGUARDING_LEAD)
    services.record_case_viewed(lead, case)
    services.record_case_viewed(cheshire.other_professional, case)
    business_unit = cheshire.person(Role.BUSINESS_UNIT)
    views = list(selectors.case_views(business_unit, case))
    assert [v.actor for v in views] == [cheshire.other_professional, lead]
    with pytest.raises(NotAllowed):
        selectors.case_views(lead, case)


def test_someone_without_access_cannot_record_a_view(case: Case) -> None:
    with pytest.raises(NotAllowed):
        services.record_case_viewed(factories.user("Curious"), case)
    assert case.events.count() == 1
