"""The procedure definition format: typed, immutable, validated.

One TOML file per procedure lives in ``escalate/procedures/library/``. This module
turns such a file into a :class:`Procedure` and refuses anything malformed with a
message that names the field. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", min_length=1, max_length=60),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Frozen(BaseModel):
    """Base for every part of a definition: unknown fields refused, never mutated."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Region(StrEnum):
    """Whose bank holidays make a working day."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class Protects(StrEnum):
    ADULTS = "adults"
    CHILDREN = "children"
    BOTH = "both"


class Role(StrEnum):
    """Who may act. Agency roles first, then partnership roles."""

    PRACTITIONER = "practitioner"
    LINE_MANAGER = "line_manager"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    SENIOR_MANAGER = "senior_manager"
    DIRECTOR = "director"
    BOARD_REPRESENTATIVE = "board_representative"
    BUSINESS_UNIT = "business_unit"
    INDEPENDENT_CHAIR = "independent_chair"
    STATUTORY_PARTNER = "statutory_partner"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PRACTITIONER: "Practitioner",
    Role.LINE_MANAGER: "Line manager",
    Role.SAFEGUARDING_LEAD: "Designated or named safeguarding lead",
    Role.SENIOR_MANAGER: "Senior manager",
    Role.DIRECTOR: "Assistant director or director (or equivalent)",
    Role.BOARD_REPRESENTATIVE: "Board or partnership representative",
    Role.BUSINESS_UNIT: "Board business unit or manager",
    Role.INDEPENDENT_CHAIR: "Independent chair",
    Role.STATUTORY_PARTNER: "Statutory partners",
}


class Unit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


class Anchor(StrEnum):
    """What a timescale counts from."""

    CONCERN_AROSE = "concern_arose"
    STAGE_STARTED = "stage_started"


class Recipient(StrEnum):
    """Who the procedure says must be told. The application resolves these to people."""

    STAGE_OWNER = "stage_owner"
    RAISING_PRACTITIONER = "raising_practitioner"
    OTHER_PROFESSIONAL = "other_professional"
    COUNTERPART = "counterpart"
    OWNER_LINE_MANAGER = "owner_line_manager"
    SAFEGUARDING_LEADS = "safeguarding_leads"
    SENIOR_MANAGERS = "senior_managers"
    BOARD_REPRESENTATIVES = "board_representatives"
    BUSINESS_UNIT = "business_unit"
    INDEPENDENT_CHAIR = "independent_chair"
    STATUTORY_PARTNERS = "statutory_partners"
    ALL_INVOLVED = "all_involved"


class DutyKind(StrEnum):
    """What must happen when a stage resolves the disagreement."""

    RECORD_IN_WRITING = "record_in_writing"
    NOTE_ON_CASE_RECORD = "note_on_case_record"
    LOG_IN_AGENCY_SYSTEM = "log_in_agency_system"
    NOTIFY_SAFEGUARDING_LEADS = "notify_safeguarding_leads"
    FEED_BACK_TO_RAISER = "feed_back_to_raiser"
    NOTIFY_BUSINESS_UNIT = "notify_business_unit"
    NOTIFY_ALL_INVOLVED = "notify_all_involved"
    CHECK_BACK_AGREED_ACTIONS = "check_back_agreed_actions"
    REPORT_TO_BOARD = "report_to_board"
    REVIEW_POLICIES = "review_policies"
    OTHER = "other"


#: The notification each duty kind owes, if any.
DUTY_RECIPIENTS: dict[DutyKind, Recipient] = {
    DutyKind.NOTIFY_SAFEGUARDING_LEADS: Recipient.SAFEGUARDING_LEADS,
    DutyKind.FEED_BACK_TO_RAISER: Recipient.RAISING_PRACTITIONER,
    DutyKind.NOTIFY_BUSINESS_UNIT: Recipient.BUSINESS_UNIT,
    DutyKind.NOTIFY_ALL_INVOLVED: Recipient.ALL_INVOLVED,
}


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
            raise ValueError("a calendar-day timescale counts day numbers, so it starts at 1")
        if self.unit is Unit.WORKING_DAYS and self.roll_forward:
            raise ValueError("roll_forward only applies to calendar days")
        return self


class NamedDeadline(Frozen):
    key: Slug
    label: Text
    timescale: Timescale
    role: Role | None = None


class ChecklistItem(Frozen):
    key: Slug
    text: Text
    source: str | None = None


class Duty(Frozen):
    kind: DutyKind
    text: Text
    notify: tuple[Recipient, ...] = Field(
        default=(), description="Who this duty tells; default follows its kind."
    )

    @property
    def recipients(self) -> tuple[Recipient, ...]:
        if self.notify:
            return self.notify
        default = DUTY_RECIPIENTS.get(self.kind)
        return (default,) if default else ()


class Unresolved(Frozen):
    text: Text
    notify: tuple[Recipient, ...] = ()


class Panel(Frozen):
    name: Text
    when: Text
    how_to_refer: str | None = None
    notify: tuple[Recipient, ...] = ()


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

    @model_validator(mode="after")
    def _unique_field_keys(self) -> Self:
        _refuse_duplicates("field key", [f.key for f in self.fields])
        return self


class Stage(Frozen):
    number: int = Field(ge=1)
    title: Text
    roles: tuple[Role, ...] = Field(min_length=1, description="Who acts at this stage.")
    owner_roles: tuple[Role, ...] = Field(
        default=(), description="Who may be the stage's one accountable owner; default: roles."
    )
    guidance: Text
    checklist: tuple[ChecklistItem, ...] = ()
    start_by: Timescale | None = None
    conclude_by: Timescale | None = None
    other_deadlines: tuple[NamedDeadline, ...] = ()
    notify_on_start: tuple[Recipient, ...] = ()
    on_resolved: tuple[Duty, ...] = ()
    on_unresolved: Unresolved | None = None
    panel: Panel | None = None
    referral_form: ReferralForm | None = None
    source: str | None = None

    @property
    def owners(self) -> tuple[Role, ...]:
        return self.owner_roles or self.roles

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _refuse_duplicates("role", [r.value for r in self.roles])
        _refuse_duplicates("checklist key", [c.key for c in self.checklist])
        _refuse_duplicates("deadline key", [d.key for d in self.other_deadlines])
        stray = [r.value for r in self.owner_roles if r not in self.roles]
        if stray:
            raise ValueError(f"owner_roles {stray} must also be listed in roles")
        s, c = self.start_by, self.conclude_by
        if s and c and (s.unit, s.anchor) == (c.unit, c.anchor) and s.amount > c.amount:
            raise ValueError(
                f"start_by ({s.amount} {s.unit.value}) is later than conclude_by "
                f"({c.amount} {c.unit.value})"
            )
        if self.start_by and self.start_by.anchor is Anchor.STAGE_STARTED:
            raise ValueError("start_by cannot be counted from the day the stage started")
        return self


class OutOfScope(Frozen):
    situation: Text
    go_instead: Text
    source: str | None = None


class Category(Frozen):
    key: Slug
    label: Text


class Expedite(Frozen):
    """What happens when someone is at immediate risk."""

    allowed: bool = Field(description="May a case start at, or jump to, a later stage?")
    prompt: Text = Field(description="The immediate referral or front-door contact to make now.")
    guidance: str | None = None
    source: str | None = None


class Source(Frozen):
    title: Text
    publisher: Text
    file: str | None = None
    url: str | None = None
    dated: Text


class Procedure(Frozen):
    key: Slug
    name: Text
    partnership: Text
    version: Text
    effective: dt.date
    review: dt.date | None = None
    source: Source
    protects: Protects
    region: Region
    principles: tuple[Text, ...] = ()
    guidance: Text
    out_of_scope: tuple[OutOfScope, ...] = ()
    categories: tuple[Category, ...] = ()
    expedite: Expedite
    on_every_decision: tuple[Recipient, ...] = Field(
        default=(),
        description="Who is told of every decision at every stage (resolve, escalate, "
        "expedite, panel referral, withdrawal).",
    )
    readings: tuple[Text, ...] = Field(
        default=(), description="How ambiguous passages of the source document were read."
    )
    stages: tuple[Stage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _stages_numbered_one_to_n(self) -> Self:
        numbers = [s.number for s in self.stages]
        _refuse_duplicates("stage number", numbers)
        expected = list(range(1, len(numbers) + 1))
        if sorted(numbers) != expected:
            raise ValueError(
                f"stage numbers must run 1 to {len(numbers)} without gaps; found {sorted(numbers)}"
            )
        if numbers != expected:
            raise ValueError(f"stages must be listed in order 1 to {len(numbers)}")
        _refuse_duplicates("category key", [c.key for c in self.categories])
        if self.review is not None and self.review < self.effective:
            raise ValueError("review date is before the effective date")
        for stage in self.stages[:-1]:
            if stage.on_unresolved is None:
                raise ValueError(
                    f"stage {stage.number} needs on_unresolved: what happens if it is not resolved"
                )
        return self

    @property
    def final_stage(self) -> Stage:
        return self.stages[-1]

    def stage(self, number: int) -> Stage:
        if not 1 <= number <= len(self.stages):
            raise KeyError(f"{self.key} has no stage {number}")
        return self.stages[number - 1]


def _refuse_duplicates(what: str, values: list[str] | list[int]) -> None:
    seen: set[str | int] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)
