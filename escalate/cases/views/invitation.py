"""The other professional's invitation: the emailed link that brings them into a case,
and the page for sending it again when it could not be delivered."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from escalate.cases import case_forms, services
from escalate.cases.errors import Conflict, NotAllowed, NotFound
from escalate.cases.permissions import CaseAction
from escalate.cases.views import limits
from escalate.cases.views.actions import ActionView

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
        case = services.accept_invitation(request.user, token)
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
    #: The page names who will be emailed (the other professional, with their part in
    #: the case) and the confirmation who was, as on every other page that tells people.
    tells = True

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
