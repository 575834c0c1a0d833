"""A partnership's procedure, explained in full so nobody needs the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from escalate import clock
from escalate.govuk.pagination import page_of
from escalate.partnerships import authoring, permissions, selectors, versions
from escalate.partnerships.models import Partnership, RoleChange
from escalate.partnerships.version_records import when_words
from escalate.procedures import cli_show
from escalate.procedures.base import listed
from escalate.procedures.model import (
    DUTY_RECIPIENTS,
    CaseForm,
    Procedure,
    Recipient,
    Stage,
    Timescale,
)
from escalate.procedures.timescales import sentence
from escalate.procedures.words import in_sentence, recipients_words


def timescale_words(t: Timescale | None, *, what: str) -> str:
    """A timescale in plain words: "Start within 1 working day of the concern arising"."""
    return sentence(t, what=what) if t else ""


def form_words(form: CaseForm, procedure: Procedure, *, when: str) -> str:
    """What the procedure page says of a form before what it asks for: "From this stage
    on, the case has a form to complete, to send to the conference chair. When it is
    submitted, Escalate tells the partnership liaison officer." (roles by the
    procedure's own names)."""
    said = when + (f", to send to {in_sentence(form.submit_to)}" if form.submit_to else "")
    told = recipients_words(form.notify, procedure.role_names)
    return f"{said}." + (f" When it is submitted, Escalate tells {told}." if told else "")


@dataclass(frozen=True)
class StageExplained:
    stage: Stage
    who_acts: str
    group: str  # "Informal (stages 1 and 2)", or "" when the procedure groups none
    timescales: list[str]
    on_resolved: list[str]
    on_unresolved: str
    form: str  # what the page says of the stage's form, or "" when it has none
    #: Who answers for which move, and who hears it for whom ("Who may escalate it").
    roles: list[tuple[str, str]]
    told: list[str]  # who is told when it starts, of every decision, by its owner
    notice: str  # the notice to give before escalating, or ""
    panel_told: str  # who Escalate tells of a referral to its panel, or ""


#: When each kind of form is to be completed, as the procedure page says it.
STAGE_FORM_WHEN = "From this stage on, the case has a form to complete"
OUTCOME_FORM_WHEN = "Once a case has been resolved, at whichever stage, it has a form to complete"


def explain(procedure: Procedure) -> list[StageExplained]:
    names = procedure.role_names

    def who(recipients: tuple[Recipient, ...]) -> str:
        return recipients_words(recipients, names)

    explained = []
    for stage in procedure.stages:
        timescales = [
            timescale_words(stage.start_by, what="Start"),
            timescale_words(stage.conclude_by, what="Resolve or escalate"),
            *(d.sentence for d in stage.other_deadlines),
        ]
        timescales = [t for t in timescales if t]
        resolved = []
        for duty in stage.on_resolved:
            told = duty.notify or (
                (DUTY_RECIPIENTS[duty.kind],) if duty.kind in DUTY_RECIPIENTS else ()
            )
            resolved.append(duty.text + (f" (Escalate tells {who(told)}.)" if told else ""))
        unresolved = ""
        if stage.on_unresolved is not None:
            unresolved = stage.on_unresolved.text
            if stage.on_unresolved.notify:
                unresolved += f" (Escalate tells {who(stage.on_unresolved.notify)}.)"
        explained.append(
            StageExplained(
                stage=stage,
                who_acts=listed([procedure.role_label(r) for r in stage.roles]),
                group=group.words if (group := procedure.group_of(stage.number)) else "",
                timescales=timescales,
                on_resolved=resolved,
                on_unresolved=unresolved,
                form=form_words(stage.form, procedure, when=STAGE_FORM_WHEN) if stage.form else "",
                roles=cli_show.stage_roles(procedure, stage),
                told=cli_show.stage_told(procedure, stage),
                notice=cli_show.NOTICE_BEFORE_ESCALATION if stage.notice_before_escalation else "",
                panel_told=cli_show.panel_told(procedure, stage),
            )
        )
    return explained


# ---------------------------------------------------------------- the flowchart


BOX_WIDTH = 460
BOX_HEIGHT = 120
GAP = 70
LEFT = 20
EXIT_X = LEFT + BOX_WIDTH + 60


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def flowchart(procedure: Procedure, explained: list[StageExplained]) -> dict[str, Any]:
    """Boxes for the stages, top to bottom, joined by "not resolved" arrows, each with a
    "resolved" exit to the right. Coordinates for the template's SVG."""
    boxes = []
    for i, e in enumerate(explained):
        y = 20 + i * (BOX_HEIGHT + GAP)
        timing = e.timescales[-1] if e.timescales else "No fixed timescale."
        boxes.append(
            {
                "number": e.stage.number,
                "x": LEFT,
                "y": y,
                "title_lines": _wrap(f"Stage {e.stage.number}: {e.stage.title}", 48)[:2],
                "timing_lines": _wrap(timing, 62)[:2],
                "mid_y": y + BOX_HEIGHT // 2,
                "bottom": y + BOX_HEIGHT,
                "next_top": y + BOX_HEIGHT + GAP,
                "arrow_label_y": y + BOX_HEIGHT + GAP // 2 + 5,
                "last": i == len(explained) - 1,
                "panel": e.stage.panel.name if e.stage.panel else "",
            }
        )
    height = 20 + len(explained) * (BOX_HEIGHT + GAP)
    return {
        "boxes": boxes,
        "width": EXIT_X + 150,
        "height": height,
        "box_width": BOX_WIDTH,
        "box_height": BOX_HEIGHT,
        "exit_x": EXIT_X,
        "centre_x": LEFT + BOX_WIDTH // 2,
        "right": LEFT + BOX_WIDTH,
    }


# ---------------------------------------------------------------- the page


def procedure_context(procedure: Procedure) -> dict[str, Any]:
    """What the procedure's stage-by-stage explanation and flowchart draw from (the
    procedure page, a version's page and a draft's preview)."""
    explained = explain(procedure)
    return {
        "procedure": procedure,
        "stages": explained,
        "chart": flowchart(procedure, explained),
        "any_timescale": any(e.timescales for e in explained),
        "guidance": [p.strip() for p in procedure.guidance.split("\n\n") if p.strip()],
        "skip_rules": cli_show.skip_rules(procedure, procedure.expedite),
        "immediate_risk_told": cli_show.immediate_risk_told(procedure),
        "routes": [cli_show.route_words(r, procedure.role_names) for r in procedure.routes],
        "policy_issues": cli_show.policy_issues_words(procedure),
        "email_label": cli_show.email_label_words(procedure),
        "outcome_form": (
            form_words(procedure.outcome_form, procedure, when=OUTCOME_FORM_WHEN)
            if procedure.outcome_form
            else ""
        ),
    }


@require_safe
@login_required
def procedure_page(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = get_object_or_404(Partnership, slug=slug)
    person: Any = request.user
    if not permissions.sees_procedure(person, partnership):
        raise PermissionDenied
    standing = authoring.standing(partnership, clock.today())
    return render(
        request,
        "partnerships/procedure.html",
        {
            "partnership": partnership,
            **procedure_context(versions.procedure_of_version(standing.current)),
            "shown": standing.current,
            "scheduled": standing.scheduled,
            "sees_role_history": permissions.sees_role_history(person, partnership),
            "authors": permissions.may_author_procedure(person, partnership),
        },
    )


# ---------------------------------------------------------------- who was given which role

ROLE_CHANGES_PER_PAGE = 50


@require_safe
@login_required
def role_history_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Every role given and taken away in the partnership and its member agencies: for
    the business unit, the partnership's administrators and superusers."""
    partnership = get_object_or_404(Partnership, slug=slug)
    if not permissions.sees_role_history(request.user, partnership):
        raise PermissionDenied
    page = page_of(
        selectors.role_history(partnership).only(
            "at", "actor_label", "person_label", "change", "role_label", "place_label"
        ),
        request.GET.get("page"),
        ROLE_CHANGES_PER_PAGE,
    )
    rows = [
        [
            {"text": when_words(entry.at)},
            {"text": entry.actor_label},
            {
                "text": "Given" if entry.change == RoleChange.GRANTED else "Taken away",
            },
            {"text": entry.role_label},
            {"text": entry.place_label},
            {"text": entry.person_label},
        ]
        for entry in page
    ]
    return render(
        request,
        "partnerships/role_history.html",
        {
            "partnership": partnership,
            "page": page,
            "head": [
                {"text": "When"},
                {"text": "Changed by"},
                {"text": "Change"},
                {"text": "Role"},
                {"text": "Where"},
                {"text": "Person"},
            ],
            "rows": rows,
        },
    )
