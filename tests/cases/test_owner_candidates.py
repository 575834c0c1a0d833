"""Who may be named to own a stage: the escalating agency's holders of the stage's
agency roles and the partnership's holders of its partnership roles, active only."""

from __future__ import annotations

import pytest

from escalate.cases import selectors
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def test_owner_candidates_come_from_the_escalating_agency_and_the_partnership(cheshire) -> None:
    w = cheshire
    stage_2 = w.procedure.stage(2).owners  # line manager, safeguarding lead
    found = selectors.owner_candidates(w.partnership, w.raising, stage_2)
    assert {(c.person, c.role) for c in found} == {
        (w.person(Role.LINE_MANAGER), Role.LINE_MANAGER),
        (w.person(Role.SAFEGUARDING_LEAD), Role.SAFEGUARDING_LEAD),
    }
    assert all(c.where == w.raising.name for c in found)  # never the other agency's managers

    chair = selectors.owner_candidates(w.partnership, w.raising, [Role.INDEPENDENT_CHAIR])
    assert [(c.person, c.where) for c in chair] == [
        (w.person(Role.INDEPENDENT_CHAIR), w.partnership.name)
    ]


def test_people_who_have_left_are_not_offered(cheshire) -> None:
    leaver = cheshire.person(Role.LINE_MANAGER)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    found = selectors.owner_candidates(cheshire.partnership, cheshire.raising, [Role.LINE_MANAGER])
    assert found == []
