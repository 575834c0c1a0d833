"""The difference between versions names every capability of the definition format in
plain English, and says timescales in the one wording of the procedure page and
``escalate procedure show`` (``timescales.sentence``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from escalate.procedures import library
from escalate.procedures.diff import NOT_SET, Difference, differences
from escalate.procedures.model import Procedure
from escalate.procedures.timescales import sentence

RIVERSIDE = library.load_file(Path(__file__).parent / "definitions" / "riverside.toml")


def changed(edit: Any) -> Procedure:
    """Riverside with ``edit`` made to its data (validated again)."""
    data = json.loads(RIVERSIDE.model_dump_json())
    edit(data)
    return library.from_dict(data, "changed")


def rows(old: Procedure, new: Procedure) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.where.split(":")[0], r.what): (r.before, r.after) for r in differences(old, new)}


def test_every_new_kind_of_timescale_reads_as_one_sentence() -> None:
    def plainer(d: dict[str, Any]) -> None:
        d["stages"][0]["other_deadlines"][0]["timescale"]["hours"] = None
        d["stages"][1]["conclude_by"]["where_possible"] = False
        d["stages"][1]["other_deadlines"][0]["timescale"]["anchor"] = "stage_started"
        d["stages"][2]["conclude_by"]["owner_may_shorten"] = False

    old = changed(plainer)
    found = differences(old, RIVERSIDE)
    s1, s2, s3, _ = RIVERSIDE.stages
    assert s2.conclude_by is not None and s3.conclude_by is not None
    assert [(r.where.split(":")[0], r.what, r.after) for r in found] == [
        (
            "Stage 1",
            "Other deadline",
            sentence(s1.other_deadlines[0].timescale, what="Acknowledge the challenge")
            + " Met when the other professional acknowledges the challenge. (Who: Practitioner.)",
        ),
        ("Stage 2", "Conclude by", sentence(s2.conclude_by, what="Resolve or escalate")),
        (
            "Stage 2",
            "Other deadline",
            sentence(s2.other_deadlines[0].timescale, what="Speak to the other line manager")
            + " Met when the first discussion at the stage is recorded.",
        ),
        ("Stage 3", "Conclude by", sentence(s3.conclude_by, what="Resolve or escalate")),
    ]
    soft = next(r for r in found if r.what == "Conclude by" and r.where.startswith("Stage 2"))
    assert soft.before.startswith("Resolve or escalate within 5 working days")
    assert soft.after.startswith("Where possible, resolve or escalate within 5 working days")
    assert "48 hours (2 working days)" in found[0].after
    assert "48 hours" not in found[0].before


def test_the_procedures_own_words_are_named_plainly() -> None:
    def stripped(d: dict[str, Any]) -> None:
        d["email_subject_label"] = None
        d["role_names"] = {"senior_manager": "Head"}
        d["stage_groups"] = [{"label": "Informal", "stages": [1]}]

    said = rows(changed(stripped), RIVERSIDE)
    assert said[("Procedure", "Label in every email subject")] == ("no label", "OFFICIAL-SENSITIVE")
    names = "The procedure's names for roles"
    assert said[("Procedure", f"{names}: what it calls the senior manager")] == (
        "Head",
        "Head of service",
    )
    assert said[("Procedure", f"{names}: what it calls the independent chair")] == (
        "the usual name (Independent chair)",
        "Conference chair",
    )
    groups = [r for r in differences(changed(stripped), RIVERSIDE) if r.what == "Stage group"]
    assert [(r.before, r.after) for r in groups] == [
        ("Informal (stage 1)", "Informal (stages 1 and 2)"),
        ("", "Formal (stages 3 and 4)"),
    ]


def test_skip_rules_and_who_is_told_of_immediate_risk_are_named_plainly() -> None:
    def no_rules(d: dict[str, Any]) -> None:
        d["expedite"] = {"allowed": True, "prompt": d["expedite"]["prompt"]}

    said = rows(changed(no_rules), RIVERSIDE)
    risk = "If someone is at immediate risk"
    assert said[("Procedure", f"{risk}: who may skip stages")] == (
        "whoever may escalate the stage skipped from",
        "Designated or named safeguarding lead, Head of service",
    )
    assert said[("Procedure", f"{risk}: how far a case may skip")] == (
        "any later stage",
        "up to stage 3",
    )
    assert said[("Procedure", f"{risk}: who must be consulted before skipping")] == (
        "nobody",
        "a line manager, recorded on the case",
    )
    assert said[("Procedure", f"{risk}: who is told at once")] == (
        "nobody",
        "the partnership liaison officer and both agencies' safeguarding leads",
    )


def test_routes_notice_and_forums_are_named_plainly() -> None:
    def fewer(d: dict[str, Any]) -> None:
        d["routes"] = d["routes"][:2]
        d["routes"][0]["instead_of_ladder"] = False
        d["stages"][1]["notice_before_escalation"] = False
        d["stages"][3]["forum_for"] = None

    found = differences(changed(fewer), RIVERSIDE)
    kinds = [r for r in found if r.what == "Kind of case that goes somewhere else"]
    assert kinds[0].before == (
        "The child is looked after by the local authority: the case goes to the named "
        "officer for looked-after children as well; the stages run as usual. Call the "
        "Riverside looked-after children's service on 01632 960000. Only for cases about "
        "children. Escalate tells the partnership liaison officer when such a case is raised."
    )
    assert "instead of up the stages" in kinds[0].after
    assert "It is never escalated or expedited" in kinds[0].after
    assert kinds[-1] == Difference(
        "Procedure",
        "Kind of case that goes somewhere else",
        "",
        "A Section 42 safeguarding enquiry is open: the case goes to the lead officer of the "
        "Section 42 enquiry as well; the stages run as usual. Only for cases about adults. "
        "Escalate tells both agencies' safeguarding leads when such a case is raised.",
    )
    said = rows(changed(fewer), RIVERSIDE)
    assert said[("Stage 2", "Notice before escalating")] == (
        "not needed",
        "the other organisation must be told of the intention to escalate first",
    )
    assert said[("Stage 4", "Who hears it, for adults and for children")] == (
        NOT_SET,
        "Safeguarding Adults Board resolution panel for a case about an adult; Children's "
        "Partnership executive for a case about a child or a family",
    )


def test_forms_are_named_plainly() -> None:
    def without_forms(d: dict[str, Any]) -> None:
        d["stages"][1]["form"] = None
        d["stages"][3]["form"] = None
        d["outcome_form"] = None

    said = rows(changed(without_forms), RIVERSIDE)
    assert said[("Stage 2", "Form at this stage")] == (
        NOT_SET,
        "Notice of intention to escalate, sent to the opposite line manager in the other "
        "agency (Escalate tells the counterpart in the other agency and both agencies' "
        "safeguarding leads.)",
    )
    assert said[("Stage 4", "Form at this stage")] == (
        NOT_SET,
        "Referral to the conference chair, sent to the conference chair (Escalate tells the "
        "conference chair.)",
    )
    assert said[("Procedure", "Outcome form")] == (
        NOT_SET,
        "Record of the resolved disagreement (Escalate tells the partnership liaison officer "
        "and "
        "both agencies' safeguarding leads.)",
    )


def test_no_field_of_riverside_shows_by_its_raw_name() -> None:
    empty = {"allowed": False}

    def bare(d: dict[str, Any]) -> None:
        for name in ("email_subject_label", "routes", "stage_groups", "role_names"):
            d.pop(name)
        d["expedite"] = empty
        for stage in d["stages"]:
            for name in ("notice_before_escalation", "forum_for", "conclude_by"):
                stage.pop(name, None)
            stage["other_deadlines"] = []

    for row in differences(changed(bare), RIVERSIDE) + differences(RIVERSIDE, changed(bare)):
        assert "_" not in row.what, row
        for raw in ("Skip ", "Forum for", "Role names", "Routes", "Instead of ladder"):
            assert raw not in row.what, row
        assert "{" not in row.before + row.after, row


def test_each_side_of_a_change_names_roles_as_its_own_version_does() -> None:
    def usual_names(d: dict[str, Any]) -> None:
        d["role_names"] = {}
        d["stages"][3]["notify_on_start"] = ["business_unit"]

    said = rows(changed(usual_names), RIVERSIDE)
    # Before, in the old version's words (no names of its own); after, in the new one's.
    assert said[("Stage 4", "Who is told when it starts")] == (
        "the board's business unit",
        "the conference chair",
    )


def test_renaming_a_role_does_not_show_what_names_it_as_changed() -> None:
    def usual_names(d: dict[str, Any]) -> None:
        d["role_names"] = {}

    found = differences(changed(usual_names), RIVERSIDE)
    # Only the names themselves changed; routes, duties and forms that tell the renamed
    # roles are the same in both versions, so no row names them.
    assert {r.what.split(":")[0] for r in found} == {"The procedure's names for roles"}
    assert len(found) == 3
