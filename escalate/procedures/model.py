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
from typing import Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from escalate.procedures.base import FROM_TEXT, listed, refuse_duplicate_keys, refuse_duplicates
from escalate.procedures.base import DefinitionProblem as DefinitionProblem
from escalate.procedures.base import Frozen as Frozen
from escalate.procedures.base import Line as Line
from escalate.procedures.base import Slug as Slug
from escalate.procedures.base import Text as Text
from escalate.procedures.forms import OUTCOME_FORM_KEY as OUTCOME_FORM_KEY
from escalate.procedures.forms import CaseForm as CaseForm
from escalate.procedures.forms import FieldKind as FieldKind
from escalate.procedures.forms import FormField as FormField
from escalate.procedures.forms import OfferedForm as OfferedForm
from escalate.procedures.forms import Prefill as Prefill
from escalate.procedures.forms import ReferralForm as ReferralForm
from escalate.procedures.forms import check_prefills, stage_form_key
from escalate.procedures.naming import NOT_GIVEN as NOT_GIVEN
from escalate.procedures.naming import RoleNames as RoleNames
from escalate.procedures.naming import StageGroup as StageGroup
from escalate.procedures.naming import SubjectLabel, check_stage_groups
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
from escalate.procedures.stages import ForumFor as ForumFor
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
    """Whom a procedure protects (and a route applies to)."""

    ADULTS = "adults"
    CHILDREN = "children"
    BOTH = "both"


def check_routes(procedure: Procedure) -> None:
    """A stage's ``forum_for`` needs a joint procedure; a route's ``applies_to`` must be
    someone the procedure protects."""
    for i, stage in enumerate(procedure.stages):
        if stage.forum_for is not None and procedure.protects is not Protects.BOTH:
            raise DefinitionProblem(
                f"gives a forum for adults and one for children, but this procedure "
                f"protects {procedure.protects.value} only, so every case goes to the same "
                "forum: leave forum_for out and name the forum in the stage's title or "
                "guidance",
                at=("stages", i, "forum_for"),
            )
    for i, route in enumerate(procedure.routes):
        group = route.applies_to
        if group is not None and procedure.protects not in (group, Protects.BOTH):
            raise DefinitionProblem(
                f"applies to {group.value}, but this procedure protects "
                f"{procedure.protects.value} only, so no case is ever of this kind: "
                "leave applies_to out or correct it",
                at=("routes", i, "applies_to"),
            )


class OutOfScope(Frozen):
    situation: Text
    go_instead: Text
    source: str | None = None


class Category(Frozen):
    key: Slug
    label: Line


class Expedite(Frozen):
    """What happens when someone is at immediate risk. Left out: no stage is skipped,
    and the document gives no words of its own about immediate risk."""

    allowed: bool = Field(
        default=False, description="May a case start at, or jump to, a later stage?"
    )
    prompt: Text | None = Field(
        default=None,
        description="The immediate referral or front-door contact to make now; left out "
        "where the document does not say.",
    )
    guidance: str | None = None
    source: str | None = None
    notify: tuple[Recipient, ...] = Field(
        default=(),
        description="Who is told the moment a case is marked as at immediate risk (raised "
        "as such, or expedited), besides whoever the move tells anyway.",
    )
    skip_roles: tuple[Role, ...] = Field(
        default=(),
        description="Only these roles may skip stages (expedite, or raise at a later "
        "stage); default: whoever may escalate the stage skipped from.",
    )
    skip_up_to: int | None = Field(
        default=None, ge=2, description="The latest stage a skip may reach; default: any."
    )
    skip_needs_consultation: Role | None = Field(
        default=None,
        description="A skip needs a recorded consultation with someone in this role "
        "(such as 'line_manager') first.",
    )

    @field_validator("notify")
    @classmethod
    def _unique_notify(cls, told: tuple[Recipient, ...]) -> tuple[Recipient, ...]:
        refuse_duplicates("recipient", [r.value for r in told])
        return told

    @field_validator("skip_roles")
    @classmethod
    def _unique_skip_roles(cls, roles: tuple[Role, ...]) -> tuple[Role, ...]:
        refuse_duplicates("role", [r.value for r in roles])
        held = [r.value for r in roles if r not in AGENCY_ROLES]
        if held:
            raise ValueError(
                f"{', '.join(repr(r) for r in held)} is a partnership role, and a case is "
                "raised (and so skips stages) from an agency: use agency roles ("
                + ", ".join(repr(r.value) for r in Role if r in AGENCY_ROLES)
                + ")"
            )
        return roles

    @field_validator("skip_needs_consultation")
    @classmethod
    def _consult_an_agency_role(cls, role: Role | None) -> Role | None:
        if role is not None and role not in AGENCY_ROLES:
            raise ValueError(
                f"{role.value!r} is a partnership role; the consultation before a skip is "
                "with someone in the agency skipping ("
                + ", ".join(repr(r.value) for r in Role if r in AGENCY_ROLES)
                + ")"
            )
        return role

    @model_validator(mode="after")
    def _skip_rules_need_skipping(self) -> Self:
        if self.allowed:
            return self
        for name in ("skip_roles", "skip_up_to", "skip_needs_consultation"):
            if getattr(self, name) not in ((), None):
                raise DefinitionProblem(
                    f"says who may skip stages, but allowed is false so no stage is ever "
                    f"skipped: set allowed = true or leave {name} out",
                    at=(name,),
                )
        return self

    @property
    def prompt_words(self) -> str:
        """The prompt, or that the document does not give one."""
        return self.prompt or f"What to do when someone is at immediate risk: {NOT_GIVEN}."


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


class Route(Frozen):
    """A kind of case that goes somewhere else ("a looked-after child: to the named
    officer for looked-after children instead of the stages"). The person raising a case
    ticks the kinds that apply; each one's ``notify`` is told when the case is raised."""

    when: Slug = Field(
        description="Names the kind of case ('looked_after_child'); unique within the procedure."
    )
    label: Line = Field(
        description="The kind of case as the person raising it ticks it ('The child is "
        "looked after by the local authority')."
    )
    go_to: Line = Field(
        description="Who such a case goes to ('Named officer for looked-after children')."
    )
    how: Text | None = Field(
        default=None, description="How to reach them, where the document says."
    )
    instead_of_ladder: bool = Field(
        default=False,
        description="Such a case goes to them instead of up the stages: it is never "
        "escalated or expedited (it is resolved or withdrawn at its stage). Left out: "
        "they are told as well, and the stages run as usual.",
    )
    applies_to: Protects | None = Field(
        default=None,
        description="Only cases about adults, or only about children (a family's case is "
        "a child's); left out: any case.",
    )
    notify: tuple[Recipient, ...] = Field(
        default=(), description="Who is told when a case of this kind is raised."
    )
    source: str | None = Field(default=None, description="The line of the document.")

    @field_validator("notify")
    @classmethod
    def _unique_notify(cls, told: tuple[Recipient, ...]) -> tuple[Recipient, ...]:
        refuse_duplicates("recipient", [r.value for r in told])
        return told

    @field_validator("applies_to")
    @classmethod
    def _one_group(cls, group: Protects | None) -> Protects | None:
        if group is Protects.BOTH:
            raise ValueError(
                "'both' is every case: leave applies_to out, or say 'adults' or 'children'"
            )
        return group


class Source(Frozen):
    title: Line
    publisher: Line
    file: str | None = None
    url: str | None = None
    dated: Line | None = Field(
        default=None, description="When the document is dated; left out where it is undated."
    )

    @property
    def dated_words(self) -> str:
        """When the document is dated, or "not given"."""
        return self.dated or NOT_GIVEN


class Procedure(Frozen):
    key: Slug
    name: Line
    partnership: Line
    version: Line
    effective: dt.date
    review: dt.date | None = None
    source: Source
    protects: Protects
    region: Region
    principles: tuple[Text, ...] = ()
    guidance: Text
    out_of_scope: tuple[OutOfScope, ...] = ()
    categories: tuple[Category, ...] = ()
    expedite: Expedite = Field(
        default_factory=Expedite,
        description="What happens when someone is at immediate risk; left out where the "
        "document does not say (no stage is skipped).",
    )
    email_subject_label: SubjectLabel | None = Field(
        default=None,
        description="A label every email about a case carries in its subject, such as a "
        "protective marking ('OFFICIAL-SENSITIVE'): one short line, never personal data.",
    )
    role_names: RoleNames = Field(
        default_factory=RoleNames,
        description="The procedure's own names for roles ('Head of service' for "
        "senior_manager), shown wherever the role is named for this procedure.",
    )
    stage_groups: tuple[StageGroup, ...] = Field(
        default=(),
        description="Headings the document groups stages under ('Informal': stages 1 and 2).",
    )
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
    routes: tuple[Route, ...] = Field(
        default=(),
        description="Kinds of case that go somewhere else, such as to a named officer "
        "instead of up the stages; the person raising a case ticks those that apply.",
    )
    stages: tuple[Stage, ...] = Field(min_length=1)
    outcome_form: CaseForm | None = Field(
        default=None,
        description="A form completed on the case once it has ended resolved (at "
        "whichever stage), such as a record of the outcome; the only form whose fields "
        "may be filled from outcome.summary and outcome.on.",
    )

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
            # (the first few gaps: a stage numbered 999 would otherwise list 995)
            missing = [n for n in range(1, max(numbers) + 1) if n not in seen][:5]
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
        if stages[-1].notice_before_escalation:
            raise DefinitionProblem(
                f"stage {stages[-1].number} is the final stage, so it is never escalated and "
                "needs no notice before escalation: leave notice_before_escalation out",
                at=(len(stages) - 1, "notice_before_escalation"),
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

    @field_validator("routes")
    @classmethod
    def _unique_routes(cls, routes: tuple[Route, ...]) -> tuple[Route, ...]:
        seen: set[str] = set()
        for i, route in enumerate(routes):
            if route.when in seen:
                raise DefinitionProblem(
                    f"duplicate kind of case {route.when!r}: each route needs its own 'when'",
                    at=(i, "when"),
                )
            seen.add(route.when)
        return routes

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

    @model_validator(mode="after")
    def _refer_to_real_stages(self) -> Self:
        last = len(self.stages)
        check_stage_groups(self.stage_groups, last)
        up_to = self.expedite.skip_up_to
        if up_to is not None and up_to > last:
            raise DefinitionProblem(
                f"there is no stage {up_to}: this procedure has stages 1 to {last}",
                at=("expedite", "skip_up_to"),
            )
        acting = {r for stage in self.stages for r in stage.roles}
        idle = [r.value for r in self.expedite.skip_roles if r not in acting]
        if idle:
            raise DefinitionProblem(
                f"{', '.join(repr(r) for r in idle)} acts at no stage of this procedure, so "
                "cannot skip stages: list roles that act at a stage",
                at=("expedite", "skip_roles"),
            )
        return self

    @model_validator(mode="after")
    def _routes_fit_whom_it_protects(self) -> Self:
        check_routes(self)
        return self

    @model_validator(mode="after")
    def _forms_filled_from_facts_it_has(self, info: ValidationInfo) -> Self:
        if (info.context or {}).get(FROM_TEXT) is False:
            return self  # a stored snapshot keeps loading, held to the rules it was stored under
        last = len(self.stages)
        for i, stage in enumerate(self.stages):
            if stage.form is not None:
                check_prefills(stage.form, outcome=False, stages=last, at=("stages", i, "form"))
        if self.outcome_form is not None:
            check_prefills(self.outcome_form, outcome=True, stages=last, at=("outcome_form",))
        return self

    @property
    def case_forms(self) -> tuple[OfferedForm, ...]:
        """Every form a case of this procedure may have: each stage's, in stage order,
        then the outcome form."""
        found = [
            OfferedForm(stage_form_key(s.number), s.number, s.form)
            for s in self.stages
            if s.form is not None
        ]
        if self.outcome_form is not None:
            found.append(OfferedForm(OUTCOME_FORM_KEY, None, self.outcome_form))
        return tuple(found)

    def role_label(self, role: Role) -> str:
        """What this procedure calls ``role`` ("Head of service"), or its usual label."""
        return self.role_names.of(role)

    def group_of(self, number: int) -> StageGroup | None:
        """The group stage ``number`` is listed under, if any."""
        return next((g for g in self.stage_groups if number in g.stages), None)

    @property
    def final_stage(self) -> Stage:
        return self.stages[-1]

    def stage(self, number: int) -> Stage:
        if not 1 <= number <= len(self.stages):
            raise KeyError(f"{self.key} has no stage {number}")
        return self.stages[number - 1]
