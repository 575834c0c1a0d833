"""What a person's dashboard lists, a page at a time: what needs their action, soonest
first, and the cases they can see, newest first, each with what is due from them next.

The database sorts and cuts each list into pages, from indexed columns (stage owners,
agreed actions' owners, the stored deadlines), so a page takes the same queries however
many cases there are: one for the page, one to count the pages, one for the cases on it.
Reads through :mod:`escalate.cases.permissions` (:func:`~permissions.visible_cases`,
:func:`~permissions.visible_q`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat

from escalate import clock
from escalate.cases import deadlines, owned, permissions
from escalate.cases.models import (
    AgreedAction,
    Case,
    CaseDeadline,
    CaseStatus,
    PolicyIssue,
    PolicyIssueStatus,
    StageRecord,
)
from escalate.cases.visibility import same_address
from escalate.partnerships import permissions as partnership_permissions
from escalate.partnerships.models import Membership

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: Rows a page of "Needs your action" shows.
ACTIONS_PER_PAGE = 20
#: Rows a page of "Cases you can see" shows.
CASES_PER_PAGE = 50

#: Calendar days before its due date that something counts as due soon.
DUE_SOON_DAYS = 3

#: The kinds of thing waiting, in the order they come on the same day for one case.
KINDS = ("stage", "respond", "agreed_action", "policy_issue", "deadline")


@dataclass(frozen=True)
class ActionItem:
    """Something waiting for one person, with the day it is due by."""

    kind: str  # "stage" | "respond" | "agreed_action" | "policy_issue" | "deadline"
    case: Case
    label: str
    due: dt.date | None
    overdue: bool
    agreed_action_id: int | None = None
    policy_issue_id: int | None = None

    def urgency(self, today: dt.date) -> str:
        """ "none" (no fixed timescale), "overdue", "due_soon" (within DUE_SOON_DAYS) or
        "on_time"."""
        if self.due is None:
            return "none"
        if self.overdue:
            return "overdue"
        if (self.due - today).days <= DUE_SOON_DAYS:
            return "due_soon"
        return "on_time"


#: The columns of every part of the list, as annotations.
COLUMNS = ("w_rank", "w_case", "w_ref", "w_due", "w_no_due", "w_item", "w_label")
ORDER = ("w_no_due", "w_due", "w_ref", "w_rank", "w_item")


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _part(rows: QuerySet[Any], kind: str, case: str, due: Any, item: str, label: Any) -> Any:
    """One part of the list: ``rows`` with the columns every part has."""
    return (
        rows.order_by()
        .annotate(
            w_rank=Value(KINDS.index(kind), output_field=IntegerField()),
            w_case=F(case),
            w_ref=F(f"{case.removesuffix('_id')}__reference" if case != "pk" else "reference"),
            w_due=due,
            w_item=F(item),
            w_label=label,
        )
        .annotate(
            w_no_due=Choose(
                When(w_due__isnull=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values_list(*COLUMNS)
    )


def waiting(
    user: User | Any, own: Q | None = None, cases: Sequence[int] | None = None
) -> QuerySet[Any]:
    """What is waiting for ``user``, soonest due first (no due date last), as rows of
    :data:`COLUMNS`: stages they own (due by the soonest of their own deadlines in it
    when that comes before the stage's act-by: the Cheshire East chair's recommendation,
    five working days into step 4, not step 4's day 21), challenges awaiting their
    response, actions agreed for them to do and policy issues awaiting their response
    as chair or statutory partner. ``own``: which deadlines are theirs
    (:func:`escalate.cases.owned.owned`). ``cases``: only these cases', which the
    caller knows ``user`` may see (and then their own deadlines too, each a row of its
    own)."""
    if not partnership_permissions.is_active_person(user):
        return CaseDeadline.objects.none().values_list("pk")
    own = owned.owned(user) if own is None else own
    mine = Membership.objects.filter(person=user).order_by().values("agency_id")
    in_cases = (lambda to: Q(**{f"{to}__in": list(cases)})) if cases is not None else None

    def only(to: str) -> Q:
        return in_cases(to) if in_cases is not None else Q()

    here = (
        deadlines.open_deadlines()
        .filter(own, case_id=OuterRef("case_id"), stage=OuterRef("number"))
        .order_by("due", "key")
    )
    stages = StageRecord.objects.filter(
        only("case_id"),
        owner=user,
        concluded_on__isnull=True,
        case__status=CaseStatus.OPEN,
        number=F("case__current_stage"),
    ).annotate(
        w_first_due=Subquery(here.values("due")[:1], output_field=DateField()),
        w_first_label=Subquery(here.values("label")[:1], output_field=CharField()),
    )
    sooner = Q(w_first_due__lt=F("act_by")) | Q(act_by__isnull=True, w_first_due__isnull=False)
    parts = [
        _part(
            stages,
            "stage",
            "case_id",
            Choose(When(sooner, then=F("w_first_due")), default=F("act_by")),
            "pk",
            Choose(
                When(sooner, then=F("w_first_label")),
                default=Concat(_text("Resolve or escalate stage "), Cast("number", CharField())),
                output_field=CharField(),
            ),
        )
    ]
    act_by = Subquery(
        StageRecord.objects.filter(case_id=OuterRef("pk"), number=OuterRef("current_stage"))
        .order_by()
        .values("act_by")[:1],
        output_field=DateField(),
    )
    awaiting = Case.objects.filter(only("pk"), status=CaseStatus.OPEN, response="")
    for named in (
        Q(other_professional=user),
        Q(other_professional__isnull=True, other_agency__in=mine)
        & same_address("other_professional_email", user),
    ):
        parts.append(
            _part(
                awaiting.filter(named), "respond", "pk", act_by, "pk",
                _text("Respond to the challenge"),
            )
        )  # fmt: skip
    # On a case the person may not see, nothing is theirs to do (``cases``: they may).
    seen = permissions.visible_q(user, "case__") if cases is None else Q()
    agreed = AgreedAction.objects.filter(only("case_id"), seen, owner=user, done_on__isnull=True)
    parts.append(
        _part(agreed, "agreed_action", "case_id", F("due_on"), "pk", _text("Do the agreed action"))
    )
    issues = PolicyIssue.objects.filter(
        only("case_id"),
        status=PolicyIssueStatus.OPEN,
        case__partnership__in=partnership_permissions.policy_responder_partnerships(user),
    )
    no_date = Value(None, output_field=DateField())
    parts.append(
        _part(issues, "policy_issue", "case_id", no_date, "pk", _text("Respond to a policy issue"))
    )
    if cases is not None:
        own_here = deadlines.open_deadlines().filter(own, case_id__in=list(cases))
        parts.append(_part(own_here, "deadline", "case_id", F("due"), "pk", F("label")))
    first, *rest = parts
    return first.union(*rest, all=True).order_by(*ORDER)  # type: ignore[no-any-return]


def items(
    rows: Iterable[Sequence[Any]], today: dt.date | None = None, known: Iterable[Case] = ()
) -> list[ActionItem]:
    """Rows of :func:`waiting` as :class:`ActionItem`, with their cases (one query, none
    when all are ``known``)."""
    rows = list(rows)
    today = today or clock.today()
    by_id = {c.pk: c for c in known}
    wanted = {r[1] for r in rows} - set(by_id)
    if wanted:
        by_id.update((c.pk, c) for c in listed_cases(Case.objects.filter(pk__in=wanted)))
    made = []
    for rank, case_id, _ref, due, _no_due, item, label in rows:
        kind = KINDS[rank]
        made.append(
            ActionItem(
                kind,
                by_id[case_id],
                label,
                due,
                due is not None and today > due,
                agreed_action_id=item if kind == "agreed_action" else None,
                policy_issue_id=item if kind == "policy_issue" else None,
            )
        )
    return made


def needs_action(user: User | Any) -> list[ActionItem]:
    """Everything waiting for ``user``, soonest due first (:func:`waiting`)."""
    return items(waiting(user))


def needs_action_page(
    user: User | Any, number: Any = 1, own: Q | None = None, per_page: int = ACTIONS_PER_PAGE
) -> tuple[Page[Any], list[ActionItem]]:
    """One page of :func:`waiting` (any ``number`` not a page's: the nearest page)."""
    page = Paginator(waiting(user, own), per_page).get_page(number)
    return page, items(page.object_list)


# ---------------------------------------------------------------- cases you can see


def listed_cases(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` with what a list of them shows, and nothing else (not the procedure
    they follow, nor the details of the person at risk)."""
    return cases.select_related("raising_agency", "other_agency").only(
        "reference",
        "current_stage",
        "status",
        "raised_at",
        "raising_agency__name",
        "other_agency__name",
    )


@dataclass(frozen=True)
class CaseRow:
    """A case someone can see, with its current stage's act-by and what is due from
    them next on it (None: nothing)."""

    case: Case
    act_by: dt.date | None
    next_due: ActionItem | None


def cases_page(
    user: User | Any, number: Any = 1, own: Q | None = None, per_page: int = CASES_PER_PAGE
) -> tuple[Page[Any], list[CaseRow]]:
    """One page of the cases ``user`` can see, newest first, each with what is due from
    them next (their own soonest deadline, or anything else waiting for them)."""
    act_by = StageRecord.objects.filter(
        case_id=OuterRef("pk"), number=OuterRef("current_stage")
    ).order_by()
    cases = (
        listed_cases(permissions.visible_cases(user))
        .annotate(stage_act_by=Subquery(act_by.values("act_by")[:1], output_field=DateField()))
        .order_by("-raised_at", "-id")
    )
    page = Paginator(cases, per_page).get_page(number)
    shown = list(page.object_list)
    first: dict[int, ActionItem] = {}
    if shown:
        due = waiting(user, own, [c.pk for c in shown])
        for item in items(due, known=shown):
            first.setdefault(item.case.pk, item)
    rows = [CaseRow(c, c.stage_act_by, first.get(c.pk)) for c in shown]  # type: ignore[attr-defined]
    return page, rows
