"""The reminder sweep claims and writes in batches: each reminder goes once whatever the
batch size and however many sweeps run, a sweep that finds nothing new writes nothing,
and the number of questions a sweep asks does not grow with the number due."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable

import factories
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalate.notifications import reminders, services
from escalate.notifications.models import Notification, Reminder

D = dt.date
AROSE = D(2026, 12, 23)  # Cheshire East stage 1: resolve or escalate by Tue 29 Dec
OVERDUE = dt.datetime(2026, 12, 31, 8, 0)  # two working days late: owner and manager told
BATCH = 4
WRITE = re.compile(r"(\d+ times: )?INSERT ")

FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]


def raise_cases(w: factories.World, n: int, frozen_clock: FrozenClock) -> list[int]:
    frozen_clock(dt.datetime.combine(AROSE, dt.time(9, 0)))
    return [factories.raise_case(w, concern_arose_on=AROSE).pk for _ in range(n)]


def reminders_of(case_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each case's reminder emails: (event, address), sorted."""
    found: dict[int, list[tuple[str, str]]] = {pk: [] for pk in case_ids}
    rows = Notification.objects.filter(case_id__in=case_ids, event__startswith="reminder.")
    for case_id, event, email in rows.order_by("id").values_list("case_id", "event", "email"):
        found[case_id].append((event, email))
    return {pk: sorted(sent) for pk, sent in found.items()}


def writes(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote rows (one run for many rows logged as "N times: ...")."""
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


@pytest.mark.django_db
@pytest.mark.parametrize("stages", [BATCH - 1, BATCH, BATCH + 1])
def test_each_reminder_goes_once_whether_the_stages_due_fill_a_batch_or_spill_into_the_next(
    stages: int, frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders, "SWEEP_CHUNK", BATCH)
    w = factories.world("cheshire-east-sab")
    cases = raise_cases(w, stages, frozen_clock)
    owner = w.raiser.email.lower()
    manager = w.raising_people[factories.Role.LINE_MANAGER].email.lower()
    frozen_clock(OVERDUE)

    assert services.sweep_reminders().counts == {"overdue": stages, "manager": stages}
    assert reminders_of(cases) == {
        pk: [("reminder.overdue", owner), ("reminder.overdue_manager", manager)] for pk in cases
    }
    assert Reminder.objects.count() == 2 * stages
    with CaptureQueriesContext(connection) as again:
        assert services.sweep_reminders().total == 0
    assert writes(again) == []
    assert Notification.objects.filter(event__startswith="reminder.").count() == 2 * stages


@pytest.mark.django_db
def test_a_reminder_another_sweep_claimed_first_is_neither_written_nor_counted_again(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world("cheshire-east-sab")
    cases = raise_cases(w, 3, frozen_clock)
    frozen_clock(OVERDUE)
    # Another sweep, on another machine, claimed the first case's overdue reminder (and
    # wrote its email) a moment ago.
    taken = cases[0]
    act_by = D(2026, 12, 29)
    Reminder.objects.create(
        key=f"stage:{taken}:1:overdue:{act_by.isoformat()}:0",
        case_id=taken,
        stage=1,
        kind="overdue",
        due_on=act_by,
        week=0,
        sent_on=OVERDUE.date(),
        claim="another-sweep",
    )

    assert services.sweep_reminders().counts == {"overdue": 2, "manager": 3}
    sent = reminders_of(cases)
    assert [e for e, _ in sent[taken]] == ["reminder.overdue_manager"]
    for pk in cases[1:]:
        assert [e for e, _ in sent[pk]] == ["reminder.overdue", "reminder.overdue_manager"]
    assert Reminder.objects.filter(claim="another-sweep").count() == 1


@pytest.mark.django_db
def test_a_sweep_asks_as_many_questions_for_nine_reminders_due_as_for_three(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world("cheshire-east-sab")
    first = raise_cases(w, 3, frozen_clock)
    frozen_clock(OVERDUE)
    with CaptureQueriesContext(connection) as few:
        assert services.sweep_reminders().counts == {"overdue": 3, "manager": 3}

    more = raise_cases(w, 9, frozen_clock)
    frozen_clock(OVERDUE)
    with CaptureQueriesContext(connection) as many:
        assert services.sweep_reminders().counts == {"overdue": 9, "manager": 9}

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(writes(many)) == len(writes(few)) == 2  # the claims, then their emails
    assert all(len(sent) == 2 for sent in reminders_of(first + more).values())


@pytest.mark.django_db
def test_the_batches_of_a_sweep_write_one_claim_and_one_outbox_statement_each(
    frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders, "SWEEP_CHUNK", BATCH)
    w = factories.world("cheshire-east-sab")
    raise_cases(w, 2 * BATCH + 1, frozen_clock)  # three batches of stages
    frozen_clock(OVERDUE)
    with CaptureQueriesContext(connection) as queries:
        assert services.sweep_reminders().total == 2 * (2 * BATCH + 1)
    claims = [sql for sql in writes(queries) if "notifications_reminder" in sql]
    emails = [sql for sql in writes(queries) if "cases_notification" in sql]
    if connection.vendor == "postgresql":  # one statement a batch, whatever its size
        assert (len(claims), len(emails)) == (3, 3)
    else:  # one prepared statement run for every row
        assert len(claims) == len(emails) == 3


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_over_many_batches_send_each_reminder_exactly_once(
    frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders, "SWEEP_CHUNK", 3)
    w = factories.world("cheshire-east-sab")
    cases = raise_cases(w, 10, frozen_clock)
    frozen_clock(OVERDUE)
    start = threading.Barrier(2)
    totals: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            totals.append(services.sweep_reminders().total)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(totals) == 20  # between them, each reminder counted by the sweep that sent it
    assert all(
        [e for e, _ in sent] == ["reminder.overdue", "reminder.overdue_manager"]
        for sent in reminders_of(cases).values()
    )
    assert Reminder.objects.count() == 20
    assert services.sweep_reminders().total == 0


@pytest.mark.django_db
def test_a_sweep_leaves_the_connections_query_settings_as_it_found_them(
    frozen_clock: FrozenClock,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("just-in-time compilation is PostgreSQL's")
    w = factories.world("cheshire-east-sab")
    raise_cases(w, 1, frozen_clock)
    frozen_clock(OVERDUE)
    seen: list[str] = []

    def jit_during(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if sql.startswith("INSERT") and not seen:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('jit')")
                seen.append(cursor.fetchone()[0])
        return result

    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")
    with connection.execute_wrapper(jit_during):
        assert services.sweep_reminders().total == 2
    assert seen == ["off"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"
