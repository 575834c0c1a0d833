"""``escalate procedure deadlines``: each deadline says its date, or that it is pending
and on what (an event of the case, the stage starting, a date the stage's owner sets),
and whether it is a soft target ("where possible"); as text and as JSON, whose keys of
old stay as they were."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import cli

RIVERSIDE = str(Path(__file__).parent / "definitions" / "riverside.toml")

#: Every deadline's keys in the JSON: those it always had, then those added.
DEADLINE_KEYS = [
    "key",
    "label",
    "due",
    "explanation",
    "pending",
    "pending_until",
    "pending_words",
    "where_possible",
    "owner_may_shorten",
    "timescale",
    "met_by",
]


def deadlines(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved, sys.stderr = sys.stderr, err
    try:
        code = cli.main(["deadlines", *args], out=out)
    finally:
        sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def as_json(*args: str) -> dict[str, Any]:
    code, out, err = deadlines(RIVERSIDE, "--json", *args)
    assert (code, err) == (0, "")
    data: dict[str, Any] = json.loads(out)
    return data


def by_key(data: dict[str, Any], stage: int) -> dict[str, dict[str, Any]]:
    return {d["key"]: d for d in data["stages"][stage - 1]["deadlines"]}


def test_json_says_what_each_pending_deadline_waits_for() -> None:
    data = as_json("--arose", "2026-03-02")
    assert list(data) == ["procedure", "arose", "stages"]
    for stage in data["stages"]:
        assert list(stage) == [
            "number",
            "title",
            "start_by",
            "conclude_by",
            "other_deadlines",
            "deadlines",
        ]
        for d in stage["deadlines"]:
            assert list(d) == DEADLINE_KEYS
    one, two, three, four = (by_key(data, n) for n in (1, 2, 3, 4))
    assert one["conclude_by"]["pending"] is True
    assert one["conclude_by"]["due"] is None
    assert one["conclude_by"]["pending_until"] == "other_professional_acknowledged"
    assert one["conclude_by"]["pending_words"] == (
        "until the other professional acknowledges the challenge"
    )
    assert (one["acknowledge"]["due"], one["acknowledge"]["pending"]) == ("2026-03-04", False)
    assert one["acknowledge"]["pending_until"] is None
    assert one["tell-safeguarding-lead"]["due"] == "2026-03-02"  # immediately
    assert two["conclude_by"]["pending_until"] == "first_discussion"
    assert two["managers-speak"]["pending_until"] == "previous_stage_escalated"
    assert two["managers-speak"]["pending_words"] == "until stage 1 is escalated"
    assert three["conclude_by"]["pending_until"] == "previous_stage_escalated"
    assert four["conclude_by"]["pending_until"] == "set_by_owner"
    assert four["conclude_by"]["pending_words"] == (
        "until stage 4's owner sets a date for the case"
    )


def test_json_says_which_deadlines_are_soft_or_may_be_shortened() -> None:
    data = as_json("--arose", "2026-03-02", "--stage-started", "3=2026-03-16")
    soft = by_key(data, 2)["conclude_by"]
    assert soft["where_possible"] is True
    assert soft["label"] == "Where possible, conclude by"
    assert soft["timescale"] == (
        "Where possible, resolve or escalate within 5 working days of the first discussion "
        "at the stage."
    )
    others = [d for s in data["stages"] for d in s["deadlines"] if d is not soft]
    assert not any(d["where_possible"] for d in others)
    shorter = by_key(data, 3)["conclude_by"]
    assert (shorter["due"], shorter["pending"]) == ("2026-03-30", False)
    assert shorter["owner_may_shorten"] is True
    # the old keys, as before: a date, or null while pending
    assert data["stages"][2]["conclude_by"] == "2026-03-30"
    assert data["stages"][1]["conclude_by"] is None


def test_other_deadlines_keep_their_keys_and_gain_the_new_ones() -> None:
    data = as_json("--arose", "2026-03-02", "--stage-started", "2=2026-03-09")
    [speak] = data["stages"][1]["other_deadlines"]
    assert list(speak) == DEADLINE_KEYS
    assert (speak["key"], speak["due"], speak["pending"]) == ("managers-speak", "2026-03-09", False)
    assert speak["explanation"].startswith("4 hours (the same working day): stage 1 was escalated")
    assert speak == by_key(data, 2)["managers-speak"]


def test_text_says_the_same_as_the_json() -> None:
    code, out, err = deadlines(RIVERSIDE, "--arose", "2026-03-02")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        "  Conclude by: not yet known: pending until the other professional acknowledges the "
        "challenge" in lines
    )
    assert "  Acknowledge the challenge: Wed 4 Mar 2026" in lines
    assert (
        "  Speak to the other line manager: not yet known: pending until stage 1 is escalated "
        "(give --stage-started 2=YYYY-MM-DD)" in lines
    )
    assert (
        "  Conclude by: not yet known: pending until stage 4's owner sets a date for the case"
        in lines
    )
    stage_2 = out.split("Stage 2:", 1)[1].split("Stage 3:", 1)[0]
    assert "  Where possible, conclude by: not yet known: pending until the first discussion" in (
        stage_2
    )
    assert "(Where possible: a target, chased with reminders, never counted as missed.)" in stage_2


def test_text_says_when_the_owner_may_set_an_earlier_date() -> None:
    code, out, _ = deadlines(RIVERSIDE, "--arose", "2026-03-02", "--stage-started=3=2026-03-16")
    assert code == 0
    stage_3 = out.split("Stage 3:", 1)[1].split("Stage 4:", 1)[0]
    assert "  Conclude by: Mon 30 Mar 2026\n" in stage_3
    assert "(Stage 3's owner may set an earlier date to protect the person.)" in stage_3


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["tests/no-such-board.toml", "--arose", "2026-03-02"],
            "tests/no-such-board.toml: no such file",
        ),
        ([RIVERSIDE, "--arose", "2026-02-30"], "'2026-02-30' is not a real date"),
        ([RIVERSIDE, "--arose", "２０２６-03-02"], "'２０２６-03-02' is not a real date"),
        ([RIVERSIDE, "--arose", "٢٠٢٦-٠٣-٠٢"], "is not a real date; write it as YYYY-MM-DD"),
        (
            [RIVERSIDE, "--arose", "2026-03-02", "--stage-started", "²=2026-03-09"],
            "'²=2026-03-09' should look like 2=2026-12-29",
        ),
        (
            [RIVERSIDE, "--arose", "2026-03-02", "--stage-started", "２=2026-03-09"],
            "'２=2026-03-09' should look like 2=2026-12-29",
        ),
        (
            [RIVERSIDE, "--arose", "2026-03-02", "--stage-started", "2=2026-03-٠٩"],
            "is not a real date",
        ),
    ],
)
def test_bad_input_answers_one_plain_line(args: list[str], words: str) -> None:
    code, out, err = deadlines(*args)
    assert code in (1, 2)
    assert out == ""
    assert words in err
    assert err.startswith("escalate procedure: ")
    assert "Traceback" not in err and "_stage_date" not in err


def test_run_for_real_the_json_is_one_object() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "procedure", "deadlines", RIVERSIDE]
        + ["--arose", "2026-03-02", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    data = json.loads(result.stdout)
    assert by_key(data, 4)["conclude_by"]["pending_until"] == "set_by_owner"
