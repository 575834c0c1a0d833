"""Benchmark (not a test): Escalate's main pages at 1,000 or 100,000 cases, against a
bare Django view served by the same processes in the same run.

    .venv/bin/python bench/bench_pages.py [--db sqlite|postgres] [--size 1000|100000]
        [--rebuild] [--pages KEY,KEY] [--duration SECONDS] [--concurrency 1,8]

1. The data (:mod:`bench.pagedata`) is built once into
   ``~/.cache/escalate-bench/<db>-<size>/`` (on PostgreSQL, at 127.0.0.1:5432 with trust
   authentication, into its own database ``escalate_bench_<size>``) and reused;
   ``--rebuild`` makes it again, as does a change of :data:`bench.pagedata.VERSION`
   (the data kept was made differently).
2. Each page's database queries are counted in this process (Django's test client,
   signed in as the page's person, ``CaptureQueriesContext``) against the same data.
3. ``escalate serve`` is started as the README says, on a free port, with
   ``DJANGO_SETTINGS_MODULE=bench.settings`` (Escalate's settings; its URLs plus
   ``/bench/bare/``, :mod:`bench.bare`) and background work off. Threads with kept-alive
   connections and a signed-in session cookie ask for each page for ``--duration``
   seconds at each concurrency: p50, p95, requests per second, and the share of the bare
   view's requests per second at the same concurrency; the largest resident size of any
   server process while each page was asked for.
4. Whatever viewing the pages wrote (the case page's read log) is removed afterwards, so
   the data stays the same from run to run.

Prints a Markdown table for the README and writes the figures as JSON beside the data.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen, pagedata  # noqa: E402 - after the project is on the path
from bench.pagetable import table  # noqa: E402
from escalate.govuk.text import is_number  # noqa: E402

PARTNERSHIP = "cheshire-east-sab"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "try-escalate-demo"  # noqa: S105 - the demo's, printed by escalate demo
#: Data older than this: its open cases have aged (more overdue than the demo makes them).
STALE_DAYS = 14


@dataclass
class Page:
    key: str
    label: str
    who: str  # email of the person asking
    paths: list[str]
    queries: int | None = None
    status: int | None = None
    size: int = 0  # bytes of the response
    runs: dict[int, dict[str, float]] = field(default_factory=dict)  # by concurrency
    peak_mb: float = 0.0


# ---------------------------------------------------------------- the data


def environment(db: str, size: int) -> dict[str, str]:
    folder = pagedata.cache_dir(db, size)
    env = {
        "ESCALATE_DATA_DIR": str(folder / "data"),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ESCALATE_BACKGROUND_WORK": "false",
        "ESCALATE_DEBUG": "false",
        "ESCALATE_LOG_LEVEL": "WARNING",
    }
    if db == "postgres":
        env["DATABASE_URL"] = f"{POSTGRES}/{database_name(size)}"
        # `escalate serve` on PostgreSQL asks for one secret key for all its processes.
        env["ESCALATE_SECRET_KEY"] = _secret_key(folder)
    return env


def _secret_key(folder: Path) -> str:
    """The bench's own secret key for this data, made the first time (``0o600``)."""
    import secrets

    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database_name(size: int) -> str:
    return f"escalate_bench_{size}"


def _postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _postgres_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def _forget_sign_ins() -> None:
    """Start every rate limit's count again (sign-ins from an address among them): every
    run signs its people in from 127.0.0.1, and a few runs within the hour would reach
    the limit on sign-ins from one address. Only the bench's own database is touched."""
    from escalate.throttling import limits

    limits.clear_old(older_than=dt.timedelta(0))


def _migrate_kept() -> None:
    """Migrate data kept from an earlier run (pages changed since may need new tables or
    indexes) and, when that migrated anything, gather the database's statistics again:
    the build gathered them, and SQLite's planner, given statistics for the old indexes
    and none for a new one, can pick the new one wrongly (the register's default list
    took 104 ms by an agency index added later, 1 ms once its statistics were there)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    if pending:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prepare(db: str, size: int, rebuild: bool) -> dict[str, Any]:
    """Set up Django on the bench data, building it first when it is not there."""
    folder = pagedata.cache_dir(db, size)
    marker = folder / "built.json"
    if marker.exists() and not rebuild:
        made_by = json.loads(marker.read_text()).get("generator")
        if made_by != pagedata.VERSION:
            print(f"the data was made by an earlier bench/pagedata.py ({made_by}): building again")
            rebuild = True
    if rebuild or not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        if db == "postgres":
            _postgres(f'DROP DATABASE IF EXISTS "{database_name(size)}" WITH (FORCE)')
    if db == "postgres" and not _postgres_exists(database_name(size)):
        marker.unlink(missing_ok=True)
        _postgres(f'CREATE DATABASE "{database_name(size)}"')
    os.environ.update(environment(db, size))
    import django

    django.setup()
    from django.core.management import call_command

    if marker.exists():
        info: dict[str, Any] = json.loads(marker.read_text())
        age = (dt.date.today() - dt.date.fromisoformat(info["built_on"])).days
        if age > STALE_DAYS:
            print(f"note: the data was built {age} days ago; --rebuild makes it fresh")
        _migrate_kept()
        _forget_sign_ins()
        return info
    print(f"building {size:,} cases ({db}) into {folder} ...", flush=True)
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    built = pagedata.build(size, say=lambda s: print(s, flush=True))
    info = {
        "generator": pagedata.VERSION,
        "built_on": dt.date.today().isoformat(),
        "seconds": round(time.monotonic() - began, 1),
        "template_seconds": round(built.template_seconds, 1),
        "cases": built.cases,
        "rows": built.rows,
        "teams": built.teams,
        "people": built.people,
    }
    marker.write_text(json.dumps(info, indent=2))
    print(f"built in {info['seconds']:.0f} s: {json.dumps(info['rows'])}", flush=True)
    return info


# ---------------------------------------------------------------- the pages


def url(name: str, *args: str) -> str:
    """A route by its name, in whichever URL namespace it is."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    for namespace in ["", *get_resolver().namespace_dict]:
        try:
            return reverse(f"{namespace}:{name}" if namespace else name, args=args)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"no route named {name!r}")


def main_pages() -> list[Page]:

    from escalate.accounts.models import User
    from escalate.cases.models import Case, CaseStatus
    from escalate.partnerships.demo import demo_email
    from escalate.partnerships.models import Partnership

    p = Partnership.objects.get(slug=PARTNERSHIP)
    prefix = p.reference_prefix
    practitioner = demo_email("practitioner", prefix)
    manager = demo_email("line-manager", prefix)
    unit = demo_email("business-unit", prefix)
    person = User.objects.get(email=practitioner)
    theirs = Case.objects.filter(partnership=p, raised_by=person).order_by("-raised_at")
    cases = list(theirs.filter(status=CaseStatus.OPEN, current_stage=1)[:20]) or list(theirs[:20])
    year = dt.date.today().year - 1
    register = url("register", p.slug)
    return [
        Page("dashboard-practitioner", "practitioner's dashboard", practitioner, [url("home")]),
        Page("dashboard-line-manager", "line manager's dashboard", manager, [url("home")]),
        Page("dashboard-business-unit", "business unit's dashboard", unit, [url("home")]),
        Page(
            "case",
            "case page (open, stage 1)",
            practitioner,
            [url("case", c.reference) for c in cases],
        ),
        Page("register", "register, default", unit, [register]),
        Page("register-all", "register, all cases", unit, [f"{register}?reached=all"]),
        Page(
            "report",
            f"board report, {year}",
            unit,
            [f"{url('report', p.slug)}?period={year}"],
        ),
        Page("procedure", "procedure page", practitioner, [url("procedure", p.slug)]),
        Page(
            "register-csv",
            "register CSV, all cases",
            unit,
            [f"{register}?reached=all&format=csv"],
        ),
    ]


def count_queries(pages: list[Page]) -> None:
    """Each page's queries, asked for in this process as the page's person."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients: dict[str, Client] = {}
    for page in pages:
        client = clients.get(page.who)
        if client is None:
            client = Client(HTTP_HOST="127.0.0.1")
            signed = client.post(url("login"), {"username": page.who, "password": PASSWORD})
            if signed.status_code != 302:
                raise SystemExit(f"cannot sign in as {page.who} in-process")
            clients[page.who] = client
        client.get(page.paths[0])  # warm: first-use work is not the page's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.paths[0])
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
        page.queries, page.status = len(queries), response.status_code


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(db: str, size: int, port: int) -> Any:
    env = {**os.environ, **environment(db, size)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for name in ("ESCALATE_HOST", "ESCALATE_PORT"):
        env.pop(name, None)
    log = open(pagedata.cache_dir(db, size) / "serve.log", "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - escalate serve, as the README runs it
        [sys.executable, "-m", "escalate", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise SystemExit(f"escalate serve stopped; see {log.name}")
            try:
                status, _ = loadgen.get("127.0.0.1", port, "/accounts/login/", "")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("escalate serve did not answer within three minutes")
            time.sleep(0.25)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def measure(
    pages: list[Page], port: int, pid: int, concurrencies: list[int], duration: float
) -> dict[str, Any]:
    host = "127.0.0.1"
    cookies = {who: loadgen.sign_in(host, port, who, PASSWORD) for who in {p.who for p in pages}}
    bare_cookie = cookies[pages[0].who]
    bare: dict[int, dict[str, float]] = {}
    with loadgen.Memory(pid) as memory:
        idle = memory.now()
        for page in pages:  # once each first: the size, and first-use work
            status, body = loadgen.get(host, port, page.paths[0], cookies[page.who])
            page.size = len(body)
            if status != 200:
                print(f"warning: {page.label}: HTTP {status} from the server", flush=True)
        for c in concurrencies:
            memory.mark()
            bare[c] = _summary(
                loadgen.load(host, port, ["/bench/bare/"], bare_cookie, c, duration), None
            )
            print(f"bare view at {c}: {bare[c]['per_second']:.1f} requests/s", flush=True)
            for page in pages:
                memory.mark()
                result = loadgen.load(host, port, page.paths, cookies[page.who], c, duration)
                page.runs[c] = _summary(result, bare[c]["per_second"])
                page.peak_mb = max(page.peak_mb, memory.peak())
                print(
                    f"  {page.label} at {c}: {page.runs[c]['per_second']:.2f} requests/s, "
                    f"p95 {page.runs[c]['p95']:.0f} ms",
                    flush=True,
                )
        high = memory.high_water()
    return {"bare": bare, "idle_mb": idle, "high_water_mb": high}


def _summary(result: loadgen.Result, bare: float | None) -> dict[str, float]:
    if result.errors:
        print(f"    errors: {result.errors[:3]}", flush=True)
    bad = sum(n for status, n in result.statuses.items() if status != 200)
    return {
        "requests": result.requests,
        "per_second": result.per_second,
        "p50": result.percentile(50),
        "p95": result.percentile(95),
        "share": result.per_second / bare if bare else 1.0,
        "not_ok": bad + len(result.errors),
    }


def forget_views(before: dict[str, int]) -> None:
    """Remove the rows viewing wrote (the read log): the data stays as it was built."""
    from django.apps import apps
    from django.db import connection

    for label in reversed(list(before)):
        model = apps.get_model(label)
        model._base_manager.filter(pk__gt=before[label])._raw_delete(connection.alias)


def forget_spooled_views(since: float) -> None:
    """Views the server spooled to its data directory (to be moved into the read log
    later) during the run: removed too."""
    from django.conf import settings

    folder = Path(os.environ.get("VIEW_SPOOL_DIR") or Path(settings.DATA_DIR) / "views")
    for path in folder.glob("*.jsonl") if folder.is_dir() else []:
        with contextlib.suppress(OSError):
            if path.stat().st_mtime >= since:
                path.unlink()


def last_ids() -> dict[str, int]:
    from django.db.models import Max

    return {
        m._meta.label: m._base_manager.aggregate(n=Max("pk"))["n"] or 0
        for m in pagedata.copied_models()
    }


def _counts(least: int, most: int, *, several: bool = False) -> Any:
    """An argparse type: a whole number from ``least`` to ``most`` in ASCII digits (or,
    with ``several``, a comma-separated list of them), refused in plain words."""

    def read(text: str) -> Any:
        parts = text.split(",") if several else [text]
        numbers = [int(p) for p in parts if is_number(p.strip())]
        if len(numbers) != len(parts) or not all(least <= n <= most for n in numbers):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'whole numbers' if several else 'a whole number'}"
                f" from {least} to {most}"
            )
        return numbers if several else numbers[0]

    return read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--size", type=_counts(1, 1_000_000), default=1000, help="cases (1000 or 100000)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--pages", default="", help="only these page keys, comma-separated")
    parser.add_argument(
        "--duration", type=_counts(1, 3600), default=10, help="seconds per measurement"
    )
    parser.add_argument(
        "--concurrency",
        type=_counts(1, 256, several=True),
        default=[1, 8],
        help="comma-separated, e.g. 1,8",
    )
    parser.add_argument("--build-only", action="store_true", help="build the data and stop")
    args = parser.parse_args()

    info = prepare(args.db, args.size, args.rebuild)
    if args.build_only:
        return 0
    pages = main_pages()
    if args.pages:
        wanted = set(args.pages.split(","))
        unknown = wanted - {p.key for p in pages}
        if unknown:
            parser.error(f"no such page: {', '.join(sorted(unknown))}")
        pages = [p for p in pages if p.key in wanted]
    before, started = last_ids(), time.time() - 1
    try:
        count_queries(pages)
        port = free_port()
        with server(args.db, args.size, port) as process:
            run = measure(pages, port, process.pid, args.concurrency, args.duration)
    finally:
        forget_views(before)
        forget_spooled_views(started)
    text = table(pages, info, run, args.db)
    print()
    print(text)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = pagedata.cache_dir(args.db, args.size) / f"results-{stamp}.json"
    out.write_text(
        json.dumps(
            {"info": info, "run": run, "pages": [asdict(p) for p in pages], "table": text},
            indent=2,
            default=str,
        )
    )
    print(f"\n(figures also in {out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
