"""The escalation register: one row per case, with no identity of the person at risk.

For people :func:`escalate.partnerships.permissions.sees_statistics` allows; see
:mod:`escalate.reports.selectors`.

Each case is filtered ("reached the final stage") and labelled by the procedure version
it runs (:mod:`escalate.reports.procedure_versions`), never by the library's definition.

The database filters, sorts and pages the cases: a page of the register is five queries
(the partnership's procedure versions, how many match, the page's cases, their stages,
their referral forms) however many cases the board has, and a download is one query
read in chunks (:func:`iter_register`) after the versions, so neither grows with the
register. The rows themselves are made in :mod:`escalate.reports.register_rows`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case as Choose
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast

from escalate import clock
from escalate.cases.models import Case, CaseStatus, StageRecord
from escalate.govuk.pagination import page_numbers
from escalate.reports.common import Period, require_statistics
from escalate.reports.procedure_versions import PartnershipVersions
from escalate.reports.register_rows import (
    CASE_COLUMNS,
    STAGE_COLUMNS,
    Labels,
    RegisterRow,
    StageRow,
    case_rows,
    grouped,
    soft_act_by,
)

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership


__all__ = ["RegisterRow", "StageRow"]

#: Rows on one page of the register.
PAGE_SIZE = 50


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
    # (A "where possible" target is never counted as missed.)
    timed_stages = StageRecord.objects.filter(case=OuterRef("pk"), act_by__isnull=False).exclude(
        soft_act_by()
    )
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
    user: User | Any,
    partnership: Partnership,
    filters: RegisterFilters,
    procedure_versions: PartnershipVersions | None = None,
) -> QuerySet[Case]:
    """The register's cases, filtered and sorted by the database (by default every case
    that reached the final stage of its own procedure version, latest raised first)."""
    require_statistics(user, partnership)
    cases = Case.objects.filter(partnership=partnership)
    if filters.reached == "final":
        known = procedure_versions or PartnershipVersions(partnership)
        cases = cases.filter(known.reached_final_stage())
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
    known = PartnershipVersions(partnership)
    return case_rows(Labels(known), register_cases(user, partnership, filters, known))


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

    def numbers(self) -> list[int | None]:
        """The page numbers to link to, as GOV.UK's pagination shows them (the one
        rule every list uses: :func:`escalate.govuk.pagination.page_numbers`)."""
        return page_numbers(self.number, self.num_pages)


def register_page(
    user: User | Any,
    partnership: Partnership,
    filters: RegisterFilters,
    number: int = 1,
    *,
    per_page: int = PAGE_SIZE,
    procedure_versions: PartnershipVersions | None = None,
) -> RegisterPage:
    """Page ``number`` of the register. A number past the last page is the last page;
    one below 1 the first. (``procedure_versions``: the partnership's, if the caller
    has read them already.)"""
    known = procedure_versions or PartnershipVersions(partnership)
    cases = register_cases(user, partnership, filters, known)
    count = cases.count()
    num_pages = max(1, -(-count // per_page))
    number = min(max(1, number), num_pages)
    start = (number - 1) * per_page
    rows = case_rows(Labels(known), cases[start : start + per_page]) if count else []
    return RegisterPage(rows, number, count, num_pages, per_page)


def iter_register(
    user: User | Any,
    partnership: Partnership,
    filters: RegisterFilters,
    *,
    chunk_size: int = 2000,
    procedure_versions: PartnershipVersions | None = None,
) -> Iterator[RegisterRow]:
    """Every row of the register, one at a time, for downloads: one query (the cases
    joined to their stages, only the columns shown), read ``chunk_size`` rows at a
    time, so memory stays flat however many cases there are. Who may see it is
    checked now, not when the first row is read."""
    known = procedure_versions or PartnershipVersions(partnership)
    cases = register_cases(user, partnership, filters, known)
    joined = (
        cases.order_by(*_ordering(filters.sort), "stages__number")
        .annotate(stage_soft=soft_act_by("stages__pk"))
        .values_list(*CASE_COLUMNS, *(f"stages__{c}" for c in STAGE_COLUMNS), "stage_soft")
    )
    return grouped(joined.iterator(chunk_size=chunk_size), Labels(known))


def filter_choices(
    partnership: Partnership, procedure_versions: PartnershipVersions | None = None
) -> dict[str, Any]:
    """What the register's filters offer: the stages and categories of every version
    of the partnership's procedure (a case is filtered by its own version's)."""
    known = procedure_versions or PartnershipVersions(partnership)
    return {
        "stages": known.stage_choices(),
        "agencies": list(partnership.agencies.order_by("name").values_list("pk", "name")),
        "categories": known.category_choices(),
        "statuses": list(CaseStatus.choices),
        "final_stage": known.current.final_stage,
        "final_stage_words": known.final_stage_words(),
        "several_versions": known.several,
    }
