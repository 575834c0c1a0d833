"""Checking what was asked, field by field, before anything is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from escalate.cases.errors import Invalid
from escalate.cases.models import EMAIL_MAX
from escalate.govuk import text as characters


@dataclass
class Form:
    """Collects every problem with what was asked, by field, before anything is written."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def ok(self, name: str) -> bool:
        return name not in self.errors

    def text(
        self, name: str, value: str | None, *, label: str, limit: int, required: bool = True
    ) -> str:
        text = characters.tidy(characters.as_text(value).strip())
        if required and not text:
            self.add(name, f"Enter {label}.")
        elif characters.has_unusual_characters(text):
            # The forms refuse these first; this keeps callers that skip them (an API,
            # a command) from storing what would break exports or PostgreSQL.
            self.add(name, f"Remove the unusual characters from {label}.")
        elif len(text) > limit:
            self.add(
                name,
                f"{label[:1].upper()}{label[1:]} must be {limit:,} characters or fewer; "
                f"it is {len(text):,}.",
            )
        return text

    def email(self, name: str, value: str | None, *, label: str, required: bool = True) -> str:
        address = self.text(name, value, label=label, limit=EMAIL_MAX, required=required)
        if address and self.ok(name):
            try:
                validate_email(address)
            except ValidationError:
                self.add(name, f"Enter {label} as a valid email address, like name@example.org.")
        return address.lower()

    def date(
        self,
        name: str,
        value: dt.date | None,
        *,
        label: str,
        required: bool = True,
        not_after: dt.date | None = None,
        not_before: dt.date | None = None,
        after_words: str = "in the future",
        before_words: str = "",
    ) -> dt.date | None:
        if value is None:
            if required:
                self.add(name, f"Enter {label}.")
            return None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self.add(name, f"Enter {label} as a date.")
            return None
        if not_after is not None and value > not_after:
            self.add(name, f"{label[:1].upper()}{label[1:]} cannot be {after_words}.")
        if not_before is not None and value < not_before:
            words = before_words or f"before {not_before}"
            self.add(name, f"{label[:1].upper()}{label[1:]} cannot be {words}.")
        return value

    def check(self) -> None:
        """Raise :class:`Invalid` with every problem found, if there is any."""
        if self.errors:
            raise Invalid(self.errors)
