"""GOV.UK Design System markup for Django forms.

``FORM_RENDERER = "escalate.govuk.forms.GovukFormRenderer"`` makes ``{{ form }}`` render
each field as a GOV.UK form group (label or legend, hint, error message, the input)
through the component templates in ``templates/components/``. Forms built on
:class:`GovukForm` also render a whole form group for ``{{ field }}``, and can give
options to every field (``govuk_defaults``) or to one (``govuk_options``): a page
heading label, label and legend sizes, input widths, autocomplete, hints on radio items.

``{% include "govuk/error_summary.html" with form=form %}`` is the error summary of any
form, each message linked to the input to fix (:func:`error_list`).

:class:`GovukDateField` (from :mod:`escalate.govuk.dates`) is the one GOV.UK date input.
:class:`GovukTextField` is text typed or pasted in: Word's line and page breaks become
new lines, and NUL bytes and other control characters are refused ("Remove the unusual
characters from the outcome"), as :mod:`escalate.govuk.text` decides.

A text field's limit is said in its error message, never enforced by the browser: no
``maxlength`` attribute, so pasted text is not cut short without a word (GOV.UK Frontend
takes it off the character count's textarea for the same reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import SafeData, SafeString

from escalate.govuk import text as characters
from escalate.govuk.dates import (
    DATE_PARTS,
    GovukDateField,
    GovukDateWidget,
    date_problem,
    parse_date,
)

__all__ = [
    "DATE_PARTS",
    "GovukBoundField",
    "GovukDateField",
    "GovukDateWidget",
    "GovukForm",
    "GovukFormMixin",
    "GovukFormRenderer",
    "GovukTextField",
    "error_list",
    "parse_date",
    "render_error_summary",
]

FORM_TEMPLATE = "govuk/form.html"
FIELD_TEMPLATE = "govuk/field.html"
ERROR_SUMMARY_TEMPLATE = "govuk/error_summary.html"

#: Options that become attributes of the input itself (``spellcheck=False`` and so on).
INPUT_ATTRIBUTES = ("autocomplete", "spellcheck")


# ---------------------------------------------------------------- text


class GovukTextField(forms.CharField):
    """Text typed or pasted in, with messages that name it (``words``: "the outcome").

    Characters are decided on by :mod:`escalate.govuk.text`: other programs' line and
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


def _words(value: Any) -> dict[str, Any]:
    """A hint or message: ``html`` when the text is already safe HTML, else ``text``."""
    return {"html": value} if isinstance(value, SafeData) else {"text": _text(value)}


def _choices(field: forms.Field) -> list[tuple[Any, Any]]:
    """A choice field's choices as (value, label) pairs; a group's choices are its own
    pairs, so a field of groups never breaks the page (none of ours has any)."""
    pairs: list[tuple[Any, Any]] = []
    for value, label in getattr(field, "choices", None) or ():
        if isinstance(label, list | tuple):
            pairs.extend((c[0], c[1]) for c in label if isinstance(c, list | tuple) and len(c) == 2)
        else:
            pairs.append((value, label))
    return pairs


class GovukBoundField(forms.BoundField):
    """A bound field that knows the GOV.UK component and options it renders as."""

    def __str__(self) -> SafeString:
        if getattr(self.form, "govuk_field_str", False) and not self.is_hidden:
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
                    return str(item["id"])
            return f"{self.govuk_id}-day"
        return self.govuk_id

    def _options(self) -> dict[str, Any]:
        form: Any = self.form
        return {
            **getattr(form, "govuk_defaults", {}),
            **getattr(form, "govuk_options", {}).get(self.name, {}),
        }

    def get_context(self) -> dict[str, Any]:
        return {"field": self, "g": self.govuk}

    def as_govuk(self, **options: Any) -> SafeString:
        """The form group with options for this once (``type="email"``,
        ``autocomplete="username"``, ``spellcheck=False``, ``errors=[...]`` shown in place
        of the field's own); options left blank are ignored."""
        given = {k: v for k, v in options.items() if v is not None and v != ""}
        return self.render(context={"field": self, "g": self.govuk_params(**given)})

    @cached_property
    def govuk(self) -> dict[str, Any]:
        return self.govuk_params()

    def govuk_params(self, **extra: Any) -> dict[str, Any]:
        """The component's name and options (the Nunjucks macro's option names)."""
        options = {**self._options(), **extra}
        widget = self.field.widget
        ident = self.govuk_id
        page_heading = options.pop("page_heading", False)
        label_classes = options.pop("label_classes", "govuk-label--l" if page_heading else "")
        errors = options.pop("errors", None) or self.errors
        if isinstance(errors, str):  # one message given as text, not a list of them
            errors = [errors]
        empty_hint = options.pop("empty_hint", "")
        attributes: dict[str, Any] = {}
        params: dict[str, Any] = {
            "id": ident,
            "idPrefix": ident,
            "name": self.html_name,
            "hint": _words(self.help_text) if self.help_text else None,
            "errorMessage": {"text": " ".join(str(e) for e in errors)} if errors else None,
            "attributes": attributes,
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
            typed = list(value) if isinstance(value, list | tuple) else widget.decompress(value)
            # Exactly the three parts, each as text, whatever the data held.
            values = [_text(v) for v in [*typed, "", "", ""][: len(DATE_PARTS)]]
            wrong: list[str] = []
            if errors and isinstance(self.field, GovukDateField):
                problem = date_problem(values, words=self.field.words, **self.field.limits())
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
            for choice_value, choice_label in _choices(self.field):
                if choice_value in ("", None):
                    continue
                key = _text(choice_value)
                hint = item_hints.get(key)
                items.append(
                    {
                        "value": key,
                        "text": _text(choice_label),
                        "checked": key in chosen,
                        "hint": _words(hint) if hint else None,
                    }
                )
            if not items and empty_hint:
                params["hint"] = {"text": f"{_text(self.help_text)} {empty_hint}".strip()}
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
                    for v, t in _choices(self.field)
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
                value=_text(value),
                classes=widget.attrs.get("class", ""),
            )
            if input_type == "number":
                params.update(type="text", inputmode="numeric")
        if isinstance(widget, forms.widgets.Input | forms.Textarea) and not isinstance(
            widget, forms.CheckboxInput
        ):
            for key in INPUT_ATTRIBUTES:
                if key in widget.attrs:
                    attributes[key] = widget.attrs[key]
        for key in INPUT_ATTRIBUTES:
            if key in options:
                chosen_attribute = options.pop(key)
                if isinstance(chosen_attribute, bool):
                    chosen_attribute = "true" if chosen_attribute else "false"
                attributes[key] = chosen_attribute
        params.update(options)
        if params.get("type") == "password":
            params["value"] = ""
        return params


# ---------------------------------------------------------------- forms and the renderer


class GovukFormMixin:
    """``{{ field }}`` renders the whole GOV.UK form group. ``govuk_defaults`` are options
    for every field (e.g. ``{"label_classes": "govuk-label--s"}``), ``govuk_options``
    options for one, by name; ``govuk_error_anchor`` is the id the error summary links
    the form's own errors to when it has no visible field (e.g. the form element's)."""

    govuk_field_str = True
    govuk_defaults: dict[str, Any] = {}
    govuk_options: dict[str, dict[str, Any]] = {}
    govuk_error_anchor = ""
    bound_field_class: type[forms.BoundField] | None = GovukBoundField

    def error_list(self, anchor: str = "") -> list[dict[str, str]]:
        """The error summary's items: each message linked to its field."""
        return error_list(self, anchor=anchor)  # type: ignore[arg-type]


class GovukForm(GovukFormMixin, forms.Form):
    pass


def _anchor(field: forms.BoundField) -> str:
    return getattr(field, "error_anchor", None) or field.id_for_label or field.html_name


def error_list(form: forms.BaseForm, *, anchor: str = "") -> list[dict[str, str]]:
    """The error summary's items for any form: each field's messages link to the input to
    fix; the form's own messages to ``anchor`` if given, else to the first field (or the
    form's ``govuk_error_anchor`` when it shows no field)."""
    visible = form.visible_fields()
    if not anchor:
        anchor = _anchor(visible[0]) if visible else getattr(form, "govuk_error_anchor", "")
    items = [{"text": str(error), "href": f"#{anchor}"} for error in form.non_field_errors()]
    for field in visible:
        for error in field.errors:
            items.append({"text": str(error), "href": f"#{_anchor(field)}"})
    return items


class GovukFormRenderer(DjangoTemplates):
    """Django's template renderer, finding the project's templates first, with GOV.UK form
    and field templates. Widgets and error lists keep Django's own templates, so the
    administration site is unchanged."""

    form_template_name = FORM_TEMPLATE
    field_template_name = FIELD_TEMPLATE
    bound_field_class = GovukBoundField

    @cached_property
    def engine(self) -> Any:
        templates: list[dict[str, Any]] = list(settings.TEMPLATES)
        project = [Path(d) for t in templates for d in t.get("DIRS", [])]
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [*project, Path(django.forms.__file__).parent / "templates"],
                "NAME": "govukforms",
                "OPTIONS": {},
            }
        )


def render_error_summary(form: forms.BaseForm, *, anchor: str = "") -> SafeString:
    """The GOV.UK error summary of ``form`` (empty when it has no errors)."""
    return SafeString(render_to_string(ERROR_SUMMARY_TEMPLATE, {"form": form, "anchor": anchor}))
