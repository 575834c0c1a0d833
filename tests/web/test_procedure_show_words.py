"""``escalate procedure show`` in plain words: each timescale as a sentence ("Start within
1 working day of the concern arising", never "start by within"), and who Escalate
tells of what at every stage."""

from __future__ import annotations

import io

import pytest

from escalate.procedures import cli, library


def show(key: str) -> str:
    out = io.StringIO()
    assert cli.main(["show", key], out=out) == 0
    return out.getvalue()


@pytest.mark.parametrize("key", sorted(library.load_library()))
def test_timescales_read_as_sentences(key: str) -> None:
    text = show(key)
    assert "start by within" not in text.lower()
    assert "conclude by within" not in text.lower()
    assert "Timescale: start by" not in text


def test_each_timescale_says_what_must_happen_by_when() -> None:
    text = show("cheshire-east-sab")
    assert "  - Start within 1 working day of the concern arising." in text
    assert "  - Start by day 3, counting the day the concern arose as day 1" in text
    assert "  - Resolve or escalate by day 9, counting the day the concern arose as day 1" in text
    shropshire = show("shropshire-sscp")
    assert "Resolve or escalate within 2 working days of the stage starting." in shropshire


def test_no_fixed_timescale_is_said_plainly() -> None:
    assert "Timescale: none fixed; resolve it as quickly as possible." in show("warrington-sab")


def test_show_says_who_is_told() -> None:
    procedure = library.get("cheshire-east-sab")
    text = " ".join(show("cheshire-east-sab").split())  # as read, not as wrapped
    stage_4 = text.split("Stage 4:", 1)[1]
    assert "Who is told:" in stage_4
    assert "When the stage starts: the board's business unit and the independent chair." in stage_4
    every = cli.who(procedure.on_every_decision + procedure.stage(1).on_every_decision)
    assert f"Of every decision at this stage: {every}." in text.split("Stage 2:", 1)[0]
    assert "(Escalate tells " in text
    assert "Policy issues A gap in policy" in text
    assert (
        "Escalate tells the independent chair and the board's business unit; the board's "
        "business unit keeps the list of them."
    ) in text
