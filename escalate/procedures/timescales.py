"""Timescales in a procedure definition: amounts of days, what they count from, and
whose bank holidays decide which days are working days. Pure Python: nothing here
imports Django.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from escalate.procedures.base import DefinitionProblem, Frozen


class Region(StrEnum):
    """Whose bank holidays make a working day."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class Unit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


class Anchor(StrEnum):
    """What a timescale counts from."""

    CONCERN_AROSE = "concern_arose"
    STAGE_STARTED = "stage_started"


class Timescale(Frozen):
    """An amount of days counted from an anchor.

    Calendar days are day numbers: the anchor day itself is day 1, so "day 9" is eight
    days after it. Working days are counted strictly after the anchor: "1 working day"
    after a Wednesday is the Thursday (if that is a working day).
    """

    amount: int = Field(ge=0, le=365)
    unit: Unit
    anchor: Anchor
    roll_forward: bool = Field(
        default=False,
        description="A calendar-day deadline on a weekend or bank holiday moves to the "
        "next working day.",
    )
    source: str | None = Field(default=None, description="The line of the document.")

    @model_validator(mode="after")
    def _calendar_day_numbers_start_at_one(self) -> Self:
        if self.unit is Unit.CALENDAR_DAYS and self.amount < 1:
            raise DefinitionProblem(
                f"{self.amount} is not a day number: calendar days count the anchor day as "
                "day 1, so the amount must be 1 or more",
                at=("amount",),
            )
        if self.unit is Unit.WORKING_DAYS and self.roll_forward:
            raise DefinitionProblem(
                "only applies to calendar days; a working-day deadline always falls on a "
                "working day, so remove roll_forward",
                at=("roll_forward",),
            )
        return self


def always_later(a: Timescale, b: Timescale) -> bool:
    """Is deadline ``a`` later than deadline ``b`` whatever the calendar?

    Both must count from the same anchor. Working days against calendar days: the Nth
    working day after the anchor is never on or before calendar day N (nor day 1 for
    N >= 2), even when day N is rolled forward to the next working day.
    """
    if a.anchor is not b.anchor:
        return False
    if a.unit is b.unit:
        return a.amount > b.amount
    if a.unit is Unit.WORKING_DAYS:
        return a.amount >= max(b.amount, 2)
    return False


def in_words(t: Timescale) -> str:
    """'3 working days' or 'day 9'."""
    if t.unit is Unit.WORKING_DAYS:
        return f"{t.amount} working day{'s' if t.amount != 1 else ''}"
    return f"day {t.amount}"
