"""The GOV.UK form renderer never fails on data that is not text: numbers, None, lists of
the wrong length, dates where text was expected (as a session or a caller may hold
them), in the data, the initial values, labels, hints and messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.utils.datastructures import MultiValueDict

from escalate.govuk.dates import GovukDateField, parse_date
from escalate.govuk.forms import GovukForm, GovukTextField
from escalate.govuk.text import has_unusual_characters, printable, tidy


class EveryKind(GovukForm):
    govuk_options = {"choice": {"item_hints": {"1": 5}}}

    text = GovukTextField(label=1, help_text=2, max_length=5, words="the text", required=False)
    long = GovukTextField(label="Long", widget=forms.Textarea, required=False)
    email = forms.EmailField(label="Email", required=False)
    day = GovukDateField(label="Day", words="the date", past_only=True, required=False)
    choice = forms.ChoiceField(
        label="Choice", choices=[(1, 1), (2, 2)], widget=forms.RadioSelect, required=False
    )
    many = forms.MultipleChoiceField(
        label="Many", choices=[(1, 1), (2, 2)], widget=forms.CheckboxSelectMultiple, required=False
    )
    pick = forms.ChoiceField(label="Pick", choices=[("", "Choose"), (1, "One")], required=False)
    tick = forms.BooleanField(label="Tick", required=False)
    number = forms.IntegerField(label="Number", required=False)


ODD_VALUES: list[Any] = [
    7,
    1.5,
    True,
    None,
    [],
    [1],
    [None, None],
    [1, 2, 3, 4],
    dt.date(2020, 1, 2),
    {"a": 1},
]


def render_all(form: GovukForm) -> str:
    html = str(form) + "".join(str(field) for field in form)
    form.error_list()
    return html


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_a_form_given_non_text_data_renders_with_errors_not_a_crash(value: Any) -> None:
    names = ["text", "long", "email", "choice", "many", "pick", "tick", "number"]
    data = {name: value for name in names}
    data.update({f"day-{part}": value for part in ("day", "month", "year")})
    wrapped = {k: v if isinstance(v, list) else [v] for k, v in data.items()}
    form = EveryKind(MultiValueDict(wrapped))
    form.is_valid()
    assert "govuk-form-group" in render_all(form)


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_a_form_given_non_text_initial_values_renders(value: Any) -> None:
    names = ["text", "long", "email", "day", "choice", "many", "pick", "tick", "number"]
    form = EveryKind(initial={name: value for name in names})
    assert "govuk-form-group" in render_all(form)


@pytest.mark.parametrize("parts", [[], [1], ["1", "2"], [1, 2, 2020, 9], (None,)], ids=repr)
def test_a_date_of_too_few_or_too_many_parts_renders_three_inputs(parts: list[Any]) -> None:
    html = str(EveryKind(initial={"day": parts})["day"])
    for part in ("day", "month", "year"):
        assert f'name="day-{part}"' in html


def test_numbers_typed_into_a_date_are_read_as_the_digits_they_are() -> None:
    assert parse_date([2, 1, 2020], words="the date") == (dt.date(2020, 1, 2), None)
    assert parse_date({"day": 2, "month": 1, "year": 1}, words="the date")[1] == (
        "Year must include 4 numbers",
        ["year"],
    )


def test_a_year_before_1000_is_shown_as_four_digits() -> None:
    html = str(EveryKind(initial={"day": dt.date(1, 1, 1)})["day"])
    assert 'name="day-year" type="text" value="0001"' in html


def test_a_message_given_as_text_is_shown_as_it_is_written() -> None:
    html = EveryKind()["text"].as_govuk(errors="Enter the text")
    assert "Enter the text" in html and "E n t e r" not in html


def test_a_date_before_the_earliest_is_refused_in_gov_uk_words() -> None:
    field = GovukDateField(words="the date it began", earliest=lambda today: dt.date(2000, 1, 1))
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(["31", "12", "1999"])
    assert refused.value.messages == [
        "The date it began must be the same as or after 1 January 2000"
    ]
    assert field.clean(["1", "1", "2000"]) == dt.date(2000, 1, 1)


def test_text_rules_take_values_that_are_not_text() -> None:
    assert tidy(5) == "5" and tidy(None) == ""
    assert not has_unusual_characters(12)
    assert printable(None) == "" and printable(1.5) == "1.5"
