"""Raising a professional challenge: a few short pages, answers kept in the session, then
check your answers and :func:`escalate.cases.services.raise_case`.

Nothing is saved until the person confirms on the check-your-answers page. Each page
checks its own answers; errors the service finds are shown back on the page they belong to.

The pages and the answers kept between them are in :mod:`.raise_steps` (kept briefly and
no more than needed, as they identify someone at risk); what the last pages show is in
:mod:`.raise_presenters`. The journey has a one-time token, so raising it twice (a
double click, two tabs) makes one case.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from escalate.cases import once, raise_forms, selectors, services
from escalate.cases.errors import AlreadyDone, CaseError, Invalid, NotAllowed
from escalate.cases.facts import procedure_of
from escalate.cases.views import limits
from escalate.cases.views.common import load_case
from escalate.cases.views.raise_presenters import next_steps, summary
from escalate.cases.views.raise_steps import (
    BY_SLUG,
    FIELD_STEPS,
    STEPS,
    Journey,
    as_data,
    first_unanswered,
    forget_journey,
    load_journey,
    next_url,
    previous_url,
    save_journey,
    service_arguments,
    step_url,
    steps_for,
)
from escalate.partnerships import permissions
from escalate.partnerships.models import Agency, Partnership

__all__ = ["STEPS", "cancel", "check", "done", "out_of_scope", "start", "step"]


def _cannot_raise(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "cases/raise/cannot_raise.html", {"reason": reason}, status=403)


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
    current = load_journey(request)
    if current is None or current.agency != agency or current.partnership != partnership:
        save_journey(request, Journey(agency, partnership, {}, {}, False))
    return redirect("cases:raise_step", STEPS[0].slug)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def step(request: HttpRequest, slug: str) -> HttpResponse:
    journey = load_journey(request)
    if journey is None:
        return redirect("cases:raise")
    page = BY_SLUG.get(slug)
    if page is None:
        raise Http404
    if not page.applies(journey):
        return redirect(next_url(journey))
    if request.method == "POST":
        form = page.make_form(journey, request.POST)
        if form.is_valid():
            journey.answers[slug] = raise_forms.storable(form.cleaned_data)
            journey.errors = {k: v for k, v in journey.errors.items() if k not in page.fields}
            if slug == "scope" and form.cleaned_data["situation"] != "none":
                save_journey(request, journey)
                return redirect("cases:raise_out_of_scope")
            save_journey(request, journey)
            return redirect(next_url(journey))
    else:
        stored = journey.answers.get(slug)
        mine = {k: v for k, v in journey.errors.items() if k in page.fields}
        if mine and stored is not None:
            # The service found a problem here: show the answer with its message.
            form = page.make_form(journey, as_data(page.make_form(journey), stored))
            form.is_valid()
            for name, texts in mine.items():
                target = name if name in form.fields else None
                for text in texts:
                    form.add_error(target, text)
        else:
            form = page.make_form(journey)
    context = {
        "form": form,
        "step": page,
        "journey": journey,
        "procedure": journey.procedure,
        "back_url": previous_url(request.user, journey, page),
    }
    return render(request, f"cases/raise/{slug.replace('-', '_')}.html", context)


@require_safe
@login_required
def out_of_scope(request: HttpRequest) -> HttpResponse:
    journey = load_journey(request)
    if journey is None:
        return redirect("cases:raise")
    chosen = journey.answer("scope", "situation")
    situations = journey.procedure.out_of_scope
    if chosen in (None, "none") or not str(chosen).isdigit() or int(chosen) >= len(situations):
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


@require_POST
@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    """Delete the journey's answers and start again."""
    forget_journey(request)
    messages.info(request, "Your answers have been deleted.")
    return redirect("cases:raise")


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
        # Sent again after the case was raised (Back, then Raise): show that case.
        earlier = selectors.submitted(request.user, posted)
        if earlier is not None and earlier.case is not None:
            return redirect("cases:raise_done", earlier.case.reference)
        return redirect("cases:raise")
    missing = first_unanswered(journey)
    if missing is not None:
        return redirect(step_url(missing))
    if journey.answer("scope", "situation") not in (None, "none"):
        return redirect("cases:raise_out_of_scope")
    journey.checking = True
    save_journey(request, journey)
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
                request.user,  # type: ignore[arg-type]
                **service_arguments(journey),
                once=journey.once,
            )
        except AlreadyDone as already:
            # Raised already with this journey (two clicks, two tabs): show that case.
            forget_journey(request)
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
