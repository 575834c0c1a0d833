"""What a procedure calls things in its own words: its names for the roles ("Head of
service" for a senior manager), its groups of stages ("Informal": stages 1 and 2) and
the label every email about one of its cases carries in its subject
("OFFICIAL-SENSITIVE"). Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from escalate.procedures.base import (
    ONE_LINE_IN_SCHEMA,
    DefinitionProblem,
    Frozen,
    Text,
    listed,
    refuse_duplicates,
)
from escalate.procedures.roles import Role

#: How a value the source document does not give reads on pages and in the CLI.
NOT_GIVEN = "not given"

#: The longest label an email subject may carry, and the longest name of a role (or
#: label of a group of stages).
LABEL_MAX = 40
ROLE_NAME_MAX = 80

#: Besides letters and digits, what a subject label may contain.
_LABEL_PUNCTUATION = " -_/:.()[]&+"


def _single_line(value: str, *, limit: int, what: str) -> str:
    """Refuse control characters (line breaks, tabs, NUL bytes) and over-long text."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            shown = f"U+{ord(ch):04X}"
            raise ValueError(
                f"contains a control character ({shown}: a line break, tab, NUL byte or "
                f"similar); {what} must be one line of plain text"
            )
    if len(value) > limit:
        raise ValueError(
            f"is {len(value)} characters long; keep {what} to {limit} characters or fewer"
        )
    return value


def _subject_label(value: str) -> str:
    value = _single_line(value.strip(), limit=LABEL_MAX, what="the subject label")
    if not value:
        raise ValueError("must not be empty; leave email_subject_label out for no label")
    stray = [ch for ch in value if not (ch.isalnum() or ch in _LABEL_PUNCTUATION)]
    if stray or "@" in value:
        raise ValueError(
            f"{stray[0] if stray else '@'!r} cannot be used in the subject label: use "
            "letters, digits, spaces and - _ / : . ( ) [ ] & + (a protective marking such "
            "as 'OFFICIAL-SENSITIVE', never anyone's name or details)"
        )
    if any(ch.isnumeric() for ch in value):  # (any script's digits, and ½ or Ⅻ)
        raise ValueError(
            "cannot hold digits: a protective marking carries no number, and a number in "
            "a subject could be a date of birth or an NHS number"
        )
    if not value.lstrip("[( ").upper().startswith("OFFICIAL"):
        raise ValueError(
            f"{value!r} is not a protective marking: the label must start with OFFICIAL "
            "(such as 'OFFICIAL' or 'OFFICIAL-SENSITIVE'), never anyone's name or details"
        )
    return value


def _role_name(value: str) -> str:
    return _single_line(value, limit=ROLE_NAME_MAX, what="a role's name")


def _group_label(value: str) -> str:
    return _single_line(value, limit=ROLE_NAME_MAX, what="a group's label")


def same_name(name: str) -> str:
    """A name as compared with others: capitals and runs of spaces ignored."""
    return " ".join(name.split()).casefold()


#: (One line, as :data:`~escalate.procedures.base.Line` is, with messages of their own.)
SubjectLabel = Annotated[str, AfterValidator(_subject_label), ONE_LINE_IN_SCHEMA]
RoleName = Annotated[Text, AfterValidator(_role_name), ONE_LINE_IN_SCHEMA]
GroupLabel = Annotated[Text, AfterValidator(_group_label), ONE_LINE_IN_SCHEMA]


class RoleNames(Frozen):
    """What the procedure calls each role it names differently ("Head of service")."""

    practitioner: RoleName | None = None
    line_manager: RoleName | None = None
    safeguarding_lead: RoleName | None = None
    senior_manager: RoleName | None = None
    director: RoleName | None = None
    board_representative: RoleName | None = None
    business_unit: RoleName | None = None
    independent_chair: RoleName | None = None
    statutory_partner: RoleName | None = None

    @model_validator(mode="after")
    def _each_role_its_own_name(self) -> Self:
        """Two roles called the same would make who acts, and who is told, ambiguous:
        refuse a name another role has in this procedure, its own or its usual label
        (one the procedure renames, such as "Senior manager" for senior_manager named
        "Head of service", is free to use)."""
        called: dict[str, Role] = {}
        for role in Role:
            name = self.of(role)
            key = same_name(name)
            other = called.get(key)
            if other is None:
                called[key] = role
                continue
            given = self.given()
            if role in given and other in given:
                first = self.of(other)
                both = (
                    f"are both called {name!r}"
                    if first == name
                    else f"are called {first!r} and {name!r}, the same name once capitals "
                    "and spaces are ignored"
                )
                raise DefinitionProblem(
                    f"{other.value} and {role.value} {both}: give each role its own name, so "
                    "that who acts and who is told is never in doubt",
                    at=(role.value,),
                )
            named, usual = (role, other) if role in given else (other, role)
            raise DefinitionProblem(
                f"{self.of(named)!r} is what {usual.value} is usually called, so "
                f"{named.value} and {usual.value} would read the same: give {named.value} "
                f"another name, or name {usual.value} differently too",
                at=(named.value,),
            )
        return self

    def of(self, role: Role) -> str:
        """The procedure's name for ``role``, or the role's usual label."""
        named: str | None = getattr(self, role.value)
        return named or role.label

    def given(self) -> dict[Role, str]:
        """The roles this procedure names in its own words."""
        return {r: getattr(self, r.value) for r in Role if getattr(self, r.value)}


class StageGroup(Frozen):
    """Stages the document groups under one heading ("Informal": stages 1 and 2)."""

    label: GroupLabel
    stages: tuple[int, ...] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _unique_stages(cls, stages: tuple[int, ...]) -> tuple[int, ...]:
        refuse_duplicates("stage", list(stages))
        return stages

    @property
    def words(self) -> str:
        """The group as pages name it: "Informal (stages 1 and 2)"."""
        numbers = sorted(self.stages)
        if len(numbers) == 1:
            return f"{self.label} (stage {numbers[0]})"
        return f"{self.label} (stages {listed([str(n) for n in numbers])})"


def check_stage_groups(groups: tuple[StageGroup, ...], last: int) -> None:
    """Every grouped stage exists and no stage is in two groups (raises
    :class:`DefinitionProblem` at the group's ``stages``)."""
    seen: dict[int, str] = {}
    labels: set[str] = set()
    for i, group in enumerate(groups):
        missing = [n for n in group.stages if not 1 <= n <= last]
        if missing:
            raise DefinitionProblem(
                f"there is no stage {listed(missing, 'or')}: this procedure has stages 1 to {last}",
                at=("stage_groups", i, "stages"),
            )
        for n in group.stages:
            if n in seen:
                raise DefinitionProblem(
                    f"stage {n} is already in the group {seen[n]!r}: a stage belongs to one "
                    "group at most",
                    at=("stage_groups", i, "stages"),
                )
            seen[n] = group.label
        if group.label.lower() in labels:
            raise DefinitionProblem(
                f"a group called {group.label!r} is listed twice; give each group its own label",
                at=("stage_groups", i, "label"),
            )
        labels.add(group.label.lower())
