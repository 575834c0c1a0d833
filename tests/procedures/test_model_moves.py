"""What a definition may say about moves and words, each refused in plain English when
it is wrong: values the document does not give, the email subject label, the
procedure's own role names and stage groups, who is told of immediate risk, who may
skip stages and how far, and the notice before escalating."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import NOT_GIVEN, Recipient, Role

RIVERSIDE_FILE = Path(__file__).parent / "definitions" / "riverside.toml"
RIVERSIDE: dict[str, Any] = tomllib.loads(RIVERSIDE_FILE.read_text(encoding="utf-8"))


def changed(**changes: Any) -> dict[str, Any]:
    """Riverside with top-level tables or values replaced (None: left out)."""
    data = copy.deepcopy(RIVERSIDE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        library.from_dict(data, "riverside.toml")
    found = caught.value.problems
    assert all("Value error" not in p and "pydantic" not in p for p in found), found
    return found


def test_the_riverside_definition_is_valid_and_says_everything() -> None:
    p = library.load_file(RIVERSIDE_FILE)
    assert p.email_subject_label == "OFFICIAL-SENSITIVE"
    assert p.role_label(Role.SENIOR_MANAGER) == "Head of service"
    assert p.role_label(Role.LINE_MANAGER) == "Line manager"  # not renamed
    assert p.role_names.given() == {
        Role.SENIOR_MANAGER: "Head of service",
        Role.INDEPENDENT_CHAIR: "Conference chair",
        Role.BUSINESS_UNIT: "Partnership liaison officer",
    }
    assert [(g.label, g.stages) for g in p.stage_groups] == [
        ("Informal", (1, 2)),
        ("Formal", (3, 4)),
    ]
    group = p.group_of(3)
    assert group is not None and group.label == "Formal"
    assert p.expedite.notify == (Recipient.BUSINESS_UNIT, Recipient.SAFEGUARDING_LEADS)
    assert p.expedite.skip_roles == (Role.SAFEGUARDING_LEAD, Role.SENIOR_MANAGER)
    assert (p.expedite.skip_up_to, p.expedite.skip_needs_consultation) == (3, Role.LINE_MANAGER)
    assert p.stage(2).notice_before_escalation and not p.stage(1).notice_before_escalation


def test_every_library_definition_still_loads_and_says_none_of_the_new_things() -> None:
    for p in library.load_library().values():
        assert p.email_subject_label is None
        assert p.role_names.given() == {}
        assert p.stage_groups == ()
        assert p.expedite.notify == () and p.expedite.skip_roles == ()
        assert not any(s.notice_before_escalation for s in p.stages)


# ---------------------------------------------------------------- 1. not given


def test_an_undated_document_leaves_dated_out_and_reads_not_given() -> None:
    p = library.from_dict(RIVERSIDE)
    assert p.source.dated is None
    assert p.source.dated_words == NOT_GIVEN == "not given"
    dated = copy.deepcopy(RIVERSIDE)
    dated["source"]["dated"] = "March 2025"
    assert library.from_dict(dated).source.dated_words == "March 2025"


def test_a_document_with_no_immediate_risk_words_leaves_out_the_prompt() -> None:
    expedite = dict(RIVERSIDE["expedite"])
    del expedite["prompt"]
    p = library.from_dict(changed(expedite=expedite))
    assert p.expedite.prompt is None
    assert p.expedite.prompt_words == "What to do when someone is at immediate risk: not given."


def test_a_document_silent_on_immediate_risk_leaves_out_expedite_and_skips_nothing() -> None:
    p = library.from_dict(changed(expedite=None))
    assert (p.expedite.allowed, p.expedite.prompt, p.expedite.notify) == (False, None, ())


def test_an_empty_dated_or_prompt_is_still_refused() -> None:
    data = copy.deepcopy(RIVERSIDE)
    data["source"]["dated"] = "  "
    data["expedite"]["prompt"] = ""
    assert problems(data) == [
        "source.dated: must not be empty",
        "expedite.prompt: must not be empty",
    ]


# ---------------------------------------------------------------- 2. subject label


@pytest.mark.parametrize(
    ("label", "words"),
    [
        pytest.param("OFFICIAL\nSENSITIVE", ["control character", "U+000A", "one line"], id="nl"),
        pytest.param("OFFICIAL\x00", ["control character", "U+0000"], id="nul"),
        pytest.param("OFFICIAL\tSENSITIVE", ["control character", "U+0009"], id="tab"),
        pytest.param("OFFICIAL\u202eSENSITIVE", ["control character", "U+202E"], id="bidi"),
        pytest.param("X" * 41, ["41 characters long", "40 characters or fewer"], id="long"),
        pytest.param("   ", ["must not be empty", "leave email_subject_label out"], id="blank"),
        pytest.param("Re: Alex <a@b.org>", ["'<' cannot be used", "never anyone's name"], id="<"),
        pytest.param("alex@example.org", ["'@' cannot be used"], id="address"),
        pytest.param(7, ["must be text in quotes"], id="number"),
        pytest.param("Re: John Smith DOB 01/02/2010", ["cannot hold digits"], id="dob"),
        pytest.param("NHS 943 476 5919", ["cannot hold digits", "NHS number"], id="nhs"),
        pytest.param("OFFICIAL \u00bd \u216b", ["cannot hold digits"], id="numerals"),
        pytest.param("Smith family", ["not a protective marking", "OFFICIAL"], id="name"),
    ],
)
def test_a_bad_email_subject_label_is_refused_in_plain_words(
    label: object, words: list[str]
) -> None:
    (found,) = problems(changed(email_subject_label=label))
    assert found.startswith("email_subject_label: "), found
    for word in words:
        assert word in found, found


def test_a_subject_label_is_trimmed_and_may_use_brackets_and_hyphens() -> None:
    p = library.from_dict(changed(email_subject_label="  [OFFICIAL-SENSITIVE: Personal]  "))
    assert p.email_subject_label == "[OFFICIAL-SENSITIVE: Personal]"


# ---------------------------------------------------------------- 3. names and groups


def test_a_misspelt_role_in_role_names_is_refused_with_a_suggestion() -> None:
    (found,) = problems(changed(role_names={"senior_manger": "Head of service"}))
    assert found == (
        "role_names.senior_manger: is not a field this format knows; did you mean 'senior_manager'?"
    )


@pytest.mark.parametrize(
    ("name", "words"),
    [
        pytest.param("", ["must not be empty"], id="empty"),
        pytest.param("Head\nof service", ["control character"], id="newline"),
        pytest.param("H" * 81, ["81 characters long"], id="long"),
    ],
)
def test_a_bad_role_name_is_refused(name: str, words: list[str]) -> None:
    (found,) = problems(changed(role_names={"senior_manager": name}))
    assert found.startswith("role_names.senior_manager: "), found
    for word in words:
        assert word in found


@pytest.mark.parametrize(
    ("groups", "where", "words"),
    [
        pytest.param(
            [{"label": "Informal", "stages": [1, 5]}],
            "stage_groups[0].stages",
            "there is no stage 5: this procedure has stages 1 to 4",
            id="no such stage",
        ),
        pytest.param(
            [{"label": "Informal", "stages": [1, 2]}, {"label": "Formal", "stages": [2, 3]}],
            "stage_groups[1].stages",
            "stage 2 is already in the group 'Informal': a stage belongs to one group at most",
            id="overlap",
        ),
        pytest.param(
            [{"label": "Informal", "stages": [1, 1]}],
            "stage_groups[0].stages",
            "duplicate stage 1",
            id="twice",
        ),
        pytest.param(
            [{"label": "Informal", "stages": []}],
            "stage_groups[0].stages",
            "must not be empty",
            id="empty",
        ),
        pytest.param(
            [{"label": "Informal", "stages": [1]}, {"label": "informal", "stages": [2]}],
            "stage_groups[1].label",
            "a group called 'informal' is listed twice",
            id="same label",
        ),
        pytest.param(
            [{"label": "Informal", "stages": [1], "colour": "blue"}],
            "stage_groups[0].colour",
            "is not a field this format knows",
            id="unknown field",
        ),
    ],
)
def test_bad_stage_groups_are_refused_at_the_group(
    groups: list[dict[str, Any]], where: str, words: str
) -> None:
    (found,) = problems(changed(stage_groups=groups))
    assert found.startswith(f"{where}: "), found
    assert words in found, found


# ---------------------------------------------------------------- 4 and 5. expedite


def expedite_with(**fields: Any) -> dict[str, Any]:
    expedite = dict(RIVERSIDE["expedite"])
    for key, value in fields.items():
        if value is None:
            expedite.pop(key, None)
        else:
            expedite[key] = value
    return changed(expedite=expedite)


@pytest.mark.parametrize(
    ("fields", "where", "words"),
    [
        pytest.param(
            {"notify": ["business_unit", "business_unit"]},
            "expedite.notify",
            "duplicate recipient 'business_unit'",
            id="notify twice",
        ),
        pytest.param(
            {"notify": ["the_police"]},
            "expedite.notify[0]",
            "'the_police' is not allowed",
            id="unknown recipient",
        ),
        pytest.param(
            {"skip_up_to": 9},
            "expedite.skip_up_to",
            "there is no stage 9: this procedure has stages 1 to 4",
            id="skip beyond the last stage",
        ),
        pytest.param(
            {"skip_up_to": 1},
            "expedite.skip_up_to",
            "1 must be 2 or more",
            id="skip to stage 1",
        ),
        pytest.param(
            {"skip_roles": ["board_representative"]},
            "expedite.skip_roles",
            "'board_representative' acts at no stage of this procedure",
            id="skipper who never acts",
        ),
        pytest.param(
            {"skip_roles": ["independent_chair"]},
            "expedite.skip_roles",
            "'independent_chair' is a partnership role, and a case is raised",
            id="skipper in a partnership role",
        ),
        pytest.param(
            {"skip_needs_consultation": "independent_chair"},
            "expedite.skip_needs_consultation",
            "'independent_chair' is a partnership role",
            id="consult a partnership role",
        ),
        pytest.param(
            {"allowed": False},
            "expedite.skip_roles",
            "allowed is false so no stage is ever skipped",
            id="skip rules without skipping",
        ),
    ],
)
def test_bad_expedite_rules_are_refused_at_the_field(
    fields: dict[str, Any], where: str, words: str
) -> None:
    found = problems(expedite_with(**fields))
    assert found[0].startswith(f"{where}: "), found
    assert words in found[0], found


# ---------------------------------------------------------------- 6. notice


def test_the_final_stage_needs_no_notice_before_escalation() -> None:
    data = copy.deepcopy(RIVERSIDE)
    data["stages"][3]["notice_before_escalation"] = True
    (found,) = problems(data)
    assert found.startswith("stages[3] (stage 4).notice_before_escalation: "), found
    assert "final stage" in found


def test_notice_before_escalation_must_be_true_or_false() -> None:
    data = copy.deepcopy(RIVERSIDE)
    data["stages"][1]["notice_before_escalation"] = "sometimes"
    assert problems(data) == [
        "stages[1] (stage 2).notice_before_escalation: 'sometimes' must be true or false"
    ]
