"""The board's report: counts for a period, and nothing that identifies anyone.

For people :func:`escalate.partnerships.permissions.sees_statistics` allows; see
:mod:`escalate.reports.selectors`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet

from escalate import clock
from escalate.cases.facts import calendar_for
from escalate.cases.models import (
    Case,
    CaseDeadline,
    CaseStatus,
    PolicyIssue,
    PolicyIssueStatus,
    StageRecord,
)
from escalate.cases.models.deadlines import CONCLUDE_BY, START_BY
from escalate.procedures.model import PARTNERSHIP_ROLES
from escalate.reports.common import (
    Period,
    WorkingDays,
    category_label_map,
    final_stage_number,
    median,
    percentile,
    require_statistics,
    sector_label_map,
)

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership


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
    #: Deadlines whose date has passed or that were met (see :func:`_timescales`), and
    #: how many of them were met by their date.
    deadlines_timed: int
    deadlines_in_time: int
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
        return _pct(self.deadlines_in_time, self.deadlines_timed)

    # The names the pages and exports used when only stages' act-bys were counted: the
    # same figures (every deadline), until they read the names above.
    @property
    def stages_timed(self) -> int:
        return self.deadlines_timed

    @property
    def stages_in_time(self) -> int:
        return self.deadlines_in_time


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
    final = final_stage_number(partnership)
    cases = Case.objects.filter(
        partnership=partnership, raised_on__gte=period.first, raised_on__lte=period.last
    )
    days = WorkingDays(calendar_for(partnership))
    category_labels = category_label_map(partnership)
    sector_labels = sector_label_map()

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

    timed, in_time, missed_stage, missed_side = _timescales(cases, raised_by_agency, today)

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
    for agency_pk, n in missed_side.items():
        missed_agency[partnership.name if agency_pk is None else names[agency_pk]] += n

    open_cases = Case.objects.filter(partnership=partnership, status=CaseStatus.OPEN).count()
    overdue = _overdue_now(partnership, today)
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
        deadlines_timed=timed,
        deadlines_in_time=in_time,
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


def _timescales(
    cases: QuerySet[Case], raised_by_agency: dict[int, int], today: dt.date
) -> tuple[int, int, Counter[str], Counter[int | None]]:
    """How many of the cases' deadlines were met or have passed, how many of those were
    met by their date, and the missed ones by stage and by the agency whose they were
    (None: the partnership's, a role such as the independent chair).

    Every stored deadline counts (:class:`~escalate.cases.models.CaseDeadline`: each
    stage's start-by, conclude-by and act-by, the definition's extra deadlines such as
    Cheshire East's chair's 5 working days), except a start-by or conclude-by that
    merely repeats its owner's act-by (the same day, the same owner: one deadline, not
    two). One still to come and not met yet is not counted. A case with no stored
    deadlines (one closed before they were stored) is counted by its stages' act-bys,
    as it always was. Two queries, values only: this runs over a year of cases.
    """
    partnership_roles = {p.value for p in PARTNERSHIP_ROLES}
    timed = in_time = 0
    missed_stage: Counter[str] = Counter()
    missed_side: Counter[int | None] = Counter()

    def count(case_id: int, number: int, ok: bool | None, owner_role: str) -> None:
        nonlocal timed, in_time
        if ok is None:
            return  # still to come, and not met yet
        timed += 1
        if ok:
            in_time += 1
            return
        missed_stage[f"Stage {number}"] += 1
        missed_side[None if owner_role in partnership_roles else raised_by_agency[case_id]] += 1

    repeats = (
        Q(key__in=(START_BY, CONCLUDE_BY))
        & Q(owner_stage__act_by__isnull=False)
        & Q(due=F("owner_stage__act_by"))
    )
    stored = (
        CaseDeadline.objects.filter(case__in=cases.values("pk"))
        .annotate(repeats=ExpressionWrapper(repeats, output_field=BooleanField()))
        .order_by()
        .values_list(
            "case_id", "stage", "due", "met_on", "role", "owner_stage__owner_role", "repeats"
        )
    )
    for case_id, number, due, met_on, role, stage_owner_role, repeat in stored:
        if not repeat:
            ok = CaseDeadline(due=due, met_on=met_on).within_timescale(today)
            count(case_id, number, ok, role or stage_owner_role or "")

    unstored = (
        StageRecord.objects.filter(case__in=cases.values("pk"), act_by__isnull=False)
        .exclude(Exists(CaseDeadline.objects.filter(case_id=OuterRef("case_id"))))
        .order_by()
        .values_list("case_id", "number", "concluded_on", "act_by", "owner_role")
    )
    for case_id, number, concluded_on, act_by, owner_role in unstored:
        if act_by is not None:  # (left out by the query: this only tells the type checker)
            ok = CaseDeadline(due=act_by, met_on=concluded_on).within_timescale(today)
            count(case_id, number, ok, owner_role)
    return timed, in_time, missed_stage, missed_side


def _overdue_now(partnership: Partnership, today: dt.date) -> int:
    """Open cases (raised in any period) with a deadline passed and not met: their
    current stage's act-by, or any other stored deadline someone is working towards
    (the next stage's start-by, an extra deadline such as the chair's)."""
    late_stage = StageRecord.objects.filter(
        case__partnership=partnership,
        number=F("case__current_stage"),
        act_by__lt=today,
        concluded_on__isnull=True,
    ).values("case_id")
    late_deadline = (
        CaseDeadline.objects.open()
        .filter(case__partnership=partnership, due__lt=today)
        .values("case_id")
    )
    return (
        Case.objects.filter(partnership=partnership, status=CaseStatus.OPEN)
        .filter(Q(pk__in=late_stage) | Q(pk__in=late_deadline))
        .count()
    )
