"""The page benchmark (bench/bench_pages.py) still runs: its data builds, every page it
measures answers, and what viewing wrote is removed again. No timings here: the
benchmark itself prints those."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bench_pages, loadgen, pagedata  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _modules_import():
    import bench.bare  # noqa: F401
    import bench.settings  # noqa: F401
    import bench.urls  # noqa: F401


def test_the_bench_modules_import(_modules_import):
    from bench import urls

    assert any(str(p.pattern) == "bench/bare/" for p in urls.urlpatterns)


def test_bench_data_builds_and_every_page_the_bench_measures_answers():
    from escalate.accounts.models import User
    from escalate.cases.models import Case, CaseDeadline, Event

    built = pagedata.build(
        0, partnerships=["cheshire-east-sab"], per_partnership=1, years=1, copies=5
    )
    copies = list(Case.objects.filter(raised_by__email__contains=".t1@"))
    assert len(copies) == 5
    assert built.cases == Case.objects.count() > 5
    assert built.teams == 2 and User.objects.filter(email__contains=".t1@").count() > 5
    for case in copies:
        assert case.stages.exists()
        assert CaseDeadline.objects.filter(case=case).exists()
        assert Event.objects.filter(case=case).exists()
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references)

    pages = bench_pages.main_pages()
    assert {p.key for p in pages} >= {"dashboard-practitioner", "case", "register-csv"}
    before = bench_pages.last_ids()
    bench_pages.count_queries(pages)
    assert [(p.key, p.status) for p in pages] == [(p.key, 200) for p in pages]
    assert all(p.queries for p in pages)
    bench_pages.forget_views(before)
    assert bench_pages.last_ids() == before  # whatever viewing wrote is gone


def test_the_load_generator_reports_percentiles_by_nearest_rank():
    result = loadgen.Result(latencies=[i / 1000 for i in range(1, 101)], seconds=2.0)
    assert result.percentile(50) == pytest.approx(50)
    assert result.percentile(95) == pytest.approx(95)
    assert result.per_second == 50


@pytest.mark.parametrize("text", ["\u0663", "\uff13", "0", "-5", "9" * 5000, "x", "1,,8", "2\x00"])
def test_the_benchmark_refuses_bad_numbers_in_plain_words(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="whole numbers? from 1 to 256"):
        bench_pages._counts(1, 256, several=True)(text)


def test_the_benchmark_reads_its_concurrencies() -> None:
    assert bench_pages._counts(1, 256, several=True)("1, 8") == [1, 8]
    assert bench_pages._counts(1, 3600)("10") == 10
