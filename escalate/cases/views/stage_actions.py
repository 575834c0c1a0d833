"""Action pages that move a case through its procedure: acknowledging and responding to
the challenge, ticking off required actions, resolving, escalating, expediting,
referring to the panel and withdrawing. The flow they share is
:class:`escalate.cases.views.actions.ActionView`.
"""

from __future__ import annotations

from typing import Any

from escalate.cases import case_forms, selectors, services, told
from escalate.cases.facts import procedure_of
from escalate.cases.permissions import CaseAction
from escalate.cases.views import limits, presenters
from escalate.cases.views.actions import ActionView, chosen_agency, chosen_owner, owner_choices


class AcknowledgeView(ActionView):
    action = CaseAction.ACKNOWLEDGE
    form_class = case_forms.AcknowledgeForm
    title = "Acknowledge the challenge"
    intro = "Confirm you have received this challenge. You can respond to it afterwards."
    submit = "Acknowledge"
    done_message = "You have acknowledged the challenge."
    tells = True

    def perform(self, form: Any) -> None:
        services.acknowledge(
            self.request.user, self.case, expected_version=self.expected(form), once=self.once
        )


class RespondView(ActionView):
    """Responding to the challenge, once; afterwards the same page corrects the
    response (what it is now and why it changed) instead of responding again."""

    action = CaseAction.RESPOND
    tells = True

    @property
    def correcting(self) -> bool:
        """Correcting: the page, once there is a response; a form sent, when it is the
        correction's (a response form sent again is refused by the service, plainly)."""
        if self.request.method == "POST":
            return "why_changed" in self.request.POST
        return bool(self.case.response)

    @property
    def form_class(self) -> type[case_forms.CaseForm]:  # type: ignore[override]
        return case_forms.CorrectResponseForm if self.correcting else case_forms.RespondForm

    @property
    def title(self) -> str:  # type: ignore[override]
        return "Correct your response" if self.correcting else "Respond to the challenge"

    @property
    def intro(self) -> str:  # type: ignore[override]
        if not self.correcting:
            return ""
        said = "agree" if self.case.response == "agree" else "disagree"
        return (
            f"You have already responded: you said you {said} with the challenge. You "
            "cannot respond again, but you can correct your response if it was wrong or "
            "your view has changed. Say what it is now and why it changed: your first "
            "response stays in the case's chronology with the correction."
        )

    @property
    def submit(self) -> str:  # type: ignore[override]
        return "Send your correction" if self.correcting else "Send your response"

    @property
    def done_message(self) -> str:  # type: ignore[override]
        if self.correcting:
            return "Your corrected response is recorded."
        return "Your response is recorded."

    def told_options(self) -> dict[str, Any]:
        return {"correcting": self.correcting}

    def initial(self) -> dict[str, Any]:
        if not self.correcting:
            return {}
        return {"response": self.case.response, "reason": self.case.response_reason}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        if self.correcting:
            services.correct_response(
                self.request.user,
                self.case,
                agrees=data["response"] == "agree",
                reason=data.get("reason") or "",
                why_changed=data.get("why_changed") or "",
                expected_version=self.expected(form),
                once=self.once,
            )
            return
        services.respond(
            self.request.user,
            self.case,
            agrees=data["response"] == "agree",
            reason=data.get("reason") or "",
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
        outstanding = selectors.outstanding_required_actions(self.case)
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


class ResolveView(ActionView):
    action = CaseAction.RESOLVE
    form_class = case_forms.ResolveForm
    submit = "Record the outcome and close the case"
    done_message = "The outcome is recorded and the case is closed."
    tells = True

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.case.current_stage == len(procedure_of(self.case).stages):
            return "Record the recommendation"
        return f"Record that stage {self.case.current_stage} resolved the disagreement"

    @property
    def intro(self) -> str:  # type: ignore[override]
        return (
            "This closes the case. Record what was agreed or recommended. The people "
            "listed below will be told when you confirm."
        )

    def form_kwargs(self) -> dict[str, Any]:
        return {"agencies": presenters.agency_choices(self.case)}

    def context(self) -> dict[str, Any]:
        return {"when_resolved": told.when_resolved(self.case)}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        actions = []
        if form.has_action:
            actions.append(
                services.ActionInput(
                    what=data.get("action_what") or "",
                    agency=chosen_agency(self.case, data.get("action_agency")),
                    due_on=data.get("action_due_on"),
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
    done_message = "The case is escalated."
    tells = True

    @property
    def title(self) -> str:  # type: ignore[override]
        nxt = self.case.current_stage + 1
        return f"Escalate to stage {nxt}: {procedure_of(self.case).stage(nxt).title}"

    def form_kwargs(self) -> dict[str, Any]:
        return {"owners": owner_choices(self.case, self.case.current_stage + 1)}

    def context(self) -> dict[str, Any]:
        return {"no_owners": not owner_choices(self.case, self.case.current_stage + 1)}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        owner, role = chosen_owner(data.get("owner"))
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
    done_message = "The case is expedited."
    tells = True

    def later(self) -> list[int]:
        return selectors.expedite_targets(self.case)

    def reason_stages(self) -> list[int | None]:
        """Each stage a skip could reach: a refusal of the skip names who may."""
        here = self.case.current_stage
        return list(range(here + 2, len(procedure_of(self.case).stages) + 1)) or [None]

    def form_kwargs(self) -> dict[str, Any]:
        procedure = procedure_of(self.case)
        later = self.later()
        owners: list[tuple[str, str]] = []
        for n in later:
            for value, label in owner_choices(self.case, n):
                if value not in {v for v, _ in owners}:
                    owners.append((value, label))
        return {
            "stages": [(str(n), f"Stage {n}: {procedure.stage(n).title}") for n in later],
            "owners": owners,
        }

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        owner, role = chosen_owner(data.get("owner"))
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
    tells = True

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
    tells = True

    def perform(self, form: Any) -> None:
        services.withdraw(
            self.request.user,
            self.case,
            reason=form.cleaned_data.get("reason") or "",
            expected_version=self.expected(form),
            once=self.once,
        )
