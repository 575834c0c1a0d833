"""Settings for the whole suite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


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
