"""One-time tokens for forms that create something: a form carries one (a hidden field),
and the service that does what the form asks takes it in the same transaction
(:func:`escalate.cases.services.unit.take_once`), so the same form sent twice acts once.

Views issue a token with each form they show and read it back from what was posted,
through :class:`OnceForm` like any other input.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.validators import RegexValidator

#: The hidden field's name.
FIELD = "once"


def issue() -> str:
    """A new token for a form about to be shown."""
    return secrets.token_urlsafe(32)


class OnceForm(forms.Form):
    """The hidden one-time token, as posted (anything not shaped like one is ignored)."""

    once = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{32,64}\Z")],
    )


def posted(data: Any) -> str:
    """The token a form was sent with, or "" when there is none (or it is malformed)."""
    form = OnceForm(data)
    if not form.is_valid():
        return ""
    return str(form.cleaned_data.get(FIELD) or "")
