"""The board's report: counts for a period, and nothing that identifies anyone.

For people :func:`escalate.partnerships.permissions.sees_statistics` allows; see
:mod:`escalate.reports.selectors`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

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
from escalate.cases.models.deadlines import ACT_BY, CONCLUDE_BY, START_BY
from escalate.procedures.model import PARTNERSHIP_ROLES
from escalate.reports import figures_mark
from escalate.reports.common import (
    Period,
    WorkingDays,
    median,
    percentile,
    require_statistics,
    sector_label_map,
)
from escalate.reports.procedure_versions import PartnershipVersions, RunVersion

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Partnership


# ---------------------------------------------------------------- the board's report


def period_moments(period: Period) -> tuple[dt.datetime, dt.datetime | None]:
    """The moments a period's days cover, [start of its first day, start of the day
    after its last), in the current time zone (Django's ``TIME_ZONE``, as a
    ``__date`` lookup reads them); no end (None) when the last day is the last a date
    can be. Filtering a date-time column on this range counts exactly the rows
    ``__date`` between the days would, and an index on the column can serve it
    (``__date`` converts every row's value first)."""
    zone = timezone.get_current_timezone()

    def start_of(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)

    after = None if period.last >= dt.date.max else start_of(period.last + dt.timedelta(days=1))
    return start_of(period.first), after


def within(field: str, period: Period) -> Q:
    """``field`` (a date-time) on one of the period's days: :func:`period_moments`."""
    starts, ends = period_moments(period)
    found = Q(**{f"{field}__gte": starts})
    return found if ends is None else found & Q(**{f"{field}__lt": ends})


@dataclass(frozen=True)
class VersionFigures:
    """The cases of the period that ran one version of the procedure: its stages and
    categories are that version's."""

    version: RunVersion
    raised: int
    reached_final: int
    by_category: list[tuple[str, int]]

    @property
    def name(self) -> str:
        return self.version.name

    @property
    def final_stage(self) -> int:
        return self.version.final_stage


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
    #: The procedure versions the period's cases ran, first first (the stage-reached
    #: and category figures count each case by its own version's stages and labels).
    versions: list[VersionFigures] = field(default_factory=list)

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
    return kept_report(partnership, period)


#: How long a process keeps a report no one asks for again (seconds). A kept report is
#: never shown once its figures have changed, however young: see :func:`kept_report`.
KEPT_SECONDS = 3600


def kept_report(partnership: Partnership, period: Period) -> Report:
    """:func:`build_report`, kept by this process until anything it counts changes.

    Kept under the partnership's figures mark (:mod:`escalate.reports.figures_mark`:
    the database moves it with every change to a row the report reads) and today's date
    (what is overdue, what is in force), both read before anything is counted; so the
    next request after a change, or on a new day, counts again. A partnership with no
    mark is counted every time."""
    from escalate.partnerships.models import Partnership

    mark = figures_mark.current(partnership.pk)
    today = clock.today()
    if mark is None:
        return build_report(partnership, period, today)
    label = hashlib.blake2b(period.label.encode(), digest_size=8).hexdigest()  # as named
    key = f"escalate.report:{partnership.pk}:{period.key}:{label}:{today}:{mark}"
    found = cache.get(key)
    if not isinstance(found, Report):
        # (Its name and region as they are now, read after the mark, as every figure is.)
        fresh = Partnership.objects.get(pk=partnership.pk)
        found = build_report(fresh, period, today)
        cache.set(key, found, KEPT_SECONDS)
    return found


def build_report(partnership: Partnership, period: Period, today: dt.date | None = None) -> Report:
    """The report without the permission check: for the command line (run by the
    service's operators) and :func:`board_report`; as things stand on ``today`` (by
    default the clock's).

    Every figure is counted by the database (GROUP BY and conditional counts): the
    queries are the same, and return about as many rows, for ten cases or a hundred
    thousand. What comes back is grouped by stage, status, agency, category list,
    deadline owner and (for the working days to resolution) the pair of dates raised
    and closed, never a row per case.
    """
    from escalate.partnerships.models import Agency

    today = clock.today() if today is None else today
    known = PartnershipVersions(partnership, today)
    cases = Case.objects.filter(
        partnership=partnership, raised_on__gte=period.first, raised_on__lte=period.last
    ).order_by()
    days = WorkingDays(calendar_for(partnership))
    sector_labels = sector_label_map()

    stage_outcome: dict[int, Counter[str]] = defaultdict(Counter)
    ran: dict[RunVersion, Counter[str]] = defaultdict(Counter)  # raised, reached_final
    raising_ids: Counter[int] = Counter()
    other_ids: Counter[int] = Counter()
    afterwards: Counter[str] = Counter()  # closed, and debriefs offered and held
    # (One pass over the period's cases for all of these: a row for each combination
    # of version, stage, status and the two agencies, never one a case.)
    for definition_id, stage, status, raising_id, other_id, n, offered, held in (
        cases.order_by()
        .values("definition_id", "current_stage", "status", "raising_agency_id", "other_agency_id")
        .annotate(
            n=Count("pk"),
            offered=Count("pk", filter=Q(debrief_offered_on__isnull=False)),
            held=Count("pk", filter=Q(debrief_held_on__isnull=False)),
        )
        .values_list(
            "definition_id",
            "current_stage",
            "status",
            "raising_agency_id",
            "other_agency_id",
            "n",
            "offered",
            "held",
        )
    ):
        version = known.get(definition_id)
        stage_outcome[stage][status] += n
        ran[version]["raised"] += n
        ran[version]["final"] += n if stage >= version.final_stage else 0
        raising_ids[raising_id] += n
        other_ids[other_id] += n
        if status != CaseStatus.OPEN:
            afterwards.update(closed=n, offered=offered, held=held)
    raised = sum(sum(c.values()) for c in stage_outcome.values())
    resolved = sum(c[CaseStatus.RESOLVED] for c in stage_outcome.values())
    lowest = stage_outcome[1][CaseStatus.RESOLVED] if 1 in stage_outcome else 0
    final = max((v.final_stage for v in ran), default=known.current.final_stage)
    category: Counter[str] = Counter()
    version_category: dict[RunVersion, Counter[str]] = defaultdict(Counter)
    for definition_id, case_categories, n in _grouped(cases, "definition_id", "categories"):
        version = known.get(definition_id)
        labels = version.category_labels
        for key in case_categories or ["No category"]:
            category[labels.get(key, key)] += n
            version_category[version][labels.get(key, key)] += n
    pairs = _grouped(
        cases.filter(status=CaseStatus.RESOLVED, closed_on__isnull=False), "raised_on", "closed_on"
    )
    if pairs:
        days.cover(min(p[0] for p in pairs), max(p[1] for p in pairs))
    resolution: Counter[int] = Counter()
    for raised_on, closed_on, n in pairs:
        resolution[days.between(raised_on, closed_on)] += n
    durations = sorted(resolution.elements())

    timed, in_time, missed_stage, missed_side = _timescales(partnership, period, today)

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
    none_raised = list(
        Agency.objects.filter(partnerships=partnership)
        .exclude(pk__in=set(raising_ids))
        .order_by("name")
        .values_list("name", flat=True)
    )
    labels = dict(PolicyIssueStatus.choices)
    issue_status: Counter[str] = Counter(dict.fromkeys(labels.values(), 0))
    issues = PolicyIssue.objects.filter(within("raised_at", period), case__partnership=partnership)
    for status, n in _grouped(issues, "status"):
        issue_status[labels.get(status, status)] += n
    closed_cases = cases.exclude(status=CaseStatus.OPEN)
    themes: Counter[str] = Counter()
    for case_themes, n in _grouped(closed_cases, "learning_themes"):
        for t in case_themes or []:
            themes[t.strip().capitalize()] += n

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
        debriefs_offered=afterwards["offered"],
        debriefs_held=afterwards["held"],
        closed=afterwards["closed"],
        themes=_ranked(themes),
        versions=[
            VersionFigures(
                version=v,
                raised=ran[v]["raised"],
                reached_final=ran[v]["final"],
                by_category=_ranked(version_category[v]),
            )
            for v in sorted(ran, key=lambda v: v.sequence)
        ],
    )


def _grouped(rows: QuerySet[Any], *columns: str) -> list[tuple[Any, ...]]:
    """``columns`` and how many of ``rows`` have each combination of them: one
    ``GROUP BY`` query."""
    return list(rows.order_by().values(*columns).annotate(n=Count("pk")).values_list(*columns, "n"))


def _timescales(
    partnership: Partnership, period: Period, today: dt.date
) -> tuple[int, int, Counter[str], Counter[int | None]]:
    """How many deadlines of the cases raised in the period were met or have passed,
    how many of those were met by their date, and the missed ones by stage and by the
    agency whose they were (None: the partnership's, a role such as the independent
    chair; otherwise the case's raising agency).

    Every stored deadline counts (:class:`~escalate.cases.models.CaseDeadline`: each
    stage's start-by, conclude-by and act-by, the definition's extra deadlines such as
    Cheshire East's chair's 5 working days), except a start-by or conclude-by that
    merely repeats its owner's act-by (the same day, the same owner: one deadline, not
    two). One still to come and not met yet is not counted
    (:meth:`CaseDeadline.within_timescale` is ``None``). A case with no stored
    deadlines (one closed before they were stored) is counted by its stages' act-bys,
    as it always was. Two queries, counted by the database by stage, owner and raising
    agency; each names the period on the case it joins (not ``case IN (...)``), so the
    database starts from the index of the partnership's cases by the day raised.
    """
    raised = Q(
        case__partnership=partnership,
        case__raised_on__gte=period.first,
        case__raised_on__lte=period.last,
    )
    partnership_roles = {p.value for p in PARTNERSHIP_ROLES}
    timed = in_time = 0
    missed_stage: Counter[str] = Counter()
    missed_side: Counter[int | None] = Counter()

    def count(number: int, owner_role: str, raising_id: int, total: int, ok: int) -> None:
        nonlocal timed, in_time
        timed += total
        in_time += ok
        if total > ok:
            missed_stage[f"Stage {number}"] += total - ok
            side = None if owner_role in partnership_roles else raising_id
            missed_side[side] += total - ok

    repeats = (
        Q(key__in=(START_BY, CONCLUDE_BY))
        & Q(owner_stage__act_by__isnull=False)
        & Q(due=F("owner_stage__act_by"))
    )
    # "Where possible" targets (soft) are chased but never counted as missed.
    stored = (
        CaseDeadline.objects.filter(raised, soft=False)
        .filter(Q(met_on__isnull=False) | Q(due__lt=today))  # met, or passed unmet
        .annotate(repeats=ExpressionWrapper(repeats, output_field=BooleanField()))
        .filter(repeats=False)
        .order_by()
        .values("stage", "role", "owner_stage__owner_role", "case__raising_agency_id")
        .annotate(
            total=Count("pk"), ok=Count("pk", filter=Q(met_on__isnull=False, met_on__lte=F("due")))
        )
        .values_list(
            "stage", "role", "owner_stage__owner_role", "case__raising_agency_id", "total", "ok"
        )
    )
    for number, role, stage_owner_role, raising_id, total, ok in stored:
        count(number, role or stage_owner_role or "", raising_id, total, ok)

    # (Asked once a case, not once a stage: which cases have no stored deadlines.)
    without_stored = (
        Case.objects.filter(
            partnership=partnership, raised_on__gte=period.first, raised_on__lte=period.last
        )
        .exclude(Exists(CaseDeadline.objects.filter(case_id=OuterRef("pk"))))
        .values("pk")
    )
    unstored = (
        StageRecord.objects.filter(raised, act_by__isnull=False)
        .filter(case__in=without_stored)
        .filter(Q(concluded_on__isnull=False) | Q(act_by__lt=today))  # concluded, or late
        .order_by()
        .values("number", "owner_role", "case__raising_agency_id")
        .annotate(
            total=Count("pk"),
            ok=Count("pk", filter=Q(concluded_on__isnull=False, concluded_on__lte=F("act_by"))),
        )
        .values_list("number", "owner_role", "case__raising_agency_id", "total", "ok")
    )
    for number, owner_role, raising_id, total, ok in unstored:
        count(number, owner_role, raising_id, total, ok)
    return timed, in_time, missed_stage, missed_side


def _overdue_now(partnership: Partnership, today: dt.date) -> int:
    """Open cases (raised in any period) with a deadline passed and not met: their
    current stage's act-by, or any other stored deadline someone is working towards
    (the next stage's start-by, an extra deadline such as the chair's). Asked of each
    open case in turn (``EXISTS``, by the indexes on each table's case), never by
    reading every stage ever concluded."""
    # A "where possible" target is chased but never counted as missed.
    soft_act_by = CaseDeadline.objects.filter(owner_stage=OuterRef("pk"), key=ACT_BY, soft=True)
    late_stage = StageRecord.objects.filter(
        case=OuterRef("pk"),
        number=OuterRef("current_stage"),
        act_by__lt=today,
        concluded_on__isnull=True,
    ).exclude(Exists(soft_act_by))
    late_deadline = CaseDeadline.objects.open().filter(
        # (The partnership again: PostgreSQL may hash this once for every case.)
        case=OuterRef("pk"),
        case__partnership=partnership,
        due__lt=today,
        soft=False,
    )
    return (
        Case.objects.filter(partnership=partnership, status=CaseStatus.OPEN)
        .filter(Exists(late_stage) | Exists(late_deadline))
        .count()
    )
