"""The person signed in, as a type.

Django types ``request.user`` as "a User or the anonymous user", because any request
may come from someone not signed in. Pages behind ``login_required`` (and the admin,
which lets in only signed-in staff) are only ever reached by a signed-in person:

* a view behind ``login_required`` takes an :class:`AuthenticatedHttpRequest`, whose
  ``user`` is a :class:`~escalate.accounts.models.User` (a type, nothing checked at
  run time: ``login_required`` has already checked);
* code handed a plain :class:`~django.http.HttpRequest` by Django (admin methods, say)
  asks :func:`signed_in_user`, which refuses anyone not signed in rather than passing
  the anonymous user on.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from escalate.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request from a signed-in person (behind ``login_required``)."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The person signed in; anyone else is refused (403)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
