"""The escalation register: one row per case, with no identity of the person at risk.

For people :func:`escalate.partnerships.permissions.sees_statistics` allows; see
:mod:`escalate.reports.selectors`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

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


def _case_rows(
    partnership: Partnership, cases: QuerySet[Case], *, with_outcomes: bool = False
) -> list[RegisterRow]:
    """Register rows for ``cases`` in three queries (cases, stages, referral forms)."""
    today = clock.today()
    categories = category_label_map(partnership)
    sectors = sector_label_map()
    status_labels = dict(CaseStatus.choices)
    raw = list(
        cases.values_list(
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
    )
    stages: dict[int, list[StageRow]] = defaultdict(list)
    fields = ["case_id", "number", "started_on", "concluded_on", "act_by", "conclusion"]
    fields.append("owner_role")
    if with_outcomes:
        fields.append("outcome")
    for s in (
        StageRecord.objects.filter(case__in=cases.values("pk"))
        .order_by("case_id", "number")
        .values_list(*fields)
    ):
        stages[s[0]].append(StageRow(*s[1:]))
    submitted = set()
    if with_outcomes:
        submitted = set(
            ReferralSubmission.objects.filter(case__in=cases.values("pk")).values_list(
                "case_id", flat=True
            )
        )
    rows = []
    for r in raw:
        case_stages = stages.get(r[0], [])
        timed = [x for x in (s.in_time(today) for s in case_stages) if x is not None]
        last = case_stages[-1] if case_stages else None
        recommendation = ""
        if with_outcomes and last is not None and last.conclusion == Conclusion.RESOLVED:
            recommendation = last.outcome
        rows.append(
            RegisterRow(
                pk=r[0],
                reference=r[1],
                raised_on=r[2],
                concern_arose_on=r[3],
                stage_reached=r[4],
                status=r[5],
                status_label=status_labels.get(r[5], r[5]),
                raising_agency=r[6],
                raising_sector=sectors.get(r[7], r[7]),
                other_agency=r[8],
                other_sector=sectors.get(r[9], r[9]),
                categories=[categories.get(c, c) for c in (r[10] or [])],
                stages=case_stages,
                closed_on=r[11],
                recommendation=recommendation,
                in_time=(all(timed) if timed else None),
                referral_submitted=r[0] in submitted,
            )
        )
    return rows


# ---------------------------------------------------------------- the register


@dataclass(frozen=True)
class RegisterFilters:
    period: Period | None = None
    reached: str = "final"  # "final", "all" or a stage number
    agency: int | None = None
    category: str = ""
    status: str = ""
    sort: str = "-raised"


SORTS: dict[str, Any] = {
    "reference": lambda r: r.reference,
    "raised": lambda r: (r.raised_on, r.reference),
    "arose": lambda r: (r.concern_arose_on, r.reference),
    "stage": lambda r: (r.stage_reached, r.reference),
    "raising": lambda r: (r.raising_agency, r.reference),
    "other": lambda r: (r.other_agency, r.reference),
    "status": lambda r: (r.status, r.reference),
    "timeliness": lambda r: (str(r.in_time), r.reference),
}


def register(
    user: User | Any, partnership: Partnership, filters: RegisterFilters
) -> list[RegisterRow]:
    """The escalation register: by default every case that reached the final stage."""
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
        cases = cases.filter(categories__contains=[filters.category]) if _json_contains() else cases
    if filters.status:
        cases = cases.filter(status=filters.status)
    rows = _case_rows(partnership, cases, with_outcomes=True)
    if filters.category and not _json_contains():
        label = category_label_map(partnership).get(filters.category, filters.category)
        rows = [r for r in rows if label in r.categories]
    key = filters.sort.lstrip("-")
    rows.sort(key=SORTS.get(key, SORTS["raised"]), reverse=filters.sort.startswith("-"))
    return rows


def _json_contains() -> bool:
    """JSON containment lookups work on PostgreSQL, not SQLite."""
    from django.db import connection

    return connection.vendor == "postgresql"


def filter_choices(partnership: Partnership) -> dict[str, Any]:
    procedure = library.get(partnership.procedure_key)
    return {
        "stages": [(s.number, s.title) for s in procedure.stages],
        "agencies": list(partnership.agencies.order_by("name").values_list("pk", "name")),
        "categories": [(c.key, c.label) for c in procedure.categories],
        "statuses": list(CaseStatus.choices),
        "final_stage": len(procedure.stages),
    }
