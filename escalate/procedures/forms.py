"""Forms a procedure offers (today the final-stage referral form): their fields and
the case facts that fill them. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from escalate.procedures.base import Frozen, Slug, Text, refuse_duplicate_keys


class FieldKind(StrEnum):
    """What a referral form field holds: one line of text, several lines, or a date."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"


class Prefill(StrEnum):
    """Case facts a referral form field may be filled from."""

    PERSON_NAME = "person.name"
    PERSON_DATE_OF_BIRTH = "person.date_of_birth"
    PERSON_ADDRESS = "person.address"
    STAGE_2_ESCALATED_BY = "stage_2.escalated_by"
    STAGE_3_ESCALATED_BY = "stage_3.escalated_by"
    STAGE_3_CONCLUDED_ON = "stage_3.concluded_on"
    BOARD_MEMBERS_INVOLVED = "board_members_involved"
    DISAGREEMENT_SUMMARY = "disagreement.summary"
    RESOLUTION_ATTEMPTS = "resolution_attempts"


class FormField(Frozen):
    """One field of a referral form."""

    key: Slug = Field(description="Names the field; unique within the form.")
    label: Text = Field(description="The field's label, as the form shows it.")
    kind: FieldKind = Field(
        default=FieldKind.TEXT,
        description="text (one line), long_text (several lines) or date.",
    )
    prefill: Prefill | None = Field(
        default=None, description="The case fact the field is filled in from, if any."
    )
    required: bool = Field(default=True, description="Must the field be filled in?")


class ReferralForm(Frozen):
    """The form the final stage refers a case to the board with."""

    title: Text = Field(description="The form's title, as the document names it.")
    submit_to: Text = Field(description="Who the completed form is sent to.")
    fields: tuple[FormField, ...] = Field(
        min_length=1, description="The form's fields, in the order the form asks them."
    )
    source: str | None = Field(default=None, description="The words of the document this follows.")

    @field_validator("fields")
    @classmethod
    def _unique_field_keys(cls, fields: tuple[FormField, ...]) -> tuple[FormField, ...]:
        refuse_duplicate_keys("fields", [f.key for f in fields])
        return fields
