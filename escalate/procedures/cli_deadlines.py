"""``escalate procedure deadlines``: a case's deadlines, as text or one JSON object.

Each deadline says its date, or that it is pending and on what (an event of the case
not yet happened, the stage not yet begun, or a date the stage's owner sets); whether
it is a soft target ("where possible": chased, never counted as missed); and whether
the stage's owner may bring it forward. The JSON keeps the keys it always had (each
stage's ``start_by`` and ``conclude_by`` dates, ``other_deadlines``) and adds these.
Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TextIO

from escalate.procedures.calendar import format_day
from escalate.procedures.model import Anchor, Procedure, Stage, Timescale, Unit
from escalate.procedures.stages import MET_BY_WORDS, MetBy
from escalate.procedures.timescales import sentence
from escalate.procedures.vocabulary import Deadline, StageDeadlines

#: What a pending deadline waits for, when it is set by the stage's owner.
SET_BY_OWNER = "set_by_owner"

#: What a pending deadline may wait for that ``--stage-started N=...`` gives.
_GIVEN_BY_STAGE_STARTED = frozenset(
    {Anchor.STAGE_STARTED.value, Anchor.PREVIOUS_STAGE_ESCALATED.value}
)


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline with what its timescale says about it."""

    deadline: Deadline
    timescale: Timescale | None
    number: int
    #: Who does what by then, as the procedure page's sentence starts ("Start").
    what: str
    #: The event of the case that meets it (an extra deadline's ``met_by``), if one.
    met_by: MetBy | None = None

    @property
    def pending(self) -> bool:
        return self.deadline.due is None

    @property
    def pending_until(self) -> str | None:
        """What a pending deadline waits for: an anchor (``other_professional_acknowledged``,
        ``stage_started``, ...) or ``set_by_owner``; None once it has a date."""
        if not self.pending:
            return None
        t = self.timescale
        if t is None:  # (every deadline of a stage has its timescale)
            return Anchor.STAGE_STARTED.value
        return SET_BY_OWNER if t.unit is Unit.SET_BY_OWNER else t.anchor.value

    @property
    def pending_words(self) -> str | None:
        """ "until stage 1 is escalated", for a pending deadline."""
        waits, n = self.pending_until, self.number
        if waits is None:
            return None
        return {
            SET_BY_OWNER: f"until stage {n}'s owner sets a date for the case",
            Anchor.STAGE_STARTED.value: f"until stage {n} starts",
            Anchor.PREVIOUS_STAGE_ESCALATED.value: f"until stage {n - 1} is escalated",
            Anchor.OTHER_PROFESSIONAL_ACKNOWLEDGED.value: (
                "until the other professional acknowledges the challenge"
            ),
            Anchor.FIRST_DISCUSSION.value: (
                f"until the first discussion at stage {n} (the first meeting or contact "
                "recorded there)"
            ),
        }.get(waits, f"until the day it counts from is known ({waits})")

    @property
    def where_possible(self) -> bool:
        return self.timescale is not None and self.timescale.where_possible

    @property
    def owner_may_shorten(self) -> bool:
        return self.timescale is not None and self.timescale.owner_may_shorten

    def notes(self) -> list[str]:
        """What the date alone does not say, in words."""
        found = []
        if self.where_possible:
            found.append("where possible: a target, chased with reminders, never counted as missed")
        if self.owner_may_shorten:
            found.append(
                f"stage {self.number}'s owner may set an earlier date to protect the person"
            )
        if self.met_by is not None:
            found.append(f"met when {MET_BY_WORDS[self.met_by]}")
        return found

    def as_json(self) -> dict[str, object]:
        t = self.timescale
        return {
            **self.deadline.as_json(),
            "pending": self.pending,
            "pending_until": self.pending_until,
            "pending_words": self.pending_words,
            "where_possible": self.where_possible,
            "owner_may_shorten": self.owner_may_shorten,
            "timescale": sentence(t, what=self.what) if t is not None else None,
            "met_by": self.met_by.value if self.met_by is not None else None,
        }


def rows(stage: Stage, deadlines: StageDeadlines) -> list[DeadlineRow]:
    """Each of a stage's deadlines (start-by, conclude-by, then the others), with its
    timescale."""
    n = stage.number
    found = []
    if deadlines.start_by is not None:
        found.append(DeadlineRow(deadlines.start_by, stage.start_by, n, "Start"))
    if deadlines.conclude_by is not None:
        found.append(
            DeadlineRow(deadlines.conclude_by, stage.conclude_by, n, "Resolve or escalate")
        )
    others = {d.key: d for d in stage.other_deadlines}
    for d in deadlines.other:
        named = others.get(d.key)
        t, what = (named.timescale, named.label) if named else (None, d.label)
        found.append(DeadlineRow(d, t, n, what, named.met_by if named else None))
    return found


def as_json(
    procedure: Procedure, arose: dt.date, stages: list[StageDeadlines]
) -> dict[str, object]:
    """The deadlines as one JSON object: each stage's ``start_by`` and ``conclude_by``
    (a date, or null while pending), its ``other_deadlines`` and, in ``deadlines``,
    every one of its deadlines in full."""

    def day(d: Deadline | None) -> str | None:
        return d.due.isoformat() if d and d.due else None

    found = []
    for s in stages:
        every = [r.as_json() for r in rows(procedure.stage(s.number), s)]
        found.append(
            {
                "number": s.number,
                "title": s.title,
                "start_by": day(s.start_by),
                "conclude_by": day(s.conclude_by),
                "other_deadlines": every[len(every) - len(s.other) :],
                "deadlines": every,
            }
        )
    return {"procedure": procedure.key, "arose": arose.isoformat(), "stages": found}


def print_text(
    procedure: Procedure, arose: dt.date, stages: list[StageDeadlines], out: TextIO
) -> None:
    """The deadlines as text: each with its date (or what it waits for) and how it was
    worked out."""
    print(f"{procedure.name}: concern arose {format_day(arose)}", file=out)
    for s in stages:
        print(f"\nStage {s.number}: {s.title}", file=out)
        every = rows(procedure.stage(s.number), s)
        if not every:
            print("  No fixed timescale.", file=out)
        for row in every:
            d = row.deadline
            due = format_day(d.due) if d.due else f"not yet known: pending {row.pending_words}"
            if row.pending_until in _GIVEN_BY_STAGE_STARTED:
                # (this command counts a stage as escalated the day the next one starts)
                due += f" (give --stage-started {row.number}=YYYY-MM-DD)"
            print(f"  {d.label}: {due}", file=out)
            for note in row.notes():
                print(f"    ({note[:1].upper()}{note[1:]}.)", file=out)
            print(f"    ({d.explanation})", file=out)
