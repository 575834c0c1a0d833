"""The GOV.UK date input (day, month, year): one field and one parser for every date.

:class:`GovukDateField` says what is wrong in plain English: "The date the concern arose
must include a month", "... must be a real date", "... must be today or in the past",
"... must be between 22 December 2025 and today" (with ``earliest``), and which parts to
highlight. :func:`parse_date` reads only ASCII (and full-width) digits of the right
length, so no typing can cause a server error; whatever it is given (numbers, lists of
the wrong length, ``None``) is read as text first.

"Today" is ``settings.GOVUK_TODAY`` (the dotted path of a function taking no arguments,
such as a project's controllable clock), or :func:`django.utils.timezone.localdate`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DATE_PARTS = ("day", "month", "year")


def today() -> dt.date:
    """Today's date, as ``settings.GOVUK_TODAY`` says (the local date if unset)."""
    path = getattr(settings, "GOVUK_TODAY", "")
    return import_string(path)() if path else timezone.localdate()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def spoken(day: dt.date) -> str:
    """A date as GOV.UK writes it in messages: "22 December 2025"."""
    return f"{day.day} {day:%B} {day.year}"


def date_parts(day: dt.date) -> dict[str, str]:
    """A date as the three inputs hold it when typed: day, month and a four-digit year."""
    return {"day": str(day.day), "month": str(day.month), "year": f"{day.year:04d}"}


class GovukDateWidget(forms.MultiWidget):
    """Three text inputs named ``<name>-day``, ``<name>-month`` and ``<name>-year``."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in DATE_PARTS},
            attrs,
        )
        self.widgets_names = [f"-{part}" for part in DATE_PARTS]

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dt.date):
            return list(date_parts(value).values())
        if isinstance(value, str) and value:
            try:
                return self.decompress(dt.date.fromisoformat(value))
            except ValueError:
                return ["", "", ""]
        return ["", "", ""]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return all(f"{name}-{part}" not in data for part in DATE_PARTS)


def _listed(parts: list[str]) -> str:
    words = [f"a {p}" for p in parts]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


#: Full-width digits (typed by Japanese and Chinese input methods) look like 0 to 9 and
#: are read as them. Nothing else counts as a digit: not superscripts (²), fractions or
#: other scripts' digits (Arabic-Indic ٣, or Bengali ৪, which looks like 8 but is 4), so
#: a date can never be read as something other than what the person saw on screen.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

#: What each part may hold once trimmed: a day or month of one or two digits, a year of
#: four. Anything longer is refused before it is turned into a number.
_PART_DIGITS = {"day": re.compile(r"[0-9]{1,2}"), "month": re.compile(r"[0-9]{1,2}")}
_YEAR_DIGITS = re.compile(r"[0-9]+")
_PART_MAX = 20


def _typed_parts(value: Any) -> dict[str, str]:
    """The day, month and year as typed (a list or tuple in that order, or a dict keyed
    by part), trimmed, each at most a few characters long."""
    if isinstance(value, dict):
        values = [value.get(part) for part in DATE_PARTS]
    elif isinstance(value, list | tuple):
        values = [*list(value)[:3], None, None, None][:3]
    else:
        values = [None, None, None]
    return {
        part: (v if isinstance(v, str) else "" if v is None else str(v)).strip()[: _PART_MAX + 1]
        for part, v in zip(DATE_PARTS, values, strict=True)
    }


def parse_date(
    value: Any, *, words: str, past_only: bool = False, earliest: dt.date | None = None
) -> tuple[dt.date | None, tuple[str, list[str]] | None]:
    """A typed date and what is wrong with it: ``(date, None)`` when it is a real date
    (not after today with ``past_only``, not before ``earliest`` when given),
    ``(None, (message, parts to highlight))`` when not, ``(None, None)`` when blank.

    Never raises: every part is checked to be digits of the right length before it is
    turned into a number, so no typing (huge numbers, ², control characters) can cause
    a server error."""
    typed = _typed_parts(value)
    digits = {part: text.translate(FULL_WIDTH_DIGITS) for part, text in typed.items()}
    missing = [part for part in DATE_PARTS if not typed[part]]
    subject = words[:1].upper() + words[1:]
    if len(missing) == 3:
        return None, None
    if missing:
        return None, (f"{subject} must include {_listed(missing)}", missing)
    wrong = [
        part
        for part in DATE_PARTS
        if not (_PART_DIGITS.get(part) or _YEAR_DIGITS).fullmatch(digits[part])
    ]
    if wrong:
        return None, (f"{subject} must be a real date", wrong)
    if len(digits["year"]) != 4:
        return None, ("Year must include 4 numbers", ["year"])
    day, month, year = (int(digits[part]) for part in DATE_PARTS)
    if not 1 <= month <= 12:
        return None, (f"{subject} must be a real date", ["month"])
    if year < dt.MINYEAR:
        return None, (f"{subject} must be a real date", ["year"])
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        return None, (f"{subject} must be a real date", ["day"])
    if past_only and parsed > today():
        return None, (f"{subject} must be today or in the past", list(DATE_PARTS))
    if earliest is not None and parsed < earliest:
        if past_only:
            return None, (
                f"{subject} must be between {spoken(earliest)} and today",
                list(DATE_PARTS),
            )
        return None, (
            f"{subject} must be the same as or after {spoken(earliest)}",
            list(DATE_PARTS),
        )
    return parsed, None


def date_problem(
    values: Any, *, words: str, past_only: bool = False, earliest: dt.date | None = None
) -> tuple[str, list[str]] | None:
    """What is wrong with a typed date, and which of its parts to highlight."""
    parsed, problem = parse_date(values, words=words, past_only=past_only, earliest=earliest)
    if parsed is None and problem is None:
        return f"Enter {words}", list(DATE_PARTS)
    return problem


class GovukDateField(forms.Field):
    """A date typed as day, month and year. ``words`` names it in messages ("the date the
    concern arose"); ``past_only`` refuses dates after today; ``earliest``, given today,
    says the first date allowed (``lambda today: today - dt.timedelta(days=366)``).
    Every GOV.UK date input is this field: its parsing is :func:`parse_date`, its markup
    the date input component."""

    widget = GovukDateWidget

    def __init__(
        self,
        *,
        words: str = "the date",
        past_only: bool = False,
        earliest: Callable[[dt.date], dt.date] | None = None,
        **kwargs: Any,
    ):
        self.words = words
        self.past_only = past_only
        self.earliest = earliest
        super().__init__(**kwargs)

    def limits(self) -> dict[str, Any]:
        """What :func:`parse_date` is asked to refuse, as of today."""
        return {
            "past_only": self.past_only,
            "earliest": self.earliest(today()) if self.earliest else None,
        }

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            value = list(date_parts(value).values())
        parsed, problem = parse_date(value, words=self.words, **self.limits())
        if problem:
            raise forms.ValidationError(problem[0], code="invalid")
        return parsed

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(
                self.error_messages.get("required_date") or f"Enter {self.words}",
                code="required",
            )

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value
