"""The person signed in, for code Django hands a plain request (the admin's methods)."""

import factories
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from escalate.accounts.signed_in import signed_in_user

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_is_the_person_the_request_is_from():
    person = factories.user("Signed In")
    request = RequestFactory().get("/")
    request.user = person
    assert signed_in_user(request) == person


def test_someone_not_signed_in_is_refused_rather_than_passed_on():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_user(request)
