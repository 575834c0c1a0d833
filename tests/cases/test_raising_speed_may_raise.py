"""Whether a person may raise at all (the home page's "Raise a challenge"), asked in
one query rather than by reading every place they could raise from: the same answer
as :func:`raising_choices`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalate.partnerships import permissions
from escalate.partnerships.models import Agency
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


def test_agency_staff_may_raise_and_partnership_staff_may_not(cheshire) -> None:
    w = cheshire
    assert permissions.may_raise(w.raiser) is True
    assert permissions.may_raise(w.other_professional) is True
    assert permissions.may_raise(w.person(Role.BUSINESS_UNIT)) is False
    assert permissions.may_raise(w.administrator) is False


def test_someone_who_has_left_may_not_raise(cheshire) -> None:
    leaver = cheshire.raiser
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    assert permissions.may_raise(leaver) is False


def test_an_agency_in_no_partnership_gives_nowhere_to_raise_from(cheshire) -> None:
    w = cheshire
    Agency.objects.get(pk=w.raising.pk).partnerships.clear()
    assert permissions.raising_choices(w.raiser) == []
    assert permissions.may_raise(w.raiser) is False
    assert permissions.may_raise(w.other_professional) is True


def test_may_raise_is_one_query(cheshire) -> None:
    with CaptureQueriesContext(connection) as queries:
        permissions.may_raise(cheshire.raiser)
    assert len(queries) == 1
