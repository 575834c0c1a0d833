"""Who is told reads in the procedure's own words: the chair and the business unit by
the names the procedure gives their roles ("the conference chair"), and where a form is
sent in small letters mid-sentence ("sent to the opposite line manager") unless it is a
name. One wording (``escalate.procedures.words``) for ``procedure show``, the preview of
who is told and the procedure page."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalate.procedures import cli, library, preview
from escalate.procedures.model import Recipient
from escalate.procedures.words import in_sentence, recipient_words, recipients_words

RIVERSIDE = library.load_file(Path(__file__).parent / "definitions" / "riverside.toml")
SEED = library.get("cheshire-east-sab")


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (
            "The opposite line manager in the other agency",
            "the opposite line manager in the other agency",
        ),
        (
            "Both agencies' designated safeguarding leads",
            "both agencies' designated safeguarding leads",
        ),
        (
            "Your local Safeguarding Children's Partnership",
            "your local Safeguarding Children's Partnership",
        ),
        (
            "Cheshire East SAB via LSAB@cheshireeast.gov.uk",
            "Cheshire East SAB via LSAB@cheshireeast.gov.uk",
        ),
        ("THE CHAIR", "THE CHAIR"),
        ("Theodora Smith, the chair", "Theodora Smith, the chair"),
        ("", ""),
    ],
)
def test_where_a_form_is_sent_reads_mid_sentence_unless_it_is_a_name(given: str, read: str) -> None:
    assert in_sentence(given) == read


def test_the_chair_and_the_business_unit_go_by_the_procedures_names_for_them() -> None:
    names = RIVERSIDE.role_names
    assert recipient_words(Recipient.INDEPENDENT_CHAIR, names) == "the conference chair"
    assert recipient_words(Recipient.BUSINESS_UNIT, names) == "the partnership liaison officer"
    assert (
        recipients_words([Recipient.SAFEGUARDING_LEADS, Recipient.INDEPENDENT_CHAIR], names)
        == "both agencies' safeguarding leads and the conference chair"
    )


def test_a_procedure_that_renames_neither_keeps_the_usual_words() -> None:
    names = SEED.role_names
    assert recipient_words(Recipient.INDEPENDENT_CHAIR, names) == "the independent chair"
    assert recipient_words(Recipient.BUSINESS_UNIT, names) == "the board's business unit"


def test_procedure_show_says_whom_a_stage_tells_by_the_procedures_names() -> None:
    text = " ".join(cli.describe(RIVERSIDE).split())
    stage_4 = text.split("Stage 4: ", 1)[1]
    assert "When the stage starts: the conference chair." in stage_4
    assert "send to the conference chair" in stage_4
    assert "independent chair" not in text.replace("independent_chair", "")
    assert "send to The" not in text


def test_the_preview_of_who_is_told_uses_the_procedures_names() -> None:
    told = {(row.stage, row.move): row.told for row in preview.who_is_told(RIVERSIDE)}
    starts_4 = [t for (stage, move), t in told.items() if stage == 4 and "escalated to" not in move]
    escalated_to_4 = told[(3, "Stage 3 escalated to stage 4")]
    assert "the conference chair" in escalated_to_4
    assert all("the independent chair" not in t for t in [escalated_to_4, *starts_4])
