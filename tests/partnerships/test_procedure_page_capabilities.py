"""The procedure page says everything ``escalate procedure show`` says of a procedure
in the format's newer words (Riverside, tests/procedures/definitions/riverside.toml):
who may skip stages and who is told at immediate risk, the kinds of case that go
somewhere else, who answers for which move, who hears a stage for whom, who is told at
each stage, the notice before escalating, the label on every email and what happens to
a policy issue. Each in the one wording the command line uses (procedures.cli_show)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from django.template.loader import render_to_string

from escalate.partnerships import views
from escalate.procedures import cli_show, library
from escalate.procedures.model import Procedure, Recipient

RIVERSIDE = library.load_file(
    Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"
)


def page_text(procedure: Procedure = RIVERSIDE) -> str:
    # (The body includes the stages, as the page does.)
    html = render_to_string("partnerships/_procedure_body.html", views.procedure_context(procedure))
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_who_may_skip_stages_and_who_is_told_at_immediate_risk_are_on_the_page() -> None:
    text = page_text()
    rules = cli_show.skip_rules(RIVERSIDE, RIVERSIDE.expedite)
    assert rules and all(rule in text for rule in rules)
    assert "may skip no further than stage 3" in text
    told = cli_show.immediate_risk_told(RIVERSIDE)
    assert told and told in text


def test_each_kind_of_case_that_goes_somewhere_else_is_on_the_page() -> None:
    text = page_text()
    assert "Cases that go somewhere else" in text
    for route in RIVERSIDE.routes:
        assert cli_show.route_words(route, RIVERSIDE.role_names) in text
    assert (
        "The child is looked after by the local authority: the case goes to the named "
        "officer for looked-after children instead of up the stages."
    ) in text


def test_who_answers_for_each_move_and_who_hears_it_for_whom_are_on_the_page() -> None:
    text = page_text()
    shown = [(s, cli_show.stage_roles(RIVERSIDE, s)) for s in RIVERSIDE.stages]
    assert any(roles for _, roles in shown)
    for _, roles in shown:
        for heading, words in roles:
            assert f"{heading} {words}" in text
    assert (
        "Heard by Safeguarding Adults Board resolution panel for a case about an adult; "
        "Children's Partnership executive for a case about a child or a family."
    ) in text


def test_who_is_told_at_each_stage_and_the_notice_before_escalating_are_on_the_page() -> None:
    text = page_text()
    told = [line for s in RIVERSIDE.stages for line in cli_show.stage_told(RIVERSIDE, s)]
    assert told and all(line in text for line in told)
    assert "When the stage starts: the conference chair." in text
    assert any(s.notice_before_escalation for s in RIVERSIDE.stages)
    assert f"Before escalating {cli_show.NOTICE_BEFORE_ESCALATION}" in text


def test_the_email_label_and_policy_issues_are_on_the_page() -> None:
    text = page_text()
    assert (
        "Every email Escalate sends about a case carries the label OFFICIAL-SENSITIVE in its "
        "subject."
    ) in text
    assert f"Policy issues {cli_show.policy_issues_words(RIVERSIDE)}" in text
    assert (
        "Escalate tells the conference chair and the partnership liaison officer; the "
        "partnership liaison officer keeps the list of them."
    ) in text


def test_who_is_told_of_a_referral_to_a_panel_is_said_in_the_boards_own_names() -> None:
    seed = library.get("hammersmith-fulham-sab")
    stage = next(s for s in seed.stages if s.panel is not None)
    assert stage.panel is not None and not stage.panel.notify  # (no seed's panel tells anyone)
    panel = stage.panel.model_copy(update={"notify": (Recipient.BUSINESS_UNIT,)})
    stages = tuple(s.model_copy(update={"panel": panel}) if s is stage else s for s in seed.stages)
    named = seed.model_copy(update={"stages": stages, "role_names": RIVERSIDE.role_names})
    sentence = cli_show.panel_told(named, stages[stage.number - 1])
    assert sentence == "Escalate tells the partnership liaison officer of a referral to it."
    assert sentence in page_text(named)
    assert sentence in " ".join(cli_show.describe(named).split())
    assert cli_show.panel_told(seed, stage) == ""


def test_a_procedure_without_these_says_none_of_them() -> None:
    text = page_text(library.get("cheshire-east-sab"))
    for absent in ("Cases that go somewhere else", "Before escalating", "carries the label"):
        assert absent not in text
