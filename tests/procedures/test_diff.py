"""What changed between two versions of a procedure, in words a board user understands."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from escalate.procedures import cli, library
from escalate.procedures.diff import NOBODY, NOT_SET, Difference, differences
from escalate.procedures.model import Procedure, Stage
from escalate.procedures.timescales import sentence

OLD = library.get("cheshire-east-sab")


def changed(edit: Any) -> Procedure:
    """The Cheshire East procedure with ``edit`` made to its data (validated again)."""
    data = json.loads(OLD.model_dump_json())
    edit(data)
    return library.from_dict(data, "changed")


def test_the_same_procedure_has_no_differences() -> None:
    for key in library.load_library():
        procedure = library.get(key)
        assert differences(procedure, procedure) == []
        assert differences(procedure, procedure.model_copy(deep=True)) == []


def test_a_first_version_is_all_new() -> None:
    rows = differences(None, OLD)
    assert rows[0] == Difference(
        "Procedure", "Procedure", "", f"{OLD.name} (version {OLD.version})"
    )
    assert [r.where for r in rows[1:]] == [f"Stage {s.number} (added)" for s in OLD.stages]
    assert all(r.before == "" for r in rows)
    assert rows[1].after.startswith(f"{OLD.stage(1).title}. Who acts: Practitioner")


def test_a_timescale_reads_as_the_procedure_page_says_it() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["stages"][1]["conclude_by"]["amount"] = 12

    new = changed(edit)
    old_t, new_t = OLD.stage(2).conclude_by, new.stage(2).conclude_by
    assert old_t is not None and new_t is not None
    assert differences(OLD, new) == [
        Difference(
            f"Stage 2: {OLD.stage(2).title}",
            "Conclude by",
            sentence(old_t, what="Resolve or escalate"),
            sentence(new_t, what="Resolve or escalate"),
        )
    ]
    assert (
        "by day 12, counting the day the concern arose as day 1" in differences(OLD, new)[0].after
    )


def test_a_timescale_taken_away_is_not_set() -> None:
    def edit(d: dict[str, Any]) -> None:
        del d["stages"][0]["start_by"]

    [row] = differences(OLD, changed(edit))
    assert (row.what, row.after) == ("Start by", NOT_SET)
    assert row.before.startswith("Start within 1 working day")


def test_a_change_only_the_source_shows_is_still_listed() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["stages"][0]["start_by"]["source"] = "A new quotation."

    [row] = differences(OLD, changed(edit))
    assert row.what == "Start by: where the document says so"
    assert row.after == "A new quotation."


def test_roles_read_by_their_labels_and_defaults_say_so() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["stages"][1]["owner_roles"] = ["line_manager"]
        d["stages"][0]["roles"] = ["practitioner", "line_manager"]

    rows = differences(OLD, changed(edit))
    assert (
        Difference(
            f"Stage 1: {OLD.stage(1).title}",
            "Who acts",
            "Practitioner",
            "Practitioner, Line manager",
        )
        in rows
    )
    owner = next(r for r in rows if r.what == "Who may own the stage")
    assert owner.before.startswith("whoever acts (Line manager")
    assert owner.after == "Line manager"


def test_who_is_told_reads_as_the_emails_say_it() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["stages"][0]["notify_on_start"] = ["business_unit", "safeguarding_leads"]
        d["policy_issues"]["notify"] = ["statutory_partners"]
        d["on_every_decision"] = []

    rows = {(r.where, r.what): (r.before, r.after) for r in differences(OLD, changed(edit))}
    assert rows[(f"Stage 1: {OLD.stage(1).title}", "Who is told when it starts")] == (
        NOBODY,
        "the board's business unit and both agencies' safeguarding leads",
    )
    assert rows[("Procedure", "Who is told of a policy issue")] == (
        "the independent chair and the board's business unit",
        "the statutory partners and the board's business unit",
    )
    before, after = rows[("Procedure", "Who is told of every decision at every stage")]
    assert after == NOBODY and before == cli.who(OLD.on_every_decision)


def test_stages_added_removed_and_retitled() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["stages"][1]["title"] = "Line managers"
        d["stages"][3]["on_unresolved"] = {"text": "Go to the director.", "notify": []}
        d["stages"].append(
            {"number": 5, "title": "Directors", "roles": ["director"], "guidance": "Meet."}
        )

    new = changed(edit)
    rows = differences(OLD, new)
    assert (
        Difference(
            "Stage 2: Line managers",
            "Title",
            "Safeguarding leads and line managers",
            "Line managers",
        )
        in rows
    )
    assert rows[-1] == Difference(
        "Stage 5 (added)",
        "Stage",
        "",
        "Directors. Who acts: Assistant director or director (or equivalent).",
    )
    assert differences(new, OLD)[-1] == Difference("Stage 5 (removed)", "Stage", "Directors", "")
    assert (
        Difference(
            f"Stage 4: {OLD.stage(4).title}", "If not resolved", NOT_SET, "Go to the director."
        )
        in rows
    )


def test_procedure_first_then_stage_by_stage() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["stages"][2]["guidance"] = "New guidance."
        d["stages"][0]["guidance"] = "Talk first."
        d["version"] = "May 2026"
        d["review"] = "2027-05-01"

    rows = differences(OLD, changed(edit))
    assert [(r.where.split(":")[0], r.what) for r in rows] == [
        ("Procedure", "Version"),
        ("Procedure", "Review by"),
        ("Stage 1", "Guidance"),
        ("Stage 3", "Guidance"),
    ]
    assert rows[1].after == "1 May 2027"


def test_list_items_added_removed_and_changed() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["principles"] = [*d["principles"][1:], "Be kind."]
        d["stages"][2]["checklist"][0]["text"] = "Phone the board representative."
        d["categories"] = d["categories"][1:]
        d["stages"][3]["on_resolved"][0]["text"] = "Tell everyone."

    rows = differences(OLD, changed(edit))
    principles = [r for r in rows if r.what == "Principle"]
    assert principles == [
        Difference("Procedure", "Principle", OLD.principles[0], ""),
        Difference("Procedure", "Principle", "", "Be kind."),
    ]
    assert Difference("Procedure", "Category", OLD.categories[0].label, "") in rows
    action = next(r for r in rows if r.what == "Required action")
    assert (action.before, action.after) == (
        OLD.stage(3).checklist[0].text,
        "Phone the board representative.",
    )
    duty = next(r for r in rows if r.what == "If resolved")
    assert duty.after == "Tell everyone. (Escalate tells everyone involved.)"


def test_expedite_and_dates_in_words() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["expedite"]["allowed"] = not d["expedite"]["allowed"]
        d["effective"] = "2023-05-01"

    rows = {r.what: (r.before, r.after) for r in differences(OLD, changed(edit))}
    assert rows["Effective from"][1] == "1 May 2023"
    assert set(rows["If someone is at immediate risk: may a case skip stages"]) == {"yes", "no"}


def test_referral_form_fields_by_key() -> None:
    final = len(OLD.stages) - 1

    def edit(d: dict[str, Any]) -> None:
        d["stages"][final]["form"] = {
            "title": "Referral to the chair",
            "submit_to": "The business unit",
            "fields": [{"key": "summary", "label": "Summary", "kind": "long_text"}],
        }

    new = changed(edit)
    old = OLD.model_copy(
        update={
            "stages": (
                *OLD.stages[:final],
                OLD.stages[final].model_copy(update={"form": None}),
            )
        }
    )
    [row] = differences(old, new)
    assert (row.what, row.before, row.after) == (
        "Form at this stage",
        NOT_SET,
        "Referral to the chair, sent to the business unit (Escalate tells the board's "
        "business unit.)",
    )

    def renamed(d: dict[str, Any]) -> None:
        edit(d)
        d["stages"][final]["form"]["fields"][0]["required"] = False
        d["stages"][final]["form"]["fields"].append(
            {"key": "born", "label": "Date of birth", "kind": "date"}
        )

    rows = differences(new, changed(renamed))
    assert [(r.what, r.before, r.after) for r in rows] == [
        ("Form at this stage: field", "Summary (long text)", "Summary (long text, optional)"),
        ("Form at this stage: field", "", "Date of birth (date)"),
    ]


class _LaterStage(Stage):
    """A stage as a later format might have it: a field this module has no words for."""

    meeting_room: str | None = Field(default=None)


def test_a_field_added_to_the_format_later_still_shows_by_its_name() -> None:
    later = _LaterStage(**OLD.stage(1).model_dump(), meeting_room="Room 4")
    new = OLD.model_copy(update={"stages": (later, *OLD.stages[1:])})
    assert differences(OLD, new) == [
        Difference(f"Stage 1: {OLD.stage(1).title}", "Meeting room", NOT_SET, "Room 4")
    ]


def test_every_seed_compared_with_every_other_gives_readable_rows() -> None:
    procedures = list(library.load_library().values())
    for old in procedures:
        for new in procedures:
            for row in differences(old, new):
                assert row.before != row.after, row
                assert row.where and row.what, row
                assert "{" not in row.before + row.after, row  # no raw dumps
                assert "Recipient." not in row.after and "Role." not in row.after
