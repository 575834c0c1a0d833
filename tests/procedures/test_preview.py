"""The preview of a procedure says who each move tells exactly as the engine does, and
works out a case's deadlines as the engine does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from escalate.procedures import engine, library, preview
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.engine import Action, CaseFacts, Outcome, Refused
from escalate.procedures.model import Procedure, Recipient, Role
from escalate.procedures.naming import RoleNames
from escalate.procedures.preview import ANY_STAGE, MoveTold, PreviewDates
from escalate.procedures.words import RECIPIENT_WORDS

SEEDS = sorted(library.load_library())
DAY = dt.date(2026, 3, 4)


def rows_of(procedure: Procedure) -> dict[tuple[int, str], tuple[str, ...]]:
    rows = preview.who_is_told(procedure)
    found = {(r.stage, r.move): r.told for r in rows}
    assert len(found) == len(rows), "a move is listed twice"
    return found


def words(outcome: Outcome, names: RoleNames | None = None) -> tuple[str, ...]:
    """Whom ``outcome`` tells, in words (by the procedure's ``names`` for the roles)."""
    return tuple(
        dict.fromkeys(preview.recipient_words(n.recipient, n.stage, names) for n in outcome.notices)
    )


def by_whoever_may(procedure: Procedure, facts: CaseFacts, action: Action, **kw: object) -> Outcome:
    """The move made by the first role the engine offers it to."""
    to_stage = kw.get("to_stage")
    [move] = [
        m
        for m in engine.next_moves(procedure, facts)
        if m.action is action and (to_stage is None or m.to_stage == to_stage)
    ]
    for role in move.roles:
        try:
            return engine.apply(procedure, facts, action, role, on=DAY, **kw)  # type: ignore[arg-type]
        except Refused:
            continue
    raise AssertionError(f"nobody may {action} at stage {facts.current_stage}")


def ready(facts: CaseFacts) -> CaseFacts:
    """Whatever a move needs recorded first (a notice before escalating), recorded."""
    known = set(CaseFacts.__dataclass_fields__)
    extra: dict[str, object] = {}
    if "notice_given" in known:
        extra["notice_given"] = frozenset(range(1, 10))
    if "consulted" in known:
        extra["consulted"] = frozenset(Role)
    return CaseFacts(**{**facts.__dict__, **extra})  # type: ignore[arg-type]


@pytest.mark.parametrize("key", SEEDS)
def test_walking_a_case_through_the_engine_tells_whoever_the_preview_says(key: str) -> None:
    """Each seed, raised at stage 1 and escalated stage by stage through the engine: at
    every stage, resolving, withdrawing and escalating tell whom the preview lists."""
    procedure = library.get(key)
    found = rows_of(procedure)
    outcome = engine.raise_case(procedure, Role.PRACTITIONER, arose=DAY, on=DAY)
    assert found[(1, "Stage 1 starts")] == words(outcome)
    facts = outcome.facts
    for stage in procedure.stages:
        n = stage.number
        facts = ready(facts)
        resolved = by_whoever_may(procedure, facts, Action.RESOLVE)
        assert found[(n, f"Stage {n} resolved")] == words(resolved), n
        withdrawn = by_whoever_may(procedure, facts, Action.WITHDRAW, reason="No longer needed.")
        assert found[(n, "Withdrawn")] == words(withdrawn), n
        if stage.panel is not None:
            referred = by_whoever_may(procedure, facts, Action.REFER_TO_PANEL)
            assert found[(n, "Panel referral")] == words(referred), n
        if n < len(procedure.stages):
            escalated = by_whoever_may(procedure, facts, Action.ESCALATE, to_stage=n + 1)
            assert found[(n, f"Stage {n} escalated to stage {n + 1}")] == words(escalated)
            facts = escalated.facts


@pytest.mark.parametrize("key", SEEDS)
def test_every_move_the_engine_offers_is_previewed_and_nothing_else(key: str) -> None:
    procedure = library.get(key)
    found = rows_of(procedure)
    last = len(procedure.stages)
    expected = {(ANY_STAGE, "Policy issue flagged"), (1, "Stage 1 starts")}
    for stage in procedure.stages:
        n = stage.number
        expected |= {(n, f"Stage {n} resolved"), (n, "Withdrawn")}
        if stage.panel:
            expected.add((n, "Panel referral"))
        if n < last:
            expected.add((n, f"Stage {n} escalated to stage {n + 1}"))
        if procedure.expedite.allowed:
            expected |= {(n, f"Stage {n} expedited to stage {m}") for m in range(n + 2, last + 1)}
            if n > 1:
                expected.add((n, f"Raised at stage {n} (someone at immediate risk)"))
    assert set(found) <= expected
    # Nothing the definition allows is missing but for skips its rules refuse.
    for stage, move in expected - set(found):
        assert "expedited" in move or "Raised at" in move, (stage, move)


@pytest.mark.parametrize("key", SEEDS)
def test_escalating_tells_the_new_owner_and_whom_the_definition_names(key: str) -> None:
    """Read from the definition, not the engine: the owner of the next stage, whoever
    the stage left says to tell, whoever the next stage tells when it starts, and those
    told of every decision."""
    procedure = library.get(key)
    found = rows_of(procedure)
    for stage in procedure.stages[:-1]:
        n = stage.number
        nxt = procedure.stage(n + 1)
        assert stage.on_unresolved is not None
        named = [
            *stage.on_unresolved.notify,
            *nxt.notify_on_start,
            *stage.on_every_decision,
            *procedure.on_every_decision,
        ]
        expected = {f"the owner of stage {n + 1}"} | {
            preview.recipient_words(r, n + 1) for r in named
        }
        assert set(found[(n, f"Stage {n} escalated to stage {n + 1}")]) == expected


@pytest.mark.parametrize("key", SEEDS)
def test_expediting_and_starting_late_tell_as_the_engine_does(key: str) -> None:
    procedure = library.get(key)
    if not procedure.expedite.allowed:
        assert not any("expedited" in m or "Raised at" in m for _, m in rows_of(procedure))
        return
    found = rows_of(procedure)
    for (stage, move), told in found.items():
        if move.startswith("Raised at"):
            outcome = None
            for role in Role:
                try:
                    outcome = engine.raise_case(
                        procedure,
                        role,
                        arose=DAY,
                        on=DAY,
                        start_stage=stage,
                        immediate_risk=True,
                        reason="Someone could come to harm tonight.",
                        **preview._accepted(engine.raise_case, consulted=frozenset(Role)),
                    )
                    break
                except Refused:
                    continue
            assert outcome is not None
            assert told == words(outcome)
        elif " expedited to stage " in move:
            target = int(move.rsplit(" ", 1)[1])
            facts = ready(
                CaseFacts(
                    arose=DAY,
                    stage_started={n: DAY for n in range(1, stage + 1)},
                    current_stage=stage,
                )
            )
            outcome = by_whoever_may(
                procedure, facts, Action.EXPEDITE, to_stage=target, reason="At risk tonight."
            )
            assert told == words(outcome)
            assert f"the owner of stage {target}" in told


def test_warrington_tells_its_representatives_and_chair_of_a_policy_issue() -> None:
    found = rows_of(library.get("warrington-sab"))
    assert found[(ANY_STAGE, "Policy issue flagged")] == (
        "both agencies' board representatives",
        "the independent chair",
        "the board's business unit",
    )
    # Raised straight at stage 4: everyone passing through stages 1 to 3 would tell.
    told = found[(4, "Raised at stage 4 (someone at immediate risk)")]
    assert "the board's business unit" in told and "the independent chair" in told


def test_a_policy_issue_always_tells_the_business_unit_once() -> None:
    procedure = library.get("cheshire-east-sab")
    changed = procedure.model_copy(
        update={
            "policy_issues": procedure.policy_issues.model_copy(
                update={"notify": (Recipient.BUSINESS_UNIT, Recipient.STATUTORY_PARTNERS)}
            )
        }
    )
    assert preview.policy_issue_told(changed) == (
        Recipient.BUSINESS_UNIT,
        Recipient.STATUTORY_PARTNERS,
    )


def test_a_move_that_tells_nobody_has_an_empty_list() -> None:
    procedure = library.get("pan-cheshire-children")
    quiet = procedure.stage(1).model_copy(update={"on_resolved": (), "on_every_decision": ()})
    procedure = procedure.model_copy(
        update={"on_every_decision": (), "stages": (quiet, *procedure.stages[1:])}
    )
    assert rows_of(procedure)[(1, "Stage 1 resolved")] == ()


def test_recipients_read_as_the_emails_say_them() -> None:
    rows = [r for key in SEEDS for r in preview.who_is_told(library.get(key))]
    allowed = set(RECIPIENT_WORDS.values()) | {f"the owner of stage {n}" for n in range(1, 10)}
    assert all(isinstance(r, MoveTold) for r in rows)
    assert {w for r in rows for w in r.told} <= allowed


# ---------------------------------------------------------------- deadlines


def test_deadline_rows_are_the_engines_deadlines_for_the_christmas_example() -> None:
    procedure = library.get("cheshire-east-sab")
    arose, started = dt.date(2026, 12, 23), {2: dt.date(2026, 12, 29)}
    stages = preview.deadline_rows(procedure, arose, started)
    calendar = WorkingCalendar.for_region(procedure.region)
    engine_says = engine.stage_deadlines(procedure, calendar, arose=arose, stage_started=started)
    assert [(s.number, s.title) for s in stages] == [(s.number, s.title) for s in engine_says]
    for mine, theirs in zip(stages, engine_says, strict=True):
        assert [(r.label, r.due, r.explanation) for r in mine.rows] == [
            (d.label, d.due, d.explanation) for d in theirs.all
        ]
    [start_1] = stages[0].rows
    assert (start_1.due, start_1.due_words) == (dt.date(2026, 12, 24), "Thu 24 Dec 2026")
    chair = stages[3].rows[-1]
    assert chair.due is None and chair.due_words == "not yet known"


def test_a_stage_without_timescales_has_no_rows() -> None:
    stages = preview.deadline_rows(library.get("warrington-sab"), dt.date(2026, 1, 5))
    assert stages and all(s.rows == () for s in stages)


def test_deadline_rows_match_the_command_lines_json() -> None:
    import io

    from escalate.procedures import cli

    out = io.StringIO()
    code = cli.main(
        [
            "deadlines",
            "shropshire-sscp",
            "--arose",
            "2026-05-01",
            "--stage-started",
            "2=2026-05-06",
            "--json",
        ],
        out=out,
    )
    assert code == 0
    data = json.loads(out.getvalue())
    stages = preview.deadline_rows(
        library.get("shropshire-sscp"), dt.date(2026, 5, 1), {2: dt.date(2026, 5, 6)}
    )
    for mine, theirs in zip(stages, data["stages"], strict=True):
        conclude = [r for r in mine.rows if r.label == "Conclude by"]
        due = conclude[0].due.isoformat() if conclude and conclude[0].due else None
        assert due == theirs["conclude_by"]


@pytest.mark.parametrize(
    ("arose", "started", "words"),
    [
        (dt.date(2026, 12, 23), {2: dt.date(2026, 12, 20)}, "before the concern arose"),
        (dt.date(2026, 12, 23), {7: dt.date(2026, 12, 29)}, "has stages 1 to 4, not 7"),
        (
            dt.date(2026, 12, 23),
            {2: dt.date(2026, 12, 30), 3: dt.date(2026, 12, 29)},
            "Stage 3 cannot start on Tue 29 Dec 2026, before stage 2 started on Wed 30 Dec",
        ),
        (dt.date(1700, 1, 1), {}, "Check the day the concern arose."),
        (dt.date(2100, 12, 30), {}, ""),
    ],
    ids=["before arose", "no such stage", "out of order", "too early", "past the calendar"],
)
def test_dates_the_preview_cannot_use_are_refused_in_words(
    arose: dt.date, started: dict[int, dt.date], words: str
) -> None:
    with pytest.raises(PreviewDates) as refused:
        preview.deadline_rows(library.get("cheshire-east-sab"), arose, started)
    assert refused.value.problems
    assert all(p and "\n" not in p for p in refused.value.problems)
    assert any(words in p for p in refused.value.problems), refused.value.problems


# ---------------------------------------------------------------- notices, routes, risk

RIVERSIDE = library.load_file(Path(__file__).parent / "definitions" / "riverside.toml")
#: What Riverside calls its roles: the preview names the chair and the business unit so.
NAMES = RIVERSIDE.role_names


def raised(procedure: Procedure, **kw: object) -> Outcome:
    """Raised at stage 1 by the first agency role the engine lets."""
    for role in Role:
        try:
            return engine.raise_case(procedure, role, arose=DAY, on=DAY, **kw)  # type: ignore[arg-type]
        except Refused:
            continue
    raise AssertionError("nobody may raise it")


def test_giving_notice_before_escalating_is_listed_with_whom_it_tells() -> None:
    """Riverside's stage 2 needs notice to the other agency before it is escalated: the
    preview lists giving it, at stage 2, telling whom the engine tells."""
    found = rows_of(RIVERSIDE)
    facts = CaseFacts(
        arose=DAY, stage_started={1: DAY, 2: DAY}, current_stage=2, stage_concluded={1: DAY}
    )
    given = by_whoever_may(RIVERSIDE, facts, Action.GIVE_NOTICE)
    told = found[(2, "Notice given that stage 2 will be escalated")]
    assert told == words(given)
    assert told == ("the other professional", "the counterpart in the other agency")
    assert not any(m.startswith("Notice given") for s, m in found if s != 2)


def test_each_route_that_tells_someone_is_listed_at_raising_with_whom_it_tells() -> None:
    found = rows_of(RIVERSIDE)
    for route in RIVERSIDE.routes:
        told = found[(1, f"Stage 1 starts, as “{route.label}”")]
        assert told == words(raised(RIVERSIDE, kinds=frozenset({route.when})), NAMES)
        assert {preview.recipient_words(r, names=NAMES) for r in route.notify} <= set(told)
    looked_after = found[
        (1, "Stage 1 starts, as “The child is looked after by the local authority”")
    ]
    # (Riverside calls its business unit the partnership liaison officer.)
    assert "the partnership liaison officer" in looked_after
    assert "the partnership liaison officer" not in found[(1, "Stage 1 starts")]


def test_raising_with_someone_at_immediate_risk_lists_whom_the_procedure_tells_of_it() -> None:
    found = rows_of(RIVERSIDE)
    told = found[(1, "Stage 1 starts (someone at immediate risk)")]
    assert told == words(raised(RIVERSIDE, immediate_risk=True), NAMES)
    assert {"the partnership liaison officer", "both agencies' safeguarding leads"} <= set(told)
    # Raised later, or expedited, at immediate risk: they are told there too.
    assert (
        "both agencies' safeguarding leads"
        in found[(2, "Raised at stage 2 (someone at immediate risk)")]
    )
    assert "both agencies' safeguarding leads" in found[(1, "Stage 1 expedited to stage 3")]


def test_a_procedure_telling_nobody_more_lists_no_extra_raising_rows() -> None:
    quiet = RIVERSIDE.model_copy(
        update={
            "expedite": RIVERSIDE.expedite.model_copy(update={"notify": ()}),
            "routes": tuple(r.model_copy(update={"notify": ()}) for r in RIVERSIDE.routes),
        }
    )
    moves = [m for s, m in rows_of(quiet) if s == 1 and "starts" in m]
    assert moves == ["Stage 1 starts"]


def test_deadline_rows_count_in_the_calendar_given() -> None:
    """The preview counts in a partnership's own calendar when given one: a day off it
    adds moves a deadline."""
    procedure = library.get("cheshire-east-sab")
    arose = dt.date(2026, 12, 23)
    plain = preview.deadline_rows(procedure, arose)
    [start_1] = plain[0].rows
    assert start_1.due == dt.date(2026, 12, 24)
    closed = WorkingCalendar.for_region(procedure.region, [dt.date(2026, 12, 24)], [])
    [moved] = preview.deadline_rows(procedure, arose, calendar=closed)[0].rows
    assert moved.due is not None and moved.due > dt.date(2026, 12, 24)
