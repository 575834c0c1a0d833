"""The procedure page says where each form is sent and whom submitting it tells in the
procedure's own words: "to send to the conference chair", "Escalate tells the
partnership liaison officer" (Riverside's names for the chair and the business unit)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

from django.template.loader import render_to_string

from escalate.partnerships import views
from escalate.procedures import library

RIVERSIDE = library.load_file(
    Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"
)


def page_text() -> str:
    html = render_to_string(
        "partnerships/_procedure_stages.html", views.procedure_context(RIVERSIDE)
    )
    return " ".join(unescape(html).split())


def test_a_stage_form_says_where_it_is_sent_mid_sentence_and_who_is_told_by_name() -> None:
    text = page_text()
    assert (
        "From this stage on, the case has a form to complete, to send to the conference "
        "chair. When it is submitted, Escalate tells the conference chair. It asks for:"
    ) in text
    assert (
        "to send to the opposite line manager in the other agency. When it is submitted, "
        "Escalate tells the counterpart in the other agency and both agencies' safeguarding "
        "leads."
    ) in text


def test_the_outcome_form_says_who_is_told_by_the_procedures_names() -> None:
    assert (
        "Once a case has been resolved, at whichever stage, it has a form to complete. When "
        "it is submitted, Escalate tells the partnership liaison officer and both agencies' "
        "safeguarding leads."
    ) in page_text()


def test_whom_a_stage_tells_when_it_resolves_goes_by_the_procedures_names() -> None:
    text = page_text()
    assert "the independent chair" not in text
    assert "the board's business unit" not in text
