"""The raise journey's pages (steps) and the answers kept between them in the session.
What the answers mean (checked as the final check would, and as
:func:`escalate.cases.services.raise_case`'s arguments) is :mod:`.raise_answers`.

The answers identify someone at risk, so the session holds no more than the journey
needs (only the questions that apply, only their fields) and not for long: they are
deleted when the case is raised, when the person cancels or starts again, and once the
journey has been left alone for longer than the session idle timeout. Whatever the
session holds is read defensively: answers not shaped as answers are asked again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from escalate import clock
from escalate.cases import once, raise_forms, selectors
from escalate.partnerships import permissions
from escalate.partnerships.models import Agency, Partnership
from escalate.procedures.model import Procedure

if TYPE_CHECKING:
    from escalate.accounts.models import User

SESSION_KEY = "raise_journey"
#: The one-time token of the journey raised last in this session: its pages, visited
#: again (Back from the confirmation), show that case's confirmation.
RAISED_KEY = "raise_journey_raised"


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


def idle_timeout() -> int:
    """Seconds a journey's answers are kept without the person doing anything."""
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 1800))


def forget_journey(request: HttpRequest) -> None:
    """Delete the journey's answers from the session."""
    request.session.pop(SESSION_KEY, None)


def remember_raised(request: HttpRequest, token: str) -> None:
    """The journey with this one-time token has raised its case (its answers are gone)."""
    request.session[RAISED_KEY] = token


def raised_token(request: HttpRequest) -> str:
    """The one-time token of the journey this session raised last, or ""."""
    token = request.session.get(RAISED_KEY)
    return token if isinstance(token, str) else ""


def forget_raised(request: HttpRequest) -> None:
    request.session.pop(RAISED_KEY, None)


def _answers(value: Any) -> dict[str, dict[str, Any]]:
    """The answers kept, page by page; anything not shaped as answers is left out (that
    page is asked again)."""
    if not isinstance(value, dict):
        return {}
    return {
        slug: {k: v for k, v in given.items() if isinstance(k, str)}
        for slug, given in value.items()
        if isinstance(slug, str) and isinstance(given, dict)
    }


def _errors(value: Any) -> dict[str, list[str]]:
    """The service's messages kept for the pages, by field; only text is kept."""
    if not isinstance(value, dict):
        return {}
    kept = {
        name: [m for m in texts if isinstance(m, str)]
        for name, texts in value.items()
        if isinstance(name, str) and isinstance(texts, list)
    }
    return {name: texts for name, texts in kept.items() if texts}


def load_journey(request: HttpRequest) -> Journey | None:
    """The journey in progress, or None. Answers left alone for longer than the idle
    timeout (or kept without a time, by an older version) are deleted, and the person is
    told why they are starting again; so are answers that cannot be read."""
    state = request.session.get(SESSION_KEY)
    if not state:
        return None
    if not isinstance(state, dict):
        forget_journey(request)
        messages.info(request, "Your answers could not be read, so they were deleted. Start again.")
        return None
    touched = state.get("touched")
    if not isinstance(touched, (int, float)) or clock.now().timestamp() - touched > idle_timeout():
        forget_journey(request)
        minutes = max(idle_timeout() // 60, 1)
        messages.info(
            request,
            "Your answers were deleted because nothing was done for "
            f"{minutes} minute{'s' if minutes != 1 else ''}, to keep the details of the "
            "person at risk safe. Start again.",
        )
        return None
    pairs = {(a.pk, p.pk): (a, p) for a, p in permissions.raising_choices(request.user)}
    kept: tuple[Any, Any] = (state.get("agency"), state.get("partnership"))
    pair = pairs.get(kept)
    if pair is None:
        forget_journey(request)
        return None
    token = state.get("once")
    journey = Journey(
        pair[0],
        pair[1],
        _answers(state.get("answers")),
        _errors(state.get("errors")),
        state.get("checking") is True,
        token if isinstance(token, str) and token else once.issue(),
    )
    save_journey(request, journey)  # the person is using it: keep it for another idle timeout
    return journey


def save_journey(request: HttpRequest, journey: Journey) -> None:
    """Keep the journey: only the answers to questions that apply now, and only those
    questions' fields, with the time, so it can expire."""
    steps = {s.slug: s for s in steps_for(journey)}
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


def owner_choices(journey: Journey) -> list[tuple[str, str]]:
    """People who could own a later stage: those holding any later stage's owner role in
    the raising agency or the partnership. The service checks the stage they are given."""
    roles = list(dict.fromkeys(r for s in journey.procedure.stages[1:] for r in s.owners))
    people: dict[int, str] = {}
    for c in selectors.owner_candidates(journey.partnership, journey.agency, roles):
        people.setdefault(
            c.person.pk, f"{c.person.full_name} ({journey.procedure.role_label(c.role)})"
        )
    return sorted(((str(pk), label) for pk, label in people.items()), key=lambda c: c[1])


def agency_choices(journey: Journey) -> list[tuple[str, str]]:
    """The partnership's other agencies, the challenge could be with."""
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
        at_risk: bool = journey.answer("immediate-risk", "immediate_risk") == "yes"
        if self.slug == "referral":
            return at_risk
        if self.slug == "start-stage":
            return at_risk and procedure.expedite.allowed
        if self.slug == "scope":
            return bool(procedure.out_of_scope)
        return True

    def make_form(
        self, journey: Journey, data: Any = None, *, person: User | None = None
    ) -> forms.Form:
        kwargs: dict[str, Any] = {"initial": journey.answers.get(self.slug, {})}
        if self.form is raise_forms.OtherAgencyForm:
            kwargs["agencies"] = agency_choices(journey)
            kwargs["own_email"] = person.email if person is not None else ""
        else:
            kwargs["procedure"] = journey.procedure
        if self.form is raise_forms.StartStageForm:
            kwargs["owners"] = owner_choices(journey)
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
            "consulted",
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
            "kinds",
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
#: Which page asks for each field (to send the service's errors back to it).
FIELD_STEPS = {name: s.slug for s in STEPS for name in s.fields}


def steps_for(journey: Journey) -> list[Step]:
    """The pages that apply to this journey, in order."""
    return [s for s in STEPS if s.applies(journey)]


def first_unanswered(journey: Journey) -> Step | None:
    return next((s for s in steps_for(journey) if s.slug not in journey.answers), None)


def step_url(step: Step) -> str:
    return reverse("cases:raise_step", args=[step.slug])


def next_url(journey: Journey) -> str:
    """The first page still to answer, else check your answers."""
    nxt = first_unanswered(journey)
    if nxt is not None:
        return step_url(nxt)
    return reverse("cases:raise_check")


def previous_url(person: Any, journey: Journey, step: Step) -> str:
    """Where the page's Back link goes."""
    if journey.checking:
        return reverse("cases:raise_check")
    steps = steps_for(journey)
    index = steps.index(step) if step in steps else 0
    if index == 0:
        # The start page only asks anything of people who can raise from several agencies.
        several = len(permissions.raising_choices(person)) > 1
        return reverse("cases:raise") if several else reverse("home")
    return step_url(steps[index - 1])
