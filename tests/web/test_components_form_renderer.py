"""`{{ form }}` renders GOV.UK markup; the GOV.UK date field's plain-English errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django import forms
from django.template import Context, Template

from escalate import clock
from escalate.govuk.forms import GovukDateField, GovukForm, GovukTextField, render_error_summary


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


# ---------------------------------------------------------------- one GOV.UK path


class SmallForm(GovukForm):
    govuk_defaults = {"label_classes": "govuk-label--s", "empty_hint": "Nothing to choose."}
    govuk_options = {"title": {"label_classes": "govuk-label--l"}}
    govuk_error_anchor = "the-form"

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=10, required=False)
    note = GovukTextField(label="Note", words="the note", max_length=10, required=False)
    pick = forms.ChoiceField(label="Pick one", widget=forms.RadioSelect, choices=[])


class NothingToAskForm(GovukForm):
    govuk_error_anchor = "the-form"

    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict:
        raise forms.ValidationError("This case changed.")


def test_a_hidden_field_is_drawn_as_its_input_alone() -> None:
    html = str(SmallForm(initial={"version": 3})["version"])
    assert html == '<input type="hidden" name="version" value="3" id="id_version">'


def test_options_for_every_field_apply_unless_a_field_says_otherwise() -> None:
    form = SmallForm()
    assert '<label class="govuk-label govuk-label--s" for="id_note">Note</label>' in str(
        form["note"]
    )
    assert '<label class="govuk-label govuk-label--l" for="id_title">' in str(form["title"])


def test_radios_with_nothing_to_choose_say_so() -> None:
    html = str(SmallForm()["pick"])
    assert '<div id="id_pick-hint" class="govuk-hint">Nothing to choose.</div>' in html


def test_a_text_limit_is_said_in_a_message_never_cut_short_by_the_browser() -> None:
    form = SmallForm({"version": "1", "note": "x" * 11, "pick": ""})
    form.is_valid()
    assert form.errors["note"] == ["The note must be 10 characters or fewer"]
    html = str(form["note"]) + str(form["title"])
    assert "maxlength" not in html and 'value="' + "x" * 11 + '"' in html


def test_the_forms_own_errors_link_to_its_anchor_when_it_shows_no_field() -> None:
    form = NothingToAskForm({"version": "1"})
    assert not form.is_valid()
    summary = str(render_error_summary(form))
    assert '<a href="#the-form">This case changed.</a>' in summary
    assert 'class="govuk-error-summary"' in summary


def test_the_error_summary_is_the_component_and_takes_an_anchor() -> None:
    form = PlainForm({"email": ""})
    form.is_valid()
    form.add_error(None, "Enter the email address and password")
    html = Template(
        '{% include "govuk/error_summary.html" with form=form anchor="id_password" %}'
    ).render(Context({"form": form}))
    assert '<a href="#id_password">Enter the email address and password</a>' in html
    assert '<a href="#id_email">This field is required.</a>' in html
    unsent = Template('{% include "govuk/error_summary.html" with form=form %}')
    assert "govuk-error-summary" not in unsent.render(Context({"form": PlainForm()}))


def test_one_field_is_drawn_with_options_for_this_once() -> None:
    class SignIn(forms.Form):
        username = forms.CharField(label="Email address")
        password = forms.CharField(label="Password", widget=forms.PasswordInput)

    form = SignIn({"username": "alex@example.org", "password": "secret"})
    form.is_valid()
    html = Template(
        "{% load govuk %}"
        '{% govuk_field form.username type="email" autocomplete="username" spellcheck=False '
        "errors=problems %}{% govuk_field form.password %}"
    ).render(Context({"form": form, "problems": ["Enter the email address and password"]}))
    assert 'type="email"' in html and 'autocomplete="username"' in html
    assert 'spellcheck="false"' in html and 'value="alex@example.org"' in html
    assert 'aria-describedby="id_username-error"' in html
    assert "Enter the email address and password" in html
    assert 'type="password"' in html and "secret" not in html


def test_a_help_text_that_is_html_is_shown_as_html() -> None:
    from django.utils.html import format_html

    class Password(forms.Form):
        new = forms.CharField(
            label="New password", help_text=format_html("<ul><li>{}</li></ul>", "8+")
        )

    html = str(Password()["new"].as_field_group())
    assert '<div id="id_new-hint" class="govuk-hint"><ul><li>8+</li></ul></div>' in html


def test_today_for_past_only_dates_is_the_configured_clock(settings) -> None:
    # The suite's settings name Escalate's clock (frozen on 23 December 2026 here).
    assert settings.GOVUK_TODAY == "escalate.clock.today"
    assert ConcernForm({"name": "A", "kind": "adult", **date("23", "12", "2026")}).is_valid()
    clock.freeze(dt.date(2026, 12, 22))
    assert not ConcernForm({"name": "A", "kind": "adult", **date("23", "12", "2026")}).is_valid()
    del settings.GOVUK_TODAY  # unset: the local date, which is not 2099
    assert not ConcernForm({"name": "A", "kind": "adult", **date("1", "1", "2099")}).is_valid()


def test_the_govuk_package_imports_nothing_of_escalates() -> None:
    import ast
    from pathlib import Path

    import escalate.govuk

    ours = []
    for path in Path(escalate.govuk.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] == "escalate" and not name.startswith("escalate.govuk"):
                    ours.append(f"{path.name}: {name}")
    assert ours == []


def test_the_case_action_forms_are_drawn_by_the_govuk_package() -> None:
    from escalate.cases import case_forms

    nothing = case_forms.AcknowledgeForm({"version": "1"})
    nothing.is_valid()
    nothing.add_error(None, "Someone else changed the case.")
    assert '<a href="#action-form">Someone else changed the case.</a>' in str(
        render_error_summary(nothing)
    )
    record = case_forms.RecordContactForm({"version": "1", "occurred_on-month": "13"})
    record.is_valid()
    assert isinstance(record.fields["occurred_on"], GovukDateField)
    html = str(record["occurred_on"])
    assert "govuk-fieldset__legend--s" in html and 'id="id_occurred_on-month"' in html
    assert 'href="#id_occurred_on-day"' in str(render_error_summary(record))
