"""What the raise journey's answers mean: each page refuses what the final check would
refuse, and the answers kept are checked again before they are shown for checking or
raised; then they become :func:`escalate.cases.services.raise_case`'s arguments.

:func:`checked_form` is a page's form, then :mod:`escalate.cases.services.raise_checks`
asked about that page's answers (the final check's own functions, so the two never
disagree). :func:`checked_answers` checks every page's kept answers again, so answers
that were good when given but are not now (a day has passed, the other agency has left
the partnership) or that were never good (a session holding something else) send the
person back to the page to change them, never to a server error.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.datastructures import MultiValueDict

from escalate import clock
from escalate.cases import raise_forms
from escalate.cases.errors import NotAllowed
from escalate.cases.services import raise_checks
from escalate.cases.services.new_stage import counterpart
from escalate.cases.services.validation import Form
from escalate.cases.views.raise_steps import Journey, Step, steps_for
from escalate.govuk.dates import GovukDateField, date_parts
from escalate.govuk.text import is_number

if TYPE_CHECKING:
    from escalate.accounts.models import User
    from escalate.partnerships.models import Agency

# ---------------------------------------------------------------- kept answers as a page's data


def as_data(form: forms.Form, stored: dict[str, Any]) -> MultiValueDict[str, str]:
    """Stored answers as the POST data the page's form reads: text, as a browser sends
    it (a date as its three parts, the year in four digits), whatever the session held."""
    data: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        value = stored.get(name)
        if isinstance(field, GovukDateField):
            day = _stored_date(value)
            if day is not None:
                data.update({f"{name}-{part}": [text] for part, text in date_parts(day).items()})
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value if v is not None]
        elif value is not None:
            data[name] = [str(value)]
    return MultiValueDict(data)


def _stored_date(value: Any) -> dt.date | None:
    """A date kept as ISO text; anything else is no date."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# ---------------------------------------------------------------- checking the answers


def checked_form(step: Step, journey: Journey, person: User, data: Any) -> forms.Form:
    """The page's form with ``data``, checked by the form and then as the final check
    would check this page's answers: what raising would refuse, the page refuses."""
    form = step.make_form(journey, data, person=person)
    if form.is_valid():
        for name, texts in final_check(step, journey, person, form.cleaned_data).items():
            target = name if name in form.fields else None
            for text in texts:
                form.add_error(target, text)
    return form


def checked_answers(journey: Journey, person: User) -> Step | None:
    """Every page's kept answers checked again, as they were on the page; the first page
    whose answers are missing or are refused now, else None. The answers kept become
    what the pages' forms read from them."""
    for step in steps_for(journey):
        stored = journey.answers.get(step.slug)
        if stored is None:
            return step
        form = checked_form(step, journey, person, as_data(step.make_form(journey), stored))
        if not form.is_valid():
            return step
        journey.answers[step.slug] = raise_forms.storable(form.cleaned_data)
    return None


def final_check(
    step: Step, journey: Journey, person: User, answers: dict[str, Any]
) -> dict[str, list[str]]:
    """What :mod:`escalate.cases.services.raise_checks` refuses in one page's answers (as
    the page's form cleaned them), by field. Only this page's fields are kept: the other
    pages' answers are checked on their own pages."""
    form = Form()
    a = answers
    today = clock.today()
    procedure = journey.procedure
    try:
        if step.slug == "other-agency":
            other = _agency(journey, a.get("other_agency"))
            if other is None:
                form.add("other_agency", "Choose the other agency from the list")
            else:
                raise_checks.check_agencies(form, journey.partnership, journey.agency, other)
                raise_checks.check_other_professional(
                    form,
                    person,
                    other,
                    a.get("other_professional_name", ""),
                    a.get("other_professional_email", ""),
                )
        elif step.slug == "person":
            raise_checks.check_person(
                form,
                procedure,
                today,
                subject_type=a.get("subject_type", ""),
                name=a.get("person_name", ""),
                date_of_birth=a.get("person_date_of_birth"),
                address=a.get("person_address", ""),
                record_id=a.get("person_record_id", ""),
                views=a.get("person_views", ""),
                knows=_yes(a.get("person_knows")),
                kinds=a.get("kinds", []),
            )
        elif step.slug in ("referral", "disagreement"):
            raise_checks.check_concern(
                form,
                procedure,
                today,
                categories=a.get("categories", []),
                disagreement=a.get("disagreement", ""),
                outcome_sought=a.get("outcome_sought", ""),
                arose_on=a.get("concern_arose_on"),
                immediate_risk=step.slug == "referral",
                referral_made=_yes(a.get("referral_made")),
                referral_made_on=a.get("referral_made_on"),
            )
        elif step.slug == "start-stage":
            _check_start(form, journey, person, a)
    except NotAllowed as refused:
        form.add(step.fields[0], str(refused))
    return {name: texts for name, texts in form.errors.items() if name in step.fields}


def _check_start(form: Form, journey: Journey, person: User, a: dict[str, Any]) -> None:
    number = int(a.get("start_stage") or 1)
    start = raise_checks.check_start(
        form,
        person,
        journey.partnership,
        journey.agency,
        raise_checks.roles_in_raising_agency(person, journey.agency),
        stage=number,
        reason=a.get("expedite_reason", ""),
        owner=_owner(a.get("owner")) if number > 1 else None,
        owner_role=None,
        consulted=a.get("consulted", "") if number > 1 else "",
    )
    other = _agency(journey, journey.answer("other-agency", "other_agency"))
    if number > 1 and start.owner is not None and other is not None:
        counterpart(
            form,
            other,
            start.owner.role,
            a.get("counterpart_name", ""),
            a.get("counterpart_email", ""),
        )


def _agency(journey: Journey, pk: Any) -> Agency | None:
    """One of the partnership's agencies, by the id a page gave."""
    if not isinstance(pk, str | int) or not is_number(str(pk)):
        return None
    return journey.partnership.agencies.filter(pk=int(pk)).first()


def _owner(pk: Any) -> User | None:
    from escalate.accounts.models import User

    if not isinstance(pk, str | int) or not is_number(str(pk)):
        return None
    return User.objects.filter(pk=int(pk)).first()


def _texts(value: Any) -> list[str]:
    """A list of choices kept (anything else is none chosen)."""
    return [str(v) for v in value] if isinstance(value, list) else []


def _yes(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value if isinstance(value, str) else "")


# ---------------------------------------------------------------- what the answers mean


def service_arguments(journey: Journey) -> dict[str, Any]:
    """The answers (as :func:`checked_answers` left them) as
    :func:`escalate.cases.services.raise_case`'s arguments."""
    a = journey.answers
    risk = a.get("immediate-risk", {})
    referral = a.get("referral", {}) if risk.get("immediate_risk") == "yes" else {}
    start_at = a.get("start-stage", {}) if risk.get("immediate_risk") == "yes" else {}
    other = a.get("other-agency", {})
    person = a.get("person", {})
    what = a.get("disagreement", {})

    start_stage = start_at.get("start_stage")
    number = int(start_stage) if isinstance(start_stage, str) and is_number(start_stage) else 1
    return {
        "partnership": journey.partnership,
        "raising_agency": journey.agency,
        "other_agency": _agency(journey, other.get("other_agency")),
        "other_professional_name": other.get("other_professional_name", ""),
        "other_professional_email": other.get("other_professional_email", ""),
        "subject_type": person.get("subject_type", ""),
        "person_name": person.get("person_name", ""),
        "person_knows": _yes(person.get("person_knows")),
        "person_date_of_birth": _stored_date(person.get("person_date_of_birth")),
        "person_address": person.get("person_address", ""),
        "person_record_id": person.get("person_record_id", ""),
        "person_views": person.get("person_views", ""),
        "kinds": _texts(person.get("kinds")),
        "categories": what.get("categories", []),
        "disagreement": what.get("disagreement", ""),
        "outcome_sought": what.get("outcome_sought", ""),
        "concern_arose_on": _stored_date(what.get("concern_arose_on")),
        "immediate_risk": risk.get("immediate_risk") == "yes",
        "referral_made": _yes(referral.get("referral_made")),
        "referral_made_on": _stored_date(referral.get("referral_made_on")),
        "start_stage": number,
        "expedite_reason": start_at.get("expedite_reason", "") if number > 1 else "",
        "owner": _owner(start_at.get("owner")) if number > 1 else None,
        "counterpart_name": start_at.get("counterpart_name", "") if number > 1 else "",
        "counterpart_email": start_at.get("counterpart_email", "") if number > 1 else "",
        "consulted": start_at.get("consulted", "") if number > 1 else "",
    }
