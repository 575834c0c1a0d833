"""A hand-counted set of cases for the board's report and register tests.

Cheshire East SAB, cases raised in December 2026 (England's bank holidays: Fri 25 Dec,
and Mon 28 Dec for Boxing Day on a Saturday):

=====  =========  ============================================  =================
case   raised     what happened                                 working days
=====  =========  ============================================  =================
A      Wed 23 Dec resolved at stage 1 on Tue 29 Dec             2 (24, 29)
B      Wed 23 Dec escalated 24 Dec; resolved at 2 on Wed 30 Dec 3 (24, 29, 30)
C      Wed 23 Dec withdrawn at stage 1 on Thu 24 Dec             -
D      Wed 23 Dec raised by the other agency; still open         -
E      Tue 5 Jan 2027 (outside 2026)                            -
X      another partnership's case (never counted)               -
=====  =========  ============================================  =================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import factories

from escalate.cases import services
from escalate.cases.models import Case
from escalate.partnerships.models import Sector
from escalate.procedures.model import Role

PERSON = {
    "person_name": "Alex Example",
    "person_date_of_birth": dt.date(1950, 3, 27),
    "person_address": "1 Hidden Lane, Crewe CW1 1AA",
}
IDENTITY = ["Alex Example", "Hidden Lane", "CW1 1AA", "1950-03-27", "27 March 1950", "27/03/1950"]


@dataclass
class Board:
    w: factories.World
    quiet: object
    a: Case
    b: Case
    c: Case
    d: Case
    e: Case


def build(frozen_clock: Callable[[dt.date], dt.datetime]) -> Board:
    frozen_clock(dt.date(2026, 12, 23))
    w = factories.world("cheshire-east-sab")
    quiet = factories.agency("Quiet agency", w.partnership, sector=Sector.POLICE)
    cats = [c.key for c in w.procedure.categories]

    a = factories.raise_case(w, **PERSON)
    b = factories.raise_case(w, **PERSON)
    c = factories.raise_case(w, categories=[cats[1]], **PERSON)
    d = factories.raise_case(
        w,
        actor=w.other_professional,
        raising_agency=w.other,
        other_agency=w.raising,
        other_professional_name=w.raiser.full_name,
        other_professional_email=w.raiser.email,
        categories=[cats[1]],
        **PERSON,
    )

    frozen_clock(dt.date(2026, 12, 24))
    b = factories.escalate_to(w, b, 2)
    c = services.withdraw(w.raiser, c, reason="Raised in error.", expected_version=c.version)
    services.flag_policy_issue(
        w.raiser, b, text="No guidance on joint reviews over Christmas.", expected_version=b.version
    )
    b.refresh_from_db()

    frozen_clock(dt.date(2026, 12, 29))
    a = services.resolve(w.raiser, a, outcome="Agreed a joint visit.", expected_version=a.version)
    lead = w.raising_people[Role.SAFEGUARDING_LEAD]
    a = services.record_debrief(lead, a, held_on=dt.date(2026, 12, 29), expected_version=a.version)
    a = services.record_learning(
        lead,
        a,
        why_not_earlier="It was resolved at stage 1.",
        themes=["Communication", "information sharing"],
        expected_version=a.version,
    )

    frozen_clock(dt.date(2026, 12, 30))
    owner2 = b.stages.get(number=2).owner
    b = services.resolve(owner2, b, outcome="Care plan reviewed.", expected_version=b.version)

    frozen_clock(dt.date(2027, 1, 5))
    e = factories.raise_case(w, concern_arose_on=dt.date(2027, 1, 5), **PERSON)
    other_world = factories.world("cheshire-east-sab")
    factories.raise_case(other_world, **PERSON)
    return Board(w, quiet, a, b, c, d, e)
