"""Every refusal: a clear message naming what is wrong, and nothing half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import factories
import pytest

from escalate.cases import services
from escalate.cases.errors import Conflict, Invalid, NotAllowed, StaleCase
from escalate.cases.models import (
    AgreedAction,
    Case,
    Event,
    Invitation,
    PolicyIssue,
    ReferenceCounter,
    StageRecord,
)
from escalate.cases.services import notices
from escalate.notifications.models import Notification
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

D = dt.date


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            StageRecord,
            Event,
            Notification,
            AgreedAction,
            PolicyIssue,
            Invitation,
            ReferenceCounter,
        )
    }


@contextmanager
def nothing_written(case: Case | None = None) -> Iterator[None]:
    """Asserts that the block changed no case table (and not the case's version)."""
    before = counts()
    version = Case.objects.get(pk=case.pk).version if case else None
    snapshot = list(StageRecord.objects.order_by("pk").values()) if case else None
    yield
    assert counts() == before
    if case:
        assert Case.objects.get(pk=case.pk).version == version
        assert list(StageRecord.objects.order_by("pk").values()) == snapshot


def refused(kind: type[Exception], call: Callable[[], Any], case: Case | None = None) -> Any:
    with nothing_written(case), pytest.raises(kind) as caught:
        call()
    return caught.value


# ---------------------------------------------------------------- wrong role


def test_practitioner_cannot_escalate_from_the_managers_stage(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    error = refused(
        NotAllowed,
        lambda: services.escalate(
            w.raiser,
            case,
            owner=w.person(Role.BOARD_REPRESENTATIVE),
            summary="Managers did not agree.",
            expected_version=case.version,
        ),
        case,
    )
    assert "A practitioner cannot escalate the case at stage 2" in str(error)
    assert "line manager" in str(error) and "safeguarding lead" in str(error)


def test_the_agency_challenged_cannot_escalate_its_own_challenge(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    error = refused(
        NotAllowed,
        lambda: services.escalate(
            w.person(Role.LINE_MANAGER, side="other"),
            case,
            owner=w.person(Role.BOARD_REPRESENTATIVE),
            summary="x",
            expected_version=case.version,
        ),
        case,
    )
    assert "made by the agency that raised it" in str(error)


def test_someone_outside_the_case_cannot_touch_it(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    outsider = factories.user("Outsider")
    error = refused(
        NotAllowed,
        lambda: services.record_contact(
            outsider, case, kind="note", text="Hello", expected_version=case.version
        ),
        case,
    )
    assert str(error) == "You do not have access to this case."


def test_new_owner_must_hold_an_owner_role_of_the_next_stage(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    for wrong in (w.person(Role.SENIOR_MANAGER), w.person(Role.LINE_MANAGER, side="other")):
        error = refused(
            Invalid,
            lambda wrong=wrong: services.escalate(
                w.raiser, case, owner=wrong, summary="Not resolved.", expected_version=case.version
            ),
            case,
        )
        assert list(error.errors) == ["owner"]
        assert error.errors["owner"] == [
            "The owner of stage 2 (Safeguarding leads and line managers) must be a line "
            f"manager in {w.raising} or a designated or named safeguarding lead in "
            f"{w.raising}; {wrong} is not."
        ]


def test_owner_role_named_must_be_an_owner_role_of_the_stage(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    error = refused(
        Invalid,
        lambda: services.escalate(
            w.person(Role.LINE_MANAGER),
            case,
            owner=w.person(Role.SENIOR_MANAGER),
            owner_role=Role.SENIOR_MANAGER,
            summary="Managers did not agree.",
            expected_version=case.version,
        ),
        case,
    )
    assert error.errors["owner_role"] == [
        "The owner of stage 3 (CESAB Board members) must be a board or partnership "
        "representative, not a senior manager."
    ]


def test_only_the_other_professional_responds(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    error = refused(
        NotAllowed,
        lambda: services.respond(
            w.person(Role.LINE_MANAGER, side="other"),
            case,
            agrees=True,
            expected_version=case.version,
        ),
        case,
    )
    assert "Only the professional the challenge was raised with" in str(error)


# ---------------------------------------------------------------- wrong stage


def test_escalating_past_final_stage_is_refused(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 4)
    error = refused(
        Conflict,
        lambda: services.escalate(
            w.person(Role.INDEPENDENT_CHAIR),
            case,
            owner=w.person(Role.INDEPENDENT_CHAIR),
            summary="x",
            expected_version=case.version,
        ),
        case,
    )
    assert "Stage 4 is the final stage" in str(error)


def test_escalating_two_stages_at_once_is_refused(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    error = refused(
        Conflict,
        lambda: services.escalate(
            w.raiser,
            case,
            owner=w.person(Role.BOARD_REPRESENTATIVE),
            summary="Skip it.",
            to_stage=3,
            expected_version=case.version,
        ),
        case,
    )
    assert "would skip stage 2" in str(error)
    assert "does not allow skipping stages" in str(error)


def test_expediting_where_the_procedure_does_not_allow_it_is_refused(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    error = refused(
        Conflict,
        lambda: services.expedite(
            w.raiser,
            case,
            to_stage=3,
            reason="At immediate risk.",
            owner=w.person(Role.BOARD_REPRESENTATIVE),
            expected_version=case.version,
        ),
        case,
    )
    assert "does not allow skipping stages, even when someone is at immediate risk" in str(error)
    assert "make an adult safeguarding referral" in str(error)


def test_referring_to_a_panel_where_the_stage_has_none_is_refused(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)
    error = refused(
        Conflict,
        lambda: services.refer_to_panel(
            cheshire.raiser, case, details="High risk.", expected_version=case.version
        ),
        case,
    )
    assert "has no panel to refer to" in str(error)


def test_raising_at_a_later_stage_where_the_procedure_does_not_allow_it_is_refused(
    cheshire: factories.World,
) -> None:
    w = cheshire
    error = refused(
        Conflict,
        lambda: factories.raise_case(
            w,
            start_stage=3,
            immediate_risk=True,
            referral_made=True,
            referral_made_on=D(2026, 12, 23),
            expedite_reason="Serious harm likely tonight.",
            owner=w.person(Role.BOARD_REPRESENTATIVE),
        ),
    )
    assert "always starts at stage 1" in str(error)


def test_ticking_an_item_the_stage_does_not_have_is_refused(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    error = refused(
        Invalid,
        lambda: services.tick_required_action(
            cheshire.raiser, case, item="no-such-item", expected_version=case.version
        ),
        case,
    )
    assert "Stage 1 has no required action called 'no-such-item'" in error.errors["item"][0]


# ---------------------------------------------------------------- after resolution


@pytest.fixture
def resolved(cheshire: factories.World) -> Case:
    case = factories.raise_case(cheshire)
    return services.resolve(
        cheshire.raiser, case, outcome="Agreed a joint visit.", expected_version=case.version
    )


def test_nothing_but_notes_after_resolution(cheshire: factories.World, resolved: Case) -> None:
    w, case = cheshire, resolved
    v = case.version
    attempts: list[Callable[[], Any]] = [
        lambda: services.escalate(
            w.raiser, case, owner=w.person(Role.LINE_MANAGER), summary="x", expected_version=v
        ),
        lambda: services.resolve(w.raiser, case, outcome="again", expected_version=v),
        lambda: services.withdraw(w.raiser, case, reason="changed my mind", expected_version=v),
        lambda: services.tick_required_action(
            w.raiser, case, item="raise-with-other-agency", expected_version=v
        ),
    ]
    for attempt in attempts:
        error = refused(Conflict, attempt, case)
        assert "resolved" in str(error)
        assert "You can still add a note or a correction." in str(error)
        assert error.reason == "closed"

    error = refused(
        Conflict,
        lambda: services.add_agreed_action(
            w.raiser,
            case,
            what="Review",
            agency=w.other,
            due_on=D(2027, 1, 1),
            owner_name="Someone",
            expected_version=v,
        ),
        case,
    )
    assert "actions can only be agreed while it is open" in str(error)
    error = refused(
        Conflict,
        lambda: services.respond(
            w.other_professional, case, agrees=True, expected_version=case.version
        ),
        case,
    )
    assert "no longer needs your response" in str(error)

    # Notes and check-backs still go in.
    event = services.record_contact(
        w.raiser, case, kind="note", text="Checked back: visit done.", expected_version=v
    )
    assert event.action == "note.recorded" and event.version == v + 1


def test_learning_waits_for_closure(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    error = refused(
        Conflict,
        lambda: services.record_learning(
            cheshire.person(Role.SAFEGUARDING_LEAD),
            case,
            why_not_earlier="x",
            themes=["communication"],
            expected_version=case.version,
        ),
        case,
    )
    assert "once the case is resolved or withdrawn" in str(error)


# ---------------------------------------------------------------- skipping without a reason


def test_expediting_without_a_reason_is_refused(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    error = refused(
        Invalid,
        lambda: services.expedite(
            w.raiser,
            case,
            to_stage=3,
            reason="   ",
            owner=w.person(Role.SENIOR_MANAGER),
            expected_version=case.version,
        ),
        case,
    )
    assert error.errors == {
        "reason": ["Give a reason to expedite this case: say why someone is at immediate risk."]
    }


def test_expediting_with_a_reason_skips_to_the_later_stage(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    frozen_clock(D(2026, 12, 24))
    case = services.expedite(
        w.raiser,
        case,
        to_stage=3,
        reason="She is at immediate risk of harm at home.",
        owner=w.person(Role.SENIOR_MANAGER),
        expected_version=case.version,
    )
    assert case.current_stage == 3 and case.immediate_risk
    assert [r.number for r in case.stages.order_by("number")] == [1, 3]
    first = case.stages.get(number=1)
    assert first.conclusion == "expedited" and first.outcome.startswith("She is at")
    event = case.events.get(action="stage.expedited")
    assert event.data["from_stage"] == 1 and event.data["to_stage"] == 3
    # The new owner is told; so is everyone the skipped stage 2 would have told when it
    # went unresolved (Warrington: senior managers and board representatives).
    told = [
        (n.recipient_kind, n.recipient) for n in Notification.objects.filter(source_event=event)
    ]
    assert told[0] == ("stage_owner", w.person(Role.SENIOR_MANAGER))
    kinds = {kind for kind, _ in told}
    assert {"stage_owner", "board_representatives"} <= kinds


def test_raising_at_a_later_stage_needs_immediate_risk_and_a_reason(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("warrington-sab")
    error = refused(
        Invalid,
        lambda: factories.raise_case(w, start_stage=3, owner=w.person(Role.SENIOR_MANAGER)),
    )
    assert "only when someone is at immediate risk" in error.errors["expedite_reason"][0]
    error = refused(
        Invalid,
        lambda: factories.raise_case(
            w,
            start_stage=3,
            immediate_risk=True,
            referral_made=False,
            owner=w.person(Role.SENIOR_MANAGER),
        ),
    )
    assert "Give the reason to start at stage 3" in error.errors["expedite_reason"][0]

    case = factories.raise_case(
        w,
        start_stage=3,
        immediate_risk=True,
        referral_made=False,
        expedite_reason="Serious harm likely tonight.",
        owner=w.person(Role.SENIOR_MANAGER),
    )
    (record,) = case.stages.all()
    assert (record.number, record.owner, record.started_on) == (
        3,
        w.person(Role.SENIOR_MANAGER),
        D(2026, 12, 23),
    )
    assert record.counterpart == w.person(Role.SENIOR_MANAGER, side="other")


# ---------------------------------------------------------------- stale edits


def test_acting_on_an_old_version_is_refused_listing_what_changed(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    seen = case.version
    factories.escalate_to(w, case, 2)
    error = refused(
        StaleCase,
        lambda: services.record_contact(
            w.raiser, case, kind="note", text="My note", expected_version=seen
        ),
        case,
    )
    assert str(error).startswith("This case changed since you opened it: Escalated (stage 2) by")
    assert "Nothing you entered has been saved" in str(error)
    assert [e.action for e in error.changes] == ["stage.escalated"]
    assert error.status_code == 409


def test_viewing_a_case_does_not_make_other_peoples_edits_stale(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)
    services.record_case_viewed(cheshire.other_professional, case)
    event = services.record_contact(
        cheshire.raiser, case, kind="note", text="Still fine", expected_version=case.version
    )
    assert event.version == case.version + 1


# ---------------------------------------------------------------- bad input


def test_raising_with_missing_fields_names_every_field(cheshire: factories.World) -> None:
    error = refused(
        Invalid,
        lambda: factories.raise_case(
            cheshire,
            other_professional_name="",
            other_professional_email="",
            person_name=" ",
            person_knows=None,
            categories=[],
            disagreement="",
            outcome_sought="",
            concern_arose_on=None,
            subject_type="",
        ),
    )
    assert error.errors == {
        "other_professional_name": ["Enter the other professional's name."],
        "other_professional_email": ["Enter the other professional's email address."],
        "subject_type": ["Say whether this is about an adult, a child or a family."],
        "person_name": ["Enter the person's name."],
        "person_knows": ["Say whether they know about this disagreement."],
        "categories": ["Choose at least one category for the disagreement."],
        "disagreement": ["Enter what the disagreement is about."],
        "outcome_sought": ["Enter the outcome you are seeking."],
        "concern_arose_on": ["Enter the date the concern arose."],
    }
    assert error.status_code == 400


def test_concern_date_in_the_future_is_refused(cheshire: factories.World) -> None:
    error = refused(
        Invalid, lambda: factories.raise_case(cheshire, concern_arose_on=D(2026, 12, 24))
    )
    assert error.errors == {
        "concern_arose_on": ["The date the concern arose cannot be in the future."]
    }


def test_concern_date_years_ago_is_refused(cheshire: factories.World) -> None:
    error = refused(Invalid, lambda: factories.raise_case(cheshire, concern_arose_on=D(2024, 1, 5)))
    assert error.errors["concern_arose_on"] == [
        "The date the concern arose cannot be more than a year ago; check the date."
    ]


def test_over_long_text_is_refused(cheshire: factories.World) -> None:
    error = refused(
        Invalid,
        lambda: factories.raise_case(
            cheshire, disagreement="x" * 5001, person_name="y" * 201, person_views="z" * 5000
        ),
    )
    assert error.errors == {
        "person_name": ["The person's name must be 200 characters or fewer; it is 201."],
        "disagreement": [
            "What the disagreement is about must be 5,000 characters or fewer; it is 5,001."
        ],
    }


def test_unknown_categories_are_refused(cheshire: factories.World) -> None:
    error = refused(
        Invalid, lambda: factories.raise_case(cheshire, categories=["difference-of-opinion", "x"])
    )
    assert error.errors["categories"] == [
        "'x' is not a category of CESAB Multi-agency Escalation Procedure; choose from: "
        "difference-of-opinion, concern-about-practice."
    ]


def test_only_what_the_procedure_needs_about_the_person_is_taken(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(D(2026, 12, 23))
    w = factories.world("shropshire-sscp")  # no referral form: no date of birth or address
    error = refused(
        Invalid,
        lambda: factories.raise_case(
            w, person_date_of_birth=D(1950, 1, 1), person_address="1 High Street"
        ),
    )
    assert set(error.errors) == {"person_date_of_birth", "person_address"}
    assert (
        "does not need their date of birth: leave it out" in error.errors["person_date_of_birth"][0]
    )


def test_a_child_is_not_raised_under_an_adults_procedure(cheshire: factories.World) -> None:
    error = refused(Invalid, lambda: factories.raise_case(cheshire, subject_type="child"))
    assert "is about adults: choose an adult" in error.errors["subject_type"][0]


def test_immediate_risk_needs_to_say_whether_a_referral_was_made(
    cheshire: factories.World,
) -> None:
    error = refused(Invalid, lambda: factories.raise_case(cheshire, immediate_risk=True))
    assert (
        "make an adult safeguarding referral to the local authority now"
        in error.errors["referral_made"][0]
    )
    error = refused(
        Invalid,
        lambda: factories.raise_case(cheshire, immediate_risk=True, referral_made=True),
    )
    assert error.errors == {
        "referral_made_on": ["Enter the date the referral or contact was made."]
    }


def test_challenging_your_own_agency_is_refused(cheshire: factories.World) -> None:
    error = refused(Invalid, lambda: factories.raise_case(cheshire, other_agency=cheshire.raising))
    assert "a challenge is between two different agencies" in error.errors["other_agency"][0]


def test_raising_for_an_agency_you_do_not_work_in_is_refused(cheshire: factories.World) -> None:
    error = refused(
        NotAllowed,
        lambda: factories.raise_case(cheshire, actor=cheshire.other_professional),
    )
    assert "an agency you work in" in str(error)


def test_escalating_without_saying_what_was_tried_is_refused(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    error = refused(
        Invalid,
        lambda: services.escalate(
            cheshire.raiser,
            case,
            owner=cheshire.person(Role.LINE_MANAGER),
            summary="",
            counterpart_email="not-an-email",
            expected_version=case.version,
        ),
        case,
    )
    assert error.errors == {
        "summary": ["Enter what was tried and why it did not resolve the disagreement."],
        "counterpart_email": [
            "Enter the counterpart's email address as a valid email address, like name@example.org."
        ],
        "counterpart_name": ["Enter the counterpart's name as well as their email address."],
    }


def test_resolving_with_a_bad_agreed_action_writes_nothing(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    stranger = factories.agency("Not in the partnership")
    error = refused(
        Invalid,
        lambda: services.resolve(
            w.raiser,
            case,
            outcome="Agreed.",
            agreed_actions=[
                services.ActionInput("Visit", w.other, D(2027, 1, 4), owner_name="Visitor"),
                services.ActionInput("", stranger, D(2026, 12, 1)),
            ],
            expected_version=case.version,
        ),
        case,
    )
    assert error.errors == {
        "agreed_actions[1].what": ["Enter what was agreed."],
        "agreed_actions[1].agency": [f"Choose an agency in {w.partnership}."],
        "agreed_actions[1].due_on": ["The date it is due cannot be in the past."],
        "agreed_actions[1].owner_name": ["Enter who will do it."],
    }


def test_a_failure_part_way_through_leaves_nothing_half_written(
    cheshire: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stage records, version and chronology are written before the notifications;
    when writing those fails, all of it is rolled back."""
    case = factories.raise_case(cheshire)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(notices, "notify", broken)
    with nothing_written(case), pytest.raises(RuntimeError):
        services.escalate(
            cheshire.raiser,
            case,
            owner=cheshire.person(Role.LINE_MANAGER),
            summary="Not resolved.",
            expected_version=case.version,
        )
    assert Case.objects.get(pk=case.pk).current_stage == 1
