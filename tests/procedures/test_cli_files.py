"""``escalate procedure show|deadlines|validate`` on definition files outside the library,
run for real in a subprocess, as people will run them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from escalate.procedures import cli, library

CHESHIRE_EAST = library.LIBRARY / "cheshire-east-sab.toml"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "procedure", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "unexpected error" not in result.stderr, result.stderr
    return result


def board_file(
    folder: Path, name: str = "our-procedure.toml", *, version: str = "May 2027"
) -> Path:
    """Cheshire East's definition under another key and version, outside the library."""
    text = CHESHIRE_EAST.read_text(encoding="utf-8")
    text = text.replace('key = "cheshire-east-sab"', 'key = "our-board"', 1)
    text = text.replace('version = "April 2023"', f'version = "{version}"', 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def broken(folder: Path, kind: str) -> Path:
    """A file that is no usable definition, in one of the ways files go wrong."""
    path = folder / f"{kind}.toml"
    if kind == "missing":
        return path
    if kind == "directory":
        path.mkdir()
    elif kind == "not-utf8":
        path.write_bytes(b'key = "caf\xe9"\n')
    elif kind == "not-toml":
        path.write_text('key = "our-board\nstages = [\n', encoding="utf-8")
    elif kind == "too-large":  # a good definition, buried in a very long comment
        padding = "# " + "x" * 1000 + "\n"
        text = CHESHIRE_EAST.read_text(encoding="utf-8")
        path.write_text(text + padding * (library.MAX_FILE_BYTES // 1000), encoding="utf-8")
    elif kind == "wrong-unit":
        path.write_text(
            CHESHIRE_EAST.read_text(encoding="utf-8").replace(
                'unit = "working_days"', 'unit = "weeks"', 1
            ),
            encoding="utf-8",
        )
    return path


KINDS = {
    "missing": "no such file",
    "directory": "is a directory, not a definition file",
    "not-utf8": "is not UTF-8 text (byte 0xe9 on line 1 is not UTF-8)",
    "not-toml": "this is not valid TOML",
    "wrong-unit": "'weeks' is not allowed",
    "too-large": "is larger than 256 KB, far more than any procedure needs: is it the right file?",
}


def said_of(path: Path) -> list[str]:
    """What the library says is wrong with ``path``, each problem on a line."""
    with pytest.raises(library.DefinitionError) as caught:
        library.load_file(path)
    return [f"  {path}: {problem}" for problem in caught.value.problems]


# ---------------------------------------------------------------- show and deadlines


def test_show_describes_a_file_outside_the_library(tmp_path: Path) -> None:
    path = board_file(tmp_path)

    result = run("show", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CESAB Multi-agency Escalation Procedure\n=====")
    assert "Version May 2027, effective 01 April 2023" in result.stdout
    assert "Stage 4: CESAB Independent Chair" in result.stdout


def test_a_key_still_names_the_librarys_procedure(tmp_path: Path) -> None:
    result = run("show", "cheshire-east-sab", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Version April 2023" in result.stdout


def test_a_file_in_the_folder_is_read_even_without_toml_or_a_slash(tmp_path: Path) -> None:
    board_file(tmp_path, "cheshire-east-sab")  # a file that exists wins over the key

    result = run("show", "cheshire-east-sab", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Version May 2027" in result.stdout


@pytest.mark.parametrize("argument", ["our-board.toml", "./cheshire-east-sab", "sub/x"])
def test_a_missing_file_is_no_such_file_not_an_unknown_procedure(
    tmp_path: Path, argument: str
) -> None:
    for command in (["show", argument], ["deadlines", argument, "--arose", "2026-12-23"]):
        result = run(*command, cwd=tmp_path)

        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"escalate procedure: {argument} is not a valid procedure definition:",
            f"  {argument}: no such file",
        ]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_bad_file_is_refused_by_show_and_deadlines_exactly_as_validate_says(
    tmp_path: Path, kind: str
) -> None:
    path = broken(tmp_path, kind)
    validated = run("validate", str(path))
    assert validated.returncode == 1
    assert validated.stderr.startswith(
        f"escalate procedure: {path} is not a valid procedure definition:\n"
    )
    assert validated.stderr.splitlines()[1:] == said_of(path)
    assert KINDS[kind] in validated.stderr.splitlines()[1]

    for command in (["show", str(path)], ["deadlines", str(path), "--arose", "2026-12-23"]):
        result = run(*command)

        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == validated.stderr


def test_deadlines_of_a_file_are_those_of_the_same_definition_in_the_library(
    tmp_path: Path,
) -> None:
    path = board_file(tmp_path)
    asked = ["--arose", "2026-12-23", "--stage-started", "4=2027-01-06", "--json"]

    from_file = run("deadlines", str(path), *asked)
    from_library = run("deadlines", "cheshire-east-sab", *asked)

    assert from_file.returncode == 0, from_file.stderr
    data = json.loads(from_file.stdout)
    assert data["procedure"] == "our-board"
    assert data["stages"] == json.loads(from_library.stdout)["stages"]
    assert data["stages"][3]["other_deadlines"][0]["due"] == "2027-01-13"


def test_deadlines_of_a_file_check_stage_numbers_against_that_file(tmp_path: Path) -> None:
    path = board_file(tmp_path)

    result = run("deadlines", str(path), "--arose", "2026-12-23", "--stage-started", "5=2027-01-06")

    assert result.returncode == 2
    assert "our-board has stages 1 to 4, not 5" in result.stderr


@pytest.mark.parametrize(
    "day", ["２０２６-12-23", "٢٠٢٦-12-23", "2026-W52-3", "2026-12-23\x1b[2J", "99999-12-23"]
)
def test_deadlines_refuse_dates_in_other_digits_or_forms(tmp_path: Path, day: str) -> None:
    result = run("deadlines", str(board_file(tmp_path)), "--arose", day)

    assert result.returncode == 2
    assert "argument --arose" in result.stderr
    assert "write it as YYYY-MM-DD" in result.stderr


def test_a_name_with_a_nul_byte_is_refused_in_plain_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (A shell cannot pass a NUL byte; code calling the command can.)
    assert cli.main(["show", "a\0b.toml"], out=io.StringIO()) == 1

    assert capsys.readouterr().err.splitlines() == [
        "escalate procedure: a\\0b.toml is not a valid procedure definition:",
        "  a\\0b.toml: is not a file name: it has a NUL byte in it",
    ]


# ---------------------------------------------------------------- validate


def test_validate_reports_every_file_and_fails_if_any_does(tmp_path: Path) -> None:
    good = board_file(tmp_path, "our-board.toml")
    bad = broken(tmp_path, "wrong-unit")
    missing = broken(tmp_path, "missing")

    result = run("validate", str(good), str(bad), str(missing))

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{good}: valid: our-board, 4 stages",
        "1 of 3 files valid, 2 not valid",
    ]
    assert result.stderr.splitlines() == [
        f"escalate procedure: {bad} is not a valid procedure definition:",
        *said_of(bad),
        f"escalate procedure: {missing} is not a valid procedure definition:",
        f"  {missing}: no such file",
    ]


def test_validate_passes_when_every_file_is_valid(tmp_path: Path) -> None:
    first = board_file(tmp_path, "our-board.toml")
    second = board_file(tmp_path, "draft.toml")

    result = run("validate", str(first), str(second), str(CHESHIRE_EAST))

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"{first}: valid: our-board, 4 stages"
    assert lines[1] == f"{second}: valid: our-board, 4 stages"
    assert lines[2].startswith("note: to ship it in the library, name the file our-board.toml")
    assert lines[3] == f"{CHESHIRE_EAST}: valid: cheshire-east-sab, 4 stages"
    assert lines[-1] == "3 of 3 files valid"


def test_validate_needs_a_file() -> None:
    result = run("validate")

    assert result.returncode == 2
    assert "the following arguments are required: FILE" in result.stderr


def test_help_names_import_and_export_as_needing_the_database() -> None:
    result = run("--help")

    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "import store a definition file" in text
    assert "export write the definition" in text
    assert "(needs the database)" in text
    show = " ".join(run("show", "--help").stdout.split())
    assert "KEY|FILE" in show and "ending in .toml" in show


def test_the_cli_reads_no_larger_a_file_than_the_web_takes_and_stops_at_that() -> None:
    """(Read no further than the limit: an endless stream is refused at once.)"""
    from escalate.partnerships import definition_text

    assert definition_text.MAX_UPLOAD_BYTES == library.MAX_FILE_BYTES
    with pytest.raises(library.DefinitionError) as caught:
        library.load_file("/dev/zero")
    assert caught.value.problems == [KINDS["too-large"]]
