"""What the board pages read from a request, as Django forms.

No board view reads ``request.GET`` or ``request.POST`` itself: every filter, download
format, id and typed answer comes through one of these forms, so a value of the wrong
kind (``?agency=²``, a 40-digit id, a NUL byte) is an error message or ignored, never a
server error. Filters that are wrong fall back to their default and say so.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from escalate.cases.case_forms import MAX_ID
from escalate.cases.errors import Invalid
from escalate.cases.models import LONG_TEXT_MAX, CaseStatus
from escalate.govuk.dates import DATE_PARTS, parse_date
from escalate.govuk.forms import GovukTextField
from escalate.govuk.text import page_number
from escalate.procedures.model import CaseForm
from escalate.reports import selectors

#: Longest text a filter box takes (a period, or a date like 2026-07-01, is far shorter).
FILTER_MAX = 50

PERIOD_MESSAGE = "Enter the period as a year, like 2026, or a quarter, like 2026-Q3."

#: The date filters, and how messages name them.
DATE_FILTERS = {"from": "the start date", "to": "the end date"}

#: A date as the pages' own links write it: year-month-day, ASCII digits only.
_LINKED_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)


class DateFilterWidget(forms.Widget):
    """A date filter's value as sent: the GOV.UK date input's boxes (``from-day``,
    ``from-month``, ``from-year``) when any of them holds something, else ``from`` as
    year-month-day (how the page's sorting and download links carry it)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, Any]:
        parts = [data.get(f"{name}-{part}") for part in DATE_PARTS]
        boxes = [p if isinstance(p, str) else "" for p in parts]
        if any(box.strip() for box in boxes):
            return {"boxes": boxes}
        text = data.get(name)
        return {"text": text if isinstance(text, str) else ""}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and all(f"{name}-{part}" not in data for part in DATE_PARTS)


class DateFilterField(forms.Field):
    """A day to filter from or to: typed in the boxes it says what is wrong as every
    GOV.UK date input does ("The start date must be a real date"); in a link, it must
    be year-month-day."""

    widget = DateFilterWidget

    def __init__(self, *, words: str) -> None:
        self.words = words
        super().__init__(required=False)

    def to_python(self, value: Any) -> dt.date | None:
        if not isinstance(value, dict):
            return None
        if "boxes" in value:
            parsed, problem = parse_date(value["boxes"], words=self.words)
            if problem:
                raise forms.ValidationError(problem[0], code="invalid")
            return parsed
        text = str(value.get("text") or "").strip()
        if not text:
            return None
        match = _LINKED_DATE.fullmatch(text) if len(text) <= FILTER_MAX else None
        parsed = None
        if match:
            parsed, _ = parse_date([match[3], match[2], match[1]], words=self.words)
        if parsed is None:
            raise forms.ValidationError(
                f"Enter {self.words} as a date, like 2026-07-01.", code="invalid"
            )
        return parsed


def _filter_text(words: str, message: str) -> GovukTextField:
    return GovukTextField(
        required=False,
        max_length=FILTER_MAX,
        words=words,
        error_messages={"max_length": message},
    )


def _choice(message: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        required=False,
        choices=[("", ""), *choices],
        error_messages={"invalid_choice": message},
    )


class FilterForm(forms.Form):
    """A GET form of filters: :meth:`value` is a field's cleaned value, or its default
    when what was sent is not one it takes; :meth:`problems` says which were wrong."""

    #: Filters that the page has no box for (only its links send them): a wrong value is
    #: ignored and the message says so.
    unboxed: frozenset[str] = frozenset()

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        # "from" is a Python keyword: the fields are added by name.
        self.fields["period"] = _filter_text("the period", PERIOD_MESSAGE)
        for name, words in DATE_FILTERS.items():
            self.fields[name] = DateFilterField(words=words)
        self.add_fields()
        self.is_valid()

    def add_fields(self) -> None:
        """Add the page's own filters."""

    def value(self, name: str, default: Any = "") -> Any:
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def typed(self, name: str) -> str:
        """What was sent for ``name``, to show again in its box. A date filter's is
        year-month-day: the date itself when it is one, else its boxes as typed (so the
        page's links keep it, and the boxes show it again)."""
        if name in DATE_FILTERS:
            return self._typed_date(name)
        value = self.data.get(name, "")
        return value if isinstance(value, str) else ""

    def _typed_date(self, name: str) -> str:
        if name not in self.errors:
            day = self.cleaned_data.get(name)
            if isinstance(day, dt.date):
                return day.isoformat()
        sent = self.fields[name].widget.value_from_datadict(self.data, self.files, name)
        if "boxes" not in sent:
            return str(sent.get("text") or "")
        day_box, month_box, year_box = (b.replace("-", "").strip() for b in sent["boxes"])
        return f"{year_box}-{month_box}-{day_box}"

    def problems(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}

    def period(self, *, default_all: bool) -> selectors.Period | None:
        """The period asked for (``None``: all time, when ``default_all`` and none is
        given). Raises :class:`~escalate.errors.Invalid` for a wrong one."""
        wrong = {k: self.problems()[k] for k in DATE_FILTERS if k in self.errors}
        if wrong:
            raise Invalid(wrong)
        text = str(self.value("period")).strip()
        since: dt.date | None = self.value("from", None)
        until: dt.date | None = self.value("to", None)
        if default_all and not (text or since or until):
            return None
        if since and not until:
            raise Invalid({"to": ["Enter the end date as well as the start date"]})
        if until and not since:
            raise Invalid({"from": ["Enter the start date as well as the end date"]})
        return selectors.parse_period(
            text,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
        )


class PageNumberField(forms.Field):
    """A page of the register, as its pagination links write it: ASCII digits only
    (never another script's, as the other filters). A number too long to be a page is
    past the last page, which the register shows; anything else is explained."""

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> int | None:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        number = page_number(text)
        if number is None:
            raise forms.ValidationError(
                "The page number was not a number, so the register shows its first page.",
                code="invalid",
            )
        return number


class RegisterFilterForm(FilterForm):
    """The escalation register's filters, sort order, page and download format."""

    unboxed = frozenset({"sort", "format", "page"})

    def __init__(self, data: Any, *, choices: dict[str, Any]) -> None:
        self.choices = choices
        super().__init__(data)

    def add_fields(self) -> None:
        choices = self.choices
        stages = [(str(n), "") for n, _ in choices["stages"]]
        self.fields["reached"] = _choice(
            "Choose the stage reached from the list", [("final", ""), ("all", ""), *stages]
        )
        self.fields["agency"] = _choice(
            "Choose an agency from the list", [(str(pk), "") for pk, _ in choices["agencies"]]
        )
        self.fields["category"] = _choice(
            "Choose a category from the list", [(k, "") for k, _ in choices["categories"]]
        )
        self.fields["status"] = _choice(
            "Choose a status from the list", [(k, "") for k in CaseStatus.values]
        )
        sorts = [(k, "") for k in selectors.SORTS] + [(f"-{k}", "") for k in selectors.SORTS]
        self.fields["sort"] = _choice(
            "The register could not be sorted that way, so it is sorted by date raised.", sorts
        )
        self.fields["format"] = _choice(
            "The register can be downloaded as CSV or Excel only.",
            [("csv", ""), ("xlsx", "")],
        )
        self.fields["page"] = PageNumberField()

    def agency(self) -> int | None:
        value = self.value("agency", None)
        return int(value) if value else None


class ReportFilterForm(FilterForm):
    """The board report's period, whether to suppress small counts, and the download."""

    unboxed = frozenset({"format"})

    def add_fields(self) -> None:
        self.fields["suppress"] = forms.BooleanField(required=False)
        self.fields["format"] = _choice(
            "The report can be downloaded as a PDF or CSV only.", [("pdf", ""), ("csv", "")]
        )


class PolicyResponseForm(forms.Form):
    """A response to one policy issue on the policy issues page."""

    issue = forms.IntegerField(min_value=1, max_value=MAX_ID)
    version = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    response = GovukTextField(
        required=False, strip=False, max_length=LONG_TEXT_MAX, words="your response"
    )

    def typed_response(self) -> str:
        """The response as sent, to show again."""
        value = self.data.get("response", "")
        return value if isinstance(value, str) else ""


class ReferralSubmitForm(forms.Form):
    """A case form's answers as typed, one text field per question the case's procedure
    gives it (its rules, "enter the name", "a real date", are the service's)."""

    version = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, data: Any, *, definition: CaseForm) -> None:
        super().__init__(data)
        for f in definition.fields:
            label = f.label[:1].lower() + f.label[1:]
            self.fields[f.key] = GovukTextField(
                required=False,
                strip=False,
                # As long as the case record's long answers (and referral.field_errors).
                max_length=LONG_TEXT_MAX,
                words=label,
            )

    def typed(self) -> dict[str, str]:
        """Every answer as sent, to show again (the version left out)."""
        values = {}
        for name in self.fields:
            if name == "version":
                continue
            value = self.data.get(name, "")
            values[name] = value if isinstance(value, str) else ""
        return values


class ReferralPageForm(forms.Form):
    """A case form page's address: ``?sent=1`` after a submission."""

    sent = forms.BooleanField(required=False)
