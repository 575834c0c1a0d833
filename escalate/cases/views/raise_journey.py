"""Raising a professional challenge: a few short pages, answers kept in the session, then
check your answers and :func:`escalate.cases.services.raise_case`.

Nothing is saved until the person confirms on the check-your-answers page. Each page
refuses what the final check would refuse; the answers kept are checked again before they
are shown for checking and before they are raised, and any page whose answers are refused
now (or that a session holds in a shape no page gave) is shown again with its errors.
Errors the service still finds are shown back on the page they belong to.

No page of the journey is kept by the browser (``Cache-Control: no-store``), and once the
case is raised its pages, visited again with Back, show that case's confirmation.

The pages and the answers kept between them are in :mod:`.raise_steps` (kept briefly and
no more than needed, as they identify someone at risk); what the last pages show is in
:mod:`.raise_presenters`. The journey has a one-time token, so raising it twice (a
double click, two tabs) makes one case.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from escalate.accounts.models import User
from escalate.cases import once, raise_forms, selectors, services
from escalate.cases.errors import AlreadyDone, CaseError, Invalid, NotAllowed
from escalate.cases.facts import procedure_of
from escalate.cases.views import limits
from escalate.cases.views.common import load_case
from escalate.cases.views.raise_answers import (
    as_data,
    checked_answers,
    checked_form,
    service_arguments,
)
from escalate.cases.views.raise_presenters import next_steps, summary
from escalate.cases.views.raise_steps import (
    BY_SLUG,
    FIELD_STEPS,
    STEPS,
    Journey,
    Step,
    first_unanswered,
    forget_journey,
    forget_raised,
    load_journey,
    next_url,
    previous_url,
    raised_token,
    remember_raised,
    save_journey,
    step_url,
    steps_for,
)
from escalate.govuk.text import is_number
from escalate.partnerships import permissions
from escalate.partnerships.models import Agency, Partnership

__all__ = ["STEPS", "cancel", "check", "done", "out_of_scope", "start", "step"]


#: Said on the page a kept answer sends the person back to.
CHANGE_ANSWER = (
    "Check the answer on this page: it needs changing before you can raise the challenge."
)


def _cannot_raise(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "cases/raise/cannot_raise.html", {"reason": reason}, status=403)


def _person(request: HttpRequest) -> User:
    """The person signed in (every journey page is for signed-in people only)."""
    assert isinstance(request.user, User)
    return request.user


def _no_journey(request: HttpRequest, posted: str = "") -> HttpResponse:
    """A journey page with no journey in progress: the confirmation of the case this
    session (or the page sent) raised, if there is one, else the start."""
    earlier = selectors.submitted(request.user, posted or raised_token(request))
    if earlier is not None and earlier.case is not None:
        return redirect("cases:raise_done", earlier.case.reference)
    return redirect("cases:raise")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Choose where to raise from (only asked when there is more than one choice)."""
    pairs = permissions.raising_choices(request.user)
    if not pairs:
        return _cannot_raise(request)
    choices = [(f"{a.pk}:{p.pk}", f"{a.name}, in {p.name}") for a, p in pairs]
    if len(pairs) == 1 and request.method == "GET":
        agency, partnership = pairs[0]
        return _begin(request, agency, partnership)
    form = raise_forms.WhereForm(
        request.POST if request.method == "POST" else None, choices=choices
    )
    if request.method == "POST" and form.is_valid():
        agency_pk, partnership_pk = (int(x) for x in form.cleaned_data["where"].split(":"))
        chosen = {(a.pk, p.pk): (a, p) for a, p in pairs}[(agency_pk, partnership_pk)]
        return _begin(request, *chosen)
    return render(request, "cases/raise/start.html", {"form": form})


def _begin(request: HttpRequest, agency: Agency, partnership: Partnership) -> HttpResponse:
    forget_raised(request)
    current = load_journey(request)
    if current is None or current.agency != agency or current.partnership != partnership:
        save_journey(request, Journey(agency, partnership, {}, {}, False))
    return redirect("cases:raise_step", STEPS[0].slug)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def step(request: HttpRequest, slug: str) -> HttpResponse:
    journey = load_journey(request)
    if journey is None:
        return _no_journey(request)
    page = BY_SLUG.get(slug)
    if page is None:
        raise Http404
    if not page.applies(journey):
        return redirect(next_url(journey))
    person = _person(request)
    if request.method == "POST":
        form = checked_form(page, journey, person, request.POST)
        if form.is_valid():
            journey.answers[slug] = raise_forms.storable(form.cleaned_data)
            journey.errors = {k: v for k, v in journey.errors.items() if k not in page.fields}
            if slug == "scope" and form.cleaned_data["situation"] != "none":
                save_journey(request, journey)
                return redirect("cases:raise_out_of_scope")
            save_journey(request, journey)
            return redirect(next_url(journey))
    else:
        form = _shown(page, journey, person)
    context = {
        "form": form,
        "step": page,
        "journey": journey,
        "procedure": journey.procedure,
        "back_url": previous_url(request.user, journey, page),
    }
    return render(request, f"cases/raise/{slug.replace('-', '_')}.html", context)


def _shown(page: Step, journey: Journey, person: User) -> forms.Form:
    """The page as it is shown: the answers kept, with what is wrong with them now (the
    page's own checks, and the service's messages kept for it), if anything is."""
    stored = journey.answers.get(page.slug)
    if stored is None:
        return page.make_form(journey, person=person)
    form = checked_form(page, journey, person, as_data(page.make_form(journey), stored))
    mine = {k: v for k, v in journey.errors.items() if k in page.fields}
    if form.is_valid() and not mine:
        return page.make_form(journey, person=person)
    for name, texts in mine.items():
        target = name if name in form.fields else None
        shown = [str(e) for e in form.errors.get(target or "__all__") or []]
        for text in texts:
            if text not in shown:
                form.add_error(target, text)
    return form


@never_cache
@require_safe
@login_required
def out_of_scope(request: HttpRequest) -> HttpResponse:
    journey = load_journey(request)
    if journey is None:
        return _no_journey(request)
    chosen = journey.answer("scope", "situation")
    situations = journey.procedure.out_of_scope
    if chosen in (None, "none") or not is_number(str(chosen)) or int(chosen) >= len(situations):
        return redirect("cases:raise_step", "scope")
    return render(
        request,
        "cases/raise/out_of_scope.html",
        {
            "situation": situations[int(chosen)],
            "procedure": journey.procedure,
            "partnership": journey.partnership,
            "back_url": step_url(BY_SLUG["scope"]),
        },
    )


@never_cache
@require_POST
@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    """Delete the journey's answers and start again."""
    forget_journey(request)
    forget_raised(request)
    messages.info(request, "Your answers have been deleted.")
    return redirect("cases:raise")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def check(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        limited = limits.refused(request, limits.RAISE)
        if limited is not None:
            return limited
    posted = once.posted(request.POST) if request.method == "POST" else ""
    journey = load_journey(request)
    if journey is None:
        # Sent again after the case was raised (Back, then Raise), or shown again with
        # Back from the confirmation: show that case.
        return _no_journey(request, posted)
    missing = first_unanswered(journey)
    if missing is not None:
        return redirect(step_url(missing))
    if journey.answer("scope", "situation") not in (None, "none"):
        return redirect("cases:raise_out_of_scope")
    journey.checking = True
    wrong = checked_answers(journey, _person(request))
    save_journey(request, journey)
    if wrong is not None:
        # Good when given, refused now (or never given as a page gives them): change it.
        messages.info(request, CHANGE_ANSWER)
        return redirect(step_url(wrong))
    problems: list[str] = []
    if request.method == "POST" and posted and posted != journey.once:
        # A check page of an earlier journey: show what it raised, or these answers to
        # check; never raise this journey from a page that did not show it.
        earlier = selectors.submitted(request.user, posted)
        if earlier is not None and earlier.case is not None:
            return redirect("cases:raise_done", earlier.case.reference)
    elif request.method == "POST":
        try:
            # One case per journey, whichever of its pages (tabs) sends it.
            case = services.raise_case(
                _person(request),
                **service_arguments(journey),
                once=journey.once,
            )
        except AlreadyDone as already:
            # Raised already with this journey (two clicks, two tabs): show that case.
            forget_journey(request)
            remember_raised(request, journey.once)
            if already.case_reference:
                return redirect("cases:raise_done", already.case_reference)
            problems = [already.message]
        except Invalid as invalid:
            errors = {k: [str(m) for m in v] for k, v in invalid.errors.items()}
            on_pages = {k: v for k, v in errors.items() if k in FIELD_STEPS}
            if on_pages:
                journey.errors = on_pages
                save_journey(request, journey)
                first = next(s for s in STEPS if any(FIELD_STEPS[k] == s.slug for k in on_pages))
                return redirect(step_url(first))
            problems = [m for v in errors.values() for m in v]
        except NotAllowed as refused:
            return _cannot_raise(request, str(refused))
        except CaseError as error:
            problems = [str(error)]
        else:
            forget_journey(request)
            remember_raised(request, journey.once)
            return redirect("cases:raise_done", case.reference)
    return render(
        request,
        "cases/raise/check.html",
        {
            "journey": journey,
            "procedure": journey.procedure,
            "sections": summary(journey),
            "problems": problems,
            "back_url": step_url(steps_for(journey)[-1]),
            "once": journey.once,
            "once_field": once.FIELD,
        },
    )


@never_cache
@require_safe
@login_required
def done(request: HttpRequest, reference: str) -> HttpResponse:
    # A case that does not exist gets the same answer as on the case page.
    loaded = load_case(request, reference)
    if isinstance(loaded, HttpResponse):
        return loaded
    case = loaded
    record = selectors.stages(request.user, case).filter(number=case.current_stage).first()
    return render(
        request,
        "cases/raise/done.html",
        {
            "case": case,
            "record": record,
            "stage": procedure_of(case).stage(case.current_stage),
            "next_steps": next_steps(case, record),
        },
    )
