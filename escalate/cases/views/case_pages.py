"""The case page, every action a person can take on a case, and the invitation link.

Thin views: they read through :mod:`escalate.cases.selectors`, ask
:mod:`escalate.cases.permissions` what to offer, change the case only through
:mod:`escalate.cases.services`, and turn its errors into friendly pages: Invalid puts
the problems back on the form (what was typed kept), StaleCase shows what changed,
NotAllowed a 403 page and other Conflicts a message on the case page.

A case that does not exist and one the person may not see get the same answer (404,
the same page), so nobody can count another board's cases; 403 is kept for a case the
person can see but an action they may not take. Each view answers only the methods it
handles (405 otherwise). Every form that changes a case carries a one-time token
(:mod:`escalate.cases.once`): sent twice, it acts once and shows what the first did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_GET, require_safe

from escalate.cases import case_forms, once, permissions, selectors, services
from escalate.cases.errors import AlreadyDone, Conflict, Invalid, NotAllowed, NotFound, StaleCase
from escalate.cases.facts import calendar_for, facts_of, procedure_of
from escalate.cases.models import (
    VIEWED,
    AgreedAction,
    Case,
    CaseStatus,
    Event,
    PolicyIssueStatus,
)
from escalate.cases.permissions import CaseAction
from escalate.cases.views import limits
from escalate.procedures import engine
from escalate.procedures.calendar import format_day
from escalate.reports import referral

STATUS_TAGS: dict[engine.StageStatus, tuple[str, str]] = {
    engine.StageStatus.NOT_REACHED: ("Not reached", "govuk-tag--grey"),
    engine.StageStatus.IN_PROGRESS: ("In progress", "govuk-tag--blue"),
    engine.StageStatus.OVERDUE: ("Overdue", "govuk-tag--red"),
    engine.StageStatus.CONCLUDED: ("Concluded", "govuk-tag--green"),
    engine.StageStatus.SKIPPED: ("Skipped", "govuk-tag--yellow"),
}

CASE_STATUS_TAGS = {
    CaseStatus.OPEN: "govuk-tag--blue",
    CaseStatus.RESOLVED: "govuk-tag--green",
    CaseStatus.WITHDRAWN: "govuk-tag--grey",
}

#: How the details kept with chronology entries read.
EVENT_DETAILS: list[tuple[str, str]] = [
    ("text", "Details"),
    ("occurred_on", "Happened on"),
    ("with_whom", "With"),
    ("item", "Required action"),
    ("summary", "Why it was escalated"),
    ("reason", "Reason"),
    ("outcome", "Outcome"),
    ("owner", "Owner"),
    ("counterpart", "Counterpart"),
    ("what", "Action"),
    ("owner_name", "Who"),
    ("due_on", "Due"),
    ("done_on", "Done on"),
    ("note", "Note"),
    ("panel", "Panel"),
    ("details", "Details"),
    ("response", "Response"),
    ("offered_on", "Debrief offered"),
    ("held_on", "Debrief held"),
    ("why_not_earlier", "Why not resolved earlier"),
    ("themes", "Themes"),
    ("good_practice", "Good practice"),
]


# ---------------------------------------------------------------- friendly refusals


def _forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "cases/case/forbidden.html", {"message": message}, status=403)


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/case/not_found.html", status=404)


def _load(request: HttpRequest, reference: str) -> Case | HttpResponse:
    """The case, or the not-found page: the same for a case that does not exist and for
    one this person may not see."""
    try:
        return selectors.get_case(request.user, reference=reference)
    except (NotFound, NotAllowed):
        return _not_found(request)


# ---------------------------------------------------------------- the case page


@dataclass
class StageRow:
    number: int
    title: str
    guidance: str
    status_label: str
    status_class: str
    owner_roles: str
    record: Any = None
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    is_current: bool = False
    panel: str = ""


def _day(value: Any) -> str:
    if isinstance(value, str) and value:
        try:
            return format_day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return format_day(value)
    return ""


def _stage_rows(case: Case, records: dict[int, Any]) -> list[StageRow]:
    procedure = procedure_of(case)
    statuses = selectors.stage_statuses(case)
    facts = facts_of(case, records.values())
    projected = {
        d.number: d
        for d in engine.stage_deadlines(
            procedure,
            calendar_for(case.partnership),
            arose=facts.arose,
            stage_started=facts.stage_started,
        )
    }
    rows = []
    for stage in procedure.stages:
        status = statuses.get(stage.number, engine.StageStatus.NOT_REACHED)
        label, css = STATUS_TAGS[status]
        record = records.get(stage.number)
        deadlines: list[dict[str, Any]] = []
        if record is not None and record.deadlines:
            kept = record.deadlines
            for key in ("start_by", "conclude_by", "act_by"):
                if kept.get(key):
                    deadlines.append(_deadline(kept[key]))
            deadlines.extend(_deadline(d) for d in kept.get("other") or [])
        elif stage.number in projected:
            for d in projected[stage.number].all:
                deadlines.append(_deadline(d.as_json()))
        done = set(record.checklist_done) if record else set()
        rows.append(
            StageRow(
                number=stage.number,
                title=stage.title,
                guidance=stage.guidance,
                status_label=label,
                status_class=css,
                owner_roles=" or ".join(r.label.lower() for r in stage.owners),
                record=record,
                deadlines=deadlines,
                checklist=[
                    {"key": c.key, "text": c.text, "done": c.key in done} for c in stage.checklist
                ],
                is_current=stage.number == case.current_stage and case.is_open,
                panel=stage.panel.name if stage.panel else "",
            )
        )
    return rows


def _deadline(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": d.get("label") or "",
        "due": _day(d.get("due")),
        "explanation": d.get("explanation") or "",
    }


def _event_rows(events: list[Event]) -> list[dict[str, Any]]:
    corrected_by: dict[int, list[int]] = {}
    for e in events:
        if e.corrects_id:
            corrected_by.setdefault(e.corrects_id, []).append(e.pk)
    rows = []
    for e in events:
        data = e.data or {}
        details = []
        for key, label in EVENT_DETAILS:
            value = data.get(key)
            if value in (None, "", []):
                continue
            if key in ("occurred_on", "due_on", "done_on", "offered_on", "held_on"):
                value = _day(value)
            elif key == "themes":
                value = ", ".join(value)
            elif key == "response" and e.action == "case.responded":
                value = "Agrees" if value == "agree" else "Disagrees"
            details.append((label, value))
        for action in data.get("agreed_actions") or []:
            details.append(
                (
                    "Action agreed",
                    f"{action.get('what')} ({action.get('agency')}, "
                    f"{action.get('owner')}, due {_day(action.get('due_on'))})",
                )
            )
        rows.append(
            {
                "event": e,
                "details": details,
                "corrected_by": corrected_by.get(e.pk, []),
            }
        )
    return rows


@require_safe
@login_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    loaded = _load(request, reference)
    if isinstance(loaded, HttpResponse):
        return loaded
    case = loaded
    services.record_case_viewed(request.user, case)  # type: ignore[arg-type]
    user = request.user
    procedure = procedure_of(case)
    records = {r.number: r for r in selectors.stages(user, case)}
    allowed = permissions.allowed_actions(user, case)
    events = list(selectors.chronology(user, case))
    categories = {c.key: c.label for c in procedure.categories}
    views = (
        list(selectors.case_views(user, case)[:50]) if CaseAction.VIEW_AUDIT in allowed else None
    )
    issues = list(case.policy_issues.select_related("raised_by", "responded_by"))
    return render(
        request,
        "cases/case/page.html",
        {
            "case": case,
            "procedure": procedure,
            "stages": _stage_rows(case, records),
            "current": records.get(case.current_stage),
            "allowed": {a.value for a in allowed},
            "actions_offered": _offered(case, allowed, procedure),
            "events": _event_rows(events),
            "categories": [categories.get(k, k) for k in case.categories],
            "agreed_actions": list(
                case.agreed_actions.select_related("agency", "owner", "completed_by")
            ),
            "policy_issues": issues,
            "open_issue_status": PolicyIssueStatus.OPEN,
            "case_status_class": CASE_STATUS_TAGS.get(case.status, ""),
            "views": views,
            "sees_person": permissions.can_view(user, case),
            "is_final_stage": case.current_stage == len(procedure.stages),
            "referral_offered": referral.offered_to(user, case),
            "failed_invitation": selectors.failed_invitation(user, case),
            "may_resend_invitation": CaseAction.RESEND_INVITATION in allowed,
        },
    )


def _offered(case: Case, allowed: set[CaseAction], procedure: Any) -> list[dict[str, str]]:
    """The buttons for what this person may do now, most likely first."""
    ref = case.reference
    final = case.current_stage == len(procedure.stages)
    labels: list[tuple[CaseAction, str, str]] = [
        (CaseAction.ACKNOWLEDGE, "cases:acknowledge", "Acknowledge the challenge"),
        (CaseAction.RESPOND, "cases:respond", "Respond to the challenge"),
        (
            CaseAction.RESOLVE,
            "cases:resolve",
            "Record the recommendation and close"
            if final
            else f"Record that stage {case.current_stage} resolved it",
        ),
        (CaseAction.ESCALATE, "cases:escalate", f"Escalate to stage {case.current_stage + 1}"),
        (CaseAction.EXPEDITE, "cases:expedite", "Expedite to a later stage"),
        (CaseAction.TICK, "cases:tick", "Tick off a required action"),
        (
            CaseAction.RECORD_CONTACT,
            "cases:record",
            "Record written representations, a contact, meeting or note"
            if final and case.is_open
            else "Record a contact, meeting or note",
        ),
        (CaseAction.ADD_AGREED_ACTION, "cases:add_action", "Add an agreed action"),
        (CaseAction.REFER_TO_PANEL, "cases:panel", "Refer to the panel"),
        (CaseAction.FLAG_POLICY_ISSUE, "cases:policy_issue", "Flag a policy issue"),
        (CaseAction.RECORD_DEBRIEF, "cases:debrief", "Record a debrief"),
        (CaseAction.RECORD_LEARNING, "cases:learning", "Record learning"),
        (CaseAction.WITHDRAW, "cases:withdraw", "Withdraw the challenge"),
    ]
    if case.is_open:
        # Debriefs are mostly recorded at closure; offer them then.
        allowed = allowed - {CaseAction.RECORD_DEBRIEF}
    return [
        {"url": reverse(name, args=[ref]), "label": label, "action": action.value}
        for action, name, label in labels
        if action in allowed
    ]


# ---------------------------------------------------------------- the action pages


class ActionView(View):
    """One form that changes a case through one service."""

    action: CaseAction
    form_class: type[case_forms.CaseForm]
    title = ""
    intro = ""
    submit = "Continue"
    done_message = "Saved."
    warning = ""
    #: The form's one-time token (issued with the page, read back from the post).
    once = ""
    #: What these pages answer (PUT, DELETE, PATCH, TRACE, OPTIONS: 405).
    http_method_names = ["get", "head", "post"]
    #: A rate limit on sending this form, for forms that email an address typed in.
    limit: limits.Limit | None = None

    @method_decorator(login_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method is None or request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        loaded = _load(request, kwargs["reference"])
        if isinstance(loaded, HttpResponse):
            return loaded
        self.case = loaded
        try:
            self.load_extra(**kwargs)
        except NotFound:
            return _not_found(request)
        refused = self.refused()
        if refused is not None:
            return refused
        return super().dispatch(request, *args, **kwargs)

    # -- hooks

    def load_extra(self, **kwargs: Any) -> None:
        """Load what else the action is about (an agreed action, say)."""

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {}

    def perform(self, form: Any) -> None:
        raise NotImplementedError

    def context(self) -> dict[str, Any]:
        return {}

    # -- flow

    def refused(self) -> HttpResponse | None:
        s = permissions.standing(self.request.user, self.case)
        problem = permissions.refusal(s, self.action, self.case)
        if isinstance(problem, NotAllowed):
            return _forbidden(self.request, problem.message)
        if problem is not None:
            messages.error(self.request, problem.message)
            return redirect("cases:case", self.case.reference)
        if not permissions.can(self.request.user, self.action, self.case):
            if not self.case.is_open:
                messages.error(
                    self.request,
                    f"This case has been {self.case.status}, so that can no longer be done. "
                    "You can still add a note or a correction.",
                )
                return redirect("cases:case", self.case.reference)
            return _forbidden(
                self.request,
                "That is not for you to do at this stage of the case. The case page shows "
                "what you can do.",
            )
        return None

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.once = once.issue()
        form = self.form_class(
            initial={"version": self.case.version, **self.initial()}, **self.form_kwargs()
        )
        return self.show(form)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # A page sent without a token (an old page) still works: the case's version stops
        # it acting twice; the token makes a second sending land on what the first did.
        if self.limit is not None:
            limited = limits.refused(request, self.limit)
            if limited is not None:
                return limited
        self.once = once.posted(request.POST)
        form = self.form_class(request.POST, **self.form_kwargs())
        if not form.is_valid():
            if "version" in form.errors:
                # A tampered or truncated page: keep what was typed, start from now.
                data = request.POST.copy()
                data["version"] = str(Case.objects.only("version").get(pk=self.case.pk).version)
                form = self.form_class(data, **self.form_kwargs())
                form.is_valid()
                form.add_error(
                    None, "This page was out of date. Check what you entered and send it again."
                )
            return self.show(form, status=400)
        try:
            self.perform(form)
        except StaleCase as stale:
            return self.stale(form, stale)
        except AlreadyDone as already:
            # The same form was sent twice: the first did it; show what it did.
            if already.case_reference:
                messages.success(request, self.done_message)
                return self.done()
            messages.error(request, already.message)
            return redirect("cases:case", self.case.reference)
        except Invalid as invalid:
            form.add_service_errors(invalid.errors)
            return self.show(form, status=400)
        except NotAllowed as refused:
            return _forbidden(request, refused.message)
        except NotFound:
            return _not_found(request)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect("cases:case", self.case.reference)
        messages.success(request, self.done_message)
        return self.done()

    def done(self) -> HttpResponse:
        return redirect("cases:case", self.case.reference)

    def stale(self, form: Any, stale: StaleCase) -> HttpResponse:
        """Keep what they typed, show what changed, and let them send it again."""
        current = Case.objects.only("version").get(pk=self.case.pk).version
        data = self.request.POST.copy()
        data["version"] = str(current)
        refreshed = self.form_class(data, **self.form_kwargs())
        refreshed.is_valid()
        changes = [c for c in stale.changes if c.action != VIEWED]
        return self.show(refreshed, status=409, changes=changes, stale=True)

    def show(self, form: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
        if not self.once:
            self.once = once.issue()
        return render(
            self.request,
            "cases/case/action.html",
            {
                "case": self.case,
                "form": form,
                "rows": form.field_rows(),
                "title": self.title,
                "intro": self.intro,
                "submit": self.submit,
                "warning": self.warning,
                "action": self.action.value,
                "once": self.once,
                "once_field": once.FIELD,
                **self.context(),
                **extra,
            },
            status=status,
        )

    def expected(self, form: Any) -> int:
        return int(form.cleaned_data["version"])


def _agencies(case: Case) -> list[tuple[str, str]]:
    return [
        (str(case.raising_agency_id), case.raising_agency.name),
        (str(case.other_agency_id), case.other_agency.name),
    ]


def _agency(case: Case, value: str | None) -> Any:
    if not value:
        return None
    for agency in (case.raising_agency, case.other_agency):
        if str(agency.pk) == str(value):
            return agency
    return None


def owner_candidates(case: Case, number: int) -> list[tuple[str, str]]:
    """Choices for who may own stage ``number`` (value ``pk:role``)."""
    roles = procedure_of(case).stage(number).owners
    return [
        (f"{c.person.pk}:{c.role.value}", f"{c.person.full_name}, {c.role.label} ({c.where})")
        for c in selectors.owner_candidates(case.partnership, case.raising_agency, roles)
    ]


def _owner(value: str | None) -> tuple[Any, str | None]:
    from escalate.accounts.models import User

    if not value or ":" not in value:
        return None, None
    pk, role = value.split(":", 1)
    try:
        return User.objects.filter(pk=int(pk)).first(), role
    except ValueError:
        return None, None


class RecordContactView(ActionView):
    action = CaseAction.RECORD_CONTACT
    form_class = case_forms.RecordContactForm
    title = "Record a contact, meeting or note"
    submit = "Add to the chronology"
    done_message = "Added to the chronology."

    def entries(self) -> list[Event]:
        return [e for e in selectors.chronology(self.request.user, self.case) if e.action != VIEWED]

    def form_kwargs(self) -> dict[str, Any]:
        return {"entries": [(str(e.pk), e.describe()) for e in self.entries()]}

    def initial(self) -> dict[str, Any]:
        return {"corrects": self.request.GET.get("corrects", "")}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        corrects = None
        if data.get("corrects"):
            corrects = Event.objects.filter(pk=data["corrects"], case=self.case).first()
        services.record_contact(
            self.request.user,
            self.case,
            kind=data.get("kind") or "",
            text=data.get("text") or "",
            occurred_on=data.get("occurred_on"),
            with_whom=data.get("with_whom") or "",
            corrects=corrects,
            expected_version=self.expected(form),
            once=self.once,
        )


class TickView(ActionView):
    action = CaseAction.TICK
    form_class = case_forms.TickForm
    title = "Tick off a required action"
    submit = "Tick it off"
    done_message = "Required action ticked off."

    def form_kwargs(self) -> dict[str, Any]:
        procedure = procedure_of(self.case)
        outstanding = engine.outstanding(procedure, facts_of(self.case), self.case.current_stage)
        return {"items": [(c.key, c.text) for c in outstanding]}

    def initial(self) -> dict[str, Any]:
        return {"item": self.request.GET.get("item", "")}

    def perform(self, form: Any) -> None:
        services.tick_required_action(
            self.request.user,
            self.case,
            item=form.cleaned_data.get("item") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class AddActionView(ActionView):
    action = CaseAction.ADD_AGREED_ACTION
    form_class = case_forms.AgreedActionForm
    title = "Add an agreed action"
    intro = "Record something the agencies agreed one of them will do, so it is checked back on."
    submit = "Add the action"
    done_message = "Agreed action added."

    def form_kwargs(self) -> dict[str, Any]:
        return {"agencies": _agencies(self.case)}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        services.add_agreed_action(
            self.request.user,
            self.case,
            what=data.get("what") or "",
            agency=_agency(self.case, data.get("agency")),
            due_on=data.get("due_on"),  # type: ignore[arg-type]
            owner_name=data.get("owner_name") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class CompleteActionView(ActionView):
    action = CaseAction.COMPLETE_AGREED_ACTION
    form_class = case_forms.CompleteActionForm
    title = "Record that an agreed action was done"
    submit = "Record it as done"
    done_message = "Agreed action recorded as done."

    def load_extra(self, **kwargs: Any) -> None:
        self.agreed = AgreedAction.objects.filter(pk=kwargs["pk"], case=self.case).first()
        if self.agreed is None:
            raise NotFound("There is no such agreed action.")

    def context(self) -> dict[str, Any]:
        return {"agreed_action": self.agreed}

    def perform(self, form: Any) -> None:
        services.complete_agreed_action(
            self.request.user,
            self.agreed,
            done_on=form.cleaned_data.get("done_on"),
            note=form.cleaned_data.get("note") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class ResolveView(ActionView):
    action = CaseAction.RESOLVE
    form_class = case_forms.ResolveForm
    submit = "Record the outcome and close the case"
    done_message = (
        "The outcome is recorded and the case is closed. Everyone owed a notice will be told."
    )

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.case.current_stage == len(procedure_of(self.case).stages):
            return "Record the recommendation"
        return f"Record that stage {self.case.current_stage} resolved the disagreement"

    @property
    def intro(self) -> str:  # type: ignore[override]
        return (
            "This closes the case. Record what was agreed or recommended; the people the "
            "procedure says must be told will be sent a notice."
        )

    def form_kwargs(self) -> dict[str, Any]:
        return {"agencies": _agencies(self.case)}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        actions = []
        if form.has_action:
            actions.append(
                services.ActionInput(
                    what=data.get("action_what") or "",
                    agency=_agency(self.case, data.get("action_agency")),
                    due_on=data.get("action_due_on"),  # type: ignore[arg-type]
                    owner_name=data.get("action_owner_name") or "",
                )
            )
        services.resolve(
            self.request.user,
            self.case,
            outcome=data.get("outcome") or "",
            agreed_actions=actions,
            expected_version=self.expected(form),
            once=self.once,
        )


class EscalateView(ActionView):
    limit = limits.NAMING
    action = CaseAction.ESCALATE
    form_class = case_forms.EscalateForm
    submit = "Escalate the case"
    done_message = "The case is escalated. Its new owner will be told."

    @property
    def title(self) -> str:  # type: ignore[override]
        nxt = self.case.current_stage + 1
        return f"Escalate to stage {nxt}: {procedure_of(self.case).stage(nxt).title}"

    def form_kwargs(self) -> dict[str, Any]:
        return {"owners": owner_candidates(self.case, self.case.current_stage + 1)}

    def context(self) -> dict[str, Any]:
        return {"no_owners": not owner_candidates(self.case, self.case.current_stage + 1)}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        owner, role = _owner(data.get("owner"))
        services.escalate(
            self.request.user,
            self.case,
            owner=owner,
            owner_role=role,
            summary=data.get("summary") or "",
            counterpart_name=data.get("counterpart_name") or "",
            counterpart_email=data.get("counterpart_email") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class ExpediteView(ActionView):
    limit = limits.NAMING
    action = CaseAction.EXPEDITE
    form_class = case_forms.ExpediteForm
    title = "Expedite the case to a later stage"
    intro = "Only when someone is at immediate risk. If they are in danger now, call 999."
    submit = "Expedite the case"
    done_message = "The case is expedited. Its new owner will be told."

    def later(self) -> list[int]:
        procedure = procedure_of(self.case)
        return [
            m.to_stage
            for m in engine.next_moves(procedure, facts_of(self.case))
            if m.action is engine.Action.EXPEDITE and m.to_stage
        ]

    def form_kwargs(self) -> dict[str, Any]:
        procedure = procedure_of(self.case)
        owners: list[tuple[str, str]] = []
        for n in self.later():
            for value, label in owner_candidates(self.case, n):
                if value not in {v for v, _ in owners}:
                    owners.append((value, label))
        return {
            "stages": [(str(n), f"Stage {n}: {procedure.stage(n).title}") for n in self.later()],
            "owners": owners,
        }

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        owner, role = _owner(data.get("owner"))
        services.expedite(
            self.request.user,
            self.case,
            to_stage=data["to_stage"],
            reason=data.get("reason") or "",
            owner=owner,
            owner_role=role,
            counterpart_name=data.get("counterpart_name") or "",
            counterpart_email=data.get("counterpart_email") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class PanelView(ActionView):
    action = CaseAction.REFER_TO_PANEL
    form_class = case_forms.PanelForm
    submit = "Refer the case"
    done_message = "The case is referred to the panel."

    @property
    def title(self) -> str:  # type: ignore[override]
        panel = procedure_of(self.case).stage(self.case.current_stage).panel
        return f"Refer to the {panel.name}" if panel else "Refer to a panel"

    @property
    def intro(self) -> str:  # type: ignore[override]
        panel = procedure_of(self.case).stage(self.case.current_stage).panel
        return " ".join(x for x in (panel.when, panel.how_to_refer or "") if x) if panel else ""

    def perform(self, form: Any) -> None:
        services.refer_to_panel(
            self.request.user,
            self.case,
            details=form.cleaned_data.get("details") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class WithdrawView(ActionView):
    action = CaseAction.WITHDRAW
    form_class = case_forms.WithdrawForm
    title = "Withdraw the challenge"
    warning = "This closes the case. You can still add notes and corrections afterwards."
    submit = "Withdraw the challenge"
    done_message = "The challenge is withdrawn and the case is closed."

    def perform(self, form: Any) -> None:
        services.withdraw(
            self.request.user,
            self.case,
            reason=form.cleaned_data.get("reason") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class PolicyIssueView(ActionView):
    action = CaseAction.FLAG_POLICY_ISSUE
    form_class = case_forms.PolicyIssueForm
    title = "Flag a policy issue"
    intro = "The partnership's independent chair or statutory partners will be asked to respond."
    submit = "Flag the policy issue"
    done_message = "The policy issue is flagged."

    def perform(self, form: Any) -> None:
        services.flag_policy_issue(
            self.request.user,
            self.case,
            text=form.cleaned_data.get("text") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class PolicyResponseView(ActionView):
    action = CaseAction.RESPOND_TO_POLICY_ISSUE
    form_class = case_forms.PolicyResponseForm
    title = "Respond to a policy issue"
    submit = "Send the response"
    done_message = "Your response is recorded and the person who flagged it will be told."

    @method_decorator(login_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method is None or request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        # The chair and statutory partners respond to issues flagged on any case of their
        # partnership, including cases they cannot see yet: load the issue, not the case.
        self.issue = (
            selectors.policy_issues_for(request.user)
            .filter(pk=kwargs["pk"], case__reference__iexact=kwargs["reference"])
            .first()
        )
        if self.issue is None:
            return _not_found(request)
        self.case = self.issue.case
        refused = self.refused()
        if refused is not None:
            return refused
        return View.dispatch(self, request, *args, **kwargs)

    def done(self) -> HttpResponse:
        if permissions.can_view(self.request.user, self.case):
            return redirect("cases:case", self.case.reference)
        return redirect("home")

    def context(self) -> dict[str, Any]:
        return {"policy_issue": self.issue}

    def perform(self, form: Any) -> None:
        services.respond_to_policy_issue(
            self.request.user,
            self.issue,
            response=form.cleaned_data.get("response") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class DebriefView(ActionView):
    action = CaseAction.RECORD_DEBRIEF
    form_class = case_forms.DebriefForm
    title = "Record a debrief"
    intro = "Record when the staff involved were offered a debrief, and when it was held."
    submit = "Record the debrief"
    done_message = "The debrief is recorded."

    def perform(self, form: Any) -> None:
        services.record_debrief(
            self.request.user,
            self.case,
            offered_on=form.cleaned_data.get("offered_on"),
            held_on=form.cleaned_data.get("held_on"),
            expected_version=self.expected(form),
            once=self.once,
        )


class LearningView(ActionView):
    action = CaseAction.RECORD_LEARNING
    form_class = case_forms.LearningForm
    title = "Record learning"
    intro = "For the partnership's learning: do not include the person's name or details."
    submit = "Record the learning"
    done_message = "The learning is recorded."

    def perform(self, form: Any) -> None:
        services.record_learning(
            self.request.user,
            self.case,
            why_not_earlier=form.cleaned_data.get("why_not_earlier") or "",
            themes=form.theme_list(),
            good_practice=form.cleaned_data.get("good_practice") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class AcknowledgeView(ActionView):
    action = CaseAction.ACKNOWLEDGE
    form_class = case_forms.AcknowledgeForm
    title = "Acknowledge the challenge"
    intro = (
        "Confirm you have received this challenge. The person who raised it will be told. "
        "You can respond to it afterwards."
    )
    submit = "Acknowledge"
    done_message = "You have acknowledged the challenge."

    def perform(self, form: Any) -> None:
        services.acknowledge(
            self.request.user, self.case, expected_version=self.expected(form), once=self.once
        )


class RespondView(ActionView):
    action = CaseAction.RESPOND
    form_class = case_forms.RespondForm
    title = "Respond to the challenge"
    submit = "Send your response"
    done_message = "Your response is recorded. The person who raised it will be told."

    def perform(self, form: Any) -> None:
        services.respond(
            self.request.user,
            self.case,
            agrees=form.cleaned_data["response"] == "agree",
            reason=form.cleaned_data.get("reason") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


# ---------------------------------------------------------------- the invitation link


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The other professional's emailed link: sign in, then land on the case. Only the
    person it was sent to can use it (see :func:`services.accept_invitation`)."""
    if not request.user.is_authenticated:
        return render(
            request,
            "cases/invitation/sign_in.html",
            {"login_url": f"{reverse('login')}?next={request.path}"},
        )
    limited = limits.refused(request, limits.ACCEPT)
    if limited is not None:
        return limited
    try:
        case = services.accept_invitation(request.user, token)  # type: ignore[arg-type]
    except (NotFound, Conflict, NotAllowed) as problem:
        status = 404 if isinstance(problem, NotFound) else 403
        if isinstance(problem, Conflict):
            status = 409
        return render(
            request, "cases/invitation/problem.html", {"message": problem.message}, status=status
        )
    messages.success(request, "You are now taking part in this case.")
    return redirect("cases:case", case.reference)


# ---------------------------------------------------------------- sending the invitation again


class ResendInvitationForm(case_forms.CaseForm):
    """Nothing to ask: the case version (and the one-time token, on the page)."""


class ResendInvitationView(ActionView):
    action = CaseAction.RESEND_INVITATION
    form_class = ResendInvitationForm
    title = "Send the invitation again"
    submit = "Send the invitation again"
    done_message = "The invitation will be sent again."

    @property
    def intro(self) -> str:  # type: ignore[override]
        return (
            f"Escalate will email {self.case.other_professional_name} at "
            f"{self.case.other_professional_email} a new link to take part in this case. "
            "Any earlier link will stop working. If the address is wrong, or emails to it "
            "keep failing, contact them another way and ask them to sign in to Escalate."
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        limited = limits.refused(request, limits.RESEND)
        if limited is not None:
            return limited
        return super().post(request, **kwargs)

    def perform(self, form: Any) -> None:
        services.resend_invitation(
            self.request.user, self.case, expected_version=self.expected(form), once=self.once
        )
