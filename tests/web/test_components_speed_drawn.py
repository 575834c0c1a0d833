"""A component's HTML is kept by its name and options (escalate.govuk.templatetags.govuk):
drawn again it is the same HTML, and options drawn differently are never taken for one
another."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.safestring import mark_safe

from escalate.govuk.templatetags import govuk
from escalate.govuk.templatetags.govuk import render_component


@pytest.fixture(autouse=True)
def _nothing_kept() -> None:
    govuk.forget_drawn()


def test_a_component_drawn_again_is_the_same_html() -> None:
    first = render_component("tag", {"text": "Overdue", "classes": "govuk-tag--red"})
    again = render_component("tag", {"text": "Overdue", "classes": "govuk-tag--red"})
    assert again == first
    assert first == '<strong class="govuk-tag govuk-tag--red">Overdue</strong>'
    assert len(govuk._drawn) == 1  # kept once, found the second time


def test_text_and_html_of_the_same_words_are_drawn_apart() -> None:
    plain = render_component("tag", {"text": "<b>x</b>"})
    safe = render_component("tag", {"html": mark_safe("<b>x</b>")})
    as_text = render_component("tag", {"text": mark_safe("<b>x</b>")})
    assert "&lt;b&gt;" in plain
    assert "<b>x</b>" in safe
    assert "<b>x</b>" in as_text  # marked safe: not escaped, and not the plain one's HTML


def test_true_and_one_are_different_options() -> None:
    # True == 1 in Python; drawn, they differ ("True" and "1"), as values and as keys.
    one = render_component("tag", {"text": "A", "attributes": {"data-x": 1}})
    true = render_component("tag", {"text": "A", "attributes": {"data-x": True}})
    assert 'data-x="1"' in one and 'data-x="True"' in true
    by_one = render_component("tag", {"text": "A", "attributes": {1: "x"}})
    by_true = render_component("tag", {"text": "A", "attributes": {True: "x"}})
    assert ' 1="x"' in by_one and ' True="x"' in by_true


def test_a_component_that_may_hold_a_cases_details_is_never_kept() -> None:
    # The person at risk's details are drawn for the page and then forgotten.
    rows = [{"key": {"text": "Name"}, "value": {"text": "Alex Example"}}]
    render_component("summary_list", {"rows": rows})
    render_component("inset_text", {"text": "Alex Example, 12 Any Street"})
    assert not govuk._drawn


def test_nothing_is_kept_while_templates_may_be_edited(settings: object) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    render_component("tag", {"text": "Overdue"})
    assert not govuk._drawn


def test_attributes_are_drawn_in_their_order_each_time() -> None:
    one = render_component("tag", {"text": "A", "attributes": {"data-a": "1", "data-b": "2"}})
    other = render_component("tag", {"text": "A", "attributes": {"data-b": "2", "data-a": "1"}})
    assert 'data-a="1" data-b="2"' in one
    assert 'data-b="2" data-a="1"' in other


def test_options_with_objects_are_drawn_every_time_and_not_kept() -> None:
    class Words:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            return self.text

    words = Words("First")
    assert ">First<" in render_component("tag", {"text": words})
    words.text = "Second"
    assert ">Second<" in render_component("tag", {"text": words})


def test_datetimes_and_floats_are_not_kept() -> None:
    with pytest.raises(govuk._Unkept):
        govuk._frozen({"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
    with pytest.raises(govuk._Unkept):
        govuk._frozen({"n": 0.0})
    assert govuk._frozen({"on": dt.date(2026, 1, 1)})


def test_a_process_keeps_at_most_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(govuk, "KEEP_DRAWN", 3)
    for n in range(10):
        render_component("tag", {"text": f"Tag {n}"})
    assert len(govuk._drawn) == 3


def test_a_long_drawing_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(govuk, "KEEP_LONGEST", 100)
    render_component("tag", {"text": "x" * 200})
    render_component("tag", {"text": "short"})
    assert [key[1] for key in govuk._drawn] == [govuk._frozen({"text": "short"})]
