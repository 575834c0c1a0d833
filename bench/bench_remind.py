"""Benchmark (not a test): one reminder sweep over 100,000 open cases.

    .venv/bin/python bench/bench_remind.py [--cases 100000]

Builds a temporary SQLite database (and, when DATABASE_URL is set, a temporary
PostgreSQL database beside the one it names, dropped afterwards), bulk-creates open
cases whose current stage's act-by deadline is spread over the 30 days either side of
the sweep day, then times the first sweep (which writes every reminder due), a second (which finds
them all sent) and the worst case again with two sweeps at once (each reminder must go
once). Each is also given as a ratio to a baseline timed in the same process on the
same data: writing as many outbox rows and reminder keys as plainly as the database
allows (the first sweep), and one pass over the open cases' current stages (the
rerun). Also peak Python memory (tracemalloc) and the process's peak resident size,
and the processor time each sweep took here and, for a PostgreSQL server on this
machine, in the server's process: on a machine shared with other work the seconds
grow with the load (given too), those far less. On PostgreSQL, last, the rerun once
more after ANALYZE (the statistics a database in use has: this one was just built).
Targets (issue 13): the worst case in at most 10 s, the rerun under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWEEP_DAY = dt.date(2027, 1, 6)  # a Wednesday


def populate(n_cases: int) -> None:
    from escalate.accounts.models import User
    from escalate.cases.models import Case, StageRecord
    from escalate.partnerships.models import Agency, Partnership, PartnershipKind, Sector
    from escalate.procedures import library

    procedure = library.get("cheshire-east-sab")
    partnership = Partnership.objects.create(
        name="Bench SAB",
        slug="bench",
        reference_prefix="BEN",
        kind=PartnershipKind.ADULTS,
        procedure_key=procedure.key,
        region=procedure.region.value,
        business_unit_email="bu@bench.example",
    )
    raising = Agency.objects.create(name="Bench council", sector=Sector.OTHER)
    other = Agency.objects.create(name="Bench trust", sector=Sector.OTHER)
    raising.partnerships.add(partnership)
    other.partnerships.add(partnership)
    from django.contrib.auth.hashers import make_password

    unusable = make_password(None)
    # Bulk-created with unusable passwords: hashing 220 passwords would dominate set-up.
    managers = User.objects.bulk_create(
        [
            User(email=f"manager{i}@bench.example", full_name=f"Manager {i}", password=unusable)
            for i in range(20)
        ]
    )
    managers = list(User.objects.filter(email__startswith="manager").order_by("pk"))
    User.objects.bulk_create(
        [
            User(
                email=f"owner{i}@bench.example",
                full_name=f"Owner {i}",
                password=unusable,
                line_manager=managers[i % 20],
            )
            for i in range(200)
        ]
    )
    owners = list(User.objects.filter(email__startswith="owner").order_by("pk"))
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    names = {f.name for f in Case._meta.get_fields()}
    if "definition" in names:  # each procedure version stored once, cases refer to it
        from escalate.partnerships import versions

        stored: dict[str, object] = {
            "definition": versions.version_in_force(partnership, now.date())
        }
    else:
        stored = {"procedure_snapshot": {}}  # the sweep never reads it
    batch = 5000
    for start in range(0, n_cases, batch):
        cases = [
            Case(
                reference=f"BEN-2026-{i + 1:06d}",
                partnership=partnership,
                year=2026,
                sequence=i + 1,
                procedure_key=procedure.key,
                procedure_version=procedure.version,
                **stored,
                subject_type="adult",
                person_name="Bench Person",
                person_knows=True,
                raised_by=owners[i % 200],
                raising_agency=raising,
                other_agency=other,
                other_professional_name="Other Person",
                other_professional_email="other@bench.example",
                disagreement="Benchmark",
                outcome_sought="Benchmark",
                concern_arose_on=dt.date(2026, 11, 1),
                raised_at=now,
                raised_on=dt.date(2026, 12, 1),
            )
            for i in range(start, min(start + batch, n_cases))
        ]
        created = Case.objects.bulk_create(cases)
        if created[0].pk is None:  # SQLite before RETURNING: read the ids back
            created = list(Case.objects.filter(year=2026).order_by("pk")[start : start + batch])
        StageRecord.objects.bulk_create(
            [
                StageRecord(
                    case=case,
                    number=1,
                    started_on=dt.date(2026, 12, 1),
                    owner=owners[k % 200],
                    owner_role="practitioner",
                    act_by=SWEEP_DAY + dt.timedelta(days=(start + k) % 61 - 30),
                )
                for k, case in enumerate(created)
            ]
        )


def baselines(n_rows: int) -> dict[str, float]:
    """What the sweep cannot do without, timed in the same process on the same data:
    writing ``n_rows`` outbox rows and ``n_rows`` reminder keys in one statement per
    2,000 (rolled back), and one pass over every open case's current stage."""
    from django.db import transaction
    from django.db.models import F

    from escalate.cases.models import Case, StageRecord
    from escalate.notifications import bulk
    from escalate.notifications.models import Notification, Reminder

    cases = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:n_rows])
    cases = (cases * (n_rows // max(len(cases), 1) + 1))[:n_rows]
    now = dt.datetime.combine(SWEEP_DAY, dt.time(7, 0), tzinfo=dt.UTC)
    why = "you own stage 1, which should have been resolved or escalated by a day: late"
    began = time.perf_counter()
    with transaction.atomic():
        for start in range(0, n_rows, 2000):
            part = cases[start : start + 2000]
            bulk.insert(
                Reminder,
                ("key", "case", "stage", "kind", "due_on", "week"),
                [(f"bench:{start + i}", c, 1, "overdue", SWEEP_DAY, 0) for i, c in enumerate(part)],
                same={"sent_on": SWEEP_DAY, "claim": "bench"},
                ignore_conflicts=True,
            )
            bulk.insert(
                Notification,
                ("case", "email", "recipient_kind", "event", "stage", "due_on", "why"),
                [
                    (c, "a@bench.example", "stage_owner", "reminder.overdue", 1, SWEEP_DAY, why)
                    for c in part
                ],
                same={"created_at": now},
            )
        write = time.perf_counter() - began
        transaction.set_rollback(True)
    began = time.perf_counter()
    StageRecord.objects.filter(
        case__status="open", number=F("case__current_stage"), act_by__isnull=False
    ).count()
    scan = time.perf_counter() - began
    return {"write": write, "scan": scan}


def run_one(n_cases: int) -> dict[str, object]:
    """In a fresh process whose settings point at an empty database."""
    import threading

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalate.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from escalate import clock
    from escalate.notifications import services
    from escalate.notifications.models import Notification, Reminder

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    populate(n_cases)
    populated = time.perf_counter() - began
    clock.freeze(dt.datetime.combine(SWEEP_DAY, dt.time(7, 0)))

    def peak_rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def database_cpu() -> float:
        """Processor seconds the PostgreSQL server's process for this connection has
        used (0 for SQLite, in this process, or a server on another machine)."""
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def load() -> float:
        return os.getloadavg()[0]

    before, load_before = peak_rss_mb(), load()
    server = database_cpu()
    began, cpu = time.perf_counter(), time.process_time()
    first = services.sweep_reminders()
    first_seconds = time.perf_counter() - began
    first_cpu = time.process_time() - cpu
    first_server = database_cpu() - server
    after_first = peak_rss_mb()
    base = baselines(first.total)

    # The same sweep again finds everything sent: the steady state of a sweep every few
    # minutes. Python's own peak allocation measured with tracemalloc (which slows it).
    server = database_cpu()
    began, cpu = time.perf_counter(), time.process_time()
    second = services.sweep_reminders()
    second_seconds = time.perf_counter() - began
    second_cpu = time.process_time() - cpu
    second_server = database_cpu() - server
    tracemalloc.start()
    services.sweep_reminders()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # The worst case again with two sweeps at once (two connections): each reminder once.
    Notification.objects.all().delete()
    Reminder.objects.all().delete()
    reports: list[object] = []
    start = threading.Barrier(2)

    def sweep() -> None:
        try:
            start.wait()
            reports.append(services.sweep_reminders())
        finally:
            connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    both_seconds = time.perf_counter() - began
    both_total = sum(r.total for r in reports)  # type: ignore[attr-defined]
    written = Notification.objects.count()
    # A PostgreSQL database in use has its tables' statistics (autovacuum gathers them);
    # one just built has none (nor has any where autovacuum is off, as on this project's
    # machine) and plans the rerun as loops over every case. Last, so that the figures
    # above are taken as before: the rerun with them.
    rerun_with_statistics = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        began = time.perf_counter()
        services.sweep_reminders()
        rerun_with_statistics = round(time.perf_counter() - began, 2)
    return {
        "database": connection.vendor,
        "cases": n_cases,
        "populate_seconds": round(populated, 1),
        "first_sweep_seconds": round(first_seconds, 2),
        "first_sweep_cpu_seconds_here": round(first_cpu, 2),
        "first_sweep_cpu_seconds_database_server": round(first_server, 2),
        "first_sweep_reminders": first.total,
        "first_sweep_by_kind": first.counts,
        "baseline_write_seconds": round(base["write"], 2),
        "first_sweep_to_baseline_write": round(first_seconds / base["write"], 2),
        "peak_rss_mb_before_sweep": round(before, 1),
        "peak_rss_mb_after_first_sweep": round(after_first, 1),
        "second_sweep_seconds": round(second_seconds, 2),
        "second_sweep_cpu_seconds_here": round(second_cpu, 2),
        "second_sweep_cpu_seconds_database_server": round(second_server, 2),
        "second_sweep_reminders": second.total,
        "baseline_scan_seconds": round(base["scan"], 3),
        "second_sweep_to_baseline_scan": round(second_seconds / base["scan"], 2),
        "second_sweep_traced_python_peak_mb": round(traced_peak / 2**20, 1),
        "second_sweep_seconds_after_analyze": rerun_with_statistics,
        "two_sweeps_at_once_seconds": round(both_seconds, 2),
        "two_sweeps_at_once_reminders": both_total,
        "two_sweeps_at_once_outbox_rows": written,
        "two_sweeps_each_reminder_once": both_total == first.total == written,
        "load_average_before_and_after": [round(load_before, 1), round(load(), 1)],
    }


def _machine() -> str:
    cpus = os.cpu_count()
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kb / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        ram = "RAM unknown"
    return f"{cpus} CPUs, {ram}, Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--child", choices=["run"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.cases)))
        return

    print(f"Machine: {_machine()}")
    runs: list[tuple[str, dict[str, str]]] = []
    with tempfile.TemporaryDirectory(prefix="escalate-bench-") as folder:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["ESCALATE_DATA_DIR"] = folder
        runs.append(("sqlite", env))
        url = os.environ.get("DATABASE_URL", "")
        name = f"escalate_bench_{os.getpid()}"
        if url:
            import psycopg

            base = url.rsplit("/", 1)[0]
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            runs.append(("postgresql", {**env, "DATABASE_URL": f"{base}/{name}"}))
        try:
            for label, run_env in runs:
                result = subprocess.run(  # noqa: S603 - this script, run again
                    [sys.executable, __file__, "--cases", str(args.cases), "--child", "run"],
                    env=run_env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode:
                    print(f"{label}: failed\n{result.stderr[-3000:]}")
                    continue
                print(f"{label}: {result.stdout.strip().splitlines()[-1]}")
        finally:
            if url:
                with psycopg.connect(url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
