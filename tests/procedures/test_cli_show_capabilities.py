"""``escalate procedure show`` says everything a definition says: every kind of
timescale in the one wording the procedure page uses (``timescales.sentence``), the
procedure's own role names and stage groups, routes, skip rules, the notice before
escalating, forums, the email subject label, who is told of immediate risk and forms."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import cli, library
from escalate.procedures.model import Procedure
from escalate.procedures.timescales import sentence

RIVERSIDE_FILE = Path(__file__).parent / "definitions" / "riverside.toml"


def show(argument: str) -> str:
    out = io.StringIO()
    assert cli.main(["show", argument], out=out) == 0
    return out.getvalue()


def read(text: str) -> str:
    """The text as read, not as wrapped."""
    return " ".join(text.split())


def stage_text(text: str, number: int) -> str:
    """One stage's part of ``show``'s text."""
    after = text.split(f"\nStage {number}: ", 1)[1]
    return after.split("\nStage ", 1)[0].split("\nPolicy issues", 1)[0]


@pytest.fixture(scope="module")
def riverside() -> str:
    return show(str(RIVERSIDE_FILE))


# ---------------------------------------------------------------- timescales


def test_every_kind_of_timescale_reads_as_the_procedure_page_says_it(riverside: str) -> None:
    lines = riverside.splitlines()
    for wanted in [
        "  - Resolve or escalate within 5 working days of the other professional "
        "acknowledging the challenge.",
        "  - Acknowledge the challenge within 48 hours (2 working days) of the concern "
        "arising. Met when the other professional acknowledges the challenge. (Who: "
        "Practitioner.)",
        "  - Tell your safeguarding lead immediately on the concern arising.",
        "  - Where possible, resolve or escalate within 5 working days of the first "
        "discussion at the stage.",
        "  - Speak to the other line manager on the same working day as the previous stage "
        "being escalated (within 4 hours). Met when the first discussion at the stage is "
        "recorded.",
        "  - Resolve or escalate within 10 working days of the previous stage being "
        "escalated, or sooner if the stage's owner sets a shorter timescale to protect the "
        "person.",
        "  - Resolve or escalate within a timescale the stage's owner sets for the case.",
    ]:
        assert wanted in lines


@pytest.mark.parametrize("key", [*sorted(library.load_library()), "riverside"])
def test_no_timescale_reads_as_day_0_and_each_is_the_pages_sentence(key: str) -> None:
    procedure = library.load_file(RIVERSIDE_FILE) if key == "riverside" else library.get(key)
    text = show(str(RIVERSIDE_FILE) if key == "riverside" else key)
    assert "day 0" not in text
    for stage in procedure.stages:
        here = stage_text(text, stage.number)
        if stage.start_by:
            assert f"  - {sentence(stage.start_by, what='Start')}" in here
        if stage.conclude_by:
            assert f"  - {sentence(stage.conclude_by, what='Resolve or escalate')}" in here
        for d in stage.other_deadlines:
            assert f"  - {sentence(d.timescale, what=d.label)}" in here


# ---------------------------------------------------------------- the procedure's own words


def test_the_procedures_own_role_names_and_stage_groups(riverside: str) -> None:
    assert "What this procedure calls roles\n  - Senior manager: Head of service\n" in riverside
    assert "  - Independent chair: Conference chair\n" in riverside
    assert "  - Board business unit or manager: Partnership liaison officer\n" in riverside
    assert "Stage groups\n  - Informal (stages 1 and 2)\n  - Formal (stages 3 and 4)\n" in (
        riverside
    )
    assert "  Part of: Informal (stages 1 and 2)\n" in stage_text(riverside, 2)
    assert "  Part of: Formal (stages 3 and 4)\n" in stage_text(riverside, 3)
    stage_3 = stage_text(riverside, 3)
    assert "  Who acts: Head of service, Assistant director or director" in stage_3
    stage_4 = stage_text(riverside, 4)
    assert "Who acts: Assistant director or director (or equivalent), Conference chair, " in (
        stage_4
    )
    assert "  Accountable: Partnership liaison officer\n" in stage_4
    assert "  Who records its outcome: Assistant director or director (or equivalent)\n" in (
        stage_4
    )
    assert "Who may escalate it: Line manager, Designated or named safeguarding lead, Head of " in (
        stage_text(riverside, 2)
    )


def test_a_procedure_without_names_or_groups_says_neither() -> None:
    text = show("cheshire-east-sab")
    assert "What this procedure calls roles" not in text
    assert "Stage groups" not in text and "Part of:" not in text
    assert "Email subjects:" not in text
    assert "Cases that go somewhere else" not in text


def test_the_subject_label_and_source(riverside: str) -> None:
    assert (
        "Email subjects: Every email Escalate sends about a case carries the label "
        "OFFICIAL-SENSITIVE in its subject.\n"
    ) in riverside
    assert "Protects: adults and children." in riverside
    assert "Riverside Safeguarding Partnership). Date of the document: not given." in read(
        riverside
    )


def test_immediate_risk_says_who_may_skip_how_far_after_whom_and_who_is_told(
    riverside: str,
) -> None:
    risk = read(riverside.split("If someone is at immediate risk", 1)[1].split("\nStage 1", 1)[0])
    assert (
        "Only a designated or named safeguarding lead or a head of service may skip stages." in risk
    )
    assert "A case may skip no further than stage 3." in risk
    assert "Before skipping, they must consult a line manager and record the consultation" in risk
    assert (
        "Escalate tells the partnership liaison officer and both agencies' safeguarding leads "
        "the moment a case is marked as at immediate risk" in risk
    )


def test_routes_say_where_each_kind_of_case_goes(riverside: str) -> None:
    routes = read(riverside.split("Cases that go somewhere else", 1)[1].split("\nStage 1", 1)[0])
    assert (
        "- The child is looked after by the local authority: the case goes to the named "
        "officer for looked-after children instead of up the stages. Call the Riverside "
        "looked-after children's service on 01632 960000. It is never escalated or expedited"
    ) in routes
    assert "Only for cases about children. Escalate tells the partnership liaison officer" in (
        routes
    )
    assert (
        "- A Section 42 safeguarding enquiry is open: the case goes to the lead officer of the "
        "Section 42 enquiry as well; the stages run as usual. Only for cases about adults."
    ) in routes


def test_the_notice_before_escalating_and_the_forums(riverside: str) -> None:
    notice = "Before escalating: - The escalating agency must first tell the other organisation"
    assert notice in read(stage_text(riverside, 2))
    assert all(notice not in read(stage_text(riverside, n)) for n in (1, 3, 4))
    assert (
        "Heard by: Safeguarding Adults Board resolution panel for a case about an adult; "
        "Children's Partnership executive for a case about a child or a family."
    ) in read(stage_text(riverside, 4))


def _with_forms() -> Procedure:
    data: dict[str, Any] = json.loads(library.load_file(RIVERSIDE_FILE).model_dump_json())
    fields = [{"key": "what", "label": "What was agreed", "kind": "long_text"}]
    data["stages"][1]["form"] = {"title": "Managers' record", "fields": fields, "notify": []}
    data["outcome_form"] = {
        "title": "Outcome record",
        "submit_to": "The partnership liaison officer",
        "fields": [*fields, {"key": "notes", "label": "Notes", "required": False}],
    }
    return library.from_dict(data, "riverside with forms")


def test_a_stages_form_and_the_outcome_form() -> None:
    text = read(cli.describe(_with_forms()))
    assert "- Form at this stage: Managers' record. It asks for: What was agreed." in text
    assert (
        "When a case ends resolved - Outcome form: Outcome record; send to the partnership "
        "liaison officer. It asks for: What was agreed; Notes (optional). Escalate tells the "
        "partnership liaison officer when it is submitted."
    ) in text


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("argument", "words"),
    [
        ("definitions/no-such.toml", "definitions/no-such.toml: no such file"),
        ("riversíde", "there is no procedure called 'riversíde'"),
        ("２", "there is no procedure called '２'"),
    ],
)
def test_show_of_something_that_is_not_there_says_so_plainly(
    argument: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["show", argument], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err
