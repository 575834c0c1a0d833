"""Each seed procedure, driven through the service layer from raising to resolution.

Every case arises on Wed 23 Dec 2026 (Christmas Day is a Friday, Boxing Day's
substitute the Monday after, New Year's Day a Friday). Stage n starts on STARTS[n]; the
final stage resolves on Tue 12 Jan 2027. Deadlines and notifications are worked out by
hand from the seed documents as their definitions read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories
import pytest

from escalate.cases import services
from escalate.cases.facts import calendar_for
from escalate.cases.models import AgreedAction, Case, CaseStatus, Conclusion, Event
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import engine, library
from escalate.procedures.model import Role

D = dt.date
SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]
#: The seeds by name (so a missing one fails loudly) and whatever else the library holds.
KEYS = sorted(set(SEEDS) | set(library.load_library()))
AROSE = D(2026, 12, 23)
STARTS = {1: AROSE, 2: D(2026, 12, 24), 3: D(2026, 12, 31), 4: D(2027, 1, 7), 5: D(2027, 1, 11)}
RESOLVED_ON = D(2027, 1, 12)

# (start_by, conclude_by, act_by) per stage, for the schedule above.
CHESHIRE_DAYS = {
    1: (D(2026, 12, 24), None, D(2026, 12, 29)),  # 1 working day; act by step 2's start
    2: (D(2026, 12, 29), D(2026, 12, 31), D(2026, 12, 31)),  # day 3 (Christmas) rolled; day 9
    3: (D(2026, 12, 31), D(2027, 1, 5), D(2027, 1, 5)),  # day 9; day 14
    4: (D(2027, 1, 7), D(2027, 1, 12), D(2027, 1, 12)),  # day 16; day 21
}
EXPECTED_DAYS: dict[str, dict[int, tuple[D | None, D | None, D | None]]] = {
    "cheshire-east-sab": CHESHIRE_DAYS,
    "pan-cheshire-children": CHESHIRE_DAYS,  # "the same day numbers as Cheshire East"
    "shropshire-sscp": {  # within 2, 4, 5, 7 and 9 working days of each stage beginning
        1: (None, D(2026, 12, 29), D(2026, 12, 29)),
        2: (None, D(2027, 1, 4), D(2027, 1, 4)),
        3: (None, D(2027, 1, 8), D(2027, 1, 8)),
        4: (None, D(2027, 1, 18), D(2027, 1, 18)),
        5: (None, D(2027, 1, 22), D(2027, 1, 22)),
    },
    "hammersmith-fulham-sab": {  # stages 1 and 3 "within one working week"
        1: (None, D(2027, 1, 4), D(2027, 1, 4)),
        2: (None, None, None),
        3: (None, D(2027, 1, 8), D(2027, 1, 8)),
        4: (None, None, None),
    },
    "warrington-sab": {n: (None, None, None) for n in range(1, 5)},  # no fixed timescales
}

# Who is told of what, step by step: (recipient kind, who). "R:" is the raising agency,
# "O:" the other agency, "P:" the partnership; "BU mailbox" its business unit address.
OP = ("other_professional", "O:practitioner")
RP = ("raising_practitioner", "R:practitioner")
BU = [("business_unit", "P:business_unit"), ("business_unit", "BU mailbox")]
EXPECTED_TOLD: dict[str, list[set[tuple[str, str]]]] = {
    "cheshire-east-sab": [
        {OP},  # raised
        # decisions shared with both workers (the raiser made this one)
        {("stage_owner", "R:line_manager"), OP},
        {
            ("stage_owner", "R:board_representative"),
            ("senior_managers", "R:senior_manager"),
            ("senior_managers", "O:senior_manager"),
            RP,
            OP,
        },
        {("stage_owner", "P:independent_chair"), *BU, RP, OP},  # Appendix A to the Manager
        {  # the Chair's recommendation to all involved; CESAB keeps the step 4 record
            ("all_involved", "R:practitioner"),
            ("all_involved", "O:practitioner"),
            ("all_involved", "R:line_manager"),
            ("all_involved", "O:line_manager"),
            ("all_involved", "R:board_representative"),
            ("all_involved", "O:board_representative"),
            *BU,
        },
    ],
    "pan-cheshire-children": [
        {OP},
        {("stage_owner", "R:line_manager")},
        {  # steps 2 and 3: the outcome, an escalation too, fed back to the raiser
            ("stage_owner", "R:board_representative"),
            ("senior_managers", "R:senior_manager"),
            ("senior_managers", "O:senior_manager"),
            RP,
        },
        {("stage_owner", "P:statutory_partner"), *BU, RP},
        {  # the recommendation: the partnership's record, and all involved
            *BU,
            ("all_involved", "R:practitioner"),
            ("all_involved", "O:practitioner"),
            ("all_involved", "R:line_manager"),
            ("all_involved", "O:line_manager"),
            ("all_involved", "R:board_representative"),
            ("all_involved", "O:board_representative"),
        },
    ],
    "shropshire-sscp": [
        {OP},
        {("stage_owner", "R:line_manager")},  # the practitioner's line manager owns stage 2
        {("senior_managers", "R:senior_manager"), ("senior_managers", "O:senior_manager")},
        {("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), *BU},
        {("stage_owner", "R:director"), *BU},
        {
            ("all_involved", "R:practitioner"),
            ("all_involved", "O:practitioner"),
            ("all_involved", "R:line_manager"),
            ("all_involved", "O:line_manager"),
            ("all_involved", "R:senior_manager"),
            ("all_involved", "O:senior_manager"),
            ("all_involved", "O:director"),
            *BU,
        },
    ],
    "hammersmith-fulham-sab": [
        {OP},
        {("stage_owner", "R:line_manager")},
        {("stage_owner", "R:senior_manager"), ("senior_managers", "O:senior_manager"), RP},
        {
            ("stage_owner", "R:board_representative"),
            ("board_representatives", "O:board_representative"),
            RP,
        },
        {  # senior managers consider reviewing policies
            ("safeguarding_leads", "R:safeguarding_lead"),
            ("safeguarding_leads", "O:safeguarding_lead"),
            ("senior_managers", "R:senior_manager"),
            ("senior_managers", "O:senior_manager"),
            RP,
        },
    ],
    "warrington-sab": [
        {OP},
        {("stage_owner", "R:line_manager")},
        {
            ("stage_owner", "R:senior_manager"),
            ("senior_managers", "O:senior_manager"),
            ("board_representatives", "R:board_representative"),
            ("board_representatives", "O:board_representative"),
            RP,
        },
        {("stage_owner", "P:independent_chair"), *BU, RP},
        {  # "This will be reported to the WSAB Main Board"
            *BU,
            ("board_representatives", "R:board_representative"),
            ("board_representatives", "O:board_representative"),
            RP,
        },
    ],
}
# Resolving at stage 1 (by the raising practitioner) and at stage 2 (by its owner).
EXPECTED_TOLD_EARLY: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {
    "cheshire-east-sab": ({OP}, {RP, OP}),
    "pan-cheshire-children": (set(), {RP}),  # step 2: feed the outcome back to the raiser
    "shropshire-sscp": (set(), {("counterpart", "O:line_manager")}),
    "hammersmith-fulham-sab": (
        set(),  # the raising practitioner resolved it: not told of their own decision
        {
            ("safeguarding_leads", "R:safeguarding_lead"),
            ("safeguarding_leads", "O:safeguarding_lead"),
            RP,
        },
    ),
    "warrington-sab": (set(), {RP}),
}


def who_is(w: factories.World) -> Callable[[Notification], tuple[str, str]]:
    names: dict[str, str] = {w.partnership.business_unit_email: "BU mailbox"}
    for side, people in (("R", w.raising_people), ("O", w.other_people)):
        names.update({p.email: f"{side}:{role.value}" for role, p in people.items()})
    names.update({p.email: f"P:{role.value}" for role, p in w.partnership_people.items()})
    names[w.other.safeguarding_email] = "O mailbox"
    return lambda n: (n.recipient_kind, names.get(n.email, n.email))


def told(w: factories.World, event: Event) -> set[tuple[str, str]]:
    name = who_is(w)
    return {name(n) for n in Notification.objects.filter(source_event=event)}


def assert_deadlines_stored(w: factories.World, case: Case, key: str) -> None:
    """Each stage record holds the hand-worked deadlines, the engine's explanations of
    them, and nothing else."""
    procedure = library.get(key)
    calendar = calendar_for(w.partnership)
    records = list(case.stages.order_by("number"))
    started = {r.number: r.started_on for r in records}
    computed = engine.stage_deadlines(procedure, calendar, arose=AROSE, stage_started=started)
    for record in records:
        expected = EXPECTED_DAYS[key][record.number]
        assert (record.start_by, record.conclude_by, record.act_by) == expected, record.number
        here = computed[record.number - 1]
        for name in ("start_by", "conclude_by"):
            deadline = getattr(here, name)
            stored = record.deadlines[name]
            assert stored == (deadline.as_json() if deadline else None)
        assert [d["key"] for d in record.deadlines["other"]] == [d.key for d in here.other]
        if record.act_by:
            assert record.deadlines["act_by"]["due"] == record.act_by.isoformat()
            assert record.deadlines["act_by"]["explanation"]


def test_the_five_seed_procedures_are_in_the_library() -> None:
    missing = [key for key in SEEDS if key not in library.load_library()]
    assert not missing, f"seed procedures missing from the library: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_case_runs_from_raising_to_resolution_at_the_final_stage(
    key: str, frozen_clock: Callable[[dt.date], dt.datetime]
) -> None:
    procedure = library.get(key)  # a seed missing from the library fails here, loudly
    last = len(procedure.stages)
    frozen_clock(AROSE)
    w = factories.world(key)
    case = factories.raise_case(w, concern_arose_on=AROSE)
    steps = [Event.objects.get(case=case, action="case.raised")]
    expected_actions = ["case.raised"]

    for number in range(1, last + 1):
        owner = case.stages.get(number=number).owner
        stage = procedure.stage(number)
        if stage.checklist:
            case = services.tick_required_action(
                owner, case, item=stage.checklist[0].key, expected_version=case.version
            )
            expected_actions.append("checklist.ticked")
        if number == last:
            break
        frozen_clock(STARTS[number + 1])
        case = services.escalate(
            owner,
            case,
            owner=w.owner_for(number + 1),
            summary=f"Stage {number} could not agree.",
            expected_version=case.version,
        )
        steps.append(case.events.get(action="stage.escalated", stage=number + 1))
        expected_actions.append("stage.escalated")

    frozen_clock(RESOLVED_ON)
    chair = case.stages.get(number=last).owner
    due = RESOLVED_ON + dt.timedelta(days=14)
    case = services.resolve(
        chair,
        case,
        outcome="Recommendation: a joint review of the care plan within two weeks.",
        agreed_actions=[
            services.ActionInput("Hold a joint review", w.other, due, owner_name="Review lead")
        ],
        expected_version=case.version,
    )
    steps.append(case.events.get(action="case.resolved"))
    expected_actions.append("case.resolved")

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.current_stage == last
    assert case.closed_on == RESOLVED_ON
    assert case.procedure_key == key and case.procedure_version == procedure.version
    assert versions.procedure_for_case(case) == procedure
    assert case.reference == f"{w.partnership.reference_prefix}-2026-0001"
    assert case.version == len(expected_actions)

    records = list(case.stages.order_by("number"))
    assert [r.number for r in records] == list(range(1, last + 1))
    assert [r.started_on for r in records] == [STARTS[n] for n in range(1, last + 1)]
    assert [r.conclusion for r in records] == [Conclusion.ESCALATED] * (last - 1) + [
        Conclusion.RESOLVED
    ]
    assert [r.concluded_on for r in records] == [STARTS[n] for n in range(2, last + 1)] + [
        RESOLVED_ON
    ]
    assert all(Role(r.owner_role) in procedure.stage(r.number).owners for r in records)
    assert records[0].owner == w.raiser and records[0].counterpart == w.other_professional
    assert_deadlines_stored(w, case, key)

    chronology = list(case.events.order_by("id"))
    assert [e.action for e in chronology] == expected_actions
    assert [e.version for e in chronology] == list(range(1, len(expected_actions) + 1))
    assert chronology[-1].data["agreed_actions"][0]["what"] == "Hold a joint review"
    assert AgreedAction.objects.get(case=case).due_on == due

    assert [told(w, step) for step in steps] == EXPECTED_TOLD[key]
    raised = Notification.objects.get(source_event=steps[0])
    assert raised.invitation is not None and raised.invitation.agency == w.other
    assert all(n.status == "pending" and n.attempts == 0 for n in Notification.objects.all())
    assert not Notification.objects.filter(why__icontains="Alex").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_case_resolves_at_stage_1(key: str, frozen_clock: Callable[[dt.date], dt.datetime]) -> None:
    frozen_clock(AROSE)
    w = factories.world(key)
    case = factories.raise_case(w)
    frozen_clock(STARTS[2])
    case = services.resolve(
        w.raiser, case, outcome="We talked it through and agreed.", expected_version=case.version
    )

    record = case.stages.get()
    assert (record.number, record.conclusion, record.concluded_on) == (
        1,
        Conclusion.RESOLVED,
        STARTS[2],
    )
    assert record.outcome == "We talked it through and agreed."
    assert (record.start_by, record.conclude_by, record.act_by) == EXPECTED_DAYS[key][1]
    assert case.status == CaseStatus.RESOLVED and case.closed_on == STARTS[2]
    assert [e.action for e in case.events.order_by("id")] == ["case.raised", "case.resolved"]
    assert told(w, case.events.get(action="case.resolved")) == EXPECTED_TOLD_EARLY[key][0]


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_case_resolves_at_stage_2(key: str, frozen_clock: Callable[[dt.date], dt.datetime]) -> None:
    frozen_clock(AROSE)
    w = factories.world(key)
    case = factories.raise_case(w)
    frozen_clock(STARTS[2])
    case = factories.escalate_to(w, case, 2)
    frozen_clock(STARTS[3])
    owner = case.stages.get(number=2).owner
    case = services.resolve(
        owner, case, outcome="Managers agreed a joint visit.", expected_version=case.version
    )

    first, second = case.stages.order_by("number")
    assert (first.conclusion, first.concluded_on) == (Conclusion.ESCALATED, STARTS[2])
    assert (second.conclusion, second.concluded_on, second.started_on) == (
        Conclusion.RESOLVED,
        STARTS[3],
        STARTS[2],
    )
    assert (second.start_by, second.conclude_by, second.act_by) == EXPECTED_DAYS[key][2]
    assert second.owner == w.owner_for(2)
    assert case.status == CaseStatus.RESOLVED
    assert [e.action for e in case.events.order_by("id")] == [
        "case.raised",
        "stage.escalated",
        "case.resolved",
    ]
    assert told(w, case.events.get(action="case.resolved")) == EXPECTED_TOLD_EARLY[key][1]


@pytest.mark.django_db
def test_cheshire_east_deadlines_over_christmas(cheshire: factories.World) -> None:
    """The README's example: arose Wed 23 Dec 2026; stage 2 by Tue 29 Dec (day 3 is
    Christmas Day, rolled past Boxing Day's substitute), concluded by Thu 31 Dec."""
    case = factories.raise_case(cheshire)
    case = factories.escalate_to(cheshire, case, 2)
    stage_2 = case.stages.get(number=2)
    assert (stage_2.start_by, stage_2.conclude_by) == (D(2026, 12, 29), D(2026, 12, 31))
    assert "rolled to Tue 29 Dec 2026" in stage_2.deadlines["start_by"]["explanation"]
    assert "Christmas Day" in stage_2.deadlines["start_by"]["explanation"]
    case = factories.escalate_to(cheshire, case, 4)
    stage_4 = case.stages.get(number=4)
    assert (stage_4.start_by, stage_4.conclude_by) == (D(2027, 1, 7), D(2027, 1, 12))
    (recommendation,) = stage_4.deadlines["other"]
    assert recommendation["key"] == "chair-recommendation"
    # Escalated to step 4 on 23 Dec itself: 5 working days after = 24, 29, 30, 31 Dec, 4 Jan.
    assert stage_4.started_on == AROSE
    assert recommendation["due"] == "2027-01-04"
