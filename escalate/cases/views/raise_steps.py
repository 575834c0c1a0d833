"""The raise journey's pages (steps), the answers kept between them in the session, and
what those answers mean for :func:`escalate.cases.services.raise_case`.

The answers identify someone at risk, so the session holds no more than the journey
needs (only the questions that apply, only their fields) and not for long: they are
deleted when the case is raised, when the person cancels or starts again, and once the
journey has been left alone for longer than the session idle timeout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from escalate import clock
from escalate.cases import once, raise_forms, selectors
from escalate.partnerships import permissions
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


def idle_timeout() -> int:
    """Seconds a journey's answers are kept without the person doing anything."""
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 1800))


def forget_journey(request: HttpRequest) -> None:
    """Delete the journey's answers from the session."""
    request.session.pop(SESSION_KEY, None)


def load_journey(request: HttpRequest) -> Journey | None:
    """The journey in progress, or None. Answers left alone for longer than the idle
    timeout (or kept without a time, by an older version) are deleted, and the person is
    told why they are starting again."""
    state = request.session.get(SESSION_KEY)
    if not state:
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
    pair = pairs.get((state.get("agency"), state.get("partnership")))
    if pair is None:
        forget_journey(request)
        return None
    journey = Journey(
        pair[0],
        pair[1],
        state.get("answers", {}),
        state.get("errors", {}),
        bool(state.get("checking")),
        str(state.get("once") or "") or once.issue(),
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
        people.setdefault(c.person.pk, f"{c.person.full_name} ({c.role.label})")
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
            kwargs["agencies"] = agency_choices(journey)
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


def as_data(form: forms.Form, stored: dict[str, Any]) -> MultiValueDict[str, Any]:
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
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})


# ---------------------------------------------------------------- what the answers mean


def service_arguments(journey: Journey) -> dict[str, Any]:
    """The answers as :func:`escalate.cases.services.raise_case`'s arguments."""
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
