"""The procedure definition format: typed, immutable, validated.

One TOML file per procedure lives in ``escalate/procedures/library/``. This module
turns such a file into a :class:`Procedure` and refuses anything malformed with a
message that names the field. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from escalate.procedures.base import DefinitionProblem as DefinitionProblem
from escalate.procedures.base import Frozen as Frozen
from escalate.procedures.base import Slug as Slug
from escalate.procedures.base import Text as Text
from escalate.procedures.base import listed, refuse_duplicate_keys, refuse_duplicates
from escalate.procedures.timescales import Anchor as Anchor
from escalate.procedures.timescales import Region as Region
from escalate.procedures.timescales import Timescale as Timescale
from escalate.procedures.timescales import Unit as Unit
from escalate.procedures.timescales import always_later, in_words


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


class NamedDeadline(Frozen):
    key: Slug
    label: Text
    timescale: Timescale
    role: Role | None = None


class ChecklistItem(Frozen):
    key: Slug
    text: Text
    informs: Text | None = Field(
        default=None,
        description='Whom this action tells that Escalate cannot email ("their Director"): '
        "the stage's owner tells them; pages moving a case to the stage say so.",
    )
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

    @field_validator("fields")
    @classmethod
    def _unique_field_keys(cls, fields: tuple[FormField, ...]) -> tuple[FormField, ...]:
        refuse_duplicate_keys("fields", [f.key for f in fields])
        return fields


class Stage(Frozen):
    number: int = Field(ge=1)
    title: Text
    roles: tuple[Role, ...] = Field(min_length=1, description="Who acts at this stage.")
    owner_roles: tuple[Role, ...] = Field(
        default=(), description="Who may be the stage's one accountable owner; default: roles."
    )
    escalate_roles: tuple[Role, ...] = Field(
        default=(),
        description="Who may escalate this stage to the next (or expedite from it); "
        "default: roles. Each acts at this stage or the next.",
    )
    resolve_roles: tuple[Role, ...] = Field(
        default=(),
        description="Who may record that this stage resolved the disagreement (its outcome "
        "or recommendation); default: roles.",
    )
    guidance: Text
    checklist: tuple[ChecklistItem, ...] = ()
    start_by: Timescale | None = None
    conclude_by: Timescale | None = None
    other_deadlines: tuple[NamedDeadline, ...] = ()
    notify_on_start: tuple[Recipient, ...] = ()
    on_every_decision: tuple[Recipient, ...] = Field(
        default=(),
        description="Who is told of every decision made at this stage (resolved, escalated, "
        "expedited, panel referral, withdrawal), besides the procedure's on_every_decision.",
    )
    on_resolved: tuple[Duty, ...] = ()
    on_unresolved: Unresolved | None = None
    panel: Panel | None = None
    referral_form: ReferralForm | None = None
    source: str | None = None

    @property
    def owners(self) -> tuple[Role, ...]:
        return self.owner_roles or self.roles

    @property
    def told_by_owner(self) -> tuple[str, ...]:
        """Whom the stage's owner must tell themselves (its checklist's ``informs``)."""
        return tuple(c.informs for c in self.checklist if c.informs)

    @property
    def escalators(self) -> tuple[Role, ...]:
        """Who may escalate this stage (or expedite from it)."""
        return self.escalate_roles or self.roles

    @property
    def resolvers(self) -> tuple[Role, ...]:
        """Who may record that this stage resolved the disagreement."""
        return self.resolve_roles or self.roles

    @field_validator("roles", "escalate_roles", "resolve_roles")
    @classmethod
    def _unique_roles(cls, roles: tuple[Role, ...]) -> tuple[Role, ...]:
        refuse_duplicates("role", [r.value for r in roles])
        return roles

    @field_validator("notify_on_start", "on_every_decision")
    @classmethod
    def _unique_recipients(cls, told: tuple[Recipient, ...]) -> tuple[Recipient, ...]:
        refuse_duplicates("recipient", [r.value for r in told])
        return told

    @field_validator("owner_roles", "resolve_roles")
    @classmethod
    def _act_here(cls, picked: tuple[Role, ...], info: ValidationInfo) -> tuple[Role, ...]:
        roles = info.data.get("roles")
        if roles is None:  # roles itself is invalid; that is reported instead
            return picked
        stray = [r.value for r in picked if r not in roles]
        if stray:
            who = "an owner" if info.field_name == "owner_roles" else "whoever resolves it"
            raise ValueError(
                f"{', '.join(repr(r) for r in stray)} must also be listed in this stage's "
                f"roles ({', '.join(repr(r.value) for r in roles)}): {who} acts at the stage"
            )
        return picked

    @field_validator("checklist")
    @classmethod
    def _unique_checklist(cls, items: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        refuse_duplicate_keys("checklist", [c.key for c in items])
        return items

    @field_validator("other_deadlines")
    @classmethod
    def _unique_deadlines(cls, deadlines: tuple[NamedDeadline, ...]) -> tuple[NamedDeadline, ...]:
        refuse_duplicate_keys("other_deadlines", [d.key for d in deadlines])
        return deadlines

    @field_validator("start_by")
    @classmethod
    def _start_by_from_arose(cls, t: Timescale | None) -> Timescale | None:
        if t is not None and t.anchor is Anchor.STAGE_STARTED:
            raise DefinitionProblem(
                "a stage's start-by cannot be counted from the day that stage started; "
                "use 'concern_arose'",
                at=("anchor",),
            )
        return t

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        s, c = self.start_by, self.conclude_by
        if s and c and always_later(s, c):
            raise DefinitionProblem(
                f"start_by ({in_words(s)}) is later than conclude_by ({in_words(c)}): the stage "
                "would have to conclude before it starts",
                at=("start_by",),
            )
        for i, d in enumerate(self.other_deadlines):
            if d.role is not None and d.role not in self.roles:
                raise DefinitionProblem(
                    f"{d.role.value!r} does not act at this stage; use one of the stage's "
                    f"roles ({', '.join(repr(r.value) for r in self.roles)})",
                    at=("other_deadlines", i, "role"),
                )
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


class PolicyIssues(Frozen):
    """Where the policy issues a case shows up are sent. (The business unit, which keeps
    the partnership's list of them, is always told as well.)"""

    notify: tuple[Recipient, ...] = Field(
        default=(Recipient.INDEPENDENT_CHAIR,),
        min_length=1,
        description="Who is told when a policy issue is flagged; the independent chair "
        "unless the document says otherwise (the statutory partners where no chair is "
        "registered).",
    )
    source: str | None = None

    @field_validator("notify")
    @classmethod
    def _unique_recipients(cls, told: tuple[Recipient, ...]) -> tuple[Recipient, ...]:
        refuse_duplicates("recipient", [r.value for r in told])
        return told


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
    policy_issues: PolicyIssues = Field(
        default_factory=PolicyIssues,
        description="Who is told of a policy issue a case shows up.",
    )
    readings: tuple[Text, ...] = Field(
        default=(), description="How ambiguous passages of the source document were read."
    )
    stages: tuple[Stage, ...] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _stages_numbered_one_to_n(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        numbers = [s.number for s in stages]
        seen: set[int] = set()
        for i, n in enumerate(numbers):
            if n in seen:
                raise DefinitionProblem(
                    f"duplicate stage number {n}: each stage needs its own number, "
                    "running 1, 2, 3, ...",
                    at=(i, "number"),
                )
            seen.add(n)
        expected = list(range(1, len(numbers) + 1))
        if sorted(numbers) != expected:
            missing = [n for n in range(1, max(numbers) + 1) if n not in seen]
            raise DefinitionProblem(
                f"stage numbers must run 1 to {len(numbers)} without gaps; found "
                f"{listed(sorted(numbers))}"
                + (f" (no stage {listed(missing, 'or')})" if missing else "")
            )
        if numbers != expected:
            raise DefinitionProblem(
                f"stages must be listed in order 1 to {len(numbers)}; found them in the order "
                f"{listed(numbers)}"
            )
        for i, stage in enumerate(stages[:-1]):
            if stage.on_unresolved is None:
                raise DefinitionProblem(
                    f"is required: say what happens if stage {stage.number} does not resolve "
                    "the disagreement (only the final stage may leave it out)",
                    at=(i, "on_unresolved"),
                )
            acting = set(stage.roles) | set(stages[i + 1].roles)
            stray = [r.value for r in stage.escalate_roles if r not in acting]
            if stray:
                raise DefinitionProblem(
                    f"{', '.join(repr(r) for r in stray)} acts neither at stage {stage.number} "
                    f"nor at stage {stage.number + 1}: whoever escalates a stage acts at it or "
                    "at the stage it goes to",
                    at=(i, "escalate_roles"),
                )
        if stages[-1].escalate_roles:
            raise DefinitionProblem(
                f"stage {stages[-1].number} is the final stage, so it cannot be escalated: "
                "leave out escalate_roles (resolve_roles says who records its outcome)",
                at=(len(stages) - 1, "escalate_roles"),
            )
        for which in ("start_by", "conclude_by"):
            previous: tuple[Stage, Timescale] | None = None
            for i, stage in enumerate(stages):
                t: Timescale | None = getattr(stage, which)
                if t is None or t.anchor is not Anchor.CONCERN_AROSE:
                    continue
                if previous and always_later(previous[1], t):
                    raise DefinitionProblem(
                        f"stage {stage.number}'s {which} ({in_words(t)}) is earlier than stage "
                        f"{previous[0].number}'s ({in_words(previous[1])}): later stages cannot "
                        "be due sooner",
                        at=(i, which),
                    )
                previous = (stage, t)
        return stages

    @field_validator("categories")
    @classmethod
    def _unique_categories(cls, categories: tuple[Category, ...]) -> tuple[Category, ...]:
        refuse_duplicate_keys("categories", [c.key for c in categories])
        return categories

    @field_validator("review")
    @classmethod
    def _review_after_effective(
        cls, review: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        effective = info.data.get("effective")
        if review is not None and effective is not None and review < effective:
            raise ValueError(
                f"the review date {review.isoformat()} is before the effective date "
                f"{effective.isoformat()}"
            )
        return review

    @property
    def final_stage(self) -> Stage:
        return self.stages[-1]

    def stage(self, number: int) -> Stage:
        if not 1 <= number <= len(self.stages):
            raise KeyError(f"{self.key} has no stage {number}")
        return self.stages[number - 1]


# ---------------------------------------------------------------- role groupings
# (Kept next to Role; permissions, administration and the services import them here.)

#: Roles held in a partnership itself rather than in one of its agencies.
PARTNERSHIP_ROLES: frozenset[Role] = frozenset(
    {Role.BUSINESS_UNIT, Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER}
)
#: Roles held in an agency (practitioner to board representative): all the others.
AGENCY_ROLES: frozenset[Role] = frozenset(Role) - PARTNERSHIP_ROLES
#: Agency roles that see every case involving their agency.
MANAGERS: frozenset[Role] = frozenset(
    {Role.LINE_MANAGER, Role.SAFEGUARDING_LEAD, Role.SENIOR_MANAGER, Role.DIRECTOR}
)
#: Respond to policy issues flagged for the chair.
POLICY_RESPONDERS: frozenset[Role] = frozenset({Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER})
