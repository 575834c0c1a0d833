"""The event registry: every event a case can have is declared once, the engine's notices
use its keys, and a key it does not know (an old row) still reads sensibly."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator

import pytest

from escalate.procedures import engine, events, library
from escalate.procedures.engine import Action, CaseFacts, CaseStatus, RefusalCode, Refused
from escalate.procedures.model import Procedure, Role

DAY = dt.date(2027, 3, 3)
SEEDS = sorted(library.load_library())


def _state(facts: CaseFacts) -> tuple[object, ...]:
    return (
        facts.current_stage,
        facts.status,
        facts.panel_referred,
        tuple(sorted((n, tuple(sorted(done))) for n, done in facts.checklist_done.items())),
    )


def _raised(procedure: Procedure) -> Iterator[engine.Outcome]:
    """Raising at stage 1, and at every later stage where the procedure allows it."""
    yield engine.raise_case(procedure, Role.PRACTITIONER, arose=DAY, on=DAY)
    if procedure.expedite.allowed:
        for stage in procedure.stages[1:]:
            yield engine.raise_case(
                procedure,
                Role.PRACTITIONER,
                arose=DAY,
                on=DAY,
                start_stage=stage.number,
                immediate_risk=True,
                reason="someone is at immediate risk",
            )


def every_notice(procedure: Procedure) -> dict[str, set[str]]:
    """Every event the engine's notices name, by the move that gave it, over every move
    reachable in ``procedure`` from every way of raising a case."""
    found: dict[str, set[str]] = {}
    todo: list[CaseFacts] = []
    for outcome in _raised(procedure):
        found.setdefault("raise", set()).update(n.event for n in outcome.notices)
        todo.append(outcome.facts)
    seen: set[tuple[object, ...]] = set()
    while todo:
        facts = todo.pop()
        if _state(facts) in seen:
            continue
        seen.add(_state(facts))
        for move in engine.next_moves(procedure, facts):
            item = None
            if move.action is Action.TICK:
                left = engine.outstanding(procedure, facts, facts.current_stage)
                if not left:
                    continue
                item = left[0].key
            out = engine.apply(
                procedure,
                facts,
                move.action,
                move.roles[0],
                on=DAY,
                to_stage=move.to_stage,
                reason="a reason",
                item=item,
            )
            found.setdefault(move.action.value, set()).update(n.event for n in out.notices)
            todo.append(out.facts)
    return found


@pytest.mark.parametrize("key", SEEDS)
def test_every_notice_the_engine_gives_in_a_seed_procedure_is_declared(key: str) -> None:
    found = every_notice(library.get(key))
    undeclared = {e for named in found.values() for e in named if not events.known(e)}
    assert undeclared == set()
    # The notices say what happened, in the past tense, as the outbox stores it.
    assert found["escalate"] == {"case.escalated"}
    assert found["resolve"] == {"case.resolved"}
    assert found["withdraw"] == {"case.withdrawn"}
    assert "case.raised" in found["raise"]
    assert found.get("record", set()) == set() and found.get("tick", set()) == set()


def test_expediting_and_referring_to_a_panel_give_their_declared_notices() -> None:
    found = every_notice(library.get("warrington-sab"))
    assert found["expedite"] == {"case.expedited"}
    assert found["raise"] == {"case.raised", "case.expedited"}  # raised at a later stage
    panels = [p for p in SEEDS if any(s.panel for s in library.get(p).stages)]
    for key in panels:
        assert every_notice(library.get(key))["refer_to_panel"] == {"case.referred_to_panel"}


def test_every_engine_move_writes_a_declared_chronology_entry() -> None:
    for action in Action:
        assert events.known(events.recorded_as(action)), action
    assert events.recorded_as(Action.ESCALATE) == "stage.escalated"
    assert events.recorded_as(Action.EXPEDITE) == "stage.expedited"
    assert events.recorded_as(Action.REFER_TO_PANEL) == "panel.referred"
    with pytest.raises(KeyError):
        events.notice_of(Action.RECORD)  # a note tells nobody


def test_a_key_not_declared_reads_as_its_words_and_may_wait_for_a_digest() -> None:
    assert not events.known("stage.reopened_early")
    assert events.label("stage.reopened_early") == "Stage reopened early"
    assert events.happened("stage.reopened_early", 2) == "The case has changed"
    assert events.subject("stage.reopened_early", 2) == "case updated"
    assert events.may_wait_for_digest("stage.reopened_early")
    assert events.get("stage.reopened_early").key == "stage.reopened_early"


def test_a_declared_key_without_email_words_has_the_general_ones() -> None:
    assert events.label("stage.escalated") == "Escalated"
    assert events.happened("stage.escalated", 2) == "The case has changed"
    assert events.subject("stage.escalated", 2) == "case updated"


def test_email_words_fill_in_the_stage() -> None:
    assert events.happened("case.escalated", 3) == "The case has been escalated to stage 3"
    assert events.subject("case.escalated", 3) == "escalated to stage 3"
    assert events.subject("reminder.due_soon", 2) == "reminder, stage 2 deadline tomorrow"
    assert events.subject("notification.failed") == "an email could not be sent"


def test_the_notices_the_procedure_requires_are_never_held_for_a_digest() -> None:
    assert {
        "case.raised",
        "case.escalated",
        "case.expedited",
        "case.resolved",
        "case.withdrawn",
        "case.referred_to_panel",
        "notification.failed",
        "invitation.refused",
        "escalation.notice_given",
    } == events.SENT_AT_ONCE
    assert not events.may_wait_for_digest("case.escalated")
    assert events.may_wait_for_digest("case.acknowledged")
    assert events.may_wait_for_digest("reminder.overdue")


def test_email_words_are_not_sentences_so_an_email_never_ends_them_twice() -> None:
    for kind in events.REGISTRY.values():
        for words in (kind.happened, kind.subject, kind.label):
            assert not words.endswith("."), (kind.key, words)


def test_every_key_is_dotted_as_the_database_requires() -> None:
    import re

    for key, kind in events.REGISTRY.items():
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", key), key
        assert kind.key == key and kind.label


def test_the_registry_imports_nothing_from_django() -> None:
    code = (
        "import sys, escalate.procedures.events, escalate.procedures.engine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- refusal codes


def test_refusal_codes_are_members_that_still_read_as_their_words() -> None:
    procedure = library.get("cheshire-east-sab")
    facts = engine.raise_case(procedure, Role.PRACTITIONER, arose=DAY, on=DAY).facts
    with pytest.raises(Refused) as caught:
        engine.check(procedure, facts, Action.ESCALATE, Role.INDEPENDENT_CHAIR)
    assert caught.value.code is RefusalCode.FORBIDDEN
    assert caught.value.code == "forbidden"  # a StrEnum: string comparisons still hold
    closed = CaseFacts(arose=DAY, stage_started={1: DAY}, status=CaseStatus.RESOLVED)
    with pytest.raises(Refused) as caught:
        engine.check(procedure, closed, Action.ESCALATE, Role.PRACTITIONER)
    assert caught.value.code is RefusalCode.CLOSED


def test_a_refusal_without_a_code_is_refused_and_a_word_becomes_its_member() -> None:
    assert Refused("No.").code is RefusalCode.REFUSED
    assert Refused("No.", code="invalid").code is RefusalCode.INVALID  # type: ignore[arg-type]
