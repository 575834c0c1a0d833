"""The escalation register's rows: one per case, with no identity of the person at
risk, each labelled by the procedure version the case runs.

Read by :mod:`escalate.reports.register` (which filters, sorts and pages the cases): a
page's rows in three queries (the cases, their stages, their referral forms), a
download's from one query read in chunks (:func:`grouped`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from escalate import clock
from escalate.cases.models import Case, CaseDeadline, CaseStatus, Conclusion, StageRecord
from escalate.cases.models.deadlines import ACT_BY
from escalate.reports.common import sector_label_map
from escalate.reports.models import ReferralSubmission
from escalate.reports.procedure_versions import PartnershipVersions


@dataclass
class StageRow:
    number: int
    started_on: dt.date
    concluded_on: dt.date | None
    act_by: dt.date | None
    conclusion: str
    owner_role: str
    outcome: str = ""
    soft: bool = False  # its act-by is a "where possible" target

    def in_time(self, today: dt.date) -> bool | None:
        """Concluded within its timescale? ``None``: no timescale, a "where possible"
        target (chased, never counted as missed), or still running and not yet late."""
        if self.act_by is None or self.soft:
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
    #: The procedure version the case runs: its words ("April 2023"), which of the
    #: board's versions it is ("Version 1, in force from 1 April 2023"), and both as
    #: the downloads write them.
    version_label: str = ""
    version_in_force_from: str = ""
    version_for_files: str = ""
    final_stage: int = 0  # its version's final stage

    @property
    def outcome(self) -> str:
        if self.status == CaseStatus.RESOLVED:
            return f"Resolved at stage {self.stage_reached}"
        if self.status == CaseStatus.WITHDRAWN:
            return f"Withdrawn at stage {self.stage_reached}"
        return f"Open at stage {self.stage_reached}"

    @property
    def timeliness(self) -> str:
        return TIMELINESS[self.in_time]


TIMELINESS = {True: "Within timescales", False: "Timescale missed", None: "No timescale"}

#: The case columns a register row shows, in the order :meth:`Labels.row` reads them.
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
    "definition_id",
)


def soft_act_by(stage: str = "pk") -> Exists:
    """Whether the stage ``stage`` names (from a stage row: ``"pk"``; from a case row:
    ``"stages__pk"``) has a "where possible" act-by, which is never counted as missed."""
    return Exists(CaseDeadline.objects.filter(owner_stage=OuterRef(stage), key=ACT_BY, soft=True))


#: A stage's columns, in :class:`StageRow`'s order (then :func:`soft_act_by`).
STAGE_COLUMNS = (
    "number",
    "started_on",
    "concluded_on",
    "act_by",
    "conclusion",
    "owner_role",
    "outcome",
)


class Labels:
    """What the rows need besides the cases: each case's version (its category labels
    and name), the sectors' and statuses' labels, and today (for timeliness)."""

    def __init__(self, procedure_versions: PartnershipVersions) -> None:
        self.today = clock.today()
        self.versions = procedure_versions
        self.categories = {v.pk: v.category_labels for v in procedure_versions.all}
        self.sectors = sector_label_map()
        self.statuses = dict(CaseStatus.choices)

    def row(
        self, r: Sequence[Any], case_stages: list[StageRow], *, submitted: bool = False
    ) -> RegisterRow:
        today = self.today
        timed = [x for x in (s.in_time(today) for s in case_stages) if x is not None]
        last = case_stages[-1] if case_stages else None
        recommendation = ""
        if last is not None and last.conclusion == Conclusion.RESOLVED:
            recommendation = last.outcome
        version = self.versions.get(r[12])
        labels = self.categories.get(version.pk, {})
        sectors = self.sectors
        return RegisterRow(
            pk=r[0],
            reference=r[1],
            raised_on=r[2],
            concern_arose_on=r[3],
            stage_reached=r[4],
            status=r[5],
            status_label=self.statuses.get(r[5], r[5]),
            raising_agency=r[6],
            raising_sector=sectors.get(r[7], r[7]),
            other_agency=r[8],
            other_sector=sectors.get(r[9], r[9]),
            categories=[labels.get(c, c) for c in (r[10] or [])],
            stages=case_stages,
            closed_on=r[11],
            recommendation=recommendation,
            in_time=(all(timed) if timed else None),
            referral_submitted=submitted,
            version_label=version.label,
            version_in_force_from=version.in_force_from,
            version_for_files=version.name_for_files,
            final_stage=version.final_stage,
        )


def case_rows(labels: Labels, cases: QuerySet[Case]) -> list[RegisterRow]:
    """Register rows for ``cases`` (in their order) in three queries: the cases, their
    stages and their referral forms."""
    raw = list(cases.values_list(*CASE_COLUMNS))
    # A page's few cases by their ids; every case of a register by a subquery (a
    # hundred thousand ids would not fit in one query's parameters).
    pks: Any = [r[0] for r in raw] if cases.query.is_sliced else cases.values("pk")
    stages: dict[int, list[StageRow]] = defaultdict(list)
    for s in (
        StageRecord.objects.filter(case_id__in=pks)
        .order_by("case_id", "number")
        .annotate(soft=soft_act_by())
        .values_list("case_id", *STAGE_COLUMNS, "soft")
    ):
        stages[s[0]].append(StageRow(*s[1:]))
    submitted = set(
        ReferralSubmission.objects.filter(case_id__in=pks).values_list("case_id", flat=True)
    )
    return [labels.row(r, stages.get(r[0], []), submitted=r[0] in submitted) for r in raw]


def grouped(rows: Iterator[Sequence[Any]], labels: Labels) -> Iterator[RegisterRow]:
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
