"""Limits on what a case holds, each defined once and enforced by the database too."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from escalate.procedures.model import Role

# ---------------------------------------------------------------- limits

NAME_MAX = 200
EMAIL_MAX = 254
RECORD_ID_MAX = 100
ADDRESS_MAX = 500
SHORT_TEXT_MAX = 1000
LONG_TEXT_MAX = 5000
THEME_MAX = 100
THEMES_MAX = 10

ROLE_CHOICES = [(r.value, r.label) for r in Role]


def max_length_check(field: str, limit: int, model: str) -> models.CheckConstraint:
    """A length limit the database enforces (SQLite ignores ``max_length``)."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=f"{model}_{field}_at_most_{limit}_characters",
    )
