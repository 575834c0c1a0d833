"""Benchmark (not a test): the board's report for a year over 100,000 cases.

    ESCALATE_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_report.py [--cases N]

Uses the database the settings give (SQLite in ESCALATE_DATA_DIR, or DATABASE_URL),
migrates it, bulk-creates the cases (with an empty procedure snapshot: the report never
reads it) and their stage records, then times :func:`build_report`, a page of the
register, the whole register and its CSV and Excel downloads, and counts their queries.
Each time is also given as a ratio to a baseline measured in the same run (one
``COUNT(*)`` of the year's cases), and the CSV download's peak Python memory is
measured with tracemalloc. Bench data goes in a partnership of its own and is removed
afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalate.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest is shown")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from escalate import clock
    from escalate.accounts.models import User
    from escalate.cases.models import Case, CaseStatus, Conclusion, StageRecord
    from escalate.partnerships.models import Agency, Partnership, PartnershipRole, Sector
    from escalate.procedures import library
    from escalate.procedures.calendar import WorkingCalendar
    from escalate.reports import exports, presenting, selectors

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)  # noqa: S311 - made-up data
    key = "cheshire-east-sab"
    procedure = library.get(key)
    final = len(procedure.stages)
    cats = [c.key for c in procedure.categories]
    calendar = WorkingCalendar.for_region(procedure.region)
    clock.freeze(dt.date(2027, 2, 1))

    slug = "bench-report"
    Partnership.objects.filter(slug=slug).exists() and _cleanup(slug)
    started = time.perf_counter()
    with transaction.atomic():
        p = Partnership.objects.create(
            name="Bench partnership",
            slug=slug,
            reference_prefix="BENCH",
            kind="adults",
            procedure_key=key,
            region=procedure.region.value,
            business_unit_email="bench@example.org",
        )
        sectors = list(Sector.values)
        agencies = []
        for i in range(12):
            a = Agency.objects.create(name=f"Bench agency {i:02d}", sector=sectors[i % 13])
            a.partnerships.add(p)
            agencies.append(a)
        person = User.objects.create_user(email="bench.person@example.org", full_name="Bench")
        PartnershipRole.objects.create(person=person, partnership=p, role="business_unit")

        cases, plans = [], []
        for n in range(1, args.cases + 1):
            raised = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
            raising, other = rng.sample(agencies, 2)
            stage = min(final, 1 + int(rng.expovariate(1.2)))
            status = rng.choices(
                [CaseStatus.RESOLVED, CaseStatus.WITHDRAWN, CaseStatus.OPEN], [80, 5, 15]
            )[0]
            lengths = [rng.randint(0, 12) for _ in range(stage)]
            closed = raised + dt.timedelta(days=sum(lengths)) if status != "open" else None
            cases.append(
                Case(
                    reference=f"BENCH-2026-{n:06d}",
                    partnership=p,
                    year=2026,
                    sequence=n,
                    procedure_key=key,
                    procedure_version=procedure.version,
                    procedure_snapshot={},
                    subject_type="adult",
                    person_name="Bench Person",
                    person_knows=True,
                    raised_by=person,
                    raising_agency=raising,
                    other_agency=other,
                    other_professional_name="Other",
                    other_professional_email="other@example.org",
                    categories=[rng.choice(cats)],
                    disagreement="Bench",
                    outcome_sought="Bench",
                    concern_arose_on=raised,
                    current_stage=stage,
                    status=status,
                    raised_at=dt.datetime.combine(raised, dt.time(10), tzinfo=dt.UTC),
                    raised_on=raised,
                    closed_on=closed,
                    withdrawn_reason="Bench" if status == "withdrawn" else "",
                    learning_themes=[rng.choice(["Communication", "Thresholds", "Capacity"])]
                    if status != "open" and rng.random() < 0.3
                    else [],
                )
            )
            plans.append((raised, lengths, status))
        Case.objects.bulk_create(cases, batch_size=2000)
        records = []
        for case, (raised, lengths, status) in zip(cases, plans, strict=True):
            day = raised
            for number, length in enumerate(lengths, start=1):
                end = day + dt.timedelta(days=length)
                last = number == len(lengths)
                concluded = None if (last and status == "open") else end
                conclusion = (
                    ""
                    if concluded is None
                    else (Conclusion.ESCALATED if not last else Conclusion(status))
                )
                records.append(
                    StageRecord(
                        case=case,
                        number=number,
                        started_on=day,
                        owner=person,
                        owner_role="business_unit" if number == final else "line_manager",
                        act_by=calendar.add_working_days(day, 5),
                        conclusion=conclusion,
                        concluded_on=concluded,
                    )
                )
                day = end
        StageRecord.objects.bulk_create(records, batch_size=5000)
    built = time.perf_counter() - started
    print(
        f"database: {connection.vendor}; built {args.cases:,} cases and "
        f"{len(records):,} stage records in {built:.1f} s"
    )

    period = selectors.parse_period("2026")
    filters = selectors.RegisterFilters(reached="all", sort="timeliness")

    def csv_download() -> int:
        rows = exports.register_lines(selectors.iter_register(person, p, filters))
        return sum(len(chunk) for chunk in exports.csv_stream(exports.REGISTER_HEADINGS, rows))

    def xlsx_download() -> int:
        rows = exports.register_lines(selectors.iter_register(person, p, filters))
        with exports.xlsx_file("Escalation register", exports.REGISTER_HEADINGS, rows) as f:
            return len(f.read())

    def baseline() -> int:
        return Case.objects.filter(
            partnership=p, raised_on__gte=period.first, raised_on__lte=period.last
        ).count()

    def timed(run: object) -> tuple[float, int, object]:
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            result = run()  # type: ignore[operator]
            elapsed = time.perf_counter() - t0
        return elapsed, len(queries), result

    base = min(timed(baseline)[0] for _ in range(5))
    print(f"{'baseline (COUNT of the year)':32s} {base * 1000:8.2f} ms")
    for label, run in (
        ("report (figures)", lambda: selectors.board_report(person, p, period)),
        (
            "report (figures + PDF)",
            lambda: len(
                exports.pdf_from_template(
                    "reports/report_document.html",
                    {
                        **presenting.report_context(
                            selectors.board_report(person, p, period), True
                        ),
                        "partnership": p,
                    },
                )
            ),
        ),
        (
            "register page 1 (final stage)",
            lambda: selectors.register_page(person, p, selectors.RegisterFilters()),
        ),
        ("register page 10 (all cases)", lambda: selectors.register_page(person, p, filters, 10)),
        (
            "register (all rows, a list)",
            lambda: selectors.register(person, p, selectors.RegisterFilters(reached="all")),
        ),
        ("register CSV (all, streamed)", csv_download),
        ("register Excel (all, streamed)", xlsx_download),
    ):
        elapsed, queries, result = min(
            (timed(run) for _ in range(max(1, args.repeat))), key=lambda r: r[0]
        )
        size = _size(result)
        print(
            f"{label:32s} {elapsed:8.2f} s  {elapsed / base:9.0f}x baseline  "
            f"{queries:3d} queries  ({size})"
        )
    for label, download in (("CSV", csv_download), ("Excel", xlsx_download)):
        tracemalloc.start()
        written = download()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"register {label}: {written / 1e6:.1f} MB written, "
            f"peak Python memory {peak / 1e6:.1f} MB"
        )
    report = selectors.board_report(person, p, period)
    print(
        f"raised {report.raised:,}; median {report.median_days} and 90th percentile "
        f"{report.p90_days} working days; {report.in_time_pct}% of stages in time"
    )
    _cleanup(slug)
    clock.unfreeze()
    return 0


def _size(result: object) -> str:
    """What a run returned, in a few words: rows, cases or bytes."""
    from escalate.reports import selectors

    if isinstance(result, selectors.Report):
        return f"{result.raised:,} cases"
    if isinstance(result, selectors.RegisterPage):
        return f"{len(result.rows)} rows of {result.count:,}"
    if isinstance(result, list):
        return f"{len(result):,} rows"
    return f"{result:,} bytes" if isinstance(result, int) else ""


def _cleanup(slug: str) -> None:
    from django.db import connection

    from escalate.accounts.models import User
    from escalate.cases.models import Case, StageRecord
    from escalate.partnerships.models import Agency, Partnership, PartnershipRole

    p = Partnership.objects.get(slug=slug)
    StageRecord.objects.filter(case__partnership=p)._raw_delete(connection.alias)
    Case.objects.filter(partnership=p)._raw_delete(connection.alias)
    PartnershipRole.objects.filter(partnership=p).delete()
    Agency.objects.filter(name__startswith="Bench agency ").delete()
    p.delete()
    User.objects.filter(email="bench.person@example.org").delete()


if __name__ == "__main__":
    raise SystemExit(main())
