"""`{{ form }}` renders GOV.UK markup; the GOV.UK date field's plain-English errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django import forms
from django.template import Context, Template

from escalate import clock
from escalate.core.forms import GovukDateField, GovukForm, render_error_summary


@pytest.fixture(autouse=True)
def today() -> Iterator[dt.date]:
    clock.freeze(dt.date(2026, 12, 23))
    yield dt.date(2026, 12, 23)
    clock.unfreeze()


class ConcernForm(GovukForm):
    name = forms.CharField(label="Name", help_text="Their full name")
    kind = forms.ChoiceField(
        label="Who is at risk?",
        choices=[("adult", "An adult"), ("child", "A child")],
        widget=forms.RadioSelect,
    )
    arose = GovukDateField(
        label="When did it arise?", words="the date the concern arose", past_only=True
    )


class PlainForm(forms.Form):
    email = forms.EmailField(label="Email address")


def date(day: str, month: str, year: str) -> dict[str, str]:
    return {"arose-day": day, "arose-month": month, "arose-year": year}


@pytest.mark.parametrize(
    ("typed", "message", "highlighted"),
    [
        (("", "", ""), "Enter the date the concern arose", ["day", "month", "year"]),
        (("3", "", "2026"), "The date the concern arose must include a month", ["month"]),
        (
            ("", "", "2026"),
            "The date the concern arose must include a day and a month",
            ["day", "month"],
        ),
        (("31", "2", "2026"), "The date the concern arose must be a real date", ["day"]),
        (("1", "13", "2026"), "The date the concern arose must be a real date", ["month"]),
        (("x", "1", "2026"), "The date the concern arose must be a real date", ["day"]),
        (
            ("24", "12", "2026"),
            "The date the concern arose must be today or in the past",
            ["day", "month", "year"],
        ),
    ],
)
def test_the_date_field_explains_what_is_wrong_and_highlights_those_parts(
    typed: tuple[str, str, str], message: str, highlighted: list[str]
) -> None:
    form = ConcernForm({"name": "A", "kind": "adult", **date(*typed)})
    assert not form.is_valid()
    assert form.errors["arose"] == [message]
    html = str(form["arose"])
    for part in ("day", "month", "year"):
        marked = (
            "govuk-input--error" in html.split(f'id="id_arose-{part}"')[0].rsplit("<input", 1)[1]
        )
        assert marked == (part in highlighted), part
    assert f"#id_arose-{highlighted[0]}" in render_error_summary(form)


def test_a_real_past_date_is_accepted_and_shown_again_as_day_month_year() -> None:
    form = ConcernForm({"name": "A", "kind": "adult", **date("23", "12", "2026")})
    assert form.is_valid()
    assert form.cleaned_data["arose"] == dt.date(2026, 12, 23)
    again = str(ConcernForm(initial={"arose": dt.date(2026, 1, 5)})["arose"])
    assert 'name="arose-day" type="text" value="5"' in again
    assert 'name="arose-month" type="text" value="1"' in again


def test_form_renders_labels_hints_errors_and_keeps_what_was_typed() -> None:
    form = ConcernForm({"name": "Alex", **date("3", "", "2026")})
    form.is_valid()
    html = Template("{{ form }}").render(Context({"form": form}))
    assert '<label class="govuk-label" for="id_name">Name</label>' in html
    assert '<div id="id_name-hint" class="govuk-hint">Their full name</div>' in html
    assert 'value="Alex"' in html and 'aria-describedby="id_name-hint"' in html
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Who is at risk?</legend>'
        in html
    )
    assert 'id="id_kind-error"' in html and "govuk-form-group--error" in html
    assert 'role="group"' in html  # the date input's fieldset


def test_the_error_summary_links_each_message_to_its_field() -> None:
    form = ConcernForm({"name": "", "kind": "", **date("", "", "")})
    form.is_valid()
    summary = str(render_error_summary(form))
    assert 'href="#id_name"' in summary
    assert 'href="#id_kind"' in summary  # the first radio has the field's own id
    assert 'href="#id_arose-day"' in summary
    assert "There is a problem" in summary


def test_any_django_form_gets_govuk_markup_from_the_renderer() -> None:
    form = PlainForm({"email": "nope"})
    form.is_valid()
    html = str(form)
    assert 'class="govuk-input govuk-input--error"' in html and 'type="email"' in html
    assert '<span class="govuk-visually-hidden">Error:</span>' in html
    # Widgets alone keep Django's own markup (the administration site relies on it).
    assert str(form["email"]).startswith("<input") and "govuk" not in str(form["email"])
