"""Settings for the whole suite."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: Where the suite keeps the DATABASE_URL it was given, for the test that checks no
#: program it starts is handed that database.
GIVEN_DATABASE_URL = "ESCALATE_SUITE_GIVEN_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Fast password hashing, and SQLite tests on a file.

    Two connections to Django's shared-cache in-memory test database do not queue for
    the write lock: the second fails at once with "database table is locked". On a file
    (as in production) SQLite's IMMEDIATE transactions queue, which the concurrency
    tests rely on.
    """
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No background sending while tests run (it would send other tests' emails), here or
    # in an `escalate serve` a test starts; a test that wants it says so.
    settings.BACKGROUND_WORK = False
    os.environ["ESCALATE_BACKGROUND_WORK"] = "false"
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME"):
        folder = Path(tempfile.mkdtemp(prefix="escalate-tests-"))
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
    _give_subprocesses_a_database_of_their_own(config)


def _maintenance_conninfo(url: urllib.parse.SplitResult) -> str:
    """A connection string for the server's ``postgres`` database, from a DATABASE_URL."""
    return urllib.parse.urlunsplit(url._replace(path="/postgres"))


def _give_subprocesses_a_database_of_their_own(config: pytest.Config) -> None:
    """Programs a test starts (a real `escalate serve`, the CLI) read DATABASE_URL from
    the environment. The suite itself uses Django's test database (test_<name>); without
    this, those programs would migrate and write to the database DATABASE_URL names,
    which may be someone's real one. So on PostgreSQL they get a throwaway database
    created for this run, dropped when it ends."""
    given = os.environ.get("DATABASE_URL", "")
    if not given.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlsplit(given)
    name = f"escalate_subprocesses_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(_maintenance_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ[GIVEN_DATABASE_URL] = given
    os.environ["DATABASE_URL"] = urllib.parse.urlunsplit(url._replace(path=f"/{name}"))
    config.stash[_SUBPROCESS_DATABASE] = (_maintenance_conninfo(url), name)


_SUBPROCESS_DATABASE = pytest.StashKey[tuple[str, str]]()


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_SUBPROCESS_DATABASE, None)
    if made is None:
        return
    import psycopg
    from psycopg import sql

    conninfo, name = made
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[dt.date | dt.datetime], dt.datetime]]:
    """The one controllable clock for the whole suite: ``frozen_clock(day)`` sets
    Escalate's today (escalate.clock); it is set free again after the test."""
    from escalate import clock

    try:
        yield clock.freeze
    finally:
        clock.unfreeze()


@pytest.fixture(autouse=True)
def _view_spool_of_its_own(settings: Any, tmp_path: Any) -> None:
    """Each test spools case views into its own folder: spooled lines left by an earlier
    test must never be stored against a later test's case (ids are reused on SQLite)."""
    settings.VIEW_SPOOL_DIR = str(tmp_path / "views")


@pytest.fixture(autouse=True)
def _no_sql_kept_from_elsewhere() -> Iterator[None]:
    """Each test starts with no list SQL kept (escalate.cases.compiled: compiled once per
    process), and what it keeps is forgotten whenever it changes a setting (the
    ``settings`` fixture, ``override_settings``) and when it ends: SQL compiled for
    another test's settings, database or schema (a migration test's) is never run."""
    from django.test.signals import setting_changed

    from escalate.cases import compiled

    def forget(**kwargs: Any) -> None:
        compiled.clear()

    compiled.clear()
    setting_changed.connect(forget, dispatch_uid=_FORGET_KEPT_SQL)
    try:
        yield
    finally:
        setting_changed.disconnect(dispatch_uid=_FORGET_KEPT_SQL)
        compiled.clear()


_FORGET_KEPT_SQL = "escalate-tests-forget-kept-sql"
