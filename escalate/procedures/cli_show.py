"""``escalate procedure show``: a procedure as readable text, stage by stage, saying
everything its definition says, in the words the procedure page uses (each timescale
through :func:`~escalate.procedures.timescales.sentence`, roles by the procedure's own
names). Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import textwrap

from escalate.procedures.base import listed
from escalate.procedures.forms import CaseForm
from escalate.procedures.model import (
    Expedite,
    Procedure,
    Protects,
    Recipient,
    Role,
    Route,
    Stage,
)
from escalate.procedures.naming import RoleNames
from escalate.procedures.skips import role_words
from escalate.procedures.timescales import sentence
from escalate.procedures.words import in_sentence, recipients_words, the

_WIDTH = 88
_WRAP = textwrap.TextWrapper(
    width=_WIDTH, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
)
_BULLET = textwrap.TextWrapper(
    width=_WIDTH, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False
)

#: Whom a procedure protects, in words.
PROTECTS_WORDS = {
    Protects.ADULTS: "adults",
    Protects.CHILDREN: "children",
    Protects.BOTH: "adults and children",
}


def who(recipients: tuple[Recipient, ...], names: RoleNames | None = None) -> str:
    """Recipients in words: "both agencies' safeguarding leads and the business unit"
    (the chair and the business unit by the procedure's names for them, ``names``)."""
    return recipients_words(recipients, names)


def _roles(procedure: Procedure, roles: tuple[Role, ...]) -> str:
    """Roles by the procedure's own names ("Head of service"), as the page lists them."""
    return ", ".join(procedure.role_label(r) for r in roles)


def _ended(text: str) -> str:
    """``text`` ending in one full stop (not after a question's own mark)."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _told(recipients: tuple[Recipient, ...], names: RoleNames | None = None) -> str:
    return f" (Escalate tells {who(recipients, names)}.)" if recipients else ""


# ---------------------------------------------------------------- the procedure's own


def _heading(procedure: Procedure) -> list[str]:
    source = procedure.source
    lines = [
        procedure.name,
        "=" * len(procedure.name),
        f"{procedure.partnership}. Protects: {PROTECTS_WORDS[procedure.protects]}. "
        f"Version {procedure.version}, effective {procedure.effective:%d %B %Y}"
        + (f", review by {procedure.review:%d %B %Y}" if procedure.review else "")
        + ".",
        f"Working days: {procedure.region.value} bank holidays.",
        f"Source document: {source.title} ({source.publisher}). Date of the document: "
        f"{source.dated_words}.",
    ]
    if procedure.email_subject_label:
        lines.append(f"Email subjects: {email_label_words(procedure)}")
    return [*lines, ""]


def email_label_words(procedure: Procedure) -> str:
    """What the label on every email is, as a sentence (empty: there is none)."""
    label = procedure.email_subject_label
    if not label:
        return ""
    return f"Every email Escalate sends about a case carries the label {label} in its subject."


def panel_told(procedure: Procedure, stage: Stage) -> str:
    """Who Escalate tells of a referral to ``stage``'s panel, as a sentence in the
    procedure's own names for roles (empty: no panel, or nobody)."""
    panel = stage.panel
    if panel is None or not panel.notify:
        return ""
    return f"Escalate tells {who(panel.notify, procedure.role_names)} of a referral to it."


def _naming(procedure: Procedure) -> list[str]:
    lines: list[str] = []
    names = procedure.role_names.given()
    if names:
        lines.append("What this procedure calls roles")
        lines += [_BULLET.fill(f"{role.label}: {name}") for role, name in names.items()]
        lines.append("")
    if procedure.stage_groups:
        lines.append("Stage groups")
        lines += [_BULLET.fill(g.words) for g in procedure.stage_groups]
        lines.append("")
    return lines


def _immediate_risk(procedure: Procedure) -> list[str]:
    expedite = procedure.expedite
    lines = ["If someone is at immediate risk", _WRAP.fill(expedite.prompt_words)]
    if expedite.guidance:
        lines.append(_WRAP.fill(expedite.guidance))
    lines.append(
        _WRAP.fill(
            "The case may start at, or move straight to, the most relevant later stage."
            if expedite.allowed
            else "Every case still starts at stage 1."
        )
    )
    lines += [_WRAP.fill(s) for s in skip_rules(procedure, expedite)]
    told = immediate_risk_told(procedure)
    if told:
        lines.append(_WRAP.fill(told))
    return [*lines, ""]


def immediate_risk_told(procedure: Procedure) -> str:
    """Who is told the moment a case is marked as at immediate risk, in a sentence ("":
    nobody beyond the usual)."""
    if not procedure.expedite.notify:
        return ""
    return (
        f"Escalate tells {who(procedure.expedite.notify, procedure.role_names)} the moment a "
        "case is marked as at immediate risk (raised as such, or expedited)."
    )


#: What a stage's ``notice_before_escalation`` means, in words.
NOTICE_BEFORE_ESCALATION = (
    "The escalating agency must first tell the other organisation that it intends to "
    "escalate, and record that notice on the case: Escalate does not let the stage be "
    "escalated until it is recorded."
)


def policy_issues_words(procedure: Procedure) -> str:
    """What happens to a policy issue flagged on a case, in a sentence."""
    names = procedure.role_names
    told = who((*procedure.policy_issues.notify, Recipient.BUSINESS_UNIT), names)
    return (
        "A gap in policy or procedure that a case shows up can be flagged at any stage: "
        f"Escalate tells {told}; {who((Recipient.BUSINESS_UNIT,), names)} keeps the list "
        "of them."
    )


def skip_rules(procedure: Procedure, expedite: Expedite) -> list[str]:
    """Who may skip stages, how far and after consulting whom, in sentences."""
    if not expedite.allowed:
        return []
    rules = []
    if expedite.skip_roles:
        named = listed([role_words(procedure, r) for r in expedite.skip_roles], "or")
        rules.append(f"Only {named} may skip stages.")
    else:
        rules.append("Whoever may escalate a stage may skip stages from it.")
    if expedite.skip_up_to is not None:
        rules.append(f"A case may skip no further than stage {expedite.skip_up_to}.")
    needed = expedite.skip_needs_consultation
    if needed is not None:
        rules.append(
            f"Before skipping, they must consult {role_words(procedure, needed)} and record "
            "the consultation on the case."
        )
    return rules


def route_words(route: Route, names: RoleNames | None = None) -> str:
    """A kind of case that goes somewhere else, in words."""
    if route.instead_of_ladder:
        words = f"{route.label}: the case goes to {the(route.go_to)} instead of up the stages."
    else:
        words = (
            f"{route.label}: the case goes to {the(route.go_to)} as well; the stages run as usual."
        )
    if route.how:
        words += f" {route.how}"
    if route.instead_of_ladder:
        words += (
            " It is never escalated or expedited: record what they decide, then resolve or "
            "withdraw it at its stage."
        )
    if route.applies_to is not None:
        words += f" Only for cases about {route.applies_to.value}."
    if route.notify:
        words += f" Escalate tells {who(route.notify, names)} when such a case is raised."
    return words


def _routes(procedure: Procedure) -> list[str]:
    if not procedure.routes:
        return []
    lines = [
        "Cases that go somewhere else",
        _WRAP.fill("The person raising a case ticks each of these that applies."),
    ]
    lines += [_BULLET.fill(route_words(r, procedure.role_names)) for r in procedure.routes]
    return [*lines, ""]


# ---------------------------------------------------------------- each stage


def _deadline_sentences(procedure: Procedure, stage: Stage) -> list[str]:
    found = []
    if stage.start_by:
        found.append(sentence(stage.start_by, what="Start"))
    if stage.conclude_by:
        found.append(sentence(stage.conclude_by, what="Resolve or escalate"))
    for d in stage.other_deadlines:
        by = f" (Who: {procedure.role_label(d.role)}.)" if d.role else ""
        found.append(d.sentence + by)
    return found


def stage_roles(procedure: Procedure, stage: Stage) -> list[tuple[str, str]]:
    """Who answers for which of a stage's moves, where the definition says (each a
    heading and its words: "Who may escalate it", "Head of service"), and who hears it
    for whom in a joint procedure."""
    found = []
    if stage.owner_roles:
        found.append(("Accountable", _roles(procedure, stage.owner_roles)))
    if stage.escalate_roles:
        found.append(("Who may escalate it", _roles(procedure, stage.escalate_roles)))
    if stage.resolve_roles:
        found.append(("Who records its outcome", _roles(procedure, stage.resolve_roles)))
    forum = stage.forum_for
    if forum is not None:
        found.append(
            (
                "Heard by",
                f"{forum.adults} for a case about an adult; {forum.children} for a case "
                "about a child or a family.",
            )
        )
    return found


def _who_acts(procedure: Procedure, stage: Stage) -> list[str]:
    lines = []
    group = procedure.group_of(stage.number)
    if group is not None:
        lines.append(f"  Part of: {group.words}")
    lines.append(f"  Who acts: {_roles(procedure, stage.roles)}")
    for heading, words in stage_roles(procedure, stage):
        line = f"  {heading}: {words}"
        lines.append(line if heading != "Heard by" else _WRAP.fill(f"{heading}: {words}"))
    return lines


def _stage_lines(procedure: Procedure, stage: Stage) -> list[str]:
    """A stage's timescales and who is told of what, for ``procedure show``."""
    lines: list[str] = []
    timescales = _deadline_sentences(procedure, stage)
    if timescales:
        # One line each, unwrapped, so each can be searched for whole.
        lines.append("  Timescales:")
        lines += [f"  - {t}" for t in timescales]
    else:
        lines.append("  Timescale: none fixed; resolve it as quickly as possible.")
    told = stage_told(procedure, stage)
    if told:
        lines.append("  Who is told:")
        lines += [_BULLET.fill(t) for t in told]
    return lines


def stage_told(procedure: Procedure, stage: Stage) -> list[str]:
    """Who is told when a stage starts and of every decision at it, and whom its owner
    tells (Escalate does not), each in a sentence."""
    told = []
    if stage.notify_on_start:
        told.append(f"When the stage starts: {who(stage.notify_on_start, procedure.role_names)}.")
    every = tuple(dict.fromkeys((*procedure.on_every_decision, *stage.on_every_decision)))
    if every:
        told.append(f"Of every decision at this stage: {who(every, procedure.role_names)}.")
    for whom in stage.told_by_owner:
        told.append(f"By the stage's owner, not by Escalate (it does not email them): {whom}.")
    return told


def _form_lines(label: str, form: CaseForm | None, names: RoleNames | None = None) -> list[str]:
    """A form completed on the case (a stage's, or the outcome form) in words."""
    if form is None:
        return []
    words = f"{label}: {form.title}" + (
        f"; send to {in_sentence(form.submit_to)}" if form.submit_to else ""
    )
    asks = [f"{f.label}{'' if f.required else ' (optional)'}" for f in form.fields]
    words += _ended(f". It asks for: {'; '.join(asks)}")
    if form.notify:
        words += f" Escalate tells {who(form.notify, names)} when it is submitted."
    return [_BULLET.fill(words)]


def _stage(procedure: Procedure, stage: Stage) -> list[str]:
    heading = f"Stage {stage.number}: {stage.title}"
    lines = [heading, "-" * len(heading)]
    lines += _who_acts(procedure, stage)
    lines += _stage_lines(procedure, stage)
    lines.append(_WRAP.fill(stage.guidance))
    if stage.checklist:
        lines.append("  Required actions:")
        lines += [_BULLET.fill(c.text) for c in stage.checklist]
    if stage.on_resolved:
        lines.append("  If resolved:")
        lines += [
            _BULLET.fill(d.text + _told(d.recipients, procedure.role_names))
            for d in stage.on_resolved
        ]
    if stage.on_unresolved:
        lines.append("  If not resolved:")
        unresolved = stage.on_unresolved
        lines.append(_BULLET.fill(unresolved.text + _told(unresolved.notify, procedure.role_names)))
    if stage.notice_before_escalation:
        lines.append("  Before escalating:")
        lines.append(_BULLET.fill(NOTICE_BEFORE_ESCALATION))
    if stage.panel:
        panel = stage.panel
        told = panel_told(procedure, stage)
        lines.append(
            _BULLET.fill(f"Panel: {panel.name}: {panel.when}" + (f" {told}" if told else ""))
        )
        if panel.how_to_refer:
            lines.append(_BULLET.fill(f"How to refer to the panel: {panel.how_to_refer}"))
    lines += _form_lines("Form at this stage", stage.form, procedure.role_names)
    return [*lines, ""]


def describe(procedure: Procedure) -> str:
    """The procedure as readable text, stage by stage, like the document."""
    lines = _heading(procedure)
    for para in procedure.guidance.split("\n\n"):
        lines += [_WRAP.fill(para), ""]
    lines += _naming(procedure)
    if procedure.principles:
        lines.append("Principles")
        lines += [_BULLET.fill(p) for p in procedure.principles]
        lines.append("")
    if procedure.out_of_scope:
        lines.append("Not covered by this procedure")
        lines += [_BULLET.fill(f"{o.situation}: {o.go_instead}") for o in procedure.out_of_scope]
        lines.append("")
    if procedure.categories:
        lines.append("What disagreements are usually about")
        lines += [_BULLET.fill(c.label) for c in procedure.categories]
        lines.append("")
    lines += _immediate_risk(procedure)
    lines += _routes(procedure)
    for stage in procedure.stages:
        lines += _stage(procedure, stage)
    if procedure.outcome_form is not None:
        lines.append("When a case ends resolved")
        lines += _form_lines("Outcome form", procedure.outcome_form, procedure.role_names)
        lines.append("")
    lines.append("Policy issues")
    lines.append(_WRAP.fill(policy_issues_words(procedure)))
    lines.append("")
    if procedure.readings:
        lines.append("How Escalate reads this procedure")
        lines += [_BULLET.fill(r) for r in procedure.readings]
        lines.append("")
    return "\n".join(lines)
