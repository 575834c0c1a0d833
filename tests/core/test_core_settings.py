"""Settings come from the environment, with clear messages for values Escalate cannot use."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

from escalate import settings as escalate_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("NO", False),
        ("0", False),
        ("off", False),
        ("", False),
        ("  ", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("ESCALATE_SOMETHING", value)
    assert escalate_settings.env_bool("ESCALATE_SOMETHING", False) is expected


def test_env_bool_unset_is_the_default(monkeypatch):
    monkeypatch.delenv("ESCALATE_SOMETHING", raising=False)
    assert escalate_settings.env_bool("ESCALATE_SOMETHING", True) is True


def test_env_bool_rejects_anything_else_clearly(monkeypatch):
    monkeypatch.setenv("ESCALATE_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured) as caught:
        escalate_settings.env_bool("ESCALATE_DEBUG", False)
    assert str(caught.value) == (
        "ESCALATE_DEBUG must be true or false (or yes/no, on/off, 1/0), not 'maybe'"
    )
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "value",
    ["twenty-five", "0", "70000", "2.5", "\u0663", "\uff15\uff18\uff17", "9" * 5000],
)
def test_env_int_rejects_bad_numbers_clearly(monkeypatch, value):
    monkeypatch.setenv("ESCALATE_EMAIL_PORT", value)
    with pytest.raises(ImproperlyConfigured, match="ESCALATE_EMAIL_PORT must be a whole number"):
        escalate_settings.env_int("ESCALATE_EMAIL_PORT", 25, 1, 65535)


def test_env_int_reads_a_number(monkeypatch):
    monkeypatch.setenv("ESCALATE_EMAIL_PORT", " 587 ")
    assert escalate_settings.env_int("ESCALATE_EMAIL_PORT", 25, 1, 65535) == 587


def _settings_in_a_fresh_process(tmp_path, code, *args, **env_changes):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["ESCALATE_DATA_DIR"] = str(tmp_path / "data")
    env["DJANGO_SETTINGS_MODULE"] = "escalate.settings"
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_debug_value_stops_escalate_with_its_name(tmp_path):
    result = _settings_in_a_fresh_process(
        tmp_path, "import escalate.settings", ESCALATE_DEBUG="maybe"
    )
    assert result.returncode != 0
    assert "ESCALATE_DEBUG must be true or false" in result.stderr
    assert "'maybe'" in result.stderr


def test_zero_configuration_uses_sqlite_in_wal_mode_in_the_data_directory(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode')\n"
        "    print(connection.vendor, c.fetchone()[0], connection.settings_dict['NAME'])\n"
    )
    result = _settings_in_a_fresh_process(tmp_path, code)
    assert result.returncode == 0, result.stderr
    vendor, mode, name = result.stdout.split()
    assert (vendor, mode) == ("sqlite", "wal")
    assert Path(name) == tmp_path / "data" / "escalate.sqlite3"
    assert (tmp_path / "data" / "secret_key").is_file()


def test_database_url_chooses_postgresql(tmp_path):
    code = (
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['ENGINE'], db['NAME'], db['HOST'], db['PORT'])\n"
    )
    result = _settings_in_a_fresh_process(
        tmp_path, code, DATABASE_URL="postgres://escalate:secret@db.example:5433/escalate"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "escalate",
        "db.example",
        "5433",
    ]


@pytest.mark.django_db
def test_the_configured_sqlite_connection_turns_on_wal(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the database under test is not SQLite")
    # The test database is in memory (no WAL there); open a real file with the same options.
    real = connections["default"]
    wrapper = type(real)(
        {**real.settings_dict, "NAME": str(tmp_path / "wal.sqlite3")}, alias="wal-check"
    )
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        wrapper.close()


def test_serve_uses_one_web_worker_per_cpu_up_to_eight_unless_told(tmp_path):
    # Each web worker holds up to ESCALATE_THREADS database connections: one per CPU on a
    # large machine would use up PostgreSQL's (100 by default), so eight at most.
    code = (
        "import os, sys\n"
        "cpus = int(sys.argv[1])\n"
        "os.sched_getaffinity = lambda pid: set(range(cpus))\n"
        "os.cpu_count = lambda: cpus\n"
        "from django.conf import settings\n"
        "print(settings.WORKERS, settings.THREADS)\n"
    )
    for cpus, workers in ((1, "1"), (2, "2"), (8, "8"), (9, "8"), (96, "8")):
        result = _settings_in_a_fresh_process(
            tmp_path, code, str(cpus), ESCALATE_WORKERS="", ESCALATE_THREADS=""
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [workers, "4"], cpus
    result = _settings_in_a_fresh_process(tmp_path, code, "96", ESCALATE_WORKERS="12")
    assert result.stdout.split()[0] == "12"


def test_a_bad_worker_count_stops_escalate_with_its_name(tmp_path):
    result = _settings_in_a_fresh_process(
        tmp_path, "import escalate.settings", ESCALATE_WORKERS="lots"
    )
    assert result.returncode != 0
    assert "ESCALATE_WORKERS must be a whole number from 1 to 64, not 'lots'" in result.stderr


def test_settings_know_whether_the_secret_key_is_shared(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY_FROM_ENVIRONMENT)"
    alone = _settings_in_a_fresh_process(tmp_path, code, ESCALATE_SECRET_KEY="")
    shared = _settings_in_a_fresh_process(tmp_path, code, ESCALATE_SECRET_KEY="k" * 50)
    assert (alone.stdout.strip(), shared.stdout.strip()) == ("False", "True")


def test_serve_migrates_on_start_unless_told_not_to(tmp_path):
    code = "from django.conf import settings; print(settings.MIGRATE_ON_START)"
    default = _settings_in_a_fresh_process(tmp_path, code, ESCALATE_MIGRATE_ON_START="")
    off = _settings_in_a_fresh_process(tmp_path, code, ESCALATE_MIGRATE_ON_START="false")
    assert (default.stdout.strip(), off.stdout.strip()) == ("True", "False")
