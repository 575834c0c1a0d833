"""Action pages that add to a case's record: contacts, meetings and notes (and their
corrections), agreed actions, policy issues and their responses, debriefs and learning.
The flow they share is :class:`escalate.cases.views.actions.ActionView`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from escalate.cases import case_forms, permissions, selectors, services
from escalate.cases.errors import NotFound
from escalate.cases.models import VIEWED, AgreedAction, Event, PolicyIssue
from escalate.cases.permissions import CaseAction
from escalate.cases.views import presenters
from escalate.cases.views.actions import ActionView, chosen_agency
from escalate.cases.views.common import not_found


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


class AddActionView(ActionView):
    action = CaseAction.ADD_AGREED_ACTION
    form_class = case_forms.AgreedActionForm
    title = "Add an agreed action"
    intro = "Record something the agencies agreed one of them will do, so it is checked back on."
    submit = "Add the action"
    done_message = "Agreed action added."

    def form_kwargs(self) -> dict[str, Any]:
        return {"agencies": presenters.agency_choices(self.case)}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        services.add_agreed_action(
            self.request.user,
            self.case,
            what=data.get("what") or "",
            agency=chosen_agency(self.case, data.get("agency")),
            due_on=data.get("due_on"),
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

    agreed: AgreedAction

    def load_extra(self, **kwargs: Any) -> None:
        agreed = AgreedAction.objects.filter(pk=kwargs["pk"], case=self.case).first()
        if agreed is None:
            raise NotFound("There is no such agreed action.")
        self.agreed = agreed

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


class PolicyIssueView(ActionView):
    action = CaseAction.FLAG_POLICY_ISSUE
    form_class = case_forms.PolicyIssueForm
    title = "Flag a policy issue"
    intro = "The partnership's independent chair or statutory partners will be asked to respond."
    submit = "Flag the policy issue"
    done_message = "The policy issue is flagged."
    tells = True

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
    done_message = "Your response is recorded."
    tells = True
    issue: PolicyIssue

    @method_decorator(login_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method is None or request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        # The chair and statutory partners respond to issues flagged on any case of their
        # partnership, including cases they cannot see yet: load the issue, not the case.
        issue = (
            selectors.policy_issues_for(request.user)
            .filter(pk=kwargs["pk"], case__reference=str(kwargs["reference"]).strip().upper())
            .first()
        )
        if issue is None:
            return not_found(request)
        self.issue = issue
        self.case = issue.case
        refused = self.refused()
        if refused is not None:
            return refused
        return View.dispatch(self, request, *args, **kwargs)

    def done(self) -> HttpResponse:
        if permissions.can_view(self.request.user, self.case):
            return redirect("cases:case", self.case.reference)
        # The chair's own page: the partnership's policy issues, at this one.
        return redirect(self.issues_page() + f"#issue-{self.issue.pk}")

    def issues_page(self) -> str:
        return reverse("reports:policy_issues", args=[self.case.partnership.slug])

    def way_back(self) -> str:
        if permissions.can_view(self.request.user, self.case):
            return super().way_back()
        return self.issues_page()

    def context(self) -> dict[str, Any]:
        sees_case = permissions.can_view(self.request.user, self.case)
        return {
            "policy_issue": self.issue,
            # Someone who cannot open the case goes back to the policy issues instead.
            "back_url": "" if sees_case else self.issues_page(),
            "back_text": "" if sees_case else "Back to policy issues",
        }

    def told_options(self) -> dict[str, Any]:
        return {"issue": self.issue}

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
