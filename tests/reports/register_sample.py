"""A realistic register for comparing the page's HTML: the Riverside procedure
(tests/procedures/definitions/riverside.toml, whose stage 2 conclusion is a "where
possible" target), agencies and outcomes whose words need escaping, cases resolved,
withdrawn, escalated, one whose soft target has passed (never "missed") and one whose
hard act-by has passed (missed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import factories
from django.db.models import F

from escalate.cases import services
from escalate.cases.models import ContactKind
from escalate.cases.models.deadlines import CaseDeadline
from escalate.partnerships.models import Agency
from escalate.procedures import library
from escalate.procedures.model import Procedure

KEY = "riverside"
#: When the later cases' concerns arose.
AROSE = dt.date(2026, 11, 30)
RIVERSIDE_FILE = Path(__file__).parents[1] / "procedures" / "definitions" / f"{KEY}.toml"


def riverside() -> Procedure:
    return library.load_file(RIVERSIDE_FILE)


def build(frozen_clock: Callable[[dt.date | dt.datetime], dt.datetime]) -> factories.World:
    """The sample register; the clock left at 21 Dec 2026, past every act-by."""
    frozen_clock(dt.datetime(2026, 12, 1, 9, 0))
    w = factories.world(KEY)
    # Words the page must escape, in the agencies' names and the outcomes.
    Agency.objects.filter(pk=w.raising.pk).update(name='Raising <b>"A&B"</b> agency')
    Agency.objects.filter(pk=w.other.pk).update(name="Other agency's <i>team</i>")
    w.raising.refresh_from_db()
    w.other.refresh_from_db()

    soft = factories.escalate_to(
        w, factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 1)), 2
    )
    frozen_clock(dt.datetime(2026, 12, 2, 10, 0))
    resolved = factories.raise_case(w, concern_arose_on=dt.date(2026, 11, 30))
    services.resolve(
        w.raiser,
        resolved,
        outcome="Agreed <script>a visit</script> & a plan.",
        expected_version=resolved.version,
    )
    withdrawn = factories.raise_case(w, concern_arose_on=AROSE)
    services.withdraw(
        w.raiser, withdrawn, reason="Raised in error.", expected_version=withdrawn.version
    )
    late = factories.raise_case(w, concern_arose_on=AROSE)
    # Acknowledged: stage 1's act-by (5 working days on) will pass unmet (missed).
    services.acknowledge(w.other_professional, late, expected_version=late.version)
    frozen_clock(dt.datetime(2026, 12, 3, 10, 0))
    owner = soft.stages.get(number=2).owner
    services.record_contact(
        owner,
        soft,
        kind=ContactKind.MEETING,
        text="Spoke with the other line manager.",
        occurred_on=dt.date(2026, 12, 3),
        expected_version=soft.version,
    )
    # The soft case's hard deadlines met, so only its soft target is left unmet.
    CaseDeadline.objects.filter(case=soft, soft=False).update(met_on=F("due"))
    escalated = factories.escalate_to(w, factories.raise_case(w, concern_arose_on=AROSE), 2)
    frozen_clock(dt.datetime(2026, 12, 4, 10, 0))
    escalated.refresh_from_db()
    owner3 = escalated.stages.get(number=escalated.current_stage).owner
    services.resolve(
        owner3, escalated, outcome='Care plan "reviewed".', expected_version=escalated.version
    )
    frozen_clock(dt.datetime(2026, 12, 21, 9, 0))
    return w
