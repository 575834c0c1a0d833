"""Who may read a partnership's procedure page: people working in it, and administrators."""

from __future__ import annotations

import factories
import pytest

from escalate.partnerships import permissions
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def test_people_in_the_partnership_and_staff_read_its_procedure(cheshire) -> None:
    w = cheshire
    assert permissions.sees_procedure(w.raiser, w.partnership)
    assert permissions.sees_procedure(w.person(Role.INDEPENDENT_CHAIR), w.partnership)
    outsider = factories.user("Someone Elsewhere")
    assert not permissions.sees_procedure(outsider, w.partnership)
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])
    assert permissions.sees_procedure(outsider, w.partnership)
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    assert not permissions.sees_procedure(outsider, w.partnership)
