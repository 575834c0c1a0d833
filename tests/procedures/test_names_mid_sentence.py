"""A name written by a board reads mid-sentence as a sentence needs it: "the named
officer for looked-after children", but "the Designated Officer" (a name in capitals)
and "the SAB manager" (an initialism) as written. One rule, words.mid_sentence, serves
roles, routes and forums."""

from __future__ import annotations

import pytest

from escalate.procedures import library
from escalate.procedures.model import Role
from escalate.procedures.skips import role_name
from escalate.procedures.words import in_sentence, mid_sentence, the


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Named officer for looked-after children", "named officer for looked-after children"),
        ("Lead officer of the Section 42 enquiry", "lead officer of the Section 42 enquiry"),
        ("Chair of the child protection conference", "chair of the child protection conference"),
        ("Conference chair", "conference chair"),
        ("Designated Officer", "Designated Officer"),
        ("Head of Service", "Head of Service"),
        (
            "Safeguarding Adults Board resolution panel",
            "Safeguarding Adults Board resolution panel",
        ),
        ("SAB manager", "SAB manager"),
        ("LADO", "LADO"),
        ("High-Risk Panel", "High-Risk Panel"),
        ("Chair", "chair"),
        # An initialism after the first word says nothing of whether it is a name.
        ("Named GP for safeguarding", "named GP for safeguarding"),
        ("Chair of the SAB", "chair of the SAB"),
    ],
)
def test_a_name_reads_in_small_letters_mid_sentence_unless_it_is_a_name_in_capitals(
    name: str, said: str
) -> None:
    assert mid_sentence(name) == said


def test_a_name_that_opens_with_the_is_not_given_a_second() -> None:
    assert the("The chair of the conference") == "the chair of the conference"
    assert the("Named officer") == "the named officer"
    assert the("Designated Officer") == "the Designated Officer"
    # A name that opens with another such word is a name: "the" goes before it.
    assert the("All Age Disability Panel") == "the All Age Disability Panel"


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("The conference chair", "the conference chair"),
        ("The Designated Officer", "the Designated Officer"),
        ("A named officer", "a named officer"),
        ("Your local partnership", "your local partnership"),
        ("All Age Disability Panel", "All Age Disability Panel"),
        ("Cheshire East SAB via the business unit", "Cheshire East SAB via the business unit"),
    ],
)
def test_where_a_form_is_sent_reads_mid_sentence(words: str, said: str) -> None:
    assert in_sentence(words) == said


def test_a_procedures_role_name_in_capitals_keeps_them_in_a_sentence() -> None:
    # Before, only the second letter was looked at: "designated Officer".
    procedure = library.get("cheshire-east-sab").model_copy(
        update={
            "role_names": library.get("cheshire-east-sab").role_names.model_copy(
                update={"senior_manager": "Designated Officer"}
            )
        }
    )
    assert role_name(procedure, Role.SENIOR_MANAGER) == "Designated Officer"
    assert role_name(procedure, Role.LINE_MANAGER) == "line manager"
