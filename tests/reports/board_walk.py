"""Cases walked with the services to the stage with the referral form, for the board
tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import factories

from escalate.cases import services
from escalate.cases.models import Case

PERSON = {
    "person_name": "Alex Example",
    "person_date_of_birth": dt.date(1950, 3, 27),
    "person_address": "1 Hidden Lane, Crewe CW1 1AA",
}


def walk_to_final_stage(w: factories.World, frozen_clock: Callable[[dt.date], dt.datetime]) -> Case:
    """Raise a case on 23 Dec 2026, record a meeting at stage 1 and escalate it stage by
    stage (each move by the current owner) to the stage with the referral form."""
    frozen_clock(dt.date(2026, 12, 23))
    case = factories.raise_case(w, **PERSON)
    services.record_contact(
        w.raiser,
        case,
        kind="meeting",
        text="Met to talk through the care plan; no agreement.",
        with_whom="the other professional",
        expected_version=case.version,
    )
    case.refresh_from_db()
    frozen_clock(dt.date(2026, 12, 24))
    case = factories.escalate_to(w, case, 2)
    frozen_clock(dt.date(2026, 12, 30))
    case = factories.escalate_to(w, case, 3)
    frozen_clock(dt.date(2027, 1, 6))
    case = factories.escalate_to(w, case, 4)
    case.refresh_from_db()
    return case
