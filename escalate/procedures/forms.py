"""Forms a procedure offers (today the final-stage referral form): their fields and
the case facts that fill them. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from escalate.procedures.base import Frozen, Slug, Text, refuse_duplicate_keys


class FieldKind(StrEnum):
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
    key: Slug
    label: Text
    kind: FieldKind = FieldKind.TEXT
    prefill: Prefill | None = None
    required: bool = True


class ReferralForm(Frozen):
    title: Text
    submit_to: Text
    fields: tuple[FormField, ...] = Field(min_length=1)
    source: str | None = None

    @field_validator("fields")
    @classmethod
    def _unique_field_keys(cls, fields: tuple[FormField, ...]) -> tuple[FormField, ...]:
        refuse_duplicate_keys("fields", [f.key for f in fields])
        return fields
