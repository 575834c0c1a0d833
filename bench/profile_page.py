"""Profile (not a test): where one of ``bench/bench_pages.py``'s pages spends its time,
asked for in this process on the bench data with Django's test client and cProfile.

    .venv/bin/python bench/profile_page.py [--db sqlite|postgres] [--size 1000|100000]
        [--pages KEY,KEY] [--times N] [--top N] [--sort cumulative|tottime] [--only RE]

The data must have been built (``bench/bench_pages.py --build-only``). Prints, for each
page, the mean time of ``--times`` requests without the profiler, then the profile of as
many more with it, and where the time went by kind: compiling SQL, running it, rendering
templates.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_pages  # noqa: E402 - after the project is on the path

#: Where time goes, by the function (file and name) it is spent under.
KINDS = {
    "compiling SQL": ("django/db/models/sql/compiler.py", "as_sql"),
    "running SQL": ("django/db/backends/utils.py", "_execute"),
    "rendering templates": ("django/template/base.py", "render"),
}


def _inclusive(stats: pstats.Stats, file_part: str, name: str) -> float:
    """The time spent under the outermost calls of ``name`` in a file containing
    ``file_part`` (cumulative time, not counting recursive calls twice)."""
    total = 0.0
    for (file, _line, func), (_cc, _nc, _tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if func != name or file_part not in file:
            continue
        outer = sum(
            c[3]
            for (cf, _cl, cfunc), c in callers.items()
            if not (cfunc == name and file_part in cf)
        )
        total = max(total, outer if callers else ct)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--pages", default="dashboard-practitioner")
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--only", default="", help="only functions whose file matches this")
    args = parser.parse_args()

    bench_pages.prepare(args.db, args.size, rebuild=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    wanted = set(args.pages.split(","))
    for page in [p for p in bench_pages.main_pages() if p.key in wanted]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.post(
            bench_pages.url("login"), {"username": page.who, "password": bench_pages.PASSWORD}
        )
        path = page.paths[0]
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        count = len(queries)  # now: the next request empties Django's log of them
        began = time.perf_counter()
        for _ in range(args.times):
            client.get(path)
        mean = (time.perf_counter() - began) / args.times * 1000
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.times):
            client.get(path)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        total = stats.total_tt  # type: ignore[attr-defined]
        print(
            f"== {page.label}: HTTP {response.status_code}, {count} queries, "
            f"{len(response.content) // 1024} KB, {mean:.1f} ms a request unprofiled"
        )
        for kind, (file_part, name) in KINDS.items():
            share = _inclusive(stats, file_part, name) / total if total else 0
            print(f"   {kind}: {share:.0%} of the profiled time")
        restrictions = [args.only, args.top] if args.only else [args.top]
        stats.sort_stats(args.sort).print_stats(*restrictions)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
