"""Every ``escalate`` command answers plainly: on a database not yet migrated, on one that
cannot be reached and for every bad option, one line on stderr, a non-zero exit and
never a traceback. Each test runs the real ``python -m escalate`` in a subprocess."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from escalate.cli import COMMANDS
from escalate.reports.common import parse_period
from escalate.reports.management.commands.report import FIRST_YEAR, LAST_YEAR, period_from

ROOT = Path(__file__).resolve().parents[2]
SECRET = "not-this-password"
UNREACHABLE = f"postgres://nobody:{SECRET}@127.0.0.1:1/escalate"
REPORT = ["report", "--partnership", "cheshire-east-sab", "--format", "csv"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(data_dir: Path) -> dict[str, str]:
    # As tests/core/test_core_serve.py's serve_env: DATABASE_URL passes through (on
    # PostgreSQL, the throwaway database tests/conftest.py made for programs we start).
    drop = ("ESCALATE_HOST", "ESCALATE_PORT", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["ESCALATE_DATA_DIR"] = str(data_dir)
    env["ESCALATE_DEBUG"] = "false"
    env["ESCALATE_BACKGROUND_WORK"] = "false"
    # On PostgreSQL the commands that send signed links refuse to run without one.
    env["ESCALATE_SECRET_KEY"] = "a-secret-key-for-the-programs-the-suite-starts-0123456789"
    return env


def escalate(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "escalate", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_plain_line(result: subprocess.CompletedProcess, exit_code: int | None = None) -> str:
    """The one line on stderr, after checking there is only one, no traceback and a
    non-zero exit (``exit_code`` when given)."""
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything, everything
    assert result.returncode != 0, everything
    if exit_code is not None:
        assert result.returncode == exit_code, everything
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@contextlib.contextmanager
def fresh_environment(data_dir: Path) -> Iterator[dict[str, str]]:
    """An environment whose database has never been migrated: on SQLite a new data
    directory; on PostgreSQL a new, empty database on the same server, dropped after."""
    env = base_env(data_dir)
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    name = f"escalate_fresh_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[dict[str, str]]:
    with fresh_environment(tmp_path / "data") as env:
        yield env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    """A fresh environment after ``escalate demo`` (which migrates), and what it printed;
    ESCALATE_HOST and ESCALATE_PORT say where ``escalate serve`` would listen."""
    with fresh_environment(tmp_path_factory.mktemp("demo") / "data") as env:
        env |= {"ESCALATE_PORT": "9123", "ESCALATE_HOST": "0.0.0.0"}  # noqa: S104
        made = escalate(env, "demo", timeout=300)
        assert made.returncode == 0, made.stderr
        yield env, made.stdout


# ---------------------------------------------------------------- not migrated yet

NEED_A_MIGRATED_DATABASE = {
    "remind": ["remind"],
    "remind --send": ["remind", "--send"],
    "remind --no-digest": ["remind", "--no-digest"],
    "digest": ["digest"],
    "worker --once": ["worker", "--once"],
    "worker": ["worker"],
    "report": [*REPORT, "--output", "OUT/report.csv"],
    "createsuperuser": ["createsuperuser", "--noinput", "--email", "admin@example.com"],
    "changepassword": ["changepassword", "admin@example.com"],
}


@pytest.mark.parametrize("args", NEED_A_MIGRATED_DATABASE.values(), ids=NEED_A_MIGRATED_DATABASE)
def test_a_database_not_yet_migrated_gets_one_line_saying_to_migrate_first(
    fresh: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    line = one_plain_line(escalate(fresh, *args, timeout=60), exit_code=1)
    assert line.startswith(f"escalate {args[0]}: the database ")
    assert line.endswith(
        "is not set up yet: run `escalate migrate` first (`escalate serve` also applies "
        "migrations)."
    )


def test_once_migrated_the_cron_commands_run(demo: tuple[dict[str, str], str]) -> None:
    env, _ = demo
    remind = escalate(env, "remind", "--send")
    assert remind.returncode == 0, remind.stderr
    assert "Reminders: " in remind.stdout and "Notifications: " in remind.stdout
    for args in (["digest"], ["worker", "--once"]):
        assert escalate(env, *args).returncode == 0


# ---------------------------------------------------------------- cannot be reached

NEED_A_DATABASE = {
    "remind": ["remind"],
    "digest": ["digest"],
    "worker": ["worker"],
    "worker --once": ["worker", "--once"],
    "report": [*REPORT, "--output", "OUT/report.csv"],
    "demo": ["demo"],
    "serve": ["serve", "--port", "PORT"],
    "migrate": ["migrate"],
    "createsuperuser": ["createsuperuser", "--noinput", "--email", "admin@example.com"],
    "showmigrations": ["showmigrations"],
}


@pytest.mark.parametrize("args", NEED_A_DATABASE.values(), ids=NEED_A_DATABASE)
def test_an_unreachable_database_gets_one_line_naming_the_host_not_the_password(
    tmp_path: Path, args: list[str]
) -> None:
    env = base_env(tmp_path / "data") | {"DATABASE_URL": UNREACHABLE}
    args = [a.replace("OUT", str(tmp_path)).replace("PORT", str(free_port())) for a in args]
    result = escalate(env, *args, timeout=60)
    line = one_plain_line(result, exit_code=1)
    assert line.startswith(f"escalate {args[0]}: cannot use the database escalate: ")
    assert "(PostgreSQL on 127.0.0.1 port 1; check DATABASE_URL" in line
    assert SECRET not in result.stdout + result.stderr


def test_a_database_url_escalate_cannot_use_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    env = base_env(tmp_path / "data") | {"DATABASE_URL": f"postgress://u:{SECRET}@db/x"}
    result = escalate(env, "remind")
    line = one_plain_line(result, exit_code=2)
    assert line.startswith("escalate: the configuration is not valid: DATABASE_URL is not")
    assert SECRET not in result.stdout + result.stderr


# ---------------------------------------------------------------- bad options


@pytest.mark.parametrize("name", [name for name, _, _ in COMMANDS])
def test_every_command_answers_an_unknown_option_in_one_line(
    fresh: dict[str, str], name: str
) -> None:
    line = one_plain_line(escalate(fresh, name, "--no-such-option"), exit_code=2)
    assert line.startswith(f"escalate {name}: ")
    assert f"(see 'escalate {name} --help')" in line or "procedure" in line


BAD_PERIODS = [
    (
        ["--period", "2026", "--from", "2026-01-01"],
        "give either --period or --from and --to, not both (you gave --period and --from).",
    ),
    (
        ["--period", "2026-Q3", "--from", "2026-01-01", "--to", "2026-02-01"],
        "not both (you gave --period and --from and --to).",
    ),
    (["--from", "2026-01-01"], "--from needs --to as well: give the first and last days"),
    (["--to", "2026-01-01"], "--to needs --from as well"),
    (
        ["--period", "1899"],
        "--period 1899 is out of range: use a year from 2000 to 2100 (like 2026) or a "
        "quarter of one (like 2026-Q3).",
    ),
    (["--period", "2101-Q1"], "--period 2101-Q1 is out of range"),
    (
        ["--from", "0001-01-01", "--to", "2026-01-01"],
        "--from 0001-01-01 is out of range: use a date from 2000-01-01 to 2100-12-31.",
    ),
    (["--from", "2026-01-01", "--to", "2150-12-24"], "--to 2150-12-24 is out of range"),
    (
        ["--from", "2026-02-30", "--to", "2026-03-01"],
        "--from '2026-02-30' is not a date: write it as YYYY-MM-DD",
    ),
    (["--from", "2026-03-01", "--to", "2026-02-01"], "--to 2026-02-01 is before --from"),
    (["--from", "2000-01-01", "--to", "2026-01-01"], "Choose a period of 10 years or less"),
    (["--period", "summer"], "--period: Enter the period as a year, like 2026"),
]


@pytest.mark.parametrize(("args", "message"), BAD_PERIODS)
def test_report_explains_each_bad_period_in_one_line(args: list[str], message: str) -> None:
    given = dict(zip(args[::2], args[1::2], strict=True))
    with pytest.raises(CommandError) as refused:
        period_from(given.get("--period", ""), given.get("--from", ""), given.get("--to", ""))
    assert message in str(refused.value)
    assert refused.value.returncode == 2
    assert len(str(refused.value).splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        BAD_PERIODS[0],
        BAD_PERIODS[4],
        BAD_PERIODS[6],
        (["--format", "doc"], "invalid choice: 'doc'"),
        (["--partnership", " "], "--partnership is empty"),
        (["--output", "/no/such/folder/r.csv"], "the folder /no/such/folder does not exist."),
    ],
)
def test_report_refuses_bad_options_in_one_line_before_touching_the_database(
    fresh: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    given = dict(zip(args[::2], args[1::2], strict=True))
    full = {
        "--partnership": "cheshire-east-sab",
        "--format": "csv",
        "--output": str(tmp_path / "r.csv"),
    } | given
    argv = [part for pair in full.items() for part in pair]
    line = one_plain_line(escalate(fresh, "report", *argv), exit_code=2)
    assert message in line
    assert line.startswith("escalate report: ")


def test_the_report_command_allows_the_years_the_report_page_does() -> None:
    assert parse_period(str(FIRST_YEAR)).first == dt.date(FIRST_YEAR, 1, 1)
    assert parse_period(f"{LAST_YEAR}-Q4").last == dt.date(LAST_YEAR, 12, 31)
    for year in (FIRST_YEAR - 1, LAST_YEAR + 1):
        with pytest.raises(Exception, match="Enter the period"):
            parse_period(str(year))


# ---------------------------------------------------------------- demo


def test_demo_refuses_an_empty_password_with_each_rule_it_breaks_one_line_each(
    fresh: dict[str, str],
) -> None:
    result = escalate(fresh, "demo", "--password", "")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "escalate demo: --password is not allowed: Your password cannot be only spaces",
        "escalate demo: --password is not allowed: This password is too short. It must "
        "contain at least 12 characters.",
    ]
    # Nothing was made: the database is still not even migrated.
    assert "is not set up yet" in escalate(fresh, "digest").stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short. It must contain at least 12 characters."),
        ("123456789012", "This password is entirely numeric."),
        ("password1234", "This password is too common."),
        ("aaaaaaaaaaaaaa", "Your password must have at least 3 different characters"),
    ],
)
def test_demo_refuses_a_password_the_password_rules_refuse(password: str, message: str) -> None:
    from escalate.accounts.models import User

    with pytest.raises(CommandError, match=f"--password is not allowed: {message}"):
        call_command("demo", "--no-cases", "--password", password)
    assert not User.objects.exists()


def test_demo_refuses_a_bad_escalate_port_before_making_anything(fresh: dict[str, str]) -> None:
    result = escalate(fresh | {"ESCALATE_PORT": "70000"}, "demo")
    line = one_plain_line(result, exit_code=2)
    assert line == (
        "escalate demo: ESCALATE_PORT must be a port number from 1 to 65535 (for example "
        "8000), not '70000'."
    )


def test_demo_names_the_address_serve_will_use(demo: tuple[dict[str, str], str]) -> None:
    _, printed = demo
    assert "Sign in at http://127.0.0.1:9123/accounts/login/" in printed
    assert "localhost:8000" not in printed


def test_report_without_a_period_says_which_it_used(
    demo: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, _ = demo
    output = tmp_path / "report.csv"
    result = escalate(env, *REPORT, "--output", str(output))
    assert result.returncode == 0, result.stderr
    year = dt.date.today().year
    assert result.stdout.strip().startswith(
        f"Wrote the Cheshire East Safeguarding Adults Board report for {year} "
        "(no --period given, so the current year) to "
    )
    assert output.read_bytes()


def test_the_demo_gives_the_board_report_a_year_of_cases_and_names_the_tour_cases(
    demo: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, printed = demo
    today = dt.date.today()
    output = tmp_path / "year.csv"
    result = escalate(
        env,
        "report",
        "--partnership",
        "cheshire-east-sab",
        "--from",
        (today - dt.timedelta(days=364)).isoformat(),
        "--to",
        today.isoformat(),
        "--format",
        "csv",
        "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(output.read_text(encoding="utf-8-sig").splitlines()))
    raised = next(row for row in rows if row[:2] == ["Raised", "Cases raised"])
    assert int(raised[2]) >= 50
    for step in ("3", "4", "6"):
        assert f"Tour step {step}: open CE-{today.year}-000" in printed


# ---------------------------------------------------------------- procedures


def test_a_definition_nested_500_levels_deep_is_refused_naming_the_file(
    fresh: dict[str, str], tmp_path: Path
) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text('key = "deep"\nreadings = ' + "[" * 500 + "]" * 500 + "\n")
    result = escalate(fresh, "procedure", "validate", str(deep))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert "unexpected error" not in result.stderr
    assert f"{deep}: nests tables, lists or dotted keys more than 32 levels deep" in result.stderr


@pytest.mark.parametrize(
    ("arose", "first_unknown"),
    [("2150-12-24", "Fri 25 Dec 2150"), ("2100-12-24", "Sat 1 Jan 2101")],  # runs into 2101
)
def test_deadlines_past_the_last_year_of_known_bank_holidays_are_a_plain_refusal(
    fresh: dict[str, str], arose: str, first_unknown: str
) -> None:
    result = escalate(fresh, "procedure", "deadlines", "cheshire-east-sab", "--arose", arose)
    line = one_plain_line(result, exit_code=1)
    assert "Start by" not in result.stdout
    assert line == (
        f"escalate procedure: {first_unknown} is after 2100, the last year whose bank "
        "holidays Escalate knows, so working days cannot be counted then."
    )
