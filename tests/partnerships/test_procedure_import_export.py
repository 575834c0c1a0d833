"""``escalate procedure import`` and ``escalate procedure export``: a board's definition
file stored as a version of its procedure (a draft, or published from a date), and a
version's definition written out again, run as the command line runs them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import factories
import pytest

from escalate.cli import main
from escalate.partnerships import versions
from escalate.partnerships.models import Partnership, ProcedureVersion, VersionSource
from escalate.procedures import library

D = dt.date
KEY = "cheshire-east-sab"
CHESHIRE_EAST = library.LIBRARY / f"{KEY}.toml"

pytestmark = pytest.mark.django_db(transaction=True)  # (the command closes connections)


def escalate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``escalate ARGS`` in this process: its exit code, standard output and errors."""
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "unexpected error" not in err, err
    return code, out, err


@pytest.fixture
def board(frozen_clock: Callable[[dt.date], dt.datetime]) -> Partnership:
    frozen_clock(D(2026, 12, 23))
    return factories.partnership(KEY)


def board_file(
    folder: Path, name: str = "ours.toml", *, version: str = "Mai 2027 – révisé"
) -> Path:
    """Cheshire East's definition with another version label (non-ASCII, to check the
    text is kept as written), outside the library."""
    text = CHESHIRE_EAST.read_text(encoding="utf-8")
    assert 'version = "April 2023"' in text
    path = folder / name
    path.write_text(text.replace('version = "April 2023"', f'version = "{version}"', 1), "utf-8")
    return path


def broken(folder: Path, kind: str) -> Path:
    path = folder / f"{kind}.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "not-utf8":
        path.write_bytes(b'key = "caf\xe9"\n')
    elif kind == "not-toml":
        path.write_text('key = "ours\nstages = [\n', encoding="utf-8")
    elif kind == "wrong-unit":
        text = CHESHIRE_EAST.read_text(encoding="utf-8")
        path.write_text(text.replace('unit = "working_days"', 'unit = "weeks"', 1), "utf-8")
    return path  # ("missing": not made)


def said_of(path: Path) -> list[str]:
    """The library's problems with ``path``, as ``escalate procedure validate`` lists them."""
    with pytest.raises(library.DefinitionError) as caught:
        library.load_file(path)
    return [f"  {path}: {problem}" for problem in caught.value.problems]


def stored(partnership: Partnership) -> list[tuple[int, str, str, dt.date | None]]:
    return [
        (v.sequence, v.source, v.status, v.effective_from)
        for v in versions.versions_of(partnership).order_by("sequence")
    ]


# ---------------------------------------------------------------- import


def test_importing_a_file_stores_it_as_a_draft_of_the_boards_procedure(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    path = board_file(tmp_path)

    code, out, err = escalate(capsys, "procedure", "import", str(path), "--partnership", board.slug)

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Stored {path} as version 1 of {board.name}'s procedure.",
        "Version 1 (draft, not in force).",
        "Publish it with --publish --effective YYYY-MM-DD.",
    ]
    assert stored(board) == [(1, VersionSource.BOARD, "draft", None)]
    version = ProcedureVersion.objects.get(partnership=board)
    assert version.definition_text == path.read_text(encoding="utf-8")
    assert version.version_label == "Mai 2027 – révisé"
    assert version.created_by is None  # the operator at the shell is nobody's account


def test_the_same_definition_is_stored_once_whatever_its_comments(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    path = board_file(tmp_path)
    escalate(capsys, "procedure", "import", str(path), "--partnership", board.slug)
    again = tmp_path / "again.toml"
    again.write_text("# Re-saved by the business unit.\n" + path.read_text("utf-8"), "utf-8")

    code, out, _ = escalate(capsys, "procedure", "import", str(again), "--partnership", board.slug)

    assert code == 0
    assert out.splitlines()[:2] == [
        f"{board.name}'s procedure already has the definition in {again}, as version 1: it "
        "was not stored again.",
        "Version 1 (draft, not in force).",
    ]
    assert len(stored(board)) == 1


def test_publishing_puts_the_version_in_force_from_its_effective_date(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    assert versions.version_in_force(board, D(2026, 12, 23)).sequence == 1  # the library's
    path = board_file(tmp_path)

    code, out, err = escalate(
        capsys,
        "procedure",
        "import",
        str(path),
        f"--partnership={board.slug}",
        "--publish",
        "--effective",
        "2027-04-01",
    )

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Stored {path} as version 2 of {board.name}'s procedure.",
        "Version 2 (scheduled: in force from 1 April 2027).",
        "note: the file gives 1 April 2023 as its effective date; the version is in force "
        "from 1 April 2027 (--effective).",
        "Until then, version 1 stays in force.",
    ]
    assert stored(board)[1] == (2, VersionSource.BOARD, "published", D(2027, 4, 1))
    assert versions.version_in_force(board, D(2027, 3, 31)).sequence == 1
    assert versions.version_in_force(board, D(2027, 4, 1)).sequence == 2


def test_a_stored_draft_is_published_by_importing_it_again_with_publish(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    path = board_file(tmp_path)
    escalate(capsys, "procedure", "import", str(path), "--partnership", board.slug)
    publish = ["--partnership", board.slug, "--publish", "--effective", "2026-12-23"]

    code, out, _ = escalate(capsys, "procedure", "import", str(path), *publish)
    assert code == 0
    assert "Version 1 (published, in force from 23 December 2026)." in out.splitlines()
    assert stored(board) == [(1, VersionSource.BOARD, "published", D(2026, 12, 23))]

    code, out, _ = escalate(capsys, "procedure", "import", str(path), *publish)
    assert code == 0
    assert "It was published from 23 December 2026 already: nothing changed." in out


@pytest.mark.parametrize("kind", ["missing", "directory", "not-utf8"])
@pytest.mark.parametrize("publishing", [[], ["--publish", "--effective", "2027-04-01"]])
def test_a_file_with_no_text_to_keep_is_refused_with_its_problems(
    capsys: pytest.CaptureFixture[str],
    board: Partnership,
    tmp_path: Path,
    kind: str,
    publishing: list[str],
) -> None:
    path = broken(tmp_path, kind)

    code, out, err = escalate(
        capsys, "procedure", "import", str(path), "--partnership", board.slug, *publishing
    )

    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"escalate procedure import: {path} is not a valid procedure definition:",
        *said_of(path),
        "Nothing was stored.",
    ]
    assert stored(board) == []


@pytest.mark.parametrize("kind", ["not-toml", "wrong-unit"])
def test_publishing_a_file_with_problems_is_refused_with_its_problems(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path, kind: str
) -> None:
    path = broken(tmp_path, kind)
    publish = ["--publish", "--effective", "2027-04-01"]

    code, out, err = escalate(
        capsys, "procedure", "import", str(path), "--partnership", board.slug, *publish
    )

    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"escalate procedure import: {path} is not a valid procedure definition:",
        *said_of(path),
        "Nothing was stored: a definition with problems cannot be published (fix them, or "
        "leave out --publish to keep it as a draft).",
    ]
    assert stored(board) == []


@pytest.mark.parametrize("kind", ["not-toml", "wrong-unit"])
def test_a_file_with_problems_is_kept_as_a_draft_that_cannot_be_published(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path, kind: str
) -> None:
    path = broken(tmp_path, kind)
    problems = said_of(path)

    code, out, err = escalate(capsys, "procedure", "import", str(path), "--partnership", board.slug)

    assert code == 0
    assert err.splitlines() == [
        f"escalate procedure import: {path} is not a valid procedure definition:",
        *problems,
    ]
    plural = "s" if len(problems) != 1 else ""
    assert out.strip() == (
        f"Stored {path} as version 1 of {board.name}'s procedure: a draft with "
        f"{len(problems)} problem{plural} (listed above), which cannot be published until "
        "they are fixed."
    )
    assert stored(board) == [(1, VersionSource.BOARD, "draft", None)]
    draft = ProcedureVersion.objects.get(partnership=board)
    assert draft.definition_text == path.read_text(encoding="utf-8")
    assert not draft.publishable
    code, out, _ = escalate(capsys, "procedure", "export", board.slug, "--version", "1")
    assert (code, out) == (0, path.read_text(encoding="utf-8"))


def test_a_file_with_control_characters_is_not_kept(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    path = tmp_path / "nul.toml"
    path.write_bytes(b'key = "ours"\x00\n\x1b[2J\n')

    code, out, err = escalate(capsys, "procedure", "import", str(path), "--partnership", board.slug)

    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line == (
        f"escalate procedure import: {path} cannot be stored: remove the unusual characters "
        "from the definition. Nothing was stored."
    )
    assert stored(board) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--effective", "2027-04-01"],
            "--effective is the day a published version comes into force: add --publish, "
            "or leave --effective out to store a draft.",
        ),
        (["--publish"], "--publish needs --effective YYYY-MM-DD: the first day the version"),
        (["--publish", "--effective", " "], "--publish needs --effective YYYY-MM-DD"),
        (
            ["--publish", "--effective", "2101-01-01"],
            "--effective 2101-01-01 is out of range: use a date from 2000-01-01 to 2100-12-31.",
        ),
        (["--publish", "--effective", "1999-12-31"], "--effective 1999-12-31 is out of range"),
        (
            ["--publish", "--effective", "2027-02-30"],
            "--effective '2027-02-30' is not a date: write it as YYYY-MM-DD, like 2027-04-01.",
        ),
        (["--publish", "--effective", "２０２７-04-01"], "'２０２７-04-01' is not a date"),
        (["--publish", "--effective", "٢٠٢٧-04-01"], "'٢٠٢٧-04-01' is not a date"),
        (["--publish", "--effective", "2027-W13-4"], "'2027-W13-4' is not a date"),
        (["--publish", "--effective", "99999-04-01"], "'99999-04-01' is not a date"),
        (["--publish", "--effective", "2027-04-01\x00"], "is not a date"),
    ],
)
def test_bad_options_are_refused_in_one_line_before_anything_is_stored(
    capsys: pytest.CaptureFixture[str],
    board: Partnership,
    tmp_path: Path,
    options: list[str],
    message: str,
) -> None:
    path = board_file(tmp_path)

    code, out, err = escalate(
        capsys, "procedure", "import", str(path), "--partnership", board.slug, *options
    )

    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("escalate procedure import: ")
    assert message in line
    assert stored(board) == []


def test_an_unknown_partnership_is_refused_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    path = board_file(tmp_path)

    code, _, err = escalate(capsys, "procedure", "import", str(path), "--partnership", "nope")

    assert code == 1
    assert err.strip() == (
        f"escalate procedure import: there is no partnership 'nope' (known: {board.slug})."
    )
    code, _, err = escalate(capsys, "procedure", "import", str(path), "--partnership", " ")
    assert code == 2
    assert "--partnership is empty" in err


# ---------------------------------------------------------------- export


def test_export_writes_the_version_in_force_today(
    capsys: pytest.CaptureFixture[str], board: Partnership
) -> None:
    code, out, err = escalate(capsys, "procedure", "export", board.slug)

    assert (code, err) == (0, "")
    assert out == CHESHIRE_EAST.read_text(encoding="utf-8")


def test_export_gives_back_an_imported_version_as_it_was_written(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    path = board_file(tmp_path)
    escalate(capsys, "procedure", "import", str(path), "--partnership", board.slug)
    output = tmp_path / "out.toml"

    code, out, err = escalate(
        capsys, "procedure", "export", board.slug, "--version", "1", "--output", str(output)
    )

    assert (code, err) == (0, "")
    assert out.strip() == (
        f"Wrote version 1 (draft, not in force) of {board.name}'s procedure to {output}."
    )
    assert output.read_bytes() == path.read_bytes()
    code, out, _ = escalate(capsys, "procedure", "export", board.slug, "--version=1")
    assert (code, out) == (0, path.read_text(encoding="utf-8"))


def test_export_of_a_version_with_no_text_says_so(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    rebuilt = versions.version_in_force(board, D(2026, 12, 23))
    ProcedureVersion.objects.filter(pk=rebuilt.pk).update(
        definition_text="", source=VersionSource.CASES
    )  # as migration cases/0007 leaves a version rebuilt from older cases' copies
    output = tmp_path / "out.toml"

    code, out, err = escalate(capsys, "procedure", "export", board.slug, "--output", str(output))

    assert (code, out) == (1, "")
    assert err.strip() == (
        "escalate procedure export: version 1 (published, in force from 1 April 2023) of "
        f"{board.name}'s procedure has no definition text stored (it was rebuilt from the "
        "copies kept with older cases), and Escalate has no TOML writer to make one, so "
        "there is nothing to export."
    )
    assert not output.exists()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("0", "--version 0 is not a version: they are numbered from 1."),
        ("-1", "--version '-1' is not a version number"),
        ("two", "--version 'two' is not a version number: give the number of the version"),
        ("٢", "--version '٢' is not a version number"),
        ("２", "--version '２' is not a version number"),
        ("1.0", "--version '1.0' is not a version number"),
        ("99999999999999999999", "is not a version number"),
    ],
)
def test_export_refuses_a_version_that_is_no_number(
    capsys: pytest.CaptureFixture[str], board: Partnership, given: str, message: str
) -> None:
    code, out, err = escalate(capsys, "procedure", "export", board.slug, f"--version={given}")

    assert (code, out) == (2, "")
    assert err.strip().startswith("escalate procedure export: ")
    assert message in err


def test_export_of_a_version_the_partnership_does_not_have_says_which_it_has(
    capsys: pytest.CaptureFixture[str], board: Partnership
) -> None:
    code, _, err = escalate(capsys, "procedure", "export", board.slug, "--version", "7")
    assert code == 1
    assert err.strip() == (
        f"escalate procedure export: {board.name}'s procedure has no version 7: it has no "
        "versions yet."
    )
    versions.version_in_force(board, D(2026, 12, 23))
    code, _, err = escalate(capsys, "procedure", "export", board.slug, "--version", "7")
    assert "has no version 7: its only version is 1." in err


def test_export_refuses_an_output_it_cannot_write(
    capsys: pytest.CaptureFixture[str], board: Partnership, tmp_path: Path
) -> None:
    for output, message in [
        (tmp_path / "no-such-folder" / "out.toml", "does not exist"),
        (tmp_path, "is a folder: name a file."),
    ]:
        code, out, err = escalate(
            capsys, "procedure", "export", board.slug, "--output", str(output)
        )
        assert (code, out) == (2, "")
        assert message in err
    code, _, err = escalate(capsys, "procedure", "export", "nope")
    assert code == 1
    assert f"there is no partnership 'nope' (known: {board.slug})." in err


# ---------------------------------------------------------------- the real command line


def test_on_a_database_not_set_up_import_and_export_say_to_migrate_first(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["ESCALATE_DATA_DIR"] = str(tmp_path / "data")
    path = board_file(tmp_path)
    commands = {
        "import": ["import", str(path), "--partnership", KEY],
        "export": ["export", KEY],
    }
    for name, args in commands.items():
        result = subprocess.run(
            [sys.executable, "-m", "escalate", "procedure", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"escalate procedure {name}: the database ")
        assert "is not set up yet: run `escalate migrate` first" in line
        # A bad option is refused first, in one line, without the database.
        bad = subprocess.run(
            [sys.executable, "-m", "escalate", "procedure", *args, "--nope"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert bad.returncode == 2
        assert bad.stderr.strip() == (
            f"escalate procedure {name}: unrecognized arguments: --nope "
            f"(see 'escalate procedure {name} --help')"
        )
