"""``{% load govuk %}``: GOV.UK markup for forms in page templates.

``{% govuk_error_list form anchor as errors %}`` gives the error summary's items (as
:func:`escalate.govuk.forms.error_list`), for ``components/error_summary.html``;
``{% govuk_field form.email type="email" autocomplete="email" spellcheck=False %}`` draws
one field's form group with options for this once.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString

from escalate.govuk.forms import GovukBoundField, error_list

register = template.Library()


@register.simple_tag
def govuk_error_list(form: forms.BaseForm, anchor: str = "") -> list[dict[str, str]]:
    return error_list(form, anchor=anchor or "")


@register.simple_tag
def govuk_field(field: GovukBoundField, **options: Any) -> SafeString:
    return field.as_govuk(**options)
