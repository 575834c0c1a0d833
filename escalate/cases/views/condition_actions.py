"""Action pages that meet the conditions some procedures put on a move: giving the other
organisation notice that the escalating agency intends to escalate (a stage's
``notice_before_escalation``) and recording the consultation a skip of stages needs
first (``[expedite] skip_needs_consultation``). The rules are
:mod:`escalate.cases.services.conditions`'; the flow is
:class:`escalate.cases.views.actions.ActionView`'s.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from escalate.cases import case_forms, permissions, services
from escalate.cases.errors import CaseError, Conflict
from escalate.cases.facts import facts_of, procedure_of
from escalate.cases.permissions import CaseAction
from escalate.cases.views.actions import ActionView
from escalate.procedures.skips import role_words


class ConditionView(ActionView):
    """A page the engine offers only while its condition is unmet: once it is met (or
    where the stage needs none) the case page says why, not a bare refusal."""

    def refused(self) -> HttpResponse | None:
        refused = super().refused()
        if refused is None or refused.status_code != 403:
            return refused
        access = permissions.access(self.request.user, self.case)
        facts = facts_of(self.case, access.stages, procedure=procedure_of(self.case))
        try:
            permissions.acting_role(access.standing, self.action, self.case, facts)
        except Conflict as conflict:
            messages.error(self.request, conflict.message)
            return redirect("cases:case", self.case.reference)
        except CaseError:
            return refused
        return refused


class GiveNoticeView(ConditionView):
    action = CaseAction.GIVE_NOTICE
    form_class = case_forms.GiveNoticeForm
    title = "Give notice that you intend to escalate"
    submit = "Record the notice"
    done_message = "The notice is recorded: you can now escalate the case."
    tells = True

    @property
    def intro(self) -> str:  # type: ignore[override]
        procedure = procedure_of(self.case)
        n = self.case.current_stage
        return (
            f"{procedure.name} says the other organisation must be told that you intend "
            f"to escalate before stage {n} ({procedure.stage(n).title}) is escalated, so "
            "that it has the chance to resolve the matter first. Tell them yourself, then "
            "record here what you told them."
        )

    def perform(self, form: Any) -> None:
        services.give_notice_of_escalation(
            self.request.user,
            self.case,
            details=form.cleaned_data.get("details") or "",
            expected_version=self.expected(form),
            once=self.once,
        )


class RecordConsultationView(ConditionView):
    action = CaseAction.RECORD_CONSULTATION
    form_class = case_forms.RecordConsultationForm
    title = "Record your consultation before skipping stages"
    submit = "Record the consultation"
    done_message = "The consultation is recorded: you can now expedite the case."

    def who(self) -> str:
        procedure = procedure_of(self.case)
        needed = procedure.expedite.skip_needs_consultation
        return role_words(procedure, needed) if needed is not None else ""

    @property
    def intro(self) -> str:  # type: ignore[override]
        who = self.who()
        name = procedure_of(self.case).name
        if not who:
            return f"{name} does not ask for a consultation before skipping stages."
        return (
            f"{name} lets a case skip stages only after consulting {who}. It is recorded "
            "in the case's chronology; nobody else is told."
        )

    def form_kwargs(self) -> dict[str, Any]:
        return {"who": self.who()}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        services.record_consultation(
            self.request.user,
            self.case,
            consulted=data.get("consulted") or "",
            advice=data.get("advice") or "",
            expected_version=self.expected(form),
            once=self.once,
        )
