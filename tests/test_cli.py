"""The top-level ``escalate`` command."""

from __future__ import annotations

import os
import subprocess
import sys


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "escalate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_a_bad_setting_is_one_plain_line_not_a_traceback(tmp_path) -> None:
    result = run("check", ESCALATE_DEBUG="maybe", ESCALATE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "ESCALATE_DEBUG must be true or false" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("procedure", "serve", "demo"):
        assert command in result.stdout
