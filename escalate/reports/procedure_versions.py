"""The procedure versions a partnership's cases ran, as the register and the board's
report read them.

Each case runs the version it was raised under (``Case.definition``), which may have
other stages and categories than the library's definition or the version in force
today: the register and the report filter and label every case by its own version.
A partnership has few versions, so they are read once per page (one query) and each
version's parsed procedure is kept per process by
:mod:`escalate.partnerships.versions`; conditions on "its own final stage" are built
per version into the query, so no query is made per case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Q

from escalate import clock
from escalate.partnerships import versions
from escalate.partnerships.models import VersionStatus

if TYPE_CHECKING:
    from escalate.partnerships.models import Partnership


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


#: Before every publication (a version never published sorts first, as nulls last in
#: versions.IN_FORCE_ORDER's descending order).
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class RunVersion:
    """One stored version of the partnership's procedure: what the board's pages show
    of it."""

    pk: UUID
    sequence: int
    label: str  # the definition's own version words, like "April 2023"
    effective_from: dt.date | None
    draft: bool
    stages: tuple[tuple[int, str], ...]
    categories: tuple[tuple[str, str], ...]
    published_at: dt.datetime | None = None

    @property
    def final_stage(self) -> int:
        return len(self.stages)

    @property
    def category_labels(self) -> dict[str, str]:
        return dict(self.categories)

    @property
    def number(self) -> str:
        """ "Version 2", how the pages tell versions apart."""
        return f"Version {self.sequence}"

    @property
    def in_force_from(self) -> str:
        """ "Version 2, in force from 4 January 2027"."""
        if self.effective_from is None:
            return f"{self.number}, a draft"
        return f"{self.number}, in force from {_day(self.effective_from)}"

    @property
    def name(self) -> str:
        """ "April 2023 (version 1, in force from 1 April 2023)": the version's words
        first, as the procedure says them, then which of the board's versions it is."""
        words = self.in_force_from
        return f"{self.label} ({words[0].lower()}{words[1:]})"

    @property
    def name_for_files(self) -> str:
        """As :attr:`name`, with the date as downloads write dates (2023-04-01)."""
        if self.effective_from is None:
            return f"{self.label} (version {self.sequence}, a draft)"
        return f"{self.label} (version {self.sequence}, from {self.effective_from.isoformat()})"


class PartnershipVersions:
    """Every version of a partnership's procedure, read at once (one query; a
    version's procedure is parsed once per process)."""

    def __init__(self, partnership: Partnership, today: dt.date | None = None) -> None:
        self.today = today or clock.today()
        found = self._read(partnership)
        if not any(not v.draft for v in found):
            # No published version yet (nothing raised): the one in force is stored now,
            # as the partnership's procedure page and the raise journey would store it.
            versions.in_force(partnership, self.today)
            found = self._read(partnership)
        self.all = found
        self._by_pk = {v.pk: v for v in found}
        self.live = [v for v in found if not v.draft]
        self.current = self._in_force(self.today)

    @staticmethod
    def _read(partnership: Partnership) -> list[RunVersion]:
        # Drafts run no case (and one with problems has no procedure to read).
        rows = versions.versions_of(partnership).filter(status__in=versions.LIVE)
        rows = rows.order_by("sequence")
        out = []
        for pk, sequence, label, effective_from, status, published_at in rows.values_list(
            "pk", "sequence", "version_label", "effective_from", "status", "published_at"
        ):
            procedure = versions.procedure_of_version_id(pk)
            out.append(
                RunVersion(
                    pk=pk,
                    sequence=sequence,
                    label=label,
                    effective_from=effective_from,
                    draft=status == VersionStatus.DRAFT,
                    stages=tuple((s.number, s.title) for s in procedure.stages),
                    categories=tuple((c.key, c.label) for c in procedure.categories),
                    published_at=published_at,
                )
            )
        return out

    def _in_force(self, day: dt.date) -> RunVersion:
        """The live version with the latest effective date on or before ``day`` (the
        latest made, of two on one date); before every one of them, the earliest."""
        dated = [v for v in self.live if v.effective_from is not None]
        started = [v for v in dated if v.effective_from is not None and v.effective_from <= day]
        if started:  # (as versions.IN_FORCE_ORDER: then the latest published, then made)
            return max(
                started, key=lambda v: (v.effective_from, v.published_at or _NEVER, v.sequence)
            )
        return min(dated or self.live, key=lambda v: (v.effective_from or day, v.sequence))

    @property
    def several(self) -> bool:
        return len(self.live) > 1

    def get(self, pk: UUID | None) -> RunVersion:
        """The version with this id (a case's ``definition_id``)."""
        found = self._by_pk.get(pk) if pk is not None else None
        return found if found is not None else self.current

    def reached_final_stage(self) -> Q:
        """Cases at (or past) the final stage of their own version: one condition per
        final stage number, over the versions that have it."""
        by_final: dict[int, list[UUID]] = defaultdict(list)
        for v in self.all:
            by_final[v.final_stage].append(v.pk)
        condition = Q(pk__in=[])
        for final, pks in sorted(by_final.items()):
            condition |= Q(definition_id__in=pks, current_stage__gte=final)
        return condition

    def _newest_first(self) -> list[RunVersion]:
        return [self.current, *(v for v in reversed(self.live) if v is not self.current)]

    def stage_choices(self) -> list[tuple[int, str]]:
        """Every stage number a live version has, with its title (the titles of the
        versions that differ, the one in force first)."""
        titles: dict[int, list[str]] = defaultdict(list)
        for v in self._newest_first():
            for number, title in v.stages:
                if title not in titles[number]:
                    titles[number].append(title)
        return [(n, " / ".join(titles[n])) for n in sorted(titles)]

    def category_choices(self) -> list[tuple[str, str]]:
        """Every category a live version has (the one in force's first), each with the
        labels the versions give it."""
        labels: dict[str, list[str]] = {}
        for v in self._newest_first():
            for key, label in v.categories:
                if label not in labels.setdefault(key, []):
                    labels[key].append(label)
        return [(key, " / ".join(words)) for key, words in labels.items()]

    def final_stage_words(self) -> str:
        """Which stage is the final one: "stage 4", or per version where they differ
        ("stage 4 in version 1, stage 3 in version 2")."""
        finals = {v.final_stage for v in self.live}
        if len(finals) == 1:
            return f"stage {finals.pop()}"
        return ", ".join(f"stage {v.final_stage} in {v.number.lower()}" for v in self.live)
