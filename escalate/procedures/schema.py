"""The JSON Schema of the definition format, every field described.

Most fields carry their description where they are declared. Those that do not (yet)
are described here, so that ``escalate procedure schema`` explains the whole format to
whoever writes a definition; a description written on the field always wins. Pure
Python: nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

from escalate.procedures.base import ONE_LINE_PATTERN
from escalate.procedures.model import ROLE_LABELS, Procedure, Role

_SOURCE = "The words of the document this follows, quoted, so a reader can check it."

#: Descriptions of fields declared without one, by model and field.
FIELD_WORDS: dict[str, dict[str, str]] = {
    "Procedure": {
        "key": "Names the procedure: lower-case letters and digits joined by hyphens or "
        "underscores ('cheshire-east-sab'); a library file is named after it.",
        "name": "The procedure's name, as the document gives it.",
        "partnership": "The safeguarding board or partnership whose procedure it is.",
        "version": "The document's version, as it gives it ('V2.2', 'April 2023').",
        "effective": "The day the procedure takes effect (YYYY-MM-DD, no quotes).",
        "review": "The day the document is due for review, if it gives one.",
        "source": "The document this definition is read from.",
        "protects": "Whom the procedure protects: adults, children or both.",
        "region": "Whose bank holidays decide the working days: england-and-wales, "
        "scotland or northern-ireland.",
        "principles": "The principles the document sets out, one sentence each.",
        "guidance": "What the procedure is for and how to use it, in a few paragraphs "
        "(shown at the top of the procedure page).",
        "out_of_scope": "Situations the procedure does not cover, and where to go instead.",
        "categories": "What disagreements are usually about; a person raising a "
        "challenge picks one.",
        "stages": "The stages, in order, numbered 1, 2, 3, ...: at least one.",
    },
    "Source": {
        "title": "The document's title.",
        "publisher": "Who published the document.",
        "file": "The file the document is kept in, if any.",
        "url": "Where the document is published, if anywhere.",
        "dated": "When the document is dated.",
    },
    "OutOfScope": {
        "situation": "A situation the procedure does not cover.",
        "go_instead": "What to do, or where to go, instead.",
        "source": _SOURCE,
    },
    "Category": {
        "key": "Names the category; unique within the procedure.",
        "label": "The category in words, as people choose it.",
    },
    "Expedite": {
        "guidance": "More about when to skip stages, if the document says.",
        "source": _SOURCE,
    },
    "PolicyIssues": {"source": _SOURCE},
    "Stage": {
        "number": "The stage's number: 1 for the first, and so on, without gaps.",
        "title": "The stage's title, as the document gives it.",
        "guidance": "What happens at this stage, in the document's words.",
        "checklist": "The actions required at this stage, each ticked off when done.",
        "start_by": "When the stage must have started, if the document says.",
        "conclude_by": "When the stage must be resolved or escalated, if the document says.",
        "other_deadlines": "Any other deadlines at this stage, each with its own label.",
        "notify_on_start": "Who is told when the stage starts.",
        "on_resolved": "What must happen when this stage resolves the disagreement.",
        "on_unresolved": "What happens when this stage does not resolve it (required "
        "for every stage but the last).",
        "panel": "A panel this stage may refer the case to, if there is one.",
        "source": _SOURCE,
    },
    "ChecklistItem": {
        "key": "Names the action; unique within the stage.",
        "text": "The action, as a short instruction.",
        "source": _SOURCE,
    },
    "NamedDeadline": {
        "key": "Names the deadline; unique within the stage.",
        "label": "What must happen by then, in words ('Chair's recommendation sent').",
        "timescale": "When it is due.",
        "role": "The role whose deadline it is, if one (a role acting at the stage).",
    },
    "Duty": {
        "kind": "What must happen: one of the duty kinds.",
        "text": "The duty, in the document's words.",
    },
    "Unresolved": {
        "text": "What to do when the stage does not resolve the disagreement.",
        "notify": "Who is told when the case moves on unresolved.",
    },
    "Panel": {
        "name": "The panel's name.",
        "when": "When a case is referred to it.",
        "how_to_refer": "How to refer a case to it, if the document says.",
        "notify": "Who is told when a case is referred to it.",
    },
    "RoleNames": {
        role.value: f"This procedure's own name for the role '{role.value}' (usually "
        f"'{ROLE_LABELS[role]}'), if it has one."
        for role in Role
    },
    "StageGroup": {
        "label": "The heading the document groups the stages under ('Informal').",
        "stages": "The numbers of the stages under that heading.",
    },
}

#: Descriptions of definitions that have none (enumerations without a docstring).
MODEL_WORDS: dict[str, str] = {
    "Procedure": "A safeguarding board's professional challenge and escalation procedure: "
    "one TOML file, read stage by stage.",
    "Protects": "Whom a procedure protects: adults, children or both.",
    "Source": "The document a definition is read from.",
    "OutOfScope": "A situation the procedure does not cover, and where to go instead.",
    "Category": "What a disagreement is about, as a person raising it chooses.",
    "Stage": "One stage of the procedure: who acts, what they must do, by when, who is "
    "told, and what happens when it resolves the disagreement or does not.",
    "ChecklistItem": "An action required at a stage, ticked off when done.",
    "NamedDeadline": "A deadline at a stage besides its start-by and conclude-by.",
    "Duty": "Something that must happen when a stage resolves the disagreement.",
    "Unresolved": "What happens when a stage does not resolve the disagreement.",
    "Panel": "A panel a stage may refer a case to.",
}


#: The older name of a stage's ``form``, still read (one or the other, never both).
OLDER_FORM_NAME = "referral_form"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a procedure definition, with every field described."""
    schema = Procedure.model_json_schema()
    _describe("Procedure", schema)
    for name, definition in schema.get("$defs", {}).items():
        _describe(name, definition)
    _older_form_name(schema["$defs"]["Stage"])
    return schema


def _older_form_name(stage: dict[str, Any]) -> None:
    """A stage's form may still be written under its older name, ``referral_form``."""
    properties = stage["properties"]
    form = properties["form"]
    properties[OLDER_FORM_NAME] = {
        **{k: v for k, v in form.items() if k != "description"},
        "description": "The older name of form (from when only the final stage's referral "
        "form was known), still read: give form or referral_form, not both.",
        "deprecated": True,
    }
    stage["not"] = {"required": ["form", OLDER_FORM_NAME]}


def _describe(name: str, definition: dict[str, Any]) -> None:
    if not definition.get("description") and name in MODEL_WORDS:
        definition["description"] = MODEL_WORDS[name]
    words = FIELD_WORDS.get(name, {})
    for field, prop in definition.get("properties", {}).items():
        if not prop.get("description") and field in words:
            prop["description"] = words[field]
        if _one_line(prop):
            prop["description"] = f"{prop.get('description', '').rstrip()} {ONE_LINE}".lstrip()


#: What a one-line field's description adds to say so (its pattern says it to a machine).
ONE_LINE = "One line: no line breaks or tabs."


def _one_line(prop: dict[str, Any]) -> bool:
    """Whether a property is one-line text (or an optional one, or a list of them)."""
    given = [prop, *prop.get("anyOf", ()), prop.get("items") or {}]
    return any(p.get("pattern") == ONE_LINE_PATTERN for p in given)
