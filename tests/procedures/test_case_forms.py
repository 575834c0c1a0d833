"""A form at any stage and an outcome form, in the definition format: written
``[stages.form]`` (or, as the seeds still write it, ``[stages.referral_form]``) and
``[outcome_form]``; filled only from facts the case can have; described in the schema;
and older stored snapshots still load."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from escalate.procedures import library, schema
from escalate.procedures.base import FROM_TEXT
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import (
    OUTCOME_FORM_KEY,
    CaseForm,
    Procedure,
    Recipient,
    ReferralForm,
)

STAGE_FORMS = Path(__file__).parents[1] / "reports" / "stage_forms.toml"
TEXT = STAGE_FORMS.read_text(encoding="utf-8")
SEEDS = sorted(library.LIBRARY.glob("*.toml"))


def problems_in(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        library.parse(text, "changed.toml")
    return caught.value.problems


def test_a_form_at_any_stage_and_an_outcome_form_are_read() -> None:
    procedure = library.parse(TEXT)
    assert [(f.key, f.stage) for f in procedure.case_forms] == [
        ("stage-1", 1),
        ("stage-3", 3),
        ("stage-4", 4),
        (OUTCOME_FORM_KEY, None),
    ]
    first = procedure.stage(1).form
    assert first is not None and first.title == "Record of the first conversation (Step 1)"
    # A form kept on the case is sent nowhere; who is told is the form's to say.
    assert first.submit_to is None and first.notify == (Recipient.SAFEGUARDING_LEADS,)
    assert procedure.outcome_form is not None
    assert procedure.outcome_form.notify == (Recipient.BUSINESS_UNIT,)  # the default
    assert procedure.outcome_form.told_words() == "the board's business unit"
    # The older name still reads the stage's form (for code that asks for it so).
    assert procedure.stage(3).referral_form is procedure.stage(3).form
    assert ReferralForm is CaseForm


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_is_read_unchanged_with_its_form_under_the_older_name(path: Path) -> None:
    procedure = library.load_file(path)
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    older = [i for i, s in enumerate(written["stages"]) if "referral_form" in s]
    assert [i for i, s in enumerate(procedure.stages) if s.form] == older
    for i in older:
        form = procedure.stages[i].form
        assert form is not None and form.title == written["stages"][i]["referral_form"]["title"]
        assert form.notify == (Recipient.BUSINESS_UNIT,)
    assert procedure.outcome_form is None


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_a_snapshot_stored_before_forms_were_renamed_still_loads(path: Path) -> None:
    procedure = library.load_file(path)
    stored = json.loads(procedure.model_dump_json())
    # As snapshots were stored before: "referral_form" on each stage, no outcome form.
    del stored["outcome_form"]
    for stage in stored["stages"]:
        stage["referral_form"] = stage.pop("form")
    assert library.from_dict(stored) == procedure
    # And one stored now loads as itself.
    assert library.from_dict(json.loads(procedure.model_dump_json())) == procedure


def test_both_names_on_one_stage_are_refused_on_the_line_of_the_older() -> None:
    text = TEXT.replace(
        "# A form at stage 3, sent to someone, telling two kinds of people.\n[stages.form]",
        '[stages.referral_form]\ntitle = "Another"\n[[stages.referral_form.fields]]\n'
        'key = "x"\nlabel = "X"\n\n[stages.form]',
    )
    [problem] = problems_in(text)
    line = text.splitlines().index("[stages.referral_form]") + 1
    assert problem.startswith(f"line {line}, stages[2] (stage 3).referral_form: ")
    assert "gives both form and referral_form" in problem
    assert "keep form and leave referral_form out" in problem


def test_the_resolutions_facts_are_refused_outside_the_outcome_form() -> None:
    text = TEXT.replace('prefill = "disagreement.summary"', 'prefill = "outcome.summary"', 1)
    [problem] = problems_in(text)
    assert "stages[2] (stage 3).form.fields[3].prefill" in problem
    assert "'outcome.summary' is the resolution's" in problem
    assert "only the outcome form may be filled from it" in problem
    # The line of the field itself, for whoever edits the file.
    line = text.splitlines().index('prefill = "outcome.summary"') + 1
    assert problem.startswith(f"line {line}, ")
    # In the seeds' older name too, named as written.
    seed = (library.LIBRARY / "cheshire-east-sab.toml").read_text(encoding="utf-8")
    [problem] = problems_in(seed.replace('prefill = "person.address"', 'prefill = "outcome.on"'))
    assert "stages[3] (stage 4).referral_form.fields[2].prefill" in problem
    assert "'outcome.on' is the resolution's" in problem


def test_the_outcome_form_may_be_filled_from_the_resolution() -> None:
    procedure = library.parse(TEXT)
    assert procedure.outcome_form is not None
    sources = {f.prefill.value for f in procedure.outcome_form.fields if f.prefill}
    assert {"outcome.summary", "outcome.on", "stage.owner", "stage.started_on"} <= sources


def _two_stages() -> dict[str, Any]:
    """Cheshire East cut to its first two steps, the second its final one."""
    data = tomllib.loads((library.LIBRARY / "cheshire-east-sab.toml").read_text("utf-8"))
    data["stages"] = copy.deepcopy(data["stages"][:2])
    data["stages"][1].pop("on_unresolved")
    data["stages"][1].pop("escalate_roles", None)
    data["stages"][1]["form"] = {
        "title": "Step 2 record",
        "fields": [
            {"key": "by", "label": "Escalated at step 3 by", "prefill": "stage_3.escalated_by"}
        ],
    }
    return data


def refused(data: dict[str, Any]) -> str:
    """What a definition made (or typed) now is refused with: every rule applies."""
    with pytest.raises(ValidationError) as caught:
        Procedure.model_validate(data)
    [error] = caught.value.errors()
    cause = error["ctx"]["error"]
    where = (*error["loc"], *getattr(cause, "at", ()))
    return f"{'.'.join(str(p) for p in where)}: {cause}"


def test_a_later_stages_facts_are_refused_where_the_procedure_has_no_such_stage() -> None:
    problem = refused(_two_stages())
    assert problem.startswith("stages.1.form.fields.0.prefill: ")
    assert (
        "'stage_3.escalated_by' is about stage 3, but this procedure has stages 1 to 2" in problem
    )
    fixed = _two_stages()
    fixed["stages"][1]["form"]["fields"][0]["prefill"] = "stage.owner"
    assert Procedure.model_validate(fixed).stage(2).form is not None
    # The outcome form too.
    data = _two_stages()
    data["outcome_form"] = data["stages"][1].pop("form")
    assert refused(data).startswith("outcome_form.fields.0.prefill: ")
    # Typed in a definition's text, the problem names the field and its line.
    one_stage = TEXT.replace('prefill = "stage_2.escalated_by"', 'prefill = "stage_3.escalated_by"')
    assert library.parse(one_stage).stage(3).form is not None  # stage 3 exists here
    # A snapshot stored before is held to the rules it was stored under: it still loads.
    stored = json.loads(json.dumps(_two_stages(), default=str))
    procedure = Procedure.model_validate(stored, context={FROM_TEXT: False})
    assert procedure.stage(2).form is not None


def test_a_forms_recipients_are_each_named_once() -> None:
    text = TEXT.replace(
        'notify = ["safeguarding_leads", "business_unit"]',
        'notify = ["business_unit", "business_unit"]',
    )
    [problem] = problems_in(text)
    assert "stages[2] (stage 3).form.notify" in problem and "duplicate recipient" in problem


def test_the_schema_describes_form_and_outcome_form_and_takes_both_spellings() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    found = schema.json_schema()
    stage = found["$defs"]["Stage"]["properties"]
    assert "form" in stage and stage["form"]["description"].strip()
    assert "older name of form" in stage["referral_form"]["description"]
    outcome = found["properties"]["outcome_form"]
    assert "resolved" in outcome["description"]
    case_form = found["$defs"]["CaseForm"]["properties"]
    assert {"submit_to", "notify"} <= set(case_form)
    assert "outcome.summary" in found["$defs"]["FormField"]["properties"]["prefill"]["description"]

    # TOML dates are dates; in JSON they are YYYY-MM-DD text.
    data = json.loads(json.dumps(tomllib.loads(TEXT), default=lambda d: d.isoformat()))
    jsonschema.validate(data, found)
    both = copy.deepcopy(data)
    both["stages"][0]["referral_form"] = both["stages"][0]["form"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(both, found)
