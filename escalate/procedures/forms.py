"""Forms a procedure offers: a form at any stage (``[stages.form]``, such as the
final stage's referral to the board) and an outcome form completed once a case has
ended resolved (``[outcome_form]``); their fields and the case facts that fill them.
Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field, field_validator

from escalate.procedures.base import (
    DefinitionProblem,
    Frozen,
    Line,
    Slug,
    refuse_duplicate_keys,
    refuse_duplicates,
)
from escalate.procedures.naming import RoleNames
from escalate.procedures.roles import Recipient

#: The key naming the outcome form among a case's forms (a stage's is "stage-<n>").
OUTCOME_FORM_KEY = "outcome"


def stage_form_key(number: int) -> str:
    """The key naming stage ``number``'s form among a case's forms: "stage-3"."""
    return f"stage-{number}"


class FieldKind(StrEnum):
    """What a form field holds: one line of text, several lines, or a date."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"


class Prefill(StrEnum):
    """Case facts a form field may be filled from."""

    PERSON_NAME = "person.name"
    PERSON_DATE_OF_BIRTH = "person.date_of_birth"
    PERSON_ADDRESS = "person.address"
    STAGE_2_ESCALATED_BY = "stage_2.escalated_by"
    STAGE_3_ESCALATED_BY = "stage_3.escalated_by"
    STAGE_3_CONCLUDED_ON = "stage_3.concluded_on"
    BOARD_MEMBERS_INVOLVED = "board_members_involved"
    DISAGREEMENT_SUMMARY = "disagreement.summary"
    RESOLUTION_ATTEMPTS = "resolution_attempts"
    # Facts any form has, at whichever stage it is.
    CASE_REFERENCE = "case.reference"
    CASE_RAISED_ON = "case.raised_on"
    AGENCIES = "agencies"
    STAGE_OWNER = "stage.owner"
    STAGE_STARTED_ON = "stage.started_on"
    # The resolution: for the outcome form only.
    OUTCOME_SUMMARY = "outcome.summary"
    OUTCOME_ON = "outcome.on"

    @property
    def stage_number(self) -> int | None:
        """The stage a ``stage_<n>.`` fact is about (``None``: another kind of fact)."""
        found = re.fullmatch(r"stage_(\d+)\..+", self.value)
        return int(found[1]) if found else None

    @property
    def is_outcome(self) -> bool:
        """Whether the fact is the resolution's (``outcome.``), known once resolved."""
        return self.value.startswith("outcome.")


class FormField(Frozen):
    """One field of a form."""

    key: Slug = Field(description="Names the field; unique within the form.")
    label: Line = Field(description="The field's label, as the form shows it.")
    kind: FieldKind = Field(
        default=FieldKind.TEXT,
        description="text (one line), long_text (several lines) or date.",
    )
    prefill: Prefill | None = Field(
        default=None,
        description="The case fact the field is filled in from, if any: person.name, "
        "person.date_of_birth, person.address, case.reference, case.raised_on, agencies "
        "(the raising and the other agency), stage.owner and stage.started_on (the form's "
        "own stage; for the outcome form the stage it resolved at), stage_2.escalated_by, "
        "stage_3.escalated_by, stage_3.concluded_on, board_members_involved, "
        "disagreement.summary, resolution_attempts, and for the outcome form only "
        "outcome.summary and outcome.on (the resolution's words and date).",
    )
    required: bool = Field(default=True, description="Must the field be filled in?")


class CaseForm(Frozen):
    """A form completed on a case: at a stage (such as the final stage's referral to the
    board) or, as the outcome form, once the case has ended resolved."""

    title: Line = Field(
        description="The form's title, as the document names it: the case page offers "
        "it by this title."
    )
    submit_to: Line | None = Field(
        default=None,
        description="Who the completed form is sent to; left out for a form kept on the case.",
    )
    notify: tuple[Recipient, ...] = Field(
        default=(Recipient.BUSINESS_UNIT,),
        description="Who Escalate tells when the form is submitted; the business unit "
        "unless the document says otherwise (an empty list tells nobody).",
    )
    fields: tuple[FormField, ...] = Field(
        min_length=1, description="The form's fields, in the order the form asks them."
    )
    source: str | None = Field(default=None, description="The words of the document this follows.")

    @field_validator("fields")
    @classmethod
    def _unique_field_keys(cls, fields: tuple[FormField, ...]) -> tuple[FormField, ...]:
        refuse_duplicate_keys("fields", [f.key for f in fields])
        return fields

    @field_validator("notify")
    @classmethod
    def _unique_recipients(cls, told: tuple[Recipient, ...]) -> tuple[Recipient, ...]:
        refuse_duplicates("recipient", [r.value for r in told])
        return told

    def told_words(self, names: RoleNames | None = None) -> str:
        """Who submitting it tells, in words ("the board's business unit", or by the
        procedure's ``names`` for the roles: "the partnership liaison officer"); "":
        nobody."""
        from escalate.procedures.words import recipients_words  # it reads the model

        return recipients_words(self.notify, names)


#: The older name of :class:`CaseForm`, from when only a referral form was known.
ReferralForm = CaseForm


@dataclass(frozen=True)
class OfferedForm:
    """One of a procedure's forms: its key among the case's forms, its stage (``None``
    for the outcome form, whose stage is the one a case resolves at) and the form."""

    key: str
    stage: int | None
    form: CaseForm

    @property
    def is_outcome(self) -> bool:
        return self.stage is None


def check_prefills(
    form: CaseForm, *, outcome: bool, stages: int | None = None, at: Sequence[str | int] = ()
) -> None:
    """A form's fields may be filled only from facts the case can have: the resolution's
    in the outcome form alone, a stage's only in a procedure that has that stage (given
    ``stages``, how many it has)."""
    where = "the outcome form" if outcome else "a stage's form"
    for i, f in enumerate(form.fields):
        source = f.prefill
        if source is None:
            continue
        path = (*at, "fields", i, "prefill")
        if source.is_outcome and not outcome:
            raise DefinitionProblem(
                f"{source.value!r} is the resolution's, known only once the case is "
                f"resolved, so only the outcome form may be filled from it (this is {where}): "
                "move the field to [outcome_form] or choose another prefill",
                at=path,
            )
        number = source.stage_number
        if number is not None and stages is not None and number > stages:
            raise DefinitionProblem(
                f"{source.value!r} is about stage {number}, but this procedure has "
                f"{'only one stage' if stages == 1 else f'stages 1 to {stages}'}: choose "
                "another prefill or leave it out",
                at=path,
            )
