"""Two people acting on the same case at once, each in their own thread with their own
database connection: one wins, the other is told the case changed, nothing is lost.

Runs on SQLite (writers queue: transactions are IMMEDIATE) and on PostgreSQL (the case
row is locked with SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import factories
import pytest
from django.db import connection, connections

from escalate import clock
from escalate.cases import services
from escalate.cases.errors import StaleCase
from escalate.cases.models import Case, Event, StageRecord
from escalate.cases.services import unit
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_23_december_for_threads() -> Iterator[None]:
    with clock.frozen(dt.date(2026, 12, 23)):
        yield


def run_together(*calls: Callable[[], Any], hold: float = 0.0) -> list[Any]:
    """Run each call in its own thread (and database connection), started together;
    returns each result or the exception it raised."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            if i:
                time.sleep(hold)  # let the first get into its transaction
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, c), name=f"writer-{i}")
        for i, c in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


class Pause:
    """Once armed, holds the first caller inside its transaction, just after it has
    locked the case, long enough for the second to try."""

    def __init__(self) -> None:
        self.armed = False
        self.paused: list[str] = []
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            if not self.armed or self.paused:
                return
            self.paused.append(threading.current_thread().name)
        time.sleep(0.5)


@pytest.fixture
def pause_inside_the_lock(monkeypatch: pytest.MonkeyPatch) -> Pause:
    pause = Pause()
    original = unit.lock_case

    def slow_lock(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        pause()
        return result

    monkeypatch.setattr(unit, "lock_case", slow_lock)
    return pause


def test_two_people_escalating_and_noting_at_once_one_wins_nothing_lost(
    on_23_december_for_threads: None, pause_inside_the_lock: Pause
) -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    seen = case.version

    def escalate() -> Case:
        return services.escalate(
            w.raiser,
            case,
            owner=w.person(Role.LINE_MANAGER),
            summary="Not resolved.",
            expected_version=seen,
        )

    def note() -> Event:
        return services.record_contact(
            w.other_professional, case, kind="note", text="Phoned back.", expected_version=seen
        )

    pause_inside_the_lock.armed = True
    results = run_together(escalate, note, hold=0.15)
    assert pause_inside_the_lock.paused == ["writer-0"]  # the second tried meanwhile

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], StaleCase), repr(losers[0])
    assert "This case changed since you opened it" in str(losers[0])
    assert len(losers[0].changes) == 1

    case.refresh_from_db()
    assert case.version == seen + 1  # exactly one change went in
    actions = list(Event.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    assert actions[0] == "case.raised" and len(actions) == 2
    if isinstance(winners[0], Case):
        assert actions[1] == "stage.escalated"
        assert case.current_stage == 2 and StageRecord.objects.filter(case=case).count() == 2
    else:
        assert actions[1] == "note.recorded"
        assert case.current_stage == 1 and StageRecord.objects.filter(case=case).count() == 1


def test_two_people_resolving_and_escalating_at_once_leave_a_consistent_case(
    on_23_december_for_threads: None, pause_inside_the_lock: Pause
) -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    seen = case.version
    manager, lead = w.person(Role.LINE_MANAGER), w.person(Role.SAFEGUARDING_LEAD)

    pause_inside_the_lock.armed = True
    results = run_together(
        lambda: services.resolve(manager, case, outcome="Agreed.", expected_version=seen),
        lambda: services.escalate(
            lead,
            case,
            owner=w.person(Role.BOARD_REPRESENTATIVE),
            summary="Not agreed.",
            expected_version=seen,
        ),
        hold=0.15,
    )
    assert pause_inside_the_lock.paused == ["writer-0"]
    assert sum(isinstance(r, StaleCase) for r in results) == 1, results
    assert sum(isinstance(r, Case) for r in results) == 1, results

    case.refresh_from_db()
    assert case.version == seen + 1
    records = list(StageRecord.objects.filter(case=case).order_by("number"))
    if case.status == "resolved":
        assert [r.number for r in records] == [1, 2] and records[1].conclusion == "resolved"
    else:
        assert case.current_stage == 3 and [r.number for r in records] == [1, 2, 3]


def test_cases_raised_at_the_same_time_get_different_references(
    on_23_december_for_threads: None,
) -> None:
    w = factories.world("cheshire-east-sab")
    second = factories.user("Second practitioner")
    factories.member(second, w.raising, Role.PRACTITIONER)

    results = run_together(
        *(lambda actor=actor: factories.raise_case(w, actor=actor) for actor in (w.raiser, second))
    )
    assert all(isinstance(r, Case) for r in results), results
    prefix = w.partnership.reference_prefix
    assert sorted(r.reference for r in results) == [f"{prefix}-2026-0001", f"{prefix}-2026-0002"]


def test_the_database_is_not_shared_memory_for_these_tests() -> None:
    """Two SQLite connections to a shared in-memory database do not queue for the write
    lock; the suite runs SQLite tests on a file (see tests/cases/conftest.py)."""
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db()
