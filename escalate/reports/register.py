"""The escalation register: one row per case, with no identity of the person at risk.

For people :func:`escalate.partnerships.permissions.sees_statistics` allows; see
:mod:`escalate.reports.selectors`.

The database filters, sorts and pages the cases: a page of the register is four queries
(how many match, the page's cases, their stages, their referral forms) however many
cases the board has, and a download is one query read in chunks
(:func:`iter_register`), so neither grows with the register.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case as Choose
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast

from escalate import clock
from escalate.cases.models import Case, CaseStatus, Conclusion, StageRecord
from escalate.procedures import library
from escalate.reports.common import (
    Period,
    category_label_map,
    final_stage_number,
    require_statistics,
    sector_label_map,
)
from escalate.reports.models import ReferralSubmission

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership


@dataclass
class StageRow:
    number: int
    started_on: dt.date
    concluded_on: dt.date | None
    act_by: dt.date | None
    conclusion: str
    owner_role: str
    outcome: str = ""

    def in_time(self, today: dt.date) -> bool | None:
        """Concluded within its timescale? ``None``: no timescale, or still running
        and not yet late."""
        if self.act_by is None:
            return None
        if self.concluded_on is not None:
            return self.concluded_on <= self.act_by
        return False if today > self.act_by else None


@dataclass
class RegisterRow:
    """One case in the register: no identity of the person at risk."""

    pk: int
    reference: str
    raised_on: dt.date
    concern_arose_on: dt.date
    stage_reached: int
    status: str
    status_label: str
    raising_agency: str
    raising_sector: str
    other_agency: str
    other_sector: str
    categories: list[str]
    stages: list[StageRow]
    closed_on: dt.date | None
    recommendation: str
    in_time: bool | None  # every timed stage within its timescale (None: none timed)
    referral_submitted: bool = False

    @property
    def outcome(self) -> str:
        if self.status == CaseStatus.RESOLVED:
            return f"Resolved at stage {self.stage_reached}"
        if self.status == CaseStatus.WITHDRAWN:
            return f"Withdrawn at stage {self.stage_reached}"
        return f"Open at stage {self.stage_reached}"

    @property
    def timeliness(self) -> str:
        return {True: "Within timescales", False: "Timescale missed", None: "No timescale"}[
            self.in_time
        ]


#: The case columns a register row shows, in the order :meth:`_Labels.row` reads them.
CASE_COLUMNS = (
    "pk",
    "reference",
    "raised_on",
    "concern_arose_on",
    "current_stage",
    "status",
    "raising_agency__name",
    "raising_agency__sector",
    "other_agency__name",
    "other_agency__sector",
    "categories",
    "closed_on",
)
#: A stage's columns, in :class:`StageRow`'s order.
STAGE_COLUMNS = (
    "number",
    "started_on",
    "concluded_on",
    "act_by",
    "conclusion",
    "owner_role",
    "outcome",
)

#: Rows on one page of the register.
PAGE_SIZE = 50


class _Labels:
    """What the rows need besides the cases: labels, and today (for timeliness)."""

    def __init__(self, partnership: Partnership) -> None:
        self.today = clock.today()
        self.categories = category_label_map(partnership)
        self.sectors = sector_label_map()
        self.statuses = dict(CaseStatus.choices)

    def row(
        self, r: Sequence[Any], case_stages: list[StageRow], *, submitted: bool = False
    ) -> RegisterRow:
        timed = [x for x in (s.in_time(self.today) for s in case_stages) if x is not None]
        last = case_stages[-1] if case_stages else None
        recommendation = ""
        if last is not None and last.conclusion == Conclusion.RESOLVED:
            recommendation = last.outcome
        return RegisterRow(
            pk=r[0],
            reference=r[1],
            raised_on=r[2],
            concern_arose_on=r[3],
            stage_reached=r[4],
            status=r[5],
            status_label=self.statuses.get(r[5], r[5]),
            raising_agency=r[6],
            raising_sector=self.sectors.get(r[7], r[7]),
            other_agency=r[8],
            other_sector=self.sectors.get(r[9], r[9]),
            categories=[self.categories.get(c, c) for c in (r[10] or [])],
            stages=case_stages,
            closed_on=r[11],
            recommendation=recommendation,
            in_time=(all(timed) if timed else None),
            referral_submitted=submitted,
        )


def _case_rows(partnership: Partnership, cases: QuerySet[Case]) -> list[RegisterRow]:
    """Register rows for ``cases`` (in their order) in three queries: the cases, their
    stages and their referral forms."""
    labels = _Labels(partnership)
    raw = list(cases.values_list(*CASE_COLUMNS))
    # A page's few cases by their ids; every case of a register by a subquery (a
    # hundred thousand ids would not fit in one query's parameters).
    pks: Any = [r[0] for r in raw] if cases.query.is_sliced else cases.values("pk")
    stages: dict[int, list[StageRow]] = defaultdict(list)
    for s in (
        StageRecord.objects.filter(case_id__in=pks)
        .order_by("case_id", "number")
        .values_list("case_id", *STAGE_COLUMNS)
    ):
        stages[s[0]].append(StageRow(*s[1:]))
    submitted = set(
        ReferralSubmission.objects.filter(case_id__in=pks).values_list("case_id", flat=True)
    )
    return [labels.row(r, stages.get(r[0], []), submitted=r[0] in submitted) for r in raw]


# ---------------------------------------------------------------- the register


@dataclass(frozen=True)
class RegisterFilters:
    period: Period | None = None
    reached: str = "final"  # "final", "all" or a stage number
    agency: int | None = None
    category: str = ""
    status: str = ""
    sort: str = "-raised"


#: Each sort the register's headings offer, as the database orders it: the reference
#: (unique) last, so the order is the same on every page.
SORTS: dict[str, tuple[str, ...]] = {
    "reference": ("reference",),
    "raised": ("raised_on", "reference"),
    "arose": ("concern_arose_on", "reference"),
    "stage": ("current_stage", "reference"),
    "raising": ("raising_agency__name", "reference"),
    "other": ("other_agency__name", "reference"),
    "status": ("status", "reference"),
    # Timescale missed, then no timescale, then within timescales.
    "timeliness": ("timeliness_rank", "reference"),
}


def _timeliness_rank(today: dt.date) -> Choose:
    """:attr:`RegisterRow.in_time` as a number to sort by, worked out by the database
    from the stages as :meth:`StageRow.in_time` does: 0 a timescale missed, 1 none
    timed, 2 every timed stage within its timescale."""
    timed_stages = StageRecord.objects.filter(case=OuterRef("pk"), act_by__isnull=False)
    missed = timed_stages.filter(
        Q(concluded_on__isnull=False, concluded_on__gt=F("act_by"))
        | Q(concluded_on__isnull=True, act_by__lt=today)
    )
    timed = timed_stages.filter(Q(concluded_on__isnull=False) | Q(act_by__lt=today))
    return Choose(
        When(Exists(missed), then=Value(0)),
        When(Exists(timed), then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )


def register_cases(
    user: User | Any, partnership: Partnership, filters: RegisterFilters
) -> QuerySet[Case]:
    """The register's cases, filtered and sorted by the database (by default every case
    that reached the final stage, latest raised first)."""
    require_statistics(user, partnership)
    cases = Case.objects.filter(partnership=partnership)
    if filters.reached == "final":
        cases = cases.filter(current_stage__gte=final_stage_number(partnership))
    elif filters.reached.isascii() and filters.reached.isdigit():
        cases = cases.filter(current_stage=int(filters.reached))
    if filters.period is not None:
        cases = cases.filter(
            raised_on__gte=filters.period.first, raised_on__lte=filters.period.last
        )
    if filters.agency:
        cases = cases.filter(
            Q(raising_agency_id=filters.agency) | Q(other_agency_id=filters.agency)
        )
    if filters.category:
        cases = _with_category(cases, filters.category)
    if filters.status:
        cases = cases.filter(status=filters.status)
    order = _ordering(filters.sort)
    if any(o.lstrip("-") == "timeliness_rank" for o in order):
        cases = cases.annotate(timeliness_rank=_timeliness_rank(clock.today()))
    return cases.order_by(*order)


def _ordering(sort: str) -> list[str]:
    """The database's ORDER BY for one of :data:`SORTS` (``-`` before it: descending);
    an unknown one is by date raised, latest first."""
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = "raised", "-raised"
    return [f"-{o}" if sort.startswith("-") else o for o in SORTS[key]]


def _with_category(cases: QuerySet[Case], key: str) -> QuerySet[Case]:
    """Cases whose categories include ``key``. PostgreSQL has JSON containment; SQLite
    does not, so there the stored list's text is searched for the key as a JSON string
    (a category key is a slug: it cannot hold a quote, so ``"key"`` only matches a
    whole element)."""
    if connection.vendor == "postgresql":
        return cases.filter(categories__contains=[key])
    return cases.annotate(categories_text=Cast("categories", TextField())).filter(
        categories_text__contains=json.dumps(key)
    )


def register(
    user: User | Any, partnership: Partnership, filters: RegisterFilters
) -> list[RegisterRow]:
    """Every row of the register at once: for small registers and the command line.
    Pages use :func:`register_page`, downloads :func:`iter_register`."""
    return _case_rows(partnership, register_cases(user, partnership, filters))


@dataclass(frozen=True)
class RegisterPage:
    """One page of the register, and where it sits among the others."""

    rows: list[RegisterRow]
    number: int
    count: int
    num_pages: int
    per_page: int = PAGE_SIZE

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.count else 0

    @property
    def last_index(self) -> int:
        return min(self.count, self.number * self.per_page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    def numbers(self) -> list[int | None]:
        """The page numbers to link to, as GOV.UK's pagination shows them: the first,
        the last, and those either side of this one, with ``None`` for a gap."""
        wanted = {1, self.num_pages, self.number - 1, self.number, self.number + 1}
        shown = sorted(n for n in wanted if 1 <= n <= self.num_pages)
        out: list[int | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


def register_page(
    user: User | Any,
    partnership: Partnership,
    filters: RegisterFilters,
    number: int = 1,
    *,
    per_page: int = PAGE_SIZE,
) -> RegisterPage:
    """Page ``number`` of the register. A number past the last page is the last page;
    one below 1 the first."""
    cases = register_cases(user, partnership, filters)
    count = cases.count()
    num_pages = max(1, -(-count // per_page))
    number = min(max(1, number), num_pages)
    start = (number - 1) * per_page
    rows = _case_rows(partnership, cases[start : start + per_page]) if count else []
    return RegisterPage(rows, number, count, num_pages, per_page)


def iter_register(
    user: User | Any, partnership: Partnership, filters: RegisterFilters, *, chunk_size: int = 2000
) -> Iterator[RegisterRow]:
    """Every row of the register, one at a time, for downloads: one query (the cases
    joined to their stages, only the columns shown), read ``chunk_size`` rows at a
    time, so memory stays flat however many cases there are. Who may see it is
    checked now, not when the first row is read."""
    cases = register_cases(user, partnership, filters)
    labels = _Labels(partnership)
    joined = cases.order_by(*_ordering(filters.sort), "stages__number").values_list(
        *CASE_COLUMNS, *(f"stages__{c}" for c in STAGE_COLUMNS)
    )
    return _grouped(joined.iterator(chunk_size=chunk_size), labels)


def _grouped(rows: Iterator[Sequence[Any]], labels: _Labels) -> Iterator[RegisterRow]:
    """Consecutive joined rows of one case (a case's rows are together: the order ends
    with the unique reference) as one register row."""
    width = len(CASE_COLUMNS)
    current: Sequence[Any] | None = None
    stages: list[StageRow] = []
    for r in rows:
        if current is not None and r[0] != current[0]:
            yield labels.row(current, stages)
            stages = []
        current = r
        if r[width] is not None:  # a case with no stage records has one row of nulls
            stages.append(StageRow(*r[width:]))
    if current is not None:
        yield labels.row(current, stages)


def filter_choices(partnership: Partnership) -> dict[str, Any]:
    procedure = library.get(partnership.procedure_key)
    return {
        "stages": [(s.number, s.title) for s in procedure.stages],
        "agencies": list(partnership.agencies.order_by("name").values_list("pk", "name")),
        "categories": [(c.key, c.label) for c in procedure.categories],
        "statuses": list(CaseStatus.choices),
        "final_stage": len(procedure.stages),
    }
