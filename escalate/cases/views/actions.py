"""The flow every action page on a case shares: one form that changes the case through
one service.

The page asks :mod:`escalate.cases.permissions` whether the person may take the action,
changes the case only through :mod:`escalate.cases.services`, and turns its errors into
friendly pages: Invalid puts the problems back on the form (what was typed kept),
StaleCase shows what changed, NotAllowed a 403 page and other Conflicts a message on the
case page. A case that does not exist and one the person may not see get the same 404.

Each page answers only the methods it handles (405 otherwise). Every form that changes a
case carries a one-time token (:mod:`escalate.cases.once`): sent twice, it acts once and
shows what the first did. The pages themselves are in :mod:`.stage_actions`,
:mod:`.record_actions` and :mod:`.invitation`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from escalate.accounts.signed_in import AuthenticatedHttpRequest
from escalate.cases import case_forms, once, permissions, selectors, told
from escalate.cases.errors import (
    AlreadyDone,
    CaseError,
    Conflict,
    Invalid,
    NotAllowed,
    NotFound,
    StaleCase,
)
from escalate.cases.facts import facts_of, procedure_of
from escalate.cases.models import VIEWED, Case
from escalate.cases.permissions import CaseAction
from escalate.cases.views import limits, presenters
from escalate.cases.views.common import forbidden, load_case, not_found
from escalate.procedures.engine import RefusalCode


class ActionView(View):
    """One form that changes a case through one service."""

    #: Every page is behind ``login_required`` (see :meth:`dispatch`).
    request: AuthenticatedHttpRequest
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
    #: The change tells people: the page names who will be told, the confirmation who was.
    tells = False

    @method_decorator(login_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method is None or request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        loaded = load_case(request, kwargs["reference"])
        if isinstance(loaded, HttpResponse):
            return loaded
        self.case = loaded
        try:
            self.load_extra(**kwargs)
        except NotFound:
            return not_found(request)
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

    def told_options(self) -> dict[str, Any]:
        """What else the preview of who will be told needs (the policy issue, say)."""
        return {}

    # -- flow

    def refused(self) -> HttpResponse | None:
        s = permissions.standing(self.request.user, self.case)
        problem = permissions.refusal(s, self.action, self.case)
        if isinstance(problem, NotAllowed):
            return forbidden(self.request, problem.message)
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
            return forbidden(
                self.request,
                self.engine_reason(s)
                or "That is not for you to do at this stage of the case. The case page "
                "shows what you can do.",
            )
        return None

    def reason_stages(self) -> list[int | None]:
        """The stages to ask the engine about the move (None: the move names none)."""
        return [None]

    def engine_reason(self, s: permissions.Standing) -> str:
        """Why the engine refuses the person this move in each of their roles, in its
        words ("only a safeguarding lead or a head of service may skip stages"); "" when
        it gives no reason about who they are."""
        if self.action not in permissions.ENGINE_ACTIONS:
            return ""
        facts = facts_of(self.case)
        for to_stage in self.reason_stages():
            try:
                permissions.acting_role(s, self.action, self.case, facts, to_stage=to_stage)
            except NotAllowed as refused:
                return refused.message
            except Conflict as refused:
                if refused.reason == RefusalCode.SKIP_ROLE.value:
                    return refused.message
            except CaseError:
                continue
        return ""

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
        since = told.last_event_id(self.case) if self.tells else 0
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
            return redirect(self.way_back())
        except Invalid as invalid:
            form.add_service_errors(invalid.errors)
            return self.show(form, status=400)
        except NotAllowed as refused:
            return forbidden(request, refused.message)
        except NotFound:
            return not_found(request)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(self.way_back())
        done = self.done_message
        if self.tells:
            done = f"{done} {told.in_words(told.were_told(self.case, request.user, since))}"
        messages.success(request, done)
        return self.done()

    def done(self) -> HttpResponse:
        return redirect("cases:case", self.case.reference)

    def way_back(self) -> str:
        """Where Cancel, and a refusal the page cannot show, take the person: the case."""
        return reverse("cases:case", args=[self.case.reference])

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
                "way_back": self.way_back(),
                "form": form,
                "title": self.title,
                "intro": self.intro,
                "submit": self.submit,
                "warning": self.warning,
                "action": self.action.value,
                "once": self.once,
                "once_field": once.FIELD,
                "tells": self.tells,
                "who_is_told": (
                    told.will_be_told(
                        self.request.user, self.case, self.action, **self.told_options()
                    )
                    if self.tells
                    else None
                ),
                **self.context(),
                **extra,
            },
            status=status,
        )

    def expected(self, form: Any) -> int:
        return int(form.cleaned_data["version"])


# ---------------------------------------------------------------- choices and what was chosen


def chosen_agency(case: Case, value: str | None) -> Any:
    """The agency of the case chosen on a form (its id), or None."""
    if not value:
        return None
    for agency in (case.raising_agency, case.other_agency):
        if str(agency.pk) == str(value):
            return agency
    return None


def owner_choices(case: Case, number: int) -> list[tuple[str, str]]:
    """Choices for who may own stage ``number`` (value ``pk:role``)."""
    procedure = procedure_of(case)
    roles = procedure.stage(number).owners
    return presenters.owner_choices(
        selectors.owner_candidates(case.partnership, case.raising_agency, roles), procedure
    )


def chosen_owner(value: str | None) -> tuple[Any, str | None]:
    """The person and role chosen as a stage's owner (``pk:role``), or (None, None)."""
    from escalate.accounts.models import User

    if not value or ":" not in value:
        return None, None
    pk, role = value.split(":", 1)
    try:
        return User.objects.filter(pk=int(pk)).first(), role
    except ValueError:
        return None, None
