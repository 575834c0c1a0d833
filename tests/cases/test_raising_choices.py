"""Who may raise a challenge, and from where: people holding a role in a member agency."""

from __future__ import annotations

import pytest

from escalate.partnerships import permissions
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def test_agency_staff_raise_from_their_agency_in_its_partnership(cheshire) -> None:
    w = cheshire
    assert permissions.raising_choices(w.raiser) == [(w.raising, w.partnership)]
    assert permissions.raising_choices(w.other_professional) == [(w.other, w.partnership)]


def test_partnership_staff_and_people_who_have_left_cannot_raise(cheshire) -> None:
    w = cheshire
    assert permissions.raising_choices(w.person(Role.BUSINESS_UNIT)) == []
    assert permissions.raising_choices(w.administrator) == []
    leaver = w.raiser
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    assert permissions.raising_choices(leaver) == []
