"""Password rules beyond Django's own."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class NotBlankPasswordValidator:
    """A password made only of spaces (or other blank characters), or of one character
    repeated, is refused: it is as easy to guess as no password."""

    def validate(self, password: str, user: Any = None) -> None:
        if not password.strip():
            raise ValidationError("Your password cannot be only spaces", code="password_blank")
        if len(set(password.strip())) < 3:
            raise ValidationError(
                "Your password must have at least 3 different characters",
                code="password_repetitive",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be only spaces or one character repeated."
