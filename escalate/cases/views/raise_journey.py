"""Raising a professional challenge: a few short pages, answers kept in the session, then
check your answers and :func:`escalate.cases.services.raise_case`.

Nothing is saved until the person confirms on the check-your-answers page. Each page
checks its own answers; errors the service finds are shown back on the page they belong to.

The answers identify someone at risk, so the session holds no more than the journey
needs (only the questions that apply, only their fields) and not for long: they are
deleted when the case is raised, when the person cancels or starts again, and once the
journey has been left alone for longer than the session idle timeout. The journey has
a one-time token, so raising it twice (a double click, two tabs) makes one case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from escalate import clock
from escalate.cases import once, permissions, raise_forms, selectors, services
from escalate.cases.errors import AlreadyDone, CaseError, Invalid, NotAllowed, NotFound
from escalate.cases.facts import procedure_of
from escalate.cases.models import SubjectType
from escalate.cases.views import limits
from escalate.partnerships.models import Agency, Partnership
from escalate.procedures.model import Procedure

SESSION_KEY = "raise_journey"


# ---------------------------------------------------------------- the journey's state


@dataclass
class Journey:
    """Where the person is raising from, and their answers so far, page by page."""

    agency: Agency
    partnership: Partnership
    answers: dict[str, dict[str, Any]]
    errors: dict[str, list[str]]
    checking: bool
    #: The journey's one-time token: raising with it a second time makes no new case.
    once: str = dataclasses.field(default_factory=once.issue)

    @property
    def procedure(self) -> Procedure:
        return self.partnership.procedure

    def answer(self, step: str, name: str, default: Any = None) -> Any:
        return self.answers.get(step, {}).get(name, default)


def _choices(person: Any) -> list[tuple[Agency, Partnership]]:
    return permissions.raising_choices(person)


def idle_timeout() -> int:
    """Seconds a journey's answers are kept without the person doing anything."""
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 1800))


def _forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def _load(request: HttpRequest) -> Journey | None:
    """The journey in progress, or None. Answers left alone for longer than the idle
    timeout (or kept without a time, by an older version) are deleted, and the person is
    told why they are starting again."""
    state = request.session.get(SESSION_KEY)
    if not state:
        return None
    touched = state.get("touched")
    if not isinstance(touched, (int, float)) or clock.now().timestamp() - touched > idle_timeout():
        _forget(request)
        minutes = max(idle_timeout() // 60, 1)
        messages.info(
            request,
            "Your answers were deleted because nothing was done for "
            f"{minutes} minute{'s' if minutes != 1 else ''}, to keep the details of the "
            "person at risk safe. Start again.",
        )
        return None
    pairs = {(a.pk, p.pk): (a, p) for a, p in _choices(request.user)}
    pair = pairs.get((state.get("agency"), state.get("partnership")))
    if pair is None:
        _forget(request)
        return None
    journey = Journey(
        pair[0],
        pair[1],
        state.get("answers", {}),
        state.get("errors", {}),
        bool(state.get("checking")),
        str(state.get("once") or "") or once.issue(),
    )
    _save(request, journey)  # the person is using it: keep it for another idle timeout
    return journey


def _save(request: HttpRequest, journey: Journey) -> None:
    """Keep the journey: only the answers to questions that apply now, and only those
    questions' fields, with the time, so it can expire."""
    steps = {s.slug: s for s in _steps(journey)}
    answers = {
        slug: {k: v for k, v in given.items() if k in steps[slug].fields}
        for slug, given in journey.answers.items()
        if slug in steps
    }
    journey.answers = answers
    fields = {name for s in steps.values() for name in s.fields}
    journey.errors = {k: v for k, v in journey.errors.items() if k in fields}
    request.session[SESSION_KEY] = {
        "agency": journey.agency.pk,
        "partnership": journey.partnership.pk,
        "answers": answers,
        "errors": journey.errors,
        "checking": journey.checking,
        "once": journey.once,
        "touched": clock.now().timestamp(),
    }


# ---------------------------------------------------------------- the pages


def _owner_choices(journey: Journey) -> list[tuple[str, str]]:
    """People who could own a later stage: those holding any later stage's owner role in
    the raising agency or the partnership. The service checks the stage they are given."""
    roles = list(dict.fromkeys(r for s in journey.procedure.stages[1:] for r in s.owners))
    people: dict[int, str] = {}
    for c in selectors.owner_candidates(journey.partnership, journey.agency, roles):
        people.setdefault(c.person.pk, f"{c.person.full_name} ({c.role.label})")
    return sorted(((str(pk), label) for pk, label in people.items()), key=lambda c: c[1])


def _agency_choices(journey: Journey) -> list[tuple[str, str]]:
    return [
        (str(a.pk), a.name)
        for a in journey.partnership.agencies.exclude(pk=journey.agency.pk).order_by("name")
    ]


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form: type[forms.Form]
    fields: tuple[str, ...]

    def applies(self, journey: Journey) -> bool:
        procedure = journey.procedure
        at_risk = journey.answer("immediate-risk", "immediate_risk") == "yes"
        if self.slug == "referral":
            return at_risk
        if self.slug == "start-stage":
            return at_risk and procedure.expedite.allowed
        if self.slug == "scope":
            return bool(procedure.out_of_scope)
        return True

    def make_form(self, journey: Journey, data: Any = None) -> forms.Form:
        kwargs: dict[str, Any] = {"initial": journey.answers.get(self.slug, {})}
        if self.form is raise_forms.OtherAgencyForm:
            kwargs["agencies"] = _agency_choices(journey)
        else:
            kwargs["procedure"] = journey.procedure
        if self.form is raise_forms.StartStageForm:
            kwargs["owners"] = _owner_choices(journey)
        return self.form(data, **kwargs)


STEPS = (
    Step("immediate-risk", "Immediate risk", raise_forms.ImmediateRiskForm, ("immediate_risk",)),
    Step(
        "referral",
        "Safeguarding referral",
        raise_forms.ReferralForm,
        ("referral_made", "referral_made_on"),
    ),
    Step(
        "start-stage",
        "Where it starts",
        raise_forms.StartStageForm,
        (
            "start_stage",
            "expedite_reason",
            "owner",
            "owner_role",
            "counterpart_name",
            "counterpart_email",
        ),
    ),
    Step("scope", "What the procedure covers", raise_forms.ScopeForm, ("situation",)),
    Step(
        "other-agency",
        "The other agency",
        raise_forms.OtherAgencyForm,
        ("other_agency", "other_professional_name", "other_professional_email"),
    ),
    Step(
        "person",
        "The person at risk",
        raise_forms.PersonForm,
        (
            "subject_type",
            "person_name",
            "person_date_of_birth",
            "person_address",
            "person_record_id",
            "person_views",
            "person_knows",
        ),
    ),
    Step(
        "disagreement",
        "The disagreement",
        raise_forms.DisagreementForm,
        ("categories", "disagreement", "outcome_sought", "concern_arose_on"),
    ),
)
BY_SLUG = {s.slug: s for s in STEPS}


def _steps(journey: Journey) -> list[Step]:
    return [s for s in STEPS if s.applies(journey)]


def _first_unanswered(journey: Journey) -> Step | None:
    return next((s for s in _steps(journey) if s.slug not in journey.answers), None)


def _step_url(step: Step) -> str:
    return reverse("cases:raise_step", args=[step.slug])


def _previous_url(person: Any, journey: Journey, step: Step) -> str:
    if journey.checking:
        return reverse("cases:raise_check")
    steps = _steps(journey)
    index = steps.index(step) if step in steps else 0
    if index == 0:
        # The start page only asks anything of people who can raise from several agencies.
        return reverse("cases:raise") if len(_choices(person)) > 1 else reverse("home")
    return _step_url(steps[index - 1])


def _cannot_raise(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "cases/raise/cannot_raise.html", {"reason": reason}, status=403)


# ---------------------------------------------------------------- views


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Choose where to raise from (only asked when there is more than one choice)."""
    pairs = _choices(request.user)
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
    current = _load(request)
    if current is None or current.agency != agency or current.partnership != partnership:
        _save(request, Journey(agency, partnership, {}, {}, False))
    return redirect("cases:raise_step", STEPS[0].slug)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def step(request: HttpRequest, slug: str) -> HttpResponse:
    journey = _load(request)
    if journey is None:
        return redirect("cases:raise")
    page = BY_SLUG.get(slug)
    if page is None:
        raise Http404
    if not page.applies(journey):
        return redirect(_next_url(journey))
    if request.method == "POST":
        form = page.make_form(journey, request.POST)
        if form.is_valid():
            journey.answers[slug] = raise_forms.storable(form.cleaned_data)
            journey.errors = {k: v for k, v in journey.errors.items() if k not in page.fields}
            if slug == "scope" and form.cleaned_data["situation"] != "none":
                _save(request, journey)
                return redirect("cases:raise_out_of_scope")
            _save(request, journey)
            return redirect(_next_url(journey))
    else:
        stored = journey.answers.get(slug)
        mine = {k: v for k, v in journey.errors.items() if k in page.fields}
        if mine and stored is not None:
            # The service found a problem here: show the answer with its message.
            form = page.make_form(journey, _as_data(page.make_form(journey), stored))
            form.is_valid()
            for name, messages in mine.items():
                target = name if name in form.fields else None
                for message in messages:
                    form.add_error(target, message)
        else:
            form = page.make_form(journey)
    context = {
        "form": form,
        "step": page,
        "journey": journey,
        "procedure": journey.procedure,
        "back_url": _previous_url(request.user, journey, page),
    }
    return render(request, f"cases/raise/{slug.replace('-', '_')}.html", context)


def _as_data(form: forms.Form, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as the POST data the page's form reads."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = stored.get(name)
        if isinstance(field, raise_forms.GovukDateField):
            if value:
                day = dt.date.fromisoformat(value)
                data.update(
                    {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}
                )
        elif isinstance(value, list) or value is not None:
            data[name] = value
    from django.utils.datastructures import MultiValueDict

    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})


def _next_url(journey: Journey) -> str:
    nxt = _first_unanswered(journey)
    if nxt is not None:
        return _step_url(nxt)
    return reverse("cases:raise_check")


@require_safe
@login_required
def out_of_scope(request: HttpRequest) -> HttpResponse:
    journey = _load(request)
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
            "back_url": _step_url(BY_SLUG["scope"]),
        },
    )


def _summary(journey: Journey) -> list[dict[str, Any]]:
    """The check-your-answers rows, page by page, each with a Change link."""
    procedure = journey.procedure
    sections: list[dict[str, Any]] = []
    agencies = dict(_agency_choices(journey))
    owners = dict(_owner_choices(journey))
    categories = {c.key: c.label for c in procedure.categories}
    yes_no = {"yes": "Yes", "no": "No"}

    def when(value: str | None) -> str:
        return dt.date.fromisoformat(value).strftime("%-d %B %Y") if value else "Not given"

    for page in _steps(journey):
        a = journey.answers.get(page.slug, {})
        rows: list[tuple[str, str]] = []
        if page.slug == "immediate-risk":
            rows = [("Anyone at immediate risk", yes_no.get(a.get("immediate_risk"), ""))]
        elif page.slug == "referral":
            rows = [
                ("Referral or front-door contact made", yes_no.get(a.get("referral_made"), "")),
            ]
            if a.get("referral_made") == "yes":
                rows.append(("Date it was made", when(a.get("referral_made_on"))))
        elif page.slug == "start-stage":
            number = int(a.get("start_stage") or 1)
            rows = [("Starts at", f"Stage {number}: {procedure.stage(number).title}")]
            if number > 1:
                rows += [
                    ("Why it starts there", a.get("expedite_reason", "")),
                    ("Stage owner", owners.get(a.get("owner", ""), "")),
                ]
                if a.get("counterpart_name"):
                    rows.append(
                        ("Counterpart", f"{a['counterpart_name']}, {a.get('counterpart_email')}")
                    )
        elif page.slug == "scope":
            rows = [("Covered by the procedure", "Yes: none of the exclusions apply")]
        elif page.slug == "other-agency":
            rows = [
                ("Other agency", agencies.get(a.get("other_agency", ""), "")),
                ("Other professional", a.get("other_professional_name", "")),
                ("Their email address", a.get("other_professional_email", "")),
            ]
        elif page.slug == "person":
            subject = dict(SubjectType.choices).get(a.get("subject_type", ""), "")
            rows = [("Who is at risk", subject), ("Name", a.get("person_name", ""))]
            if "person_date_of_birth" in a:
                rows.append(("Date of birth", when(a.get("person_date_of_birth"))))
            if "person_address" in a:
                rows.append(("Address", a.get("person_address") or "Not given"))
            rows += [
                ("Your record number", a.get("person_record_id") or "Not given"),
                ("Their views and wishes", a.get("person_views") or "Not given"),
                ("They know about this", yes_no.get(a.get("person_knows"), "")),
            ]
        elif page.slug == "disagreement":
            if procedure.categories:
                rows.append(
                    (
                        "What it is about",
                        ", ".join(categories.get(c, c) for c in a.get("categories", [])),
                    )
                )
            rows += [
                ("The disagreement", a.get("disagreement", "")),
                ("Outcome sought", a.get("outcome_sought", "")),
                ("Date the concern arose", when(a.get("concern_arose_on"))),
            ]
        href = _step_url(page)
        sections.append(
            {
                "title": page.title,
                "rows": [
                    {
                        "key": {"text": key},
                        "value": {"text": value},
                        "actions": {
                            "items": [
                                {"href": href, "text": "Change", "visuallyHiddenText": key.lower()}
                            ]
                        },
                    }
                    for key, value in rows
                ],
            }
        )
    return sections


def _service_arguments(journey: Journey) -> dict[str, Any]:
    a = journey.answers
    risk = a.get("immediate-risk", {})
    referral = a.get("referral", {}) if risk.get("immediate_risk") == "yes" else {}
    start_at = a.get("start-stage", {}) if risk.get("immediate_risk") == "yes" else {}
    other = a.get("other-agency", {})
    person = a.get("person", {})
    what = a.get("disagreement", {})

    def date(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    def yes(value: str | None) -> bool | None:
        return {"yes": True, "no": False}.get(value or "")

    number = int(start_at.get("start_stage") or 1)
    owner = None
    if number > 1 and start_at.get("owner"):
        from escalate.accounts.models import User

        owner = User.objects.filter(pk=int(start_at["owner"])).first()
    return {
        "partnership": journey.partnership,
        "raising_agency": journey.agency,
        "other_agency": journey.partnership.agencies.get(pk=int(other["other_agency"])),
        "other_professional_name": other.get("other_professional_name", ""),
        "other_professional_email": other.get("other_professional_email", ""),
        "subject_type": person.get("subject_type", ""),
        "person_name": person.get("person_name", ""),
        "person_knows": yes(person.get("person_knows")),
        "person_date_of_birth": date(person.get("person_date_of_birth")),
        "person_address": person.get("person_address", ""),
        "person_record_id": person.get("person_record_id", ""),
        "person_views": person.get("person_views", ""),
        "categories": what.get("categories", []),
        "disagreement": what.get("disagreement", ""),
        "outcome_sought": what.get("outcome_sought", ""),
        "concern_arose_on": date(what.get("concern_arose_on")),
        "immediate_risk": risk.get("immediate_risk") == "yes",
        "referral_made": yes(referral.get("referral_made")),
        "referral_made_on": date(referral.get("referral_made_on")),
        "start_stage": number,
        "expedite_reason": start_at.get("expedite_reason", "") if number > 1 else "",
        "owner": owner,
        "counterpart_name": start_at.get("counterpart_name", "") if number > 1 else "",
        "counterpart_email": start_at.get("counterpart_email", "") if number > 1 else "",
    }


FIELD_STEPS = {name: s.slug for s in STEPS for name in s.fields}


@require_POST
@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    """Delete the journey's answers and start again."""
    _forget(request)
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
    journey = _load(request)
    if journey is None:
        # Sent again after the case was raised (Back, then Raise): show that case.
        earlier = selectors.submitted(request.user, posted)
        if earlier is not None and earlier.case is not None:
            return redirect("cases:raise_done", earlier.case.reference)
        return redirect("cases:raise")
    missing = _first_unanswered(journey)
    if missing is not None:
        return redirect(_step_url(missing))
    if journey.answer("scope", "situation") not in (None, "none"):
        return redirect("cases:raise_out_of_scope")
    journey.checking = True
    _save(request, journey)
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
                **_service_arguments(journey),
                once=journey.once,
            )
        except AlreadyDone as already:
            # Raised already with this journey (two clicks, two tabs): show that case.
            _forget(request)
            if already.case_reference:
                return redirect("cases:raise_done", already.case_reference)
            problems = [already.message]
        except Invalid as invalid:
            errors = {k: [str(m) for m in v] for k, v in invalid.errors.items()}
            on_pages = {k: v for k, v in errors.items() if k in FIELD_STEPS}
            if on_pages:
                journey.errors = on_pages
                _save(request, journey)
                first = next(s for s in STEPS if any(FIELD_STEPS[k] == s.slug for k in on_pages))
                return redirect(_step_url(first))
            problems = [m for v in errors.values() for m in v]
        except NotAllowed as refused:
            return _cannot_raise(request, str(refused))
        except CaseError as error:
            problems = [str(error)]
        else:
            _forget(request)
            return redirect("cases:raise_done", case.reference)
    return render(
        request,
        "cases/raise/check.html",
        {
            "journey": journey,
            "procedure": journey.procedure,
            "sections": _summary(journey),
            "problems": problems,
            "back_url": _step_url(_steps(journey)[-1]),
            "once": journey.once,
            "once_field": once.FIELD,
        },
    )


def _next_steps(case: Any, record: Any) -> list[str]:
    """ "What happens next and by when", in words, from the stage's stored deadlines."""
    lines: list[str] = []
    if record is None:
        return lines

    def day(value: str | None) -> str:
        return dt.date.fromisoformat(value).strftime("%A %-d %B %Y") if value else ""

    deadlines = record.deadlines or {}
    start = deadlines.get("start_by")
    if start and start.get("due"):
        if record.number == 1:
            lines.append(f"Raise this with {case.other_agency.name} by {day(start['due'])}.")
        else:
            lines.append(f"Start stage {record.number} by {day(start['due'])}.")
    conclude = deadlines.get("conclude_by")
    if conclude and conclude.get("due"):
        lines.append(
            f"Resolve the disagreement at stage {record.number}, or escalate it, "
            f"by {day(conclude['due'])}."
        )
    for other in deadlines.get("other") or []:
        if other.get("due"):
            lines.append(f"{other['label']}: by {day(other['due'])}.")
    return lines


@require_safe
@login_required
def done(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = selectors.get_case(request.user, reference=reference)
    except (NotFound, NotAllowed):
        # The same answer as the case page's for a case that does not exist.
        return render(request, "cases/case/not_found.html", status=404)
    record = selectors.stages(request.user, case).filter(number=case.current_stage).first()
    return render(
        request,
        "cases/raise/done.html",
        {
            "case": case,
            "record": record,
            "stage": procedure_of(case).stage(case.current_stage),
            "next_steps": _next_steps(case, record),
        },
    )
