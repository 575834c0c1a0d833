"""What the board pages read from a request, as Django forms.

No board view reads ``request.GET`` or ``request.POST`` itself: every filter, download
format, id and typed answer comes through one of these forms, so a value of the wrong
kind (``?agency=²``, a 40-digit id, a NUL byte) is an error message or ignored, never a
server error. Filters that are wrong fall back to their default and say so.
"""

from __future__ import annotations

from typing import Any

from django import forms

from escalate.cases.case_forms import MAX_ID
from escalate.cases.models import LONG_TEXT_MAX, CaseStatus
from escalate.govuk.forms import GovukTextField
from escalate.procedures.model import ReferralForm as ReferralFormDefinition
from escalate.reports import selectors

#: Longest text a filter box takes (a period, or a date like 2026-07-01, is far shorter).
FILTER_MAX = 50

PERIOD_MESSAGE = "Enter the period as a year, like 2026, or a quarter, like 2026-Q3."


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
        self.fields["from"] = _filter_text(
            "the start date", "Enter the start date as a date, like 2026-07-01."
        )
        self.fields["to"] = _filter_text(
            "the end date", "Enter the end date as a date, like 2026-09-30."
        )
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
        """What was sent for ``name``, to show again in its box."""
        value = self.data.get(name, "")
        return value if isinstance(value, str) else ""

    def problems(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}

    def period(self, *, default_all: bool) -> selectors.Period | None:
        """The period asked for (``None``: all time, when ``default_all`` and none is
        given). Raises :class:`~escalate.cases.errors.Invalid` for a wrong one."""
        text, since, until = (self.value(k).strip() for k in ("period", "from", "to"))
        if default_all and not (text or since or until):
            return None
        return selectors.parse_period(text, since=since or None, until=until or None)


class RegisterFilterForm(FilterForm):
    """The escalation register's filters, sort order and download format."""

    unboxed = frozenset({"sort", "format"})

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
    """The referral form's answers as typed, one text field per question of the case's
    procedure (its rules, "enter the name", "a real date", are the service's)."""

    version = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, data: Any, *, definition: ReferralFormDefinition) -> None:
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
    """The referral form page's address: ``?sent=1`` after a submission."""

    sent = forms.BooleanField(required=False)
