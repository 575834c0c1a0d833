"""A stage of a procedure: who acts, what they must do, its deadlines, who is told and
what happens when it resolves or does not. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator

from escalate.procedures.base import (
    DefinitionProblem,
    Frozen,
    Line,
    Slug,
    Text,
    refuse_duplicate_keys,
    refuse_duplicates,
)
from escalate.procedures.forms import CaseForm, check_prefills
from escalate.procedures.roles import Recipient, Role
from escalate.procedures.timescales import (
    Anchor,
    Timescale,
    always_later,
    check_in_stage,
    in_words,
    sentence,
)


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


class MetBy(StrEnum):
    """An event of the case that meets an extra deadline (besides ticking off the
    required action of the same key, and the stage concluding, which meet any)."""

    #: The other professional acknowledges the challenge.
    OTHER_PROFESSIONAL_ACKNOWLEDGED = "other_professional_acknowledged"
    #: The first meeting or contact at the stage is recorded.
    FIRST_DISCUSSION = "first_discussion"


#: What each event is, in words ("met when ...").
MET_BY_WORDS: dict[MetBy, str] = {
    MetBy.OTHER_PROFESSIONAL_ACKNOWLEDGED: "the other professional acknowledges the challenge",
    MetBy.FIRST_DISCUSSION: "the first discussion at the stage is recorded",
}


class NamedDeadline(Frozen):
    key: Slug
    label: Line
    timescale: Timescale
    role: Role | None = None
    met_by: MetBy | None = Field(
        default=None,
        description="The event of the case that meets it: 'other_professional_acknowledged' "
        "or 'first_discussion' (at this stage). Ticking off the required action of the "
        "same key, and the stage concluding, meet it too.",
    )

    @property
    def met_by_words(self) -> str | None:
        """ "the other professional acknowledges the challenge", or None."""
        return MET_BY_WORDS[self.met_by] if self.met_by is not None else None

    @property
    def sentence(self) -> str:
        """The deadline as the procedure page says it: its timescale's sentence and what
        meets it ("... Met when the other professional acknowledges the challenge.")."""
        said = sentence(self.timescale, what=self.label)
        return f"{said} Met when {self.met_by_words}." if self.met_by_words else said


class ChecklistItem(Frozen):
    key: Slug
    text: Line
    informs: Line | None = Field(
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
    name: Line
    when: Text
    how_to_refer: str | None = None
    notify: tuple[Recipient, ...] = ()


class ForumFor(Frozen):
    """In a joint procedure, the forum that hears a stage for an adult's case and for a
    child's ("the Safeguarding Adults Board's panel" and "the Children's Partnership
    executive"), chosen by whom the case is about (a family's case is a child's)."""

    adults: Line = Field(description="The forum for a case about an adult.")
    children: Line = Field(description="The forum for a case about a child or a family.")
    source: str | None = Field(default=None, description="The line of the document.")


class Stage(Frozen):
    number: int = Field(ge=1)
    title: Line
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
    notice_before_escalation: bool = Field(
        default=False,
        description="The escalating agency must tell the other organisation that it "
        "intends to escalate (a notice recorded on the case) before it escalates this stage.",
    )
    panel: Panel | None = None
    forum_for: ForumFor | None = Field(
        default=None,
        description="A joint procedure's forum for this stage, one for an adult's case "
        "and one for a child's: shown on the case, chosen by whom it is about.",
    )
    form: CaseForm | None = Field(
        default=None,
        # Written ``[stages.referral_form]`` before any stage could have a form: still read.
        validation_alias=AliasChoices("form", "referral_form"),
        description="The form completed on the case at this stage (from when the case "
        "reaches it), if any, such as the final stage's referral to the board. The older "
        "name referral_form is read as well; give one or the other.",
    )
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_form_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "form" in data and "referral_form" in data:
            raise DefinitionProblem(
                "gives both form and referral_form: they are two names for the stage's one "
                "form (referral_form is the older); keep form and leave referral_form out",
                at=("referral_form",),
            )
        return data

    @field_validator("form")
    @classmethod
    def _form_of_a_stage(cls, form: CaseForm | None) -> CaseForm | None:
        if form is not None:
            check_prefills(form, outcome=False)
        return form

    @property
    def referral_form(self) -> CaseForm | None:
        """The stage's form, by its older name."""
        return self.form

    @property
    def owners(self) -> tuple[Role, ...]:
        return self.owner_roles or self.roles

    @property
    def told_by_owner(self) -> tuple[str, ...]:
        """Whom the stage's owner must tell themselves (its checklist's ``informs``)."""
        return tuple(c.informs for c in self.checklist if c.informs)

    @property
    def owner_sets_timescales(self) -> bool:
        """Whether the stage's owner may set (or shorten) one of its deadlines."""
        every = [self.conclude_by, *(d.timescale for d in self.other_deadlines)]
        return any(t is not None and t.counted_by_owner for t in every)

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
        others = [("conclude_by", c)] if c else []
        others += [
            (f"other_deadlines.{i}.timescale", d.timescale)
            for i, d in enumerate(self.other_deadlines)
        ]
        check_in_stage(self.number, s, others)
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
            if d.met_by is not None and d.met_by.value == d.timescale.anchor.value:
                raise DefinitionProblem(
                    f"{d.label!r} counts from the event that meets it ({d.met_by.value}), so "
                    "it would be met the day it begins; count it from an earlier day (such as "
                    "'concern_arose' or 'stage_started') or leave out met_by",
                    at=("other_deadlines", i, "met_by"),
                )
        return self
