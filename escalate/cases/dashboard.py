"""What a person's dashboard lists, a page at a time: what needs their action, soonest
first, and the cases they can see, newest first, each with what is due from them next.

The database sorts and cuts each list into pages, from indexed columns (stage owners,
agreed actions' owners, the stored deadlines), so a page takes the same queries however
many cases there are: one for the page with how many there are (numbered and counted
by the database), one for the cases on it.
Reads through :mod:`escalate.cases.permissions` (:func:`~permissions.visible_cases`,
:func:`~permissions.visible_q`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models import Case as Choose
from django.db.models.functions import Cast, Concat, RowNumber

from escalate import clock
from escalate.cases import compiled, deadlines, owned, permissions
from escalate.cases.dashboard_items import DUE_SOON_DAYS as DUE_SOON_DAYS
from escalate.cases.dashboard_items import ActionItem as ActionItem
from escalate.cases.dashboard_items import ListedCase as ListedCase
from escalate.cases.models import (
    AgreedAction,
    Case,
    CaseDeadline,
    CaseStatus,
    PolicyIssue,
    PolicyIssueStatus,
    StageRecord,
)
from escalate.cases.models.deadlines import ACT_BY
from escalate.cases.visibility import same_address, visible_case_ids
from escalate.govuk.text import PAST_EVERY_PAGE, page_number
from escalate.partnerships import permissions as partnership_permissions
from escalate.partnerships.models import Membership

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: Rows a page of "Needs your action" shows.
ACTIONS_PER_PAGE = 20
#: Rows a page of "Cases you can see" shows.
CASES_PER_PAGE = 50
#: Rows a page of "Your deadlines" shows.
DEADLINES_PER_PAGE = 20

#: "Needs your action" is planned once for everyone (:func:`compiled.compile_once`):
#: each part starts from the person's own rows by an index whoever they are, and
#: planning it for each person's values took 18-30 ms against 1-3 ms to run it.
WAITING_PLANNED_ONCE = True

#: The kinds of thing waiting, in the order they come on the same day for one case.
KINDS = ("stage", "respond", "agreed_action", "policy_issue", "deadline")


#: The columns of every part of the list, as annotations.
COLUMNS = ("w_rank", "w_case", "w_ref", "w_due", "w_no_due", "w_item", "w_label", "w_soft")
ORDER = ("w_no_due", "w_due", "w_ref", "w_rank", "w_item")


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _part(
    rows: QuerySet[Any], kind: str, case: str, due: Any, item: str, label: Any, soft: Any = None
) -> Any:
    """One part of the list: ``rows`` with the columns every part has. ``soft``: whether
    it is due by a "where possible" target (none: never)."""
    return (
        rows.order_by()
        .annotate(
            w_rank=Value(KINDS.index(kind), output_field=IntegerField()),
            w_case=F(case),
            w_ref=F(f"{case.removesuffix('_id')}__reference" if case != "pk" else "reference"),
            w_due=due,
            w_item=F(item),
            w_label=label,
            w_soft=soft if soft is not None else Value(False, output_field=BooleanField()),
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


def waiting(user: User | Any, cases: Sequence[int] | None = None) -> QuerySet[Any]:
    """What is waiting for ``user``, soonest due first (no due date last), as rows of
    :data:`COLUMNS`: stages they own (due by the soonest of their own deadlines in it
    when that comes before the stage's act-by: the Cheshire East chair's recommendation,
    five working days into step 4, not step 4's day 21), challenges awaiting their
    response, actions agreed for them to do and policy issues awaiting their response
    as chair or statutory partner. ``cases``: only these cases', which the
    caller knows ``user`` may see (and then their own deadlines too, each a row of its
    own)."""
    if not partnership_permissions.is_active_person(user):
        return CaseDeadline.objects.none().values_list("pk")
    own = owned.owned(user)
    mine = Membership.objects.filter(person_id=user.pk).order_by().values("agency_id")
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
        owner_id=user.pk,
        concluded_on__isnull=True,
        case__status=CaseStatus.OPEN,
        number=F("case__current_stage"),
    ).annotate(
        w_first_due=Subquery(here.values("due")[:1], output_field=DateField()),
        w_first_label=Subquery(here.values("label")[:1], output_field=CharField()),
        w_first_soft=Subquery(here.values("soft")[:1], output_field=BooleanField()),
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
            Choose(
                When(sooner, then=F("w_first_soft")),
                default=Exists(  # read by the index of unmet deadlines by owner
                    CaseDeadline.objects.filter(
                        owner_stage=OuterRef("pk"), key=ACT_BY, soft=True, met_on__isnull=True
                    )
                ),
                output_field=BooleanField(),
            ),
        )
    ]
    act_by = Subquery(
        StageRecord.objects.filter(case_id=OuterRef("pk"), number=OuterRef("current_stage"))
        .order_by()
        .values("act_by")[:1],
        output_field=DateField(),
    )
    soft_act_by = Exists(
        CaseDeadline.objects.filter(
            case_id=OuterRef("pk"), stage=OuterRef("current_stage"), key=ACT_BY, soft=True
        )
    )
    awaiting = Case.objects.filter(only("pk"), status=CaseStatus.OPEN, response="")
    for named in (
        Q(other_professional_id=user.pk),
        Q(other_professional__isnull=True, other_agency__in=mine)
        & same_address("other_professional_email", user),
    ):
        parts.append(
            _part(
                awaiting.filter(named), "respond", "pk", act_by, "pk",
                _text("Respond to the challenge"), soft_act_by,
            )
        )  # fmt: skip
    # On a case the person may not see, nothing is theirs to do (``cases``: they may).
    seen = permissions.visible_q(user, "case__") if cases is None else Q()
    agreed = AgreedAction.objects.filter(
        only("case_id"), seen, owner_id=user.pk, done_on__isnull=True
    )
    parts.append(
        _part(agreed, "agreed_action", "case_id", F("due_on"), "pk", _text("Do the agreed action"))
    )
    # From the cases of the partnerships they respond in (none for most people), not
    # from every open issue: read by the index of issues by case.
    responded = Case.objects.filter(
        partnership__in=partnership_permissions.policy_responder_partnerships(user)
    ).order_by()
    issues = PolicyIssue.objects.filter(
        only("case_id"), status=PolicyIssueStatus.OPEN, case_id__in=responded.values("pk")
    )
    no_date = Value(None, output_field=DateField())
    parts.append(
        _part(issues, "policy_issue", "case_id", no_date, "pk", _text("Respond to a policy issue"))
    )
    if cases is not None:
        own_here = deadlines.open_deadlines().filter(own, case_id__in=list(cases))
        parts.append(_part(own_here, "deadline", "case_id", F("due"), "pk", F("label"), F("soft")))
    first, *rest = parts
    return first.union(*rest, all=True).order_by(*ORDER)  # type: ignore[no-any-return]


def items(
    rows: Iterable[Sequence[Any]], today: dt.date | None = None, known: Iterable[ListedCase] = ()
) -> list[ActionItem]:
    """Rows of :func:`waiting` as :class:`ActionItem`, with their cases (one query for
    each :data:`compiled.CASE_IDS` of them, none when all are ``known``)."""
    rows = list(rows)
    today = today or clock.today()
    by_id = {c.pk: c for c in known}
    wanted = sorted({r[1] for r in rows} - set(by_id))
    if wanted:
        by_id.update((pk, case) for pk, (case, _) in listed_cases(wanted).items())
    made = []
    for rank, case_id, _ref, due, _no_due, item, label, soft in rows:
        kind = KINDS[rank]
        passed = due is not None and today > due
        made.append(
            ActionItem(
                kind,
                by_id[case_id],
                label,
                due,
                passed and not soft,
                agreed_action_id=item if kind == "agreed_action" else None,
                policy_issue_id=item if kind == "policy_issue" else None,
                target_passed=passed and bool(soft),
            )
        )
    return made


def needs_action(user: User | Any) -> list[ActionItem]:
    """Everything waiting for ``user``, soonest due first (:func:`waiting`)."""
    return items(waiting(user))


def needs_action_page(
    user: User | Any, number: Any = 1, per_page: int = ACTIONS_PER_PAGE
) -> tuple[Page[Any], list[ActionItem]]:
    """One page of :func:`waiting` (none or not a number: the first; past the last: the
    last) and how many pages there are, in one query (and one for the cases on it)."""
    if not partnership_permissions.is_active_person(user):
        return Paginator([], per_page).get_page(number), []
    kept = compiled.compile_once(
        "waiting", lambda: waiting(compiled.standin()), planned_once=WAITING_PLANNED_ONCE
    ).around(WAITING_IN_ORDER, same_columns=True)
    page = kept_rows(kept, compiled.values_for(user), number, per_page)
    page.object_list = items(page.object_list)
    return page, list(page.object_list)


#: :func:`waiting` numbered and counted in its order, for :func:`kept_rows`.
WAITING_IN_ORDER = (
    f"WITH waiting ({', '.join(COLUMNS)}) AS ({{}}) SELECT {', '.join(COLUMNS)},"  # noqa: S608 - names
    f" ROW_NUMBER() OVER (ORDER BY {', '.join(ORDER)}) AS w_row, COUNT(*) OVER () AS w_total"
    f" FROM waiting ORDER BY {', '.join(ORDER)}"
)


# ---------------------------------------------------------------- cases you can see


def _listed_columns(cases: QuerySet[Case]) -> QuerySet[Any]:
    """``cases``' columns of :data:`LISTED` (with their current stage's act-by)."""
    act_by = StageRecord.objects.filter(
        case_id=OuterRef("pk"), number=OuterRef("current_stage")
    ).order_by()
    return cases.annotate(
        stage_act_by=Subquery(act_by.values("act_by")[:1], output_field=DateField())
    ).values_list(*LISTED)


#: The columns of a listed case (:class:`ListedCase`), and its current stage's act-by.
LISTED = (
    "pk",
    "reference",
    "current_stage",
    "status",
    "raising_agency__name",
    "other_agency__name",
    "stage_act_by",
)


def _listed(row: Sequence[Any]) -> tuple[ListedCase, dt.date | None]:
    """A row of :data:`LISTED` as the case it is, and its stage's act-by."""
    *shown, act_by = row
    return ListedCase(*shown), act_by


@dataclass(frozen=True)
class CaseRow:
    """A case someone can see, with its current stage's act-by and what is due from
    them next on it (None: nothing)."""

    case: ListedCase
    act_by: dt.date | None
    next_due: ActionItem | None


def _seen(user: User | Any) -> QuerySet[Any]:
    """The cases ``user`` can see, each as its id and when it was raised
    (:func:`~escalate.cases.visibility.visible_case_ids`), for :data:`NEWEST_FIRST` to
    sort and count."""
    return visible_case_ids(user, raised_at=True)


#: :func:`_seen` newest first, numbered and counted (for :func:`kept_page`: a page and
#: how many there are in one query; the columns shown are read for the page's alone).
NEWEST_FIRST = (
    "WITH seen (w_id, w_at) AS ({}) SELECT w_id, ROW_NUMBER() OVER (ORDER BY w_at DESC,"
    " w_id DESC) AS w_row, COUNT(*) OVER () AS w_total FROM seen ORDER BY w_at DESC, w_id DESC"
)
#: The first page of :data:`NEWEST_FIRST`: the newest few and how many there are,
#: numbered by nothing (for the line manager who sees 15,400 cases at 100,000, the
#: sort keeps 50 rather than ordering and numbering every one).
NEWEST_FIRST_PAGE = (
    "WITH seen (w_id, w_at) AS ({}) SELECT w_id, (SELECT COUNT(*) FROM seen) AS w_total"
    " FROM seen ORDER BY w_at DESC, w_id DESC"
)


def listed_cases(ids: Sequence[int]) -> dict[int, tuple[ListedCase, dt.date | None]]:
    """The cases ``ids`` as lists show them, with their current stage's act-by: one
    query for each :data:`compiled.CASE_IDS` of them."""
    kept = compiled.compile_once(
        "listed_cases", lambda: _listed_columns(Case.objects.filter(pk__in=compiled.CASE_IDS))
    )
    found: dict[int, tuple[ListedCase, dt.date | None]] = {}
    size = len(compiled.CASE_IDS)
    for start in range(0, len(ids), size):
        values = compiled.values_for(None, ids[start : start + size])
        found.update((row[0], _listed(row)) for row in kept.rows(values))
    return found


class _Counted:
    """What :class:`~django.core.paginator.Paginator` needs of a list it is only told
    the length of (the page's rows are read already)."""

    def __init__(self, total: int) -> None:
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total


def kept_rows(
    kept: compiled.Compiled, values: compiled.Values, number: Any, per_page: int
) -> Page[Any]:
    """Page ``number`` of a kept query's rows (numbered and counted, as
    :meth:`compiled.Compiled.page` takes it): none or not a number is the first page,
    past the last the last. One query."""
    if isinstance(number, str):
        number = page_number(number)
    wanted = min(number, PAST_EVERY_PAGE) if isinstance(number, int) and number >= 1 else 1
    found, shown_number, total = kept.page(values, wanted, per_page)
    paginator: Paginator[Any] = Paginator(_Counted(total), per_page)  # type: ignore[arg-type]
    return Page(found, shown_number, paginator)


def kept_page(
    kept: compiled.Compiled, values: compiled.Values, number: Any, per_page: int
) -> tuple[list[int], Page[Any]]:
    """The ids on page ``number`` of a kept query whose first column is the id
    (:func:`kept_rows`), and the page (its ``object_list`` those ids, for the caller to
    swap for what it shows). One query."""
    page = kept_rows(kept, values, number, per_page)
    ids = [int(r[0]) for r in page.object_list]
    page.object_list = ids
    return ids, page


def _owned_in_order(user: User | Any, managers_only: bool) -> QuerySet[Any]:
    """The ids of ``user``'s deadlines not met yet (:func:`owned.owned_deadlines`),
    soonest first, numbered and counted (for :func:`kept_page`)."""
    order = ("due", "case__reference", "stage", "key")
    return (
        owned.owned_deadlines(user, managers_only=managers_only)
        .annotate(
            w_row=Window(RowNumber(), order_by=[F(name).asc() for name in order]),
            w_total=Window(Count("pk")),
        )
        .values_list("pk", "w_row", "w_total")
    )


def deadlines_page(
    user: User | Any,
    number: Any = 1,
    per_page: int = DEADLINES_PER_PAGE,
    *,
    roles: Iterable[str] | None = None,
) -> tuple[Page[Any], list[CaseDeadline]]:
    """One page of ``user``'s own deadlines not met yet, soonest first
    (:func:`owned.owned_deadlines`; shown by :func:`owned.owned_rows`): two queries,
    its ids with how many there are and the deadlines (one when there are none).
    ``roles``: every role ``user`` holds (their memberships' and partnership roles',
    when the caller has read them already); otherwise a query finds them."""
    if not partnership_permissions.is_active_person(user):
        return Paginator([], per_page).get_page(number), []
    held = owned.roles_held(user) if roles is None else roles
    managers_only = owned.settled_by_holding(held)
    kept = compiled.compile_once(
        ("owned_in_order", managers_only),
        lambda: _owned_in_order(compiled.standin(), managers_only),
    )
    ids, page = kept_page(kept, compiled.values_for(user), number, per_page)
    found = (
        {
            d.pk: d
            for d in CaseDeadline.objects.filter(pk__in=ids)
            .select_related("case", "case__partnership", "owner_stage")
            .only(
                *(f.name for f in CaseDeadline._meta.concrete_fields),
                "case__reference",
                "case__partnership__region",
                "owner_stage__number",
                "owner_stage__owner_id",
            )
        }
        if ids
        else {}
    )
    page.object_list = [found[i] for i in ids if i in found]
    return page, list(page.object_list)


def cases_page(
    user: User | Any, number: Any = 1, per_page: int = CASES_PER_PAGE
) -> tuple[Page[Any], list[CaseRow]]:
    """One page of the cases ``user`` can see, newest first, each with what is due from
    them next (their own soonest deadline, or anything else waiting for them). Page
    ``number`` (none or not a number: the first; past the last: the last) in three
    queries: its ids with how many there are, their columns, what is due on them (none
    of the last two when there is nothing to show)."""
    if not partnership_permissions.is_active_person(user):
        return Paginator([], per_page).get_page(number), []
    if per_page > len(compiled.CASE_IDS):
        raise ValueError(f"at most {len(compiled.CASE_IDS)} cases a page")
    kept = compiled.compile_once("cases_seen", lambda: _seen(compiled.standin()))
    kept = kept.around(NEWEST_FIRST, first_page=NEWEST_FIRST_PAGE)
    ids, page = kept_page(kept, compiled.values_for(user), number, per_page)
    by_id = listed_cases(ids)
    shown = [by_id[i] for i in ids if i in by_id]
    page.object_list = shown
    first: dict[int, ActionItem] = {}
    if shown:
        due = compiled.compile_once(
            "waiting_in_cases",
            lambda: waiting(compiled.standin(), compiled.CASE_IDS),
            planned_once=WAITING_PLANNED_ONCE,
        )
        found_due = due.rows(compiled.values_for(user, (c.pk for c, _ in shown)))
        for item in items(found_due, known=[c for c, _ in shown]):
            first.setdefault(item.case.pk, item)
    rows = [CaseRow(c, act_by, first.get(c.pk)) for c, act_by in shown]
    return page, rows
