"""The procedure definition format: typed, immutable, validated.

One TOML file per procedure lives in ``escalate/procedures/library/``. This module
turns such a file into a :class:`Procedure` and refuses anything malformed with a
message that names the field. Its parts live beside it (``roles``, ``stages``,
``forms``, ``timescales``, ``base``) and are imported from here as well. Pure Python:
nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from escalate.procedures.base import DefinitionProblem as DefinitionProblem
from escalate.procedures.base import Frozen as Frozen
from escalate.procedures.base import Slug as Slug
from escalate.procedures.base import Text as Text
from escalate.procedures.base import listed, refuse_duplicate_keys, refuse_duplicates
from escalate.procedures.forms import FieldKind as FieldKind
from escalate.procedures.forms import FormField as FormField
from escalate.procedures.forms import Prefill as Prefill
from escalate.procedures.forms import ReferralForm as ReferralForm
from escalate.procedures.roles import AGENCY_ROLES as AGENCY_ROLES
from escalate.procedures.roles import MANAGERS as MANAGERS
from escalate.procedures.roles import PARTNERSHIP_ROLES as PARTNERSHIP_ROLES
from escalate.procedures.roles import POLICY_RESPONDERS as POLICY_RESPONDERS
from escalate.procedures.roles import ROLE_LABELS as ROLE_LABELS
from escalate.procedures.roles import Recipient as Recipient
from escalate.procedures.roles import Role as Role
from escalate.procedures.stages import DUTY_RECIPIENTS as DUTY_RECIPIENTS
from escalate.procedures.stages import ChecklistItem as ChecklistItem
from escalate.procedures.stages import Duty as Duty
from escalate.procedures.stages import DutyKind as DutyKind
from escalate.procedures.stages import NamedDeadline as NamedDeadline
from escalate.procedures.stages import Panel as Panel
from escalate.procedures.stages import Stage as Stage
from escalate.procedures.stages import Unresolved as Unresolved
from escalate.procedures.timescales import Anchor as Anchor
from escalate.procedures.timescales import Region as Region
from escalate.procedures.timescales import Timescale as Timescale
from escalate.procedures.timescales import Unit as Unit
from escalate.procedures.timescales import always_later, in_words


class Protects(StrEnum):
    ADULTS = "adults"
    CHILDREN = "children"
    BOTH = "both"


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
