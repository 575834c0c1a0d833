"""The Markdown table :mod:`bench.bench_pages` prints for the README: the data, the
machine, the bare view's rate, and each page's queries, size, latencies and share of
the bare view's rate at each concurrency."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def _machine() -> str:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kb / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        ram = "RAM unknown"
    return f"{os.cpu_count()} CPUs, {ram}, Python {sys.version.split()[0]}"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def table(pages: list[Any], info: dict[str, Any], run: dict[str, Any], db: str) -> str:
    from django.db import connection

    cs = sorted(run["bare"])
    rows = info["rows"]
    idle = max(run["idle_mb"].values(), default=0)
    high = max(run["high_water_mb"].values(), default=0)
    lines = [
        f"{info['cases']:,} cases, {rows.get('cases.Event', 0):,} chronology entries, "
        f"{rows.get('cases.CaseDeadline', 0):,} stored deadlines, {info['people']:,} people "
        f"in {info['teams']} teams; {connection.vendor}; {_machine()}; "
        f"`escalate serve` with {len(run['idle_mb'])} processes, idle "
        f"{idle:.0f} MB, peak {high:.0f} MB (largest process). The bare view: "
        + ", ".join(f"{run['bare'][c]['per_second']:.0f} requests/s at {c}" for c in cs)
        + f". Data built in {info['seconds']:.0f} s.",
        "",
    ]
    head = ["page", "queries", "size"]
    for c in cs:
        head += [f"p50 / p95 at {c}", f"requests/s at {c}", f"share of bare at {c}"]
    head.append("peak RSS")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join("---" for _ in head) + " |")
    for page in pages:
        q = "?" if page.queries is None else str(page.queries)
        if page.status not in (200, None):
            q += f" (HTTP {page.status})"
        cells = [page.label, q, _size(page.size)]
        for c in cs:
            r = page.runs.get(c)
            if r is None:
                cells += ["", "", ""]
                continue
            note = f" ({int(r['not_ok'])} not 200)" if r["not_ok"] else ""
            cells += [
                f"{r['p50']:.0f} / {r['p95']:.0f} ms{note}",
                f"{r['per_second']:.1f}",
                f"{r['share']:.3f}",
            ]
        cells.append(f"{page.peak_mb:.0f} MB")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
