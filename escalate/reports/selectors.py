"""Reads for the board: the escalation register and the board's report.

Everything here is for people :func:`escalate.cases.permissions.sees_statistics` allows
(the partnership's business unit, independent chair and statutory partners), and
nothing here identifies the person at risk: no names, dates of birth, addresses or
record ids, and no free text that could hold them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from escalate import clock
from escalate.cases import permissions
from escalate.cases.errors import Invalid, NotAllowed
from escalate.cases.facts import calendar_for
from escalate.cases.models import (
    Case,
    CaseStatus,
    Conclusion,
    PolicyIssue,
    PolicyIssueStatus,
    StageRecord,
)
from escalate.procedures import library
from escalate.procedures.calendar import WorkingCalendar
from escalate.reports.models import ReferralSubmission

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership

#: Counts below this are shown as "fewer than 5" in anything published.
SUPPRESS_BELOW = 5
FEWER = f"fewer than {SUPPRESS_BELOW}"


def require_statistics(user: User | Any, partnership: Partnership) -> None:
    if not permissions.sees_statistics(user, partnership):
        raise NotAllowed(
            "The escalation register and the board's reports are for the partnership's "
            "business unit, independent chair and statutory partners."
        )


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    label: str
    key: str

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def parse_period(
    text: str | None = None, *, since: str | None = None, until: str | None = None
) -> Period:
    """``2026-Q3``, ``2026`` or a from/to pair of dates (YYYY-MM-DD). Nothing: this
    calendar year so far."""
    text = (text or "").strip().upper()
    if since or until:
        first, last = _iso(since, "the start date"), _iso(until, "the end date")
        if last < first:
            raise Invalid({"to": ["The end date must be the same as or after the start date."]})
        if (last - first).days > 3660:
            raise Invalid({"to": ["Choose a period of 10 years or less."]})
        label = f"{_day(first)} to {_day(last)}"
        return Period(first, last, label, f"{first.isoformat()}..{last.isoformat()}")
    if not text:
        year = clock.today().year
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), str(year))
    # ASCII digits only (re.ASCII): never another script's digits, as the date fields.
    m = re.fullmatch(r"(\d{4})(?:-?Q([1-4]))?", text, re.ASCII)
    if not m or not 2000 <= int(m[1]) <= 2100:
        raise Invalid(
            {"period": ["Enter the period as a year, like 2026, or a quarter, like 2026-Q3."]}
        )
    year = int(m[1])
    if m[2] is None:
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), str(year))
    q = int(m[2])
    first = dt.date(year, 3 * q - 2, 1)
    last = (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(1)
    return Period(
        first, last, f"{year} quarter {q} ({_day(first)} to {_day(last)})", f"{year}-Q{q}"
    )


def _iso(value: str | None, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        key = "from" if "start" in label else "to"
        raise Invalid({key: [f"Enter {label} as a date, like 2026-07-01."]}) from None


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------- working days


class WorkingDays:
    """Working days between two dates by lookup: one pass over the calendar instead
    of a walk per case."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._index: dict[dt.date, int] = {}
        self._first: dt.date | None = None
        self._last: dt.date | None = None

    def _cover(self, first: dt.date, last: dt.date) -> None:
        if self._first is not None and self._first <= first and last <= self._last:
            return
        first = min(first, self._first or first) - dt.timedelta(days=7)
        last = max(last, self._last or last) + dt.timedelta(days=7)
        count, day, index = 0, first, {}
        while day <= last:
            if day != first and self.calendar.is_working_day(day):
                count += 1
            index[day] = count
            day += dt.timedelta(days=1)
        self._index, self._first, self._last = index, first, last

    def between(self, start: dt.date, end: dt.date) -> int:
        """As :meth:`WorkingCalendar.working_days_between`: after ``start`` up to and
        including ``end``."""
        self._cover(min(start, end), max(start, end))
        return self._index[end] - self._index[start]


def percentile(values: list[int], p: float) -> float | None:
    """The p-th percentile by the nearest-rank method (``None`` for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


# ---------------------------------------------------------------- the cases


def _final_stage(partnership: Partnership) -> int:
    return len(library.get(partnership.procedure_key).stages)


def _category_labels(partnership: Partnership) -> dict[str, str]:
    return {c.key: c.label for c in library.get(partnership.procedure_key).categories}


def _sector_labels() -> dict[str, str]:
    from escalate.partnerships.models import Sector

    return dict(Sector.choices)


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
    categories = _category_labels(partnership)
    sectors = _sector_labels()
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
        cases = cases.filter(current_stage__gte=_final_stage(partnership))
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
        label = _category_labels(partnership).get(filters.category, filters.category)
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


# ---------------------------------------------------------------- the board's report


@dataclass
class Report:
    """The board's figures for a period. Counts only: nothing identifies anyone."""

    partnership: str
    period: Period
    generated_on: dt.date
    final_stage: int
    raised: int
    by_stage_outcome: list[tuple[int, int, int, int]]  # stage, resolved, withdrawn, open
    by_raising_agency: list[tuple[str, int]]
    by_other_agency: list[tuple[str, int]]
    by_raising_sector: list[tuple[str, int]]
    by_other_sector: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    resolved: int
    resolved_at_lowest: int
    days_to_resolution: list[int] = field(repr=False)
    median_days: float | None
    p90_days: float | None
    stages_timed: int
    stages_in_time: int
    missed_by_stage: list[tuple[str, int]]
    missed_by_agency: list[tuple[str, int]]
    open_now: int
    overdue_now: int
    agencies_raising_none: list[str]
    policy_issues: list[tuple[str, int]]
    debriefs_offered: int
    debriefs_held: int
    closed: int
    themes: list[tuple[str, int]]

    @property
    def resolved_at_lowest_pct(self) -> float | None:
        return _pct(self.resolved_at_lowest, self.resolved)

    @property
    def in_time_pct(self) -> float | None:
        return _pct(self.stages_in_time, self.stages_timed)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def board_report(user: User | Any, partnership: Partnership, period: Period) -> Report:
    """Everything the board asks about the cases raised in ``period``."""
    require_statistics(user, partnership)
    return build_report(partnership, period)


def build_report(partnership: Partnership, period: Period) -> Report:
    """The report without the permission check: for the command line (run by the
    service's operators) and :func:`board_report`."""
    from escalate.partnerships.models import Agency

    today = clock.today()
    final = _final_stage(partnership)
    cases = Case.objects.filter(
        partnership=partnership, raised_on__gte=period.first, raised_on__lte=period.last
    )
    days = WorkingDays(calendar_for(partnership))
    category_labels = _category_labels(partnership)
    sector_labels = _sector_labels()

    # Two queries, no joins and no per-case objects: this runs over a year of cases.
    stage_outcome: dict[int, Counter[str]] = defaultdict(Counter)
    raising_ids: Counter[int] = Counter()
    other_ids: Counter[int] = Counter()
    category: Counter[str] = Counter()
    raised_by_agency: dict[int, int] = {}
    resolved = lowest = raised = 0
    durations: list[int] = []
    for (
        pk,
        stage,
        status,
        raising_id,
        other_id,
        case_categories,
        raised_on,
        closed_on,
    ) in cases.order_by().values_list(
        "pk",
        "current_stage",
        "status",
        "raising_agency_id",
        "other_agency_id",
        "categories",
        "raised_on",
        "closed_on",
    ):
        raised += 1
        raised_by_agency[pk] = raising_id
        stage_outcome[stage][status] += 1
        raising_ids[raising_id] += 1
        other_ids[other_id] += 1
        for key in case_categories or ["No category"]:
            category[category_labels.get(key, key)] += 1
        if status == CaseStatus.RESOLVED:
            resolved += 1
            if stage == 1:
                lowest += 1
            if closed_on is not None:
                durations.append(days.between(raised_on, closed_on))

    timed = in_time = 0
    missed_stage: Counter[str] = Counter()
    missed_side: Counter[int | None] = Counter()  # agency id; None: the partnership
    partnership_roles = {p.value for p in permissions.PARTNERSHIP_ROLES}
    for case_id, number, concluded_on, act_by, owner_role in (
        StageRecord.objects.filter(case__in=cases.values("pk"), act_by__isnull=False)
        .order_by()
        .values_list("case_id", "number", "concluded_on", "act_by", "owner_role")
    ):
        if concluded_on is not None:
            ok = concluded_on <= act_by
        elif today > act_by:
            ok = False
        else:
            continue  # still running and not yet late
        timed += 1
        if ok:
            in_time += 1
        else:
            missed_stage[f"Stage {number}"] += 1
            missed_side[None if owner_role in partnership_roles else raised_by_agency[case_id]] += 1

    seen_agencies = set(raising_ids) | set(other_ids) | {k for k in missed_side if k}
    agency_rows = list(
        Agency.objects.filter(pk__in=seen_agencies).values_list("pk", "name", "sector")
    )
    names = {pk: name for pk, name, _ in agency_rows}
    sectors = {pk: sector_labels.get(sector, sector) for pk, _, sector in agency_rows}

    def by(counts: Counter[int], label: dict[int, str]) -> Counter[str]:
        out: Counter[str] = Counter()
        for pk, n in counts.items():
            out[label[pk]] += n
        return out

    raising, other = by(raising_ids, names), by(other_ids, names)
    raising_sector, other_sector = by(raising_ids, sectors), by(other_ids, sectors)
    missed_agency: Counter[str] = Counter()
    for pk, n in missed_side.items():
        missed_agency[partnership.name if pk is None else names[pk]] += n

    open_now = StageRecord.objects.filter(
        case__partnership=partnership, case__status=CaseStatus.OPEN
    )
    open_cases = Case.objects.filter(partnership=partnership, status=CaseStatus.OPEN).count()
    overdue = (
        open_now.filter(number=_current_stage_ref(), act_by__lt=today, concluded_on__isnull=True)
        .values("case_id")
        .distinct()
        .count()
    )
    raisers = set(cases.values_list("raising_agency_id", flat=True).distinct())
    none_raised = list(
        Agency.objects.filter(partnerships=partnership)
        .exclude(pk__in=raisers)
        .order_by("name")
        .values_list("name", flat=True)
    )
    labels = dict(PolicyIssueStatus.choices)
    issue_status: Counter[str] = Counter(dict.fromkeys(labels.values(), 0))
    for status in PolicyIssue.objects.filter(
        case__partnership=partnership,
        raised_at__date__gte=period.first,
        raised_at__date__lte=period.last,
    ).values_list("status", flat=True):
        issue_status[labels.get(status, status)] += 1
    afterwards = cases.exclude(status=CaseStatus.OPEN).values_list(
        "debrief_offered_on", "debrief_held_on", "learning_themes"
    )
    offered = held = closed = 0
    themes: Counter[str] = Counter()
    for offered_on, held_on, case_themes in afterwards:
        closed += 1
        offered += offered_on is not None
        held += held_on is not None
        themes.update(t.strip().capitalize() for t in (case_themes or []))

    return Report(
        partnership=partnership.name,
        period=period,
        generated_on=today,
        final_stage=final,
        raised=raised,
        by_stage_outcome=[
            (
                n,
                stage_outcome[n][CaseStatus.RESOLVED],
                stage_outcome[n][CaseStatus.WITHDRAWN],
                stage_outcome[n][CaseStatus.OPEN],
            )
            for n in range(1, final + 1)
        ],
        by_raising_agency=_ranked(raising),
        by_other_agency=_ranked(other),
        by_raising_sector=_ranked(raising_sector),
        by_other_sector=_ranked(other_sector),
        by_category=_ranked(category),
        resolved=resolved,
        resolved_at_lowest=lowest,
        days_to_resolution=durations,
        median_days=median(durations),
        p90_days=percentile(durations, 90),
        stages_timed=timed,
        stages_in_time=in_time,
        missed_by_stage=sorted(missed_stage.items()),
        missed_by_agency=_ranked(missed_agency),
        open_now=open_cases,
        overdue_now=overdue,
        agencies_raising_none=none_raised,
        policy_issues=list(issue_status.items()),
        debriefs_offered=offered,
        debriefs_held=held,
        closed=closed,
        themes=_ranked(themes),
    )


def _current_stage_ref() -> Any:
    from django.db.models import F

    return F("case__current_stage")


# ---------------------------------------------------------------- policy issues


def policy_issues(user: User | Any, partnership: Partnership) -> QuerySet[PolicyIssue]:
    """Every policy issue flagged on the partnership's cases, for its chair, statutory
    partners and business unit; open ones first."""
    require_statistics(user, partnership)
    return (
        PolicyIssue.objects.filter(case__partnership=partnership)
        .select_related("case", "raised_by", "responded_by")
        .order_by("status", "raised_at", "id")
    )


def latest_submission(case: Case) -> ReferralSubmission | None:
    return case.referral_submissions.select_related("submitted_by").first()
