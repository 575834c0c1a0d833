"""What changed between two versions of a procedure, in words a board user understands.

:func:`differences` compares two definitions field by field: the procedure's own
fields first, then stage by stage (stages added, removed or changed). Timescales read
as the procedure page says them; roles, and whoever is told, by each version's own
names for them (the "before" in the old version's words, the "after" in the new
one's). Any field without words of its own here (one added to the format later) is
still compared, labelled by its name in words, so no change goes unseen. Pure Python:
nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from escalate.procedures.cli_show import route_words, who
from escalate.procedures.forms import CaseForm
from escalate.procedures.model import (
    Category,
    ChecklistItem,
    Duty,
    Expedite,
    FormField,
    ForumFor,
    NamedDeadline,
    OutOfScope,
    Panel,
    Procedure,
    Recipient,
    Role,
    RoleNames,
    Route,
    Source,
    Stage,
    StageGroup,
    Timescale,
    Unresolved,
)
from escalate.procedures.timescales import sentence
from escalate.procedures.words import article, in_sentence, mid_sentence

#: How a value that is not there reads.
NOT_SET = "not set"
NOBODY = "nobody"


@dataclass(frozen=True)
class Difference:
    """One change: where it is ("Procedure", "Stage 2: Line managers", "Stage 5
    (added)"), what changed ("Conclude by") and the before and after in words ("" when
    absent)."""

    where: str
    what: str
    before: str
    after: str


def differences(old: Procedure | None, new: Procedure) -> list[Difference]:
    """Every change from ``old`` to ``new``: the procedure's own first, then by stage.
    With no ``old``, everything is new: the procedure and each stage, added."""
    said = _Side(new.role_names)
    if old is None:
        whole = Difference("Procedure", "Procedure", "", f"{new.name} (version {new.version})")
        return [whole, *(_stage_added(s, said) for s in new.stages)]
    sides = (_Side(old.role_names), said)
    rows = _model_rows("Procedure", "", old, new, sides)
    for number in range(1, max(len(old.stages), len(new.stages)) + 1):
        before = old.stages[number - 1] if number <= len(old.stages) else None
        after = new.stages[number - 1] if number <= len(new.stages) else None
        if after is None:
            assert before is not None
            rows.append(Difference(f"Stage {number} (removed)", "Stage", before.title, ""))
        elif before is None:
            rows.append(_stage_added(after, said))
        else:
            rows += _model_rows(f"Stage {number}: {after.title}", "", before, after, sides)
    return rows


def _stage_added(stage: Stage, side: _Side) -> Difference:
    acts = side.roles(stage.roles)
    return Difference(
        f"Stage {stage.number} (added)", "Stage", "", f"{stage.title}. Who acts: {acts}."
    )


# ---------------------------------------------------------------- words


def _day(d: dt.date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else NOT_SET


@dataclass(frozen=True)
class _Side:
    """How one version says roles and whoever is told: by its own names for them (a
    "Conference chair"), else their usual labels."""

    names: RoleNames

    def role(self, role: Role) -> str:
        return self.names.of(role)

    def roles(self, roles: Sequence[Role]) -> str:
        return ", ".join(self.names.of(r) for r in roles) or NOBODY

    def who(self, recipients: Sequence[Recipient]) -> str:
        return who(tuple(recipients), self.names) if recipients else NOBODY

    def told(self, recipients: Sequence[Recipient]) -> str:
        return f" (Escalate tells {self.who(recipients)}.)" if recipients else ""


#: Words for a whole field's value: (the value, the part holding it, its version's side).
FieldWords = Callable[[Any, Any, _Side], str]


def _timescale(what: str) -> FieldWords:
    """A timescale as the procedure page says it (the one wording: ``sentence``)."""

    def words(t: Timescale | None, _holder: Any, _side: _Side) -> str:
        return sentence(t, what=what) if t is not None else NOT_SET

    return words


def _role_name(role: Role) -> FieldWords:
    """A procedure's own name for ``role``, or that it uses the usual one."""

    def words(name: str | None, _holder: Any, _side: _Side) -> str:
        return name or f"the usual name ({role.label})"

    return words


def _yes_no(yes: str, no: str) -> FieldWords:
    return lambda value, _, __: yes if value else no


def _defaulting(words_when_empty: str) -> FieldWords:
    """Roles that default to the stage's roles when left out."""

    def words(roles: tuple[Role, ...], stage: Any, side: _Side) -> str:
        if roles:
            return side.roles(roles)
        return f"{words_when_empty} ({side.roles(getattr(stage, 'roles', ()))})"

    return words


_REGIONS = {
    "england-and-wales": "England and Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}

#: Field names in words, for any model that has the field.
_LABELS: dict[str, str] = {
    "key": "Key",
    "effective": "Effective from",
    "review": "Review by",
    "protects": "Protects",
    "region": "Working days",
    "principles": "Principle",
    "out_of_scope": "Not covered by the procedure",
    "categories": "Category",
    "expedite": "If someone is at immediate risk",
    "policy_issues": "Policy issues",
    "readings": "How Escalate reads the document",
    "roles": "Who acts",
    "owner_roles": "Who may own the stage",
    "escalate_roles": "Who escalates",
    "resolve_roles": "Who resolves",
    "checklist": "Required action",
    "start_by": "Start by",
    "conclude_by": "Conclude by",
    "other_deadlines": "Other deadline",
    "notify_on_start": "Who is told when it starts",
    "on_resolved": "If resolved",
    "on_unresolved": "If not resolved",
    "referral_form": "Referral form",
    "notify": "Who is told",
    "allowed": "May a case skip stages",
    "prompt": "What to do at once",
    "text": "Words",
    "how_to_refer": "How to refer",
    "submit_to": "Send to",
    "fields": "Field",
    "prefill": "Filled in from",
    "informs": "Whom the stage's owner tells",
    "go_instead": "Where to go instead",
    "roll_forward": "Moved off weekends and bank holidays",
    "source": "Where the document says so",
    # timescales
    "amount": "Number of days",
    "unit": "Counted in",
    "anchor": "Counted from",
    "hours": "In hours",
    "where_possible": "Where possible (a target, never counted as missed)",
    "owner_may_shorten": "The stage's owner may set a shorter timescale",
    # the procedure's own words
    "email_subject_label": "Label in every email subject",
    "role_names": "The procedure's names for roles",
    "stage_groups": "Stage group",
    "routes": "Kind of case that goes somewhere else",
    # a stage
    "notice_before_escalation": "Notice before escalating",
    "forum_for": "Who hears it, for adults and for children",
    "form": "Form at this stage",
    "outcome_form": "Outcome form",
    # immediate risk
    "skip_roles": "Who may skip stages",
    "skip_up_to": "How far a case may skip",
    "skip_needs_consultation": "Who must be consulted before skipping",
}

#: Labels that depend on the model the field is in.
_LABELS_IN: dict[tuple[type[BaseModel], str], str] = {
    (Procedure, "on_every_decision"): "Who is told of every decision at every stage",
    (Stage, "on_every_decision"): "Who is told of every decision at this stage",
    (Procedure, "source"): "Source document",
    (Procedure, "policy_issues"): "Who is told of a policy issue",
    (Expedite, "notify"): "Who is told at once",
    (Expedite, "guidance"): "Guidance",
    (Route, "when"): "Kind of case (its key)",
    (Route, "label"): "As the person raising a case ticks it",
    (Route, "go_to"): "Goes to",
    (Route, "how"): "How to reach them",
    (Route, "instead_of_ladder"): "Instead of up the stages",
    (Route, "applies_to"): "Only for cases about",
    (Route, "notify"): "Who is told when such a case is raised",
    (StageGroup, "label"): "Heading",
    (StageGroup, "stages"): "Stages",
    (ForumFor, "adults"): "For a case about an adult",
    (ForumFor, "children"): "For a case about a child or a family",
    **{(RoleNames, role.value): f"What it calls the {role.label.lower()}" for role in Role},
}

#: Words for a whole value of one field (roles, recipients, timescales, dates).
_FIELD_WORDS: dict[tuple[type[BaseModel], str], FieldWords] = {
    (Procedure, "effective"): lambda d, _, __: _day(d),
    (Procedure, "review"): lambda d, _, __: _day(d),
    (Procedure, "protects"): lambda p, _, __: (
        "adults and children" if p.value == "both" else p.value
    ),
    (Procedure, "region"): lambda r, _, __: f"{_REGIONS.get(r.value, r.value)} bank holidays",
    (Procedure, "policy_issues"): lambda p, _, side: side.who(
        (*p.notify, Recipient.BUSINESS_UNIT)
    ),  # (told whatever the definition says)
    (Stage, "start_by"): _timescale("Start"),
    (Stage, "conclude_by"): _timescale("Resolve or escalate"),
    (Stage, "owner_roles"): _defaulting("whoever acts"),
    (Stage, "escalate_roles"): _defaulting("whoever acts"),
    (Stage, "resolve_roles"): _defaulting("whoever acts"),
    (Stage, "notice_before_escalation"): _yes_no(
        "the other organisation must be told of the intention to escalate first",
        "not needed",
    ),
    (Procedure, "email_subject_label"): lambda label, _, __: label or "no label",
    (Expedite, "skip_roles"): lambda roles, _, side: (
        side.roles(roles) if roles else "whoever may escalate the stage skipped from"
    ),
    (Expedite, "skip_up_to"): lambda n, _, __: f"up to stage {n}" if n else "any later stage",
    (Expedite, "skip_needs_consultation"): lambda role, _, side: (
        f"{article(side.role(role)).lower()} {mid_sentence(side.role(role))}, recorded on the case"
        if role
        else "nobody"
    ),
    (Route, "instead_of_ladder"): _yes_no(
        "yes: never escalated or expedited", "no: told as well, the stages run as usual"
    ),
    (Route, "applies_to"): lambda group, _, __: group.value if group else "any case",
    **{(RoleNames, role.value): _role_name(role) for role in Role},
}

#: Words for one item of a list, or for a part of a definition added or removed whole.
_ITEM_WORDS: dict[type[BaseModel], Callable[[Any, _Side], str]] = {
    ChecklistItem: lambda c, _: (
        c.text + (f" (the stage's owner tells {c.informs})" if c.informs else "")
    ),
    NamedDeadline: lambda d, side: d.sentence + (f" (Who: {side.role(d.role)}.)" if d.role else ""),
    Duty: lambda d, side: d.text + side.told(d.recipients),
    OutOfScope: lambda o, _: f"{o.situation}: {o.go_instead}",
    Category: lambda c, _: c.label,
    FormField: lambda f, side: (
        f"{f.label} ({_plain(f.kind, side)}"
        + (f", filled in from {f.prefill.value}" if f.prefill else "")
        + ("" if f.required else ", optional")
        + ")"
    ),
    Panel: lambda p, side: f"{p.name}: {p.when}" + side.told(p.notify),
    Unresolved: lambda u, side: u.text + side.told(u.notify),
    CaseForm: lambda f, side: (
        f.title
        + (f", sent to {in_sentence(f.submit_to)}" if f.submit_to else "")
        + side.told(f.notify)
    ),
    Source: lambda s, _: ", ".join(x for x in (s.title, s.publisher, getattr(s, "dated", "")) if x),
    StageGroup: lambda g, _: g.words,
    Route: lambda r, side: route_words(r, side.names),
    ForumFor: lambda f, _: (
        f"{f.adults} for a case about an adult; {f.children} for a case about a child or a family"
    ),
}

#: Fields compared apart, or that only place a thing.
_SKIP: frozenset[tuple[type[BaseModel], str]] = frozenset(
    {(Procedure, "stages"), (Stage, "number")}
)


def _label(cls: type[BaseModel], name: str) -> str:
    found = _LABELS_IN.get((cls, name)) or _LABELS.get(name)
    return found or name.replace("_", " ").capitalize()


def _plain(value: Any, side: _Side) -> str:
    """Any value in words, for fields without words of their own."""
    if value is None or value == () or value == "":
        return NOT_SET
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Role):
        return side.role(value)
    if isinstance(value, Recipient):
        return side.who((value,))
    if isinstance(value, Enum):
        return str(value.value).replace("_", " ")
    if isinstance(value, dt.date):
        return _day(value)
    if isinstance(value, Timescale):
        return sentence(value, what="Due")
    if isinstance(value, BaseModel):
        words = _ITEM_WORDS.get(type(value))
        if words:
            return words(value, side)
        parts = [
            f"{_label(type(value), name)}: {_plain(getattr(value, name), side)}"
            for name in type(value).model_fields
            if getattr(value, name) not in (None, (), "")
        ]
        return "; ".join(parts) or NOT_SET
    if isinstance(value, tuple | list):
        if all(isinstance(v, Recipient) for v in value):
            return side.who(value)
        if all(isinstance(v, Role) for v in value):
            return side.roles(value)
        return "; ".join(_plain(v, side) for v in value)
    return str(value)


# ---------------------------------------------------------------- comparing


#: The old version's words and the new one's.
Sides = tuple[_Side, _Side]


def _model_rows(
    where: str, prefix: str, old: BaseModel, new: BaseModel, sides: Sides
) -> list[Difference]:
    """The differences of each field of two versions of one part of a definition."""
    rows: list[Difference] = []
    cls = type(new)
    names = dict.fromkeys([*type(old).model_fields, *cls.model_fields])
    for name in names:
        if (cls, name) in _SKIP:
            continue
        before, after = getattr(old, name, None), getattr(new, name, None)
        if before == after:
            continue
        label = _label(cls, name)
        what = f"{prefix}: {label[:1].lower()}{label[1:]}" if prefix else label
        rows += _field_rows(where, what, (cls, name), (old, new), before, after, sides)
    return rows


def _field_rows(
    where: str,
    what: str,
    field: tuple[type[BaseModel], str],
    holders: tuple[BaseModel, BaseModel],
    before: Any,
    after: Any,
    sides: Sides,
) -> list[Difference]:
    old, new = sides
    words = _FIELD_WORDS.get(field)
    if words is not None:
        said = (words(before, holders[0], old), words(after, holders[1], new))
        if said[0] != said[1]:
            return [Difference(where, what, *said)]
        # The same in words, yet changed (such as a timescale's source): say how.
        if isinstance(before, BaseModel) and isinstance(after, BaseModel):
            return _model_rows(where, what, before, after, sides)
        return [Difference(where, what, _plain(before, old), _plain(after, new))]
    if isinstance(before, BaseModel) and isinstance(after, BaseModel):
        return _model_rows(where, what, before, after, sides)
    if isinstance(before, tuple) and isinstance(after, tuple):
        held = getattr(field[0].model_fields.get(field[1]), "annotation", None)
        if Recipient in getattr(held, "__args__", ()):
            return [Difference(where, what, old.who(before), new.who(after))]
        if Role in getattr(held, "__args__", ()):
            return [Difference(where, what, old.roles(before), new.roles(after))]
        if _listed(before + after):
            return _list_rows(where, what, before, after, sides)
    return [Difference(where, what, _plain(before, old), _plain(after, new))]


def _listed(items: tuple[Any, ...]) -> bool:
    """Lists compared item by item (of text or parts), not whole (roles, recipients)."""
    return bool(items) and not all(isinstance(i, Enum) for i in items)


def _list_rows(
    where: str, what: str, before: tuple[Any, ...], after: tuple[Any, ...], sides: Sides
) -> list[Difference]:
    # Items are matched in one version's words (the new one's), so an item the versions
    # share is not shown as changed because a role it names was renamed; each is shown
    # in its own version's words.
    old_side, new_side = sides
    keyed = all(isinstance(i, BaseModel) and hasattr(i, "key") for i in before + after)
    if keyed:
        old = {i.key: i for i in before}
        new = {i.key: i for i in after}
        rows: list[Difference] = []
        for key in dict.fromkeys([*new, *old]):
            a, b = old.get(key), new.get(key)
            if a == b:
                continue
            if a is None or b is None or _item(a, new_side) != _item(b, new_side):
                rows.append(Difference(where, what, _item(a, old_side), _item(b, new_side)))
            else:
                rows += _model_rows(where, f"{what} {key!r}", a, b, sides)
        return rows
    a_words, b_words = [_item(i, old_side) for i in before], [_item(i, new_side) for i in after]
    a_matched = [_item(i, new_side) for i in before]
    rows = []
    matcher = difflib.SequenceMatcher(a=a_matched, b=b_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        gone, came = a_words[i1:i2], b_words[j1:j2]
        for k in range(max(len(gone), len(came))):
            rows.append(
                Difference(
                    where,
                    what,
                    gone[k] if k < len(gone) else "",
                    came[k] if k < len(came) else "",
                )
            )
    if not rows:  # the same in words, yet changed: each pair, field by field
        for a, b in zip(before, after, strict=False):
            if a != b and isinstance(a, BaseModel) and isinstance(b, BaseModel):
                rows += _model_rows(where, what, a, b, sides)
    return rows


def _item(value: Any, side: _Side) -> str:
    return "" if value is None else _plain(value, side)
