"""The top-level ``escalate`` command: its list of commands and their help."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from escalate.cli import COMMANDS, OTHER_DJANGO_COMMANDS, PROCEDURE_DATABASE_COMMANDS, USAGE


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "escalate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def escalates_own_commands() -> dict[str, str]:
    """Every management command an Escalate app defines, with its app."""
    return {name: app for name, app in get_commands().items() if app.startswith("escalate.")}


def test_a_bad_setting_is_one_plain_line_not_a_traceback(tmp_path: Path) -> None:
    result = run("check", ESCALATE_DEBUG="maybe", ESCALATE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "ESCALATE_DEBUG must be true or false" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    for command in (
        "serve",
        "demo",
        "worker",
        "remind",
        "digest",
        "report",
        "procedure",
        "migrate",
        "createsuperuser",
    ):
        assert command in listed, result.stdout
    assert "--send" in result.stdout and "--no-digest" in result.stdout


def test_every_listed_command_exists() -> None:
    known = get_commands()
    for name, _, purpose in COMMANDS:
        assert name == "procedure" or name in known, name
        assert purpose
    for name in OTHER_DJANGO_COMMANDS:
        assert name in known


def test_every_command_of_escalates_own_is_listed_with_a_line_of_its_own() -> None:
    listed = {name for name, _, _ in COMMANDS}
    under_procedure = set(PROCEDURE_DATABASE_COMMANDS.values())
    missing = set(escalates_own_commands()) - listed - under_procedure
    assert not missing, f"escalate --help does not list {sorted(missing)}"
    for name in set(escalates_own_commands()) - under_procedure:
        lines = [line for line in USAGE.splitlines() if line.startswith(f"  {name} ")]
        assert len(lines) == 1, name


def test_procedure_import_and_export_are_listed_under_procedure() -> None:
    assert set(PROCEDURE_DATABASE_COMMANDS.values()) <= set(escalates_own_commands())
    [synopsis] = [synopsis for name, synopsis, _ in COMMANDS if name == "procedure"]
    for word in PROCEDURE_DATABASE_COMMANDS:
        assert word in synopsis.split("|")


def test_procedure_import_help_is_named_as_typed_and_explains_every_option() -> None:
    result = run("procedure", "import", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert text.startswith("usage: escalate procedure import ")
    assert "--partnership SLUG" in text and "--effective YYYY-MM-DD" in text
    assert "from 2000-01-01 to 2100-12-31" in text
    result = run("procedure", "export", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert text.startswith("usage: escalate procedure export ")
    assert "--version V the version's number" in text  # not Django's version of itself


def test_help_fits_a_terminal() -> None:
    assert all(len(line) <= 100 for line in USAGE.splitlines())


@pytest.mark.parametrize("name", sorted(escalates_own_commands()))
def test_every_option_of_every_command_is_documented(name: str) -> None:
    command = load_command_class(escalates_own_commands()[name], name)
    assert command.help
    parser = command.create_parser("escalate", name)
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, (name, action.option_strings)


def test_remind_help_explains_send_and_no_digest() -> None:
    result = run("remind", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--send also send every pending email now, as 'escalate worker --once'" in text
    assert "--no-digest do not send the daily digests this time" in text


def test_report_help_names_the_range_of_periods() -> None:
    result = run("report", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "from 2000 to 2100" in text
    assert "--from YYYY-MM-DD" in text and "--output FILE" in text


def test_a_mistyped_command_is_one_line_with_a_suggestion(tmp_path: Path) -> None:
    result = run("remnd", ESCALATE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "escalate: there is no command 'remnd' (did you mean 'remind'?); "
        "'escalate --help' lists them"
    )


def test_version_is_escalates() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("escalate ")
