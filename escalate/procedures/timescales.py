"""Timescales in a procedure definition: amounts of days, what they count from, and
whose bank holidays decide which days are working days. Pure Python: nothing here
imports Django.

A timescale reads like the document it comes from::

    amount = 2                     # "within 48 hours (2 working days)"
    unit = "working_days"
    hours = 48
    anchor = "other_professional_acknowledged"

    unit = "same_working_day"      # "the same working day"
    unit = "immediately"           # "immediately"
    unit = "set_by_owner"          # "within a timescale the manager sets"
    owner_may_shorten = true       # "... or a timescale that protects the person,
                                   #  whichever is shorter"
    where_possible = true          # "where possible, within 5 working days"
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, ValidationInfo, model_validator

from escalate.procedures.base import DefinitionProblem, Frozen, from_text


class Region(StrEnum):
    """Whose bank holidays make a working day."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class Unit(StrEnum):
    """How a timescale counts (listed so that refusals name the day counts last)."""

    #: Due on the anchor day itself, whatever day it is.
    IMMEDIATELY = "immediately"
    #: Due on the anchor day if it is a working day, else the next working day.
    SAME_WORKING_DAY = "same_working_day"
    #: Whatever date the stage's owner sets for the case.
    SET_BY_OWNER = "set_by_owner"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


#: Units that take no amount.
NO_AMOUNT = frozenset({Unit.IMMEDIATELY, Unit.SAME_WORKING_DAY, Unit.SET_BY_OWNER})

#: Why each of them takes none.
_NO_AMOUNT_WHY = {
    Unit.IMMEDIATELY: "it means the anchor day itself",
    Unit.SAME_WORKING_DAY: "it means the anchor day, or the next working day",
    Unit.SET_BY_OWNER: "the stage's owner sets the date",
}


class Anchor(StrEnum):
    """What a timescale counts from (listed so that refusals name the first two last)."""

    #: The day the stage before this one was escalated (it did not resolve it).
    PREVIOUS_STAGE_ESCALATED = "previous_stage_escalated"
    #: The day the other professional acknowledged the challenge.
    OTHER_PROFESSIONAL_ACKNOWLEDGED = "other_professional_acknowledged"
    #: The day of the first meeting or contact recorded at this stage.
    FIRST_DISCUSSION = "first_discussion"
    CONCERN_AROSE = "concern_arose"
    STAGE_STARTED = "stage_started"


#: Anchors that are events a case records (not known until they happen).
EVENT_ANCHORS = frozenset(
    {
        Anchor.PREVIOUS_STAGE_ESCALATED,
        Anchor.OTHER_PROFESSIONAL_ACKNOWLEDGED,
        Anchor.FIRST_DISCUSSION,
    }
)

#: Most hours a timescale may be written in (a year).
MAX_HOURS = 24 * 365


class Timescale(Frozen):
    """An amount of days counted from an anchor.

    Calendar days are day numbers: the anchor day itself is day 1, so "day 9" is eight
    days after it. Working days are counted strictly after the anchor: "1 working day"
    after a Wednesday is the Thursday (if that is a working day).
    """

    amount: int = Field(
        default=0,
        ge=0,
        le=365,
        description="How many days (working days, or the day number for calendar days). "
        "Required for working_days and calendar_days; left out for immediately, "
        "same_working_day and set_by_owner.",
    )
    unit: Unit = Field(
        description="working_days, calendar_days, immediately (the anchor day itself), "
        "same_working_day (the anchor day, or the next working day if it is not one) or "
        "set_by_owner (the stage's owner sets a date for the case)."
    )
    anchor: Anchor = Field(
        description="What it counts from: concern_arose, stage_started, "
        "previous_stage_escalated (the day the stage before was escalated), "
        "other_professional_acknowledged (the day the other professional acknowledged "
        "the challenge) or first_discussion (the first meeting or contact recorded at "
        "the stage). A deadline counted from an event not yet happened is not yet due."
    )
    roll_forward: bool = Field(
        default=False,
        description="A calendar-day deadline on a weekend or bank holiday moves to the "
        "next working day.",
    )
    hours: int | None = Field(
        default=None,
        ge=1,
        le=MAX_HOURS,
        description='The timescale as the document writes it in hours ("within 48 '
        'hours"), beside the working-day equivalent in amount and unit, from which the '
        "deadline is counted. They must roughly agree: the days allowed after the anchor "
        "are the hours divided by 24 rounded up, or one more; same_working_day allows "
        "up to 24 hours.",
    )
    where_possible: bool = Field(
        default=False,
        description='A target the document softens ("where possible, within 5 working '
        'days"): chased with reminders like any deadline, but never counted as missed.',
    )
    owner_may_shorten: bool = Field(
        default=False,
        description='"N working days or a timescale that protects the person, whichever '
        "is shorter\": the stage's owner may set an earlier date for the case, never a "
        "later one.",
    )
    source: str | None = Field(default=None, description="The line of the document.")

    @model_validator(mode="before")
    @classmethod
    def _no_amount_written_for_a_unit_without_one(cls, data: Any, info: ValidationInfo) -> Any:
        """In TOML text, ``amount`` (even ``amount = 0``) beside a unit that takes none is
        a mistake to point out; a stored snapshot writes ``amount: 0`` for every
        timescale, so only text is held to this."""
        if from_text(info) and isinstance(data, dict) and "amount" in data:
            unit = data.get("unit")
            if isinstance(unit, str) and unit in NO_AMOUNT:
                raise DefinitionProblem(
                    f"leave out amount when the unit is {unit}: {_NO_AMOUNT_WHY[Unit(unit)]}",
                    at=("amount",),
                )
        return data

    @model_validator(mode="after")
    def _calendar_day_numbers_start_at_one(self) -> Self:
        unit = self.unit
        if unit in NO_AMOUNT:
            if self.amount:
                raise DefinitionProblem(
                    f"{unit.value!r} takes no amount: remove amount (or use 'working_days' "
                    "or 'calendar_days' to give a number of days)",
                    at=("amount",),
                )
        elif "amount" not in self.model_fields_set:
            raise DefinitionProblem(
                f"is required: say how many {unit.value.replace('_', ' ')} the timescale allows",
                at=("amount",),
            )
        if unit is Unit.CALENDAR_DAYS and self.amount < 1:
            raise DefinitionProblem(
                f"{self.amount} is not a day number: calendar days count the anchor day as "
                "day 1, so the amount must be 1 or more",
                at=("amount",),
            )
        if unit is not Unit.CALENDAR_DAYS and self.roll_forward:
            always = {
                Unit.WORKING_DAYS: "a working-day deadline always falls on a working day",
                Unit.SAME_WORKING_DAY: "the same working day always falls on a working day",
                Unit.IMMEDIATELY: "immediately means the anchor day itself",
                Unit.SET_BY_OWNER: "the owner sets the date",
            }[unit]
            raise DefinitionProblem(
                f"only applies to calendar days; {always}, so remove roll_forward",
                at=("roll_forward",),
            )
        self._check_hours()
        if self.owner_may_shorten and unit in (Unit.SET_BY_OWNER, Unit.IMMEDIATELY):
            why = (
                "set_by_owner already lets the stage's owner set any date"
                if unit is Unit.SET_BY_OWNER
                else "nothing is sooner than immediately"
            )
            raise DefinitionProblem(
                f"owner_may_shorten is for a fixed timescale the owner may shorten; {why}, "
                "so remove owner_may_shorten",
                at=("owner_may_shorten",),
            )
        return self

    def _check_hours(self) -> None:
        hours, unit = self.hours, self.unit
        if hours is None:
            return
        if unit in (Unit.IMMEDIATELY, Unit.SET_BY_OWNER):
            raise DefinitionProblem(
                f"{unit.value!r} is not counted in hours: remove hours",
                at=("hours",),
            )
        if unit is Unit.SAME_WORKING_DAY:
            if hours > 24:
                raise DefinitionProblem(
                    f"{hours} hours is more than the same working day (24 hours at most): "
                    f"use 'working_days' with amount = {_days_for(hours)}",
                    at=("hours",),
                )
            return
        days = _days_for(hours)
        after = self.amount if unit is Unit.WORKING_DAYS else self.amount - 1
        if not days <= after <= days + 1:
            if unit is Unit.WORKING_DAYS:
                want = f"{days} or {days + 1} working days"
                have = f"{self.amount} working day{'s' if self.amount != 1 else ''}"
            else:
                want = f"day {days + 1} or day {days + 2}"
                have = f"day {self.amount}"
            raise DefinitionProblem(
                f"{hours} hours does not agree with {have}: {hours} hours is {want} (the "
                "hours divided by 24, rounded up, or one more); correct amount or hours",
                at=("hours",),
            )

    @property
    def counted_by_owner(self) -> bool:
        """Whether the stage's owner may set this deadline's date for the case."""
        return self.unit is Unit.SET_BY_OWNER or self.owner_may_shorten


def _days_for(hours: int) -> int:
    """Whole days that ``hours`` spans, rounded up."""
    return -(-hours // 24)


def check_in_stage(
    number: int, start_by: Timescale | None, others: Sequence[tuple[str, Timescale]]
) -> None:
    """What a timescale's stage decides: refuse anchors the stage cannot have.

    ``others`` are the stage's conclude-by and extra deadlines, each with the path to it
    ("conclude_by", or "other_deadlines.0.timescale"). Raises :class:`DefinitionProblem`
    at the field (for :class:`~escalate.procedures.stages.Stage` to call).
    """
    every = ([("start_by", start_by)] if start_by else []) + list(others)
    for where, t in every:
        at = (*where.split("."), "anchor")
        if t.anchor is Anchor.PREVIOUS_STAGE_ESCALATED and number == 1:
            raise DefinitionProblem(
                "stage 1 has no previous stage to be escalated; count from 'concern_arose' "
                "or 'stage_started'",
                at=tuple(int(p) if p.isdigit() else p for p in at),
            )
    if start_by is None:
        return
    if start_by.anchor is Anchor.PREVIOUS_STAGE_ESCALATED:
        raise DefinitionProblem(
            "a stage's start-by cannot be counted from the day the previous stage was "
            "escalated: that is the day this stage starts; use 'concern_arose'",
            at=("start_by", "anchor"),
        )
    if start_by.anchor is Anchor.FIRST_DISCUSSION:
        raise DefinitionProblem(
            "a stage's start-by cannot be counted from a discussion at the stage: the "
            "stage must start first; use 'concern_arose'",
            at=("start_by", "anchor"),
        )
    if start_by.counted_by_owner:
        raise DefinitionProblem(
            "a stage's start-by cannot be set by the stage's owner: the stage has no owner "
            "until it starts; give a number of days",
            at=("start_by", "unit" if start_by.unit is Unit.SET_BY_OWNER else "owner_may_shorten"),
        )


def always_later(a: Timescale, b: Timescale) -> bool:
    """Is deadline ``a`` later than deadline ``b`` whatever the calendar?

    Both must count from the same anchor. Working days against calendar days: the Nth
    working day after the anchor is never on or before calendar day N (nor day 1 for
    N >= 2), even when day N is rolled forward to the next working day. A deadline the
    owner sets (or may shorten) is never sure to be later.
    """
    if a.anchor is not b.anchor or a.counted_by_owner or b.unit is Unit.SET_BY_OWNER:
        return False
    a_unit, a_amount = _as_days(a)
    b_unit, b_amount = _as_days(b)
    if a_unit is b_unit:
        return a_amount > b_amount
    if a_unit is Unit.WORKING_DAYS:
        return a_amount >= max(b_amount, 2)
    return False


def _as_days(t: Timescale) -> tuple[Unit, int]:
    """Immediately as calendar day 1; the same working day as 0 working days."""
    if t.unit is Unit.IMMEDIATELY:
        return Unit.CALENDAR_DAYS, 1
    if t.unit is Unit.SAME_WORKING_DAY:
        return Unit.WORKING_DAYS, 0
    return t.unit, t.amount


def in_words(t: Timescale) -> str:
    """'3 working days', 'day 9', '48 hours (2 working days)', 'immediately', 'the same
    working day', 'where possible, 5 working days'."""
    words = _amount_words(t)
    if t.owner_may_shorten:
        words += ", or a shorter timescale the stage's owner sets to protect the person"
    if t.where_possible:
        words = f"where possible, {words}"
    return words


def _amount_words(t: Timescale) -> str:
    unit = t.unit
    if unit is Unit.WORKING_DAYS:
        days = f"{t.amount} working day{'s' if t.amount != 1 else ''}"
    elif unit is Unit.CALENDAR_DAYS:
        days = f"day {t.amount}"
    elif unit is Unit.IMMEDIATELY:
        return "immediately"
    elif unit is Unit.SAME_WORKING_DAY:
        days = "the same working day"
    else:
        return "a timescale the stage's owner sets"
    return f"{t.hours} hours ({days})" if t.hours else days


#: What each anchor counts from, as the procedure page says it ("of ...").
SINCE_WORDS: dict[Anchor, str] = {
    Anchor.CONCERN_AROSE: "the concern arising",
    Anchor.STAGE_STARTED: "the stage starting",
    Anchor.PREVIOUS_STAGE_ESCALATED: "the previous stage being escalated",
    Anchor.OTHER_PROFESSIONAL_ACKNOWLEDGED: "the other professional acknowledging the challenge",
    Anchor.FIRST_DISCUSSION: "the first discussion at the stage",
}


def sentence(t: Timescale, *, what: str) -> str:
    """A timescale as the procedure page says it: "Start within 1 working day of the
    concern arising." (the words it always used for working and calendar days).

    The one wording of a timescale as a sentence: the procedure page, ``escalate
    procedure show`` and ``deadlines`` and the difference between versions all use it."""
    since = SINCE_WORDS[t.anchor]
    soft = "Where possible, " if t.where_possible else ""
    # Mid-sentence after "Where possible, ": "tell ...", but "LADO ..." kept as it is.
    doer = f"{what[:1].lower()}{what[1:]}" if soft and not what[1:2].isupper() else what
    shorter = (
        ", or sooner if the stage's owner sets a shorter timescale to protect the person"
        if t.owner_may_shorten
        else ""
    )
    unit = t.unit
    if unit is Unit.WORKING_DAYS:
        return f"{soft}{doer} within {_amount_words(t)} of {since}{shorter}."
    if unit is Unit.IMMEDIATELY:
        return f"{soft}{doer} immediately on {since}."
    if unit is Unit.SAME_WORKING_DAY:
        hours = f" (within {t.hours} hours)" if t.hours else ""
        return f"{soft}{doer} on the same working day as {since}{hours}{shorter}."
    if unit is Unit.SET_BY_OWNER:
        return f"{soft}{doer} within a timescale the stage's owner sets for the case."
    day_one = {
        Anchor.CONCERN_AROSE: "the day the concern arose",
        Anchor.STAGE_STARTED: "the day it started",
    }.get(t.anchor, f"the day of {since}")
    hours = f" (within {t.hours} hours)" if t.hours else ""
    words = f"{soft}{doer} by day {t.amount}{hours}, counting {day_one} as day 1"
    if t.roll_forward:
        words += " (moved to the next working day if that falls on a weekend or bank holiday)"
    return words + shorter + "."
