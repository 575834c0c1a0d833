"""GOV.UK Design System markup for Django forms.

``FORM_RENDERER = "escalate.core.forms.GovukFormRenderer"`` makes ``{{ form }}`` render each
field as a GOV.UK form group (label or legend, hint, error message, the input) using our
component templates in ``templates/components/``. Forms built on :class:`GovukForm` also
render a whole form group for ``{{ field }}``, and can give per-field options (a page
heading label, input widths, autocomplete, hints on radio items) in ``govuk_options``.

:class:`GovukDateField` is a GOV.UK date input (day, month, year) whose errors are plain
English: "The date the concern arose must include a month", "... must be a real date",
"... must be today or in the past". It reads only ASCII (and full-width) digits of the
right length, so no typing can cause a server error; every date input is this field.

:class:`GovukTextField` is text typed or pasted in: Word's line and page breaks become new
lines, and NUL bytes and other control characters are refused ("Remove the unusual
characters from the outcome"), as :mod:`escalate.core.text` decides.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import django.forms
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from escalate import clock
from escalate.core import text as characters

FORM_TEMPLATE = "django/forms/govuk/form.html"
FIELD_TEMPLATE = "django/forms/govuk/field.html"
ERROR_SUMMARY_TEMPLATE = "django/forms/govuk/error_summary.html"

DATE_PARTS = ("day", "month", "year")


# ---------------------------------------------------------------- the date field


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
            return [str(value.day), str(value.month), str(value.year)]
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
    value: Any, *, words: str, past_only: bool = False
) -> tuple[dt.date | None, tuple[str, list[str]] | None]:
    """A typed date and what is wrong with it: ``(date, None)`` when it is a real date,
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
    if past_only and parsed > clock.today():
        return None, (f"{subject} must be today or in the past", list(DATE_PARTS))
    return parsed, None


def date_problem(
    values: Any, *, words: str, past_only: bool = False
) -> tuple[str, list[str]] | None:
    """What is wrong with a typed date, and which of its parts to highlight."""
    parsed, problem = parse_date(values, words=words, past_only=past_only)
    if parsed is None and problem is None:
        return f"Enter {words}", list(DATE_PARTS)
    return problem


class GovukDateField(forms.Field):
    """A date typed as day, month and year. ``words`` names it in messages ("the date the
    concern arose"); ``past_only`` refuses dates after today. Every GOV.UK date input in
    Escalate is this field (or a subclass): its parsing is :func:`parse_date`."""

    widget = GovukDateWidget

    def __init__(self, *, words: str = "the date", past_only: bool = False, **kwargs: Any):
        self.words = words
        self.past_only = past_only
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        parsed, problem = parse_date(value, words=self.words, past_only=self.past_only)
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


# ---------------------------------------------------------------- text


class GovukTextField(forms.CharField):
    """Text typed or pasted in, with messages that name it (``words``: "the outcome").

    Characters are decided on by :mod:`escalate.core.text`: other programs' line and
    page breaks (Word's vertical tab, a form feed) become new lines; NUL bytes and other
    control characters are refused with "Remove the unusual characters from the
    outcome", so nothing stored can break a Word or Excel file. ``max_length`` is said
    in the message in plain words ("The outcome must be 5,000 characters or fewer").
    """

    def __init__(self, *, words: str = "this answer", **kwargs: Any) -> None:
        self.words = words
        subject = words[:1].upper() + words[1:]
        messages = {}
        if kwargs.get("max_length") is not None:
            messages["max_length"] = (
                f"{subject} must be {kwargs['max_length']:,} characters or fewer"
            )
        messages.update(kwargs.pop("error_messages", None) or {})
        super().__init__(error_messages=messages, **kwargs)

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = characters.tidy(value)
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        if isinstance(value, str) and characters.has_unusual_characters(value):
            raise forms.ValidationError(
                f"Remove the unusual characters from {self.words}", code="unusual_characters"
            )
        super().validate(value)


# ---------------------------------------------------------------- bound fields


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class GovukBoundField(forms.BoundField):
    """A bound field that knows the GOV.UK component and options it renders as."""

    def __str__(self) -> str:
        if getattr(self.form, "govuk_field_str", False):
            return self.as_field_group()
        return super().__str__()

    @property
    def govuk_id(self) -> str:
        return self.auto_id or f"id_{self.html_name}"

    @property
    def error_anchor(self) -> str:
        """The id the error summary links to: the first input that needs fixing."""
        params = self.govuk
        if params["component"] == "date_input":
            for item in params["items"]:
                if item.get("error"):
                    return item["id"]
            return f"{self.govuk_id}-day"
        return self.govuk_id

    def _options(self) -> dict[str, Any]:
        return dict(getattr(self.form, "govuk_options", {}).get(self.name, {}))

    @cached_property
    def govuk(self) -> dict[str, Any]:
        options = self._options()
        widget = self.field.widget
        ident = self.govuk_id
        page_heading = options.pop("page_heading", False)
        label_classes = options.pop("label_classes", "govuk-label--l" if page_heading else "")
        params: dict[str, Any] = {
            "id": ident,
            "idPrefix": ident,
            "name": self.html_name,
            "hint": {"text": self.help_text} if self.help_text else None,
            "errorMessage": {"text": " ".join(str(e) for e in self.errors)}
            if self.errors
            else None,
            "attributes": {},
        }
        label = {"text": _text(self.label), "classes": label_classes, "isPageHeading": page_heading}
        legend_classes = options.pop(
            "legend_classes",
            "govuk-fieldset__legend--l" if page_heading else "govuk-fieldset__legend--m",
        )
        legend = {
            "text": _text(self.label),
            "classes": legend_classes,
            "isPageHeading": page_heading,
        }
        value = self.value()
        item_hints = options.pop("item_hints", {})

        if isinstance(widget, GovukDateWidget):
            values = widget.decompress(value) if not isinstance(value, list | tuple) else value
            values = [_text(v) for v in values]
            wrong: list[str] = []
            if self.errors and isinstance(self.field, GovukDateField):
                problem = date_problem(
                    values, words=self.field.words, past_only=self.field.past_only
                )
                wrong = problem[1] if problem else list(DATE_PARTS)
            params.update(
                component="date_input",
                fieldset={"legend": legend},
                items=[
                    {
                        "id": f"{ident}-{part}",
                        "name": part,
                        "label": part.capitalize(),
                        "value": values[i],
                        "error": part in wrong,
                        "classes": "govuk-input--width-4"
                        if part == "year"
                        else "govuk-input--width-2",
                    }
                    for i, part in enumerate(DATE_PARTS)
                ],
                namePrefix=self.html_name,
                anyItemHasError=bool(wrong),
            )
        elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            multiple = isinstance(widget, forms.CheckboxSelectMultiple)
            chosen = (
                [_text(v) for v in value] if isinstance(value, list | tuple) else [_text(value)]
            )
            items = []
            for choice_value, choice_label in self.field.choices:
                if choice_value in ("", None):
                    continue
                key = _text(choice_value)
                hint = item_hints.get(key)
                items.append(
                    {
                        "value": key,
                        "text": _text(choice_label),
                        "checked": key in chosen,
                        "hint": {"text": hint} if hint else None,
                    }
                )
            params.update(
                component="checkboxes" if multiple else "radios",
                fieldset={"legend": legend},
                items=items,
                values=chosen,
            )
        elif isinstance(widget, forms.CheckboxInput):
            params.update(
                component="checkboxes",
                items=[{"value": "true", "text": _text(self.label), "checked": bool(value)}],
                values=[],
            )
        elif isinstance(widget, forms.Select):
            chosen_value = _text(value)
            params.update(
                component="select",
                label=label,
                items=[
                    {"value": _text(v), "text": _text(t), "selected": _text(v) == chosen_value}
                    for v, t in self.field.choices
                ],
            )
        elif isinstance(widget, forms.Textarea):
            params.update(
                component="textarea",
                label=label,
                value=_text(value),
                rows=widget.attrs.get("rows", 5),
            )
        else:
            input_type = getattr(widget, "input_type", "text") or "text"
            params.update(
                component="input",
                label=label,
                type=input_type,
                value="" if input_type == "password" else _text(value),
                classes=widget.attrs.get("class", ""),
            )
            if input_type == "number":
                params.update(type="text", inputmode="numeric")
        if isinstance(widget, forms.widgets.Input | forms.Textarea) and not isinstance(
            widget, forms.CheckboxInput
        ):
            for key in ("autocomplete", "spellcheck", "maxlength"):
                if key in widget.attrs:
                    params["attributes"][key] = widget.attrs[key]
        params.update(options)
        return params


# ---------------------------------------------------------------- forms and the renderer


class GovukFormMixin:
    """``{{ field }}`` renders the whole GOV.UK form group; ``govuk_options`` tunes fields."""

    govuk_field_str = True
    govuk_options: dict[str, dict[str, Any]] = {}
    bound_field_class = GovukBoundField

    def error_list(self) -> list[dict[str, str]]:
        """The error summary's items: each message linked to its field."""
        items: list[dict[str, str]] = []
        form: Any = self
        first = next(iter(form.visible_fields()), None)
        for error in form.non_field_errors():
            anchor = first.error_anchor if first is not None else ""
            items.append({"text": str(error), "href": f"#{anchor}"})
        for field in form.visible_fields():
            for error in field.errors:
                items.append({"text": str(error), "href": f"#{field.error_anchor}"})
        return items


class GovukForm(GovukFormMixin, forms.Form):
    pass


def error_list(form: forms.BaseForm) -> list[dict[str, str]]:
    """The error summary's items for any form rendered by :class:`GovukFormRenderer`."""
    return GovukFormMixin.error_list(form)  # type: ignore[arg-type]


class GovukFormRenderer(DjangoTemplates):
    """Django's template renderer, finding our templates first, with GOV.UK form and field
    templates. Widgets and error lists keep Django's own templates, so the administration
    site is unchanged."""

    form_template_name = FORM_TEMPLATE
    field_template_name = FIELD_TEMPLATE
    bound_field_class = GovukBoundField

    @cached_property
    def engine(self) -> Any:
        ours = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [*ours, Path(django.forms.__file__).parent / "templates"],
                "NAME": "govukforms",
                "OPTIONS": {},
            }
        )


def render_error_summary(form: forms.BaseForm) -> SafeString:
    from django.template.loader import render_to_string

    return SafeString(render_to_string(ERROR_SUMMARY_TEMPLATE, {"form": form}))
