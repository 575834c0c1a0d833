"""``escalate procedure import`` records who ran it ("alice at the command line") in
the record of changes and on the versions pages, and keeps a definition as the
authoring pages keep one: Windows' line ends made plain, control characters refused."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate.cli import main
from escalate.partnerships import versions
from escalate.partnerships.models import (
    Partnership,
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
)
from escalate.procedures import library
from escalate.procedures.model import Role

D = dt.date
KEY = "cheshire-east-sab"
CHESHIRE_EAST = library.LIBRARY / f"{KEY}.toml"

pytestmark = pytest.mark.django_db(transaction=True)  # (the command closes connections)


def escalate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    return code, out, err


@pytest.fixture
def world(
    frozen_clock: Callable[[dt.date], dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> factories.World:
    frozen_clock(D(2026, 12, 23))
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    return factories.world(KEY)


def ours(folder: Path, *, newline: str = "\n", extra: str = "") -> Path:
    text = CHESHIRE_EAST.read_text(encoding="utf-8")
    text = text.replace('version = "April 2023"', 'version = "Ours 2027"', 1) + extra
    path = folder / "ours.toml"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def imported(partnership: Partnership) -> ProcedureVersion:
    return versions.versions_of(partnership).get(version_label="Ours 2027")


def changes(version: ProcedureVersion) -> list[tuple[str, str, str]]:
    return [
        (c.change, c.actor_label, c.detail)
        for c in VersionChange.objects.filter(version=version).order_by("at", "id")
    ]


def page_text(person: object, url: str) -> str:
    client = Client()
    client.force_login(person)  # type: ignore[arg-type]
    return re.sub(r"\s+", " ", client.get(url).content.decode())


def test_an_import_is_recorded_with_who_ran_it_at_the_command_line(
    capsys: pytest.CaptureFixture[str], world: factories.World, tmp_path: Path
) -> None:
    slug = world.partnership.slug
    path = ours(tmp_path)

    code, _, err = escalate(
        capsys, "procedure", "import", str(path), "--partnership", slug, "--publish",
        "--effective", "2027-04-01",
    )  # fmt: skip

    assert (code, err) == (0, "")
    version = imported(world.partnership)
    alice = "alice at the command line"
    assert changes(version) == [
        (VersionChangeKind.STARTED, alice, "from the file ours.toml; no problems"),
        (VersionChangeKind.PUBLISHED, alice, "in force from 1 April 2027"),
    ]
    assert (version.created_by, version.published_by) == (None, None)  # no account
    bu = world.person(Role.BUSINESS_UNIT)
    listing = page_text(bu, reverse("partnerships:versions", args=[slug]))
    assert "23 December 2026 by alice at the command line" in listing
    shown = page_text(bu, reverse("partnerships:procedure_version", args=[slug, version.pk]))
    assert "Published by alice at the command line (in force from 1 April 2027)" in shown
    assert "by Escalate" not in shown


def test_a_draft_with_problems_imported_is_recorded_with_who_ran_it(
    capsys: pytest.CaptureFixture[str], world: factories.World, tmp_path: Path
) -> None:
    path = tmp_path / "unfinished.toml"
    path.write_text('key = "ours"\n', encoding="utf-8")

    code, _, _ = escalate(
        capsys, "procedure", "import", str(path), "--partnership", world.partnership.slug
    )

    assert code == 0
    draft = versions.versions_of(world.partnership).get(status="draft")
    [(change, by, detail)] = changes(draft)
    assert (change, by) == (VersionChangeKind.STARTED, "alice at the command line")
    assert detail.startswith("from the file unfinished.toml; ")


def test_windows_line_ends_are_kept_as_plain_ones_as_the_authoring_pages_keep_them(
    capsys: pytest.CaptureFixture[str], world: factories.World, tmp_path: Path
) -> None:
    path = ours(tmp_path, newline="\r\n")

    code, _, err = escalate(
        capsys, "procedure", "import", str(path), "--partnership", world.partnership.slug
    )

    assert (code, err) == (0, "")
    text = ProcedureVersion.objects.get(pk=imported(world.partnership).pk).definition_text
    assert "\r" not in text
    assert text == path.read_bytes().decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("publishing", [[], ["--publish", "--effective", "2027-04-01"]])
@pytest.mark.parametrize("character", ["\u0090", "\x1b"], ids=["C1 control", "escape"])
def test_control_characters_are_refused_as_on_the_authoring_pages_and_nothing_is_stored(
    capsys: pytest.CaptureFixture[str],
    world: factories.World,
    tmp_path: Path,
    publishing: list[str],
    character: str,
) -> None:
    path = ours(tmp_path, extra=f"# Checked by the business unit{character}\n")

    code, out, err = escalate(
        capsys, "procedure", "import", str(path), "--partnership", world.partnership.slug,
        *publishing,
    )  # fmt: skip

    assert (code, out) == (1, "")
    assert err.strip() == (
        f"escalate procedure import: {path} cannot be stored: remove the unusual characters "
        "from the definition. Nothing was stored."
    )
    assert not ProcedureVersion.objects.filter(partnership=world.partnership).exists()
