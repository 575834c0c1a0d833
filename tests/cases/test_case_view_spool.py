"""Opening a case is in the read log exactly once, without a database write per view.

The case page spools each view to a file (one line each); flushing moves the spooled
views into the chronology in bulk. Flushing twice, flushing after a crash between the
commit and removing what was flushed, or flushing from several threads while several
processes spool, stores each view once.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import threading
from pathlib import Path

import factories
import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalate import clock
from escalate.cases import permissions, selectors
from escalate.cases.models import VIEWED, Case, Event
from escalate.cases.services import viewing
from escalate.procedures.model import Role

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def spool(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "views"
    settings.VIEW_SPOOL_DIR = str(folder)
    return folder


@pytest.fixture
def case(cheshire: factories.World) -> Case:
    return factories.raise_case(cheshire)


def views_of(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case, action=VIEWED).order_by("id"))


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


@pytest.mark.django_db
def test_a_view_is_stored_once_however_often_the_spool_is_flushed(
    cheshire: factories.World, case: Case
) -> None:
    viewer = cheshire.person(Role.SAFEGUARDING_LEAD)
    access = permissions.access(viewer, case)
    clock.advance(hours=1)
    with CaptureQueriesContext(connection) as queries:
        view_id = viewing.spool_view(access)
    assert len(queries) == 0
    assert views_of(case) == []

    assert viewing.flush_views() == 1
    assert viewing.flush_views() == 0
    [stored] = views_of(case)
    assert (stored.actor, stored.at, stored.stage) == (viewer, clock.now(), 1)
    assert stored.version == case.version and stored.data == {"view_id": view_id}
    business_unit = cheshire.person(Role.BUSINESS_UNIT)
    assert [v.actor for v in selectors.case_views(business_unit, case)] == [viewer]


@pytest.mark.django_db
def test_a_flush_that_stopped_after_committing_stores_nothing_twice(
    cheshire: factories.World, case: Case, spool: Path
) -> None:
    for person in (cheshire.raiser, cheshire.other_professional, cheshire.raiser):
        viewing.spool_view(permissions.access(person, case))
    lines = b"".join(p.read_bytes() for p in spool.iterdir())
    assert viewing.flush_views() == 3

    # As if the process died after its commit, before removing the batch it took.
    (spool / f"{viewing.BATCH_PREFIX}left-behind{viewing.SUFFIX}").write_bytes(lines)
    viewing.spool_view(permissions.access(cheshire.other_professional, case))
    assert viewing.flush_views() == 1
    assert len(views_of(case)) == 4
    assert list(spool.iterdir()) == []


@pytest.mark.django_db
def test_flushing_with_nothing_spooled_asks_the_database_nothing(case: Case, spool: Path) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert viewing.flush_views() == 0  # no folder yet
        spool.mkdir(parents=True, exist_ok=True)
        assert viewing.flush_views() == 0  # an empty folder
    assert len(queries) == 0


@pytest.mark.django_db
def test_a_line_cut_short_by_a_crash_is_left_out_and_the_rest_stored(
    cheshire: factories.World, case: Case, spool: Path
) -> None:
    viewing.spool_view(permissions.access(cheshire.raiser, case))
    viewing.append('{"id": "abc", "case": ')
    viewing.append("\n")
    viewing.spool_view(permissions.access(cheshire.other_professional, case))
    assert viewing.flush_views() == 2
    assert [e.actor for e in views_of(case)] == [cheshire.raiser, cheshire.other_professional]


@pytest.mark.django_db
def test_a_spooled_view_of_a_case_or_person_not_in_the_database_is_not_stored(
    cheshire: factories.World, case: Case
) -> None:
    line = {"id": "x1", "case": case.pk + 1000, "actor": cheshire.raiser.pk, "stage": 1}
    viewing.append(viewing.signed({**line, "at": clock.now().isoformat(), "version": 1}))
    viewing.spool_view(permissions.access(cheshire.raiser, case))
    assert viewing.flush_views() == 1
    assert len(views_of(case)) == 1


@pytest.mark.django_db
def test_a_refused_person_cannot_be_spooled_as_a_viewer(case: Case) -> None:
    with pytest.raises(ValueError):
        viewing.spool_view(permissions.access(factories.user("Curious"), case))


@pytest.mark.django_db
def test_the_business_unit_sees_views_spooled_and_not_stored_yet(
    cheshire: factories.World, case: Case
) -> None:
    case = factories.escalate_to(cheshire, case, 4)  # where the business unit sees it
    client = Client()
    client.force_login(cheshire.other_professional)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    business_unit = cheshire.person(Role.BUSINESS_UNIT)
    client.force_login(business_unit)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/cases/{case.reference}/").content.decode()
    assert writes(queries) == []
    views = page.split('id="views-heading"', 1)[1]
    other = cheshire.other_professional.full_name
    assert other in views and business_unit.full_name in views

    assert viewing.flush_views() == 2
    page = client.get(f"/cases/{case.reference}/").content.decode()
    views = page.split('id="views-heading"', 1)[1]
    assert views.count(other) == 1  # stored now, and not shown twice


@pytest.mark.django_db
def test_showing_a_cases_views_checks_only_the_spooled_lines_naming_it(
    cheshire: factories.World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The business unit's page reads the spooled views of its case alone: lines naming
    other cases (among them one whose id starts with this one's digits) are passed over
    without checking their signatures, and none of them is shown."""
    viewer = cheshire.raiser
    at = clock.now().isoformat()

    def line(n: int, case_id: int) -> str:
        view = {"id": f"v{n}", "case": case_id, "actor": viewer.pk, "at": at}
        return viewing.signed({**view, "stage": 1, "version": 1})

    others = [case.pk * 10 + 1, case.pk + 1, case.pk + 2]  # "12" begins as "1" does
    viewing.append("".join(line(n, others[n % 3]) for n in range(300)))
    viewing.append(line(1000, case.pk) + line(1001, case.pk))
    checked: list[bytes] = []
    authentic = viewing.authentic

    def counting(raw: bytes) -> bytes | None:
        checked.append(raw)
        return authentic(raw)

    monkeypatch.setattr(viewing, "authentic", counting)
    shown = viewing.views_of(case, [], 50)
    assert sorted(str(e.data["view_id"]) for e in shown) == ["v1000", "v1001"]
    assert all(e.case_id == case.pk and e.actor == viewer for e in shown)
    # Only lines with the case's id in them are checked: its own two, and the hundred of
    # the case whose id begins with its digits (then left out by their case number).
    assert len(checked) == 2 + 100


# ---------------------------------------------------------------- many at once


def spool_lines(folder: str, case_id: int, actor_id: int, start: int, count: int) -> None:
    """In a process of its own: spool ``count`` views, one write each."""
    from django.conf import settings

    settings.VIEW_SPOOL_DIR = folder
    for n in range(start, start + count):
        line = {
            "id": f"view-{n}",
            "case": case_id,
            "actor": actor_id,
            "at": dt.datetime(2026, 12, 23, 10, tzinfo=dt.UTC).isoformat(),
            "stage": 1,
            "version": 1,
        }
        viewing.append(viewing.signed(line))


@pytest.mark.django_db(transaction=True)
def test_views_spooled_by_several_processes_while_several_threads_flush_are_each_stored_once(
    cheshire: factories.World, spool: Path
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    processes, per_process = 4, 300
    context = multiprocessing.get_context("fork")
    connections.close_all()  # the children must not share this process's connection
    writers = [
        context.Process(
            target=spool_lines,
            args=(str(spool), case.pk, w.raiser.pk, n * per_process, per_process),
        )
        for n in range(processes)
    ]
    stop = threading.Event()
    stored: list[int] = []
    failures: list[BaseException] = []

    def flush_until_stopped() -> None:
        try:
            while not stop.is_set():
                stored.append(viewing.flush_views())
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    flushers = [threading.Thread(target=flush_until_stopped) for _ in range(3)]
    for t in flushers:
        t.start()
    for p in writers:
        p.start()
    for p in writers:
        p.join(60)
        assert p.exitcode == 0
    stop.set()
    for t in flushers:
        t.join(60)
    assert failures == []
    stored.append(viewing.flush_views())

    ids = [e.data["view_id"] for e in views_of(case)]
    assert len(ids) == processes * per_process == sum(stored)
    assert len(set(ids)) == len(ids)
    assert not [p for p in spool.iterdir() if os.path.getsize(p)]


# ---------------------------------------------------------------- trust


def a_view(case: Case, person: object, /, **fields: object) -> dict[str, object]:
    """A spool line's fields, as :func:`viewing.spool_view` writes them."""
    line: dict[str, object] = {
        "id": "by-hand",
        "case": case.pk,
        "actor": person.pk,  # type: ignore[attr-defined]
        "at": clock.now().isoformat(),
        "stage": 1,
        "version": 1,
    }
    return {**line, **fields}


@pytest.mark.django_db
def test_the_spool_folder_and_files_are_for_this_system_user_alone(
    cheshire: factories.World, case: Case, spool: Path
) -> None:
    viewing.spool_view(permissions.access(cheshire.raiser, case))
    assert spool.stat().st_mode & 0o777 == 0o700
    [spooled] = spool.iterdir()
    assert spooled.stat().st_mode & 0o777 == 0o600

    spool.chmod(0o755)  # made wider by someone
    viewing.spool_view(permissions.access(cheshire.raiser, case))
    assert spool.stat().st_mode & 0o777 == 0o700


@pytest.mark.django_db
def test_a_link_put_where_the_spool_file_goes_is_not_followed(
    cheshire: factories.World, case: Case, spool: Path, tmp_path: Path
) -> None:
    spool.mkdir(mode=0o700)
    target = tmp_path / "not-a-spool"
    target.write_bytes(b"")
    viewing.spool_path().symlink_to(target)
    assert viewing.spool_view(permissions.access(cheshire.raiser, case)) == ""
    assert target.read_bytes() == b""
    [stored] = views_of(case)  # written to the chronology at once instead
    assert stored.actor == cheshire.raiser


@pytest.mark.django_db
def test_a_spool_folder_another_user_owns_is_not_used_and_the_view_is_written_at_once(
    cheshire: factories.World,
    case: Case,
    spool: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spool.mkdir(mode=0o755)
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # so the folder is someone else's
    assert viewing.spool_view(permissions.access(cheshire.raiser, case)) == ""
    assert list(spool.iterdir()) == []
    assert spool.stat().st_mode & 0o777 == 0o755  # not ours to change
    [stored] = views_of(case)
    assert stored.actor == cheshire.raiser
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "another user" in error.getMessage()


@pytest.mark.django_db
def test_a_line_not_signed_with_the_secret_key_is_left_out_and_counted_in_the_log(
    cheshire: factories.World, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    forged = a_view(case, cheshire.raiser, id="forged")
    viewing.append(json.dumps(forged) + "\n")  # no signature
    viewing.append(f"{'0' * 64} {json.dumps({**forged, 'id': 'forged-2'})}\n")  # a wrong one
    viewing.spool_view(permissions.access(cheshire.other_professional, case))
    assert viewing.flush_views() == 1
    assert [e.actor for e in views_of(case)] == [cheshire.other_professional]
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning.getMessage().startswith("2 spooled view line(s) were left out")
    assert "forged" not in warning.getMessage() and str(case.pk) not in warning.getMessage()


@pytest.mark.parametrize(
    "bad",
    [
        {"stage": "x"},
        {"stage": None},
        {"stage": 0},
        {"stage": 2**15},
        {"version": "abc"},
        {"version": 1.5},
        {"version": 2**31},
        {"version": True},
        {"case": -1},
        {"actor": 2**63},
        {"id": ""},
        {"id": 7},
        {"id": "x" * 65},
        {"at": "2026-12-23T10:00:00"},  # no time zone
        {"at": "yesterday"},
    ],
)
@pytest.mark.django_db
def test_a_signed_line_with_a_field_the_chronology_cannot_hold_is_left_out_and_the_rest_stored(
    cheshire: factories.World, case: Case, spool: Path, bad: dict[str, object]
) -> None:
    viewing.append(viewing.signed(a_view(case, cheshire.raiser, **bad)))
    viewing.spool_view(permissions.access(cheshire.other_professional, case))
    assert viewing.flush_views() == 1
    viewing.spool_view(permissions.access(cheshire.raiser, case))
    assert viewing.flush_views() == 1  # later batches are stored too
    assert [e.actor for e in views_of(case)] == [cheshire.other_professional, cheshire.raiser]
    assert list(spool.iterdir()) == []


@pytest.mark.django_db
def test_a_process_reusing_a_dead_ones_pid_does_not_join_its_cut_off_line(
    cheshire: factories.World, case: Case, spool: Path
) -> None:
    spool.mkdir(mode=0o700)
    # The earlier process with this host and pid died halfway through a line.
    half = viewing.signed(a_view(case, cheshire.raiser, id="cut"))[:40]
    viewing.spool_path().write_bytes(half.encode())
    viewing.spool_view(permissions.access(cheshire.other_professional, case))
    assert viewing.flush_views() == 1
    assert [e.actor for e in views_of(case)] == [cheshire.other_professional]
