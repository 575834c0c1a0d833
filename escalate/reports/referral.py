"""The forms a case's procedure puts on it (e.g. CESAB Appendix A, the final stage's
referral to the board; any stage may have one, and the procedure an outcome form): which
the case has, when each is ready, what it is pre-filled with, and who may fill it in.

Each form is named among the case's forms by its key: ``stage-<n>`` for stage n's, from
the day the case reaches it, and ``outcome`` for the outcome form, once the case has
ended resolved. Fields and their pre-fill sources come from the procedure snapshot kept
with the case, never from code: this module only knows how to read each
:class:`Prefill` source.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from escalate.cases import permissions
from escalate.cases.facts import procedure_of
from escalate.cases.models import Case, CaseStatus
from escalate.cases.permissions import CaseAction
from escalate.errors import Conflict, NotFound
from escalate.govuk import text as characters
from escalate.procedures.model import CaseForm, FieldKind
from escalate.reports.models import ReferralSubmission
from escalate.reports.prefilling import prefill as prefill

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: Why a case has no first stage form to go to.
NO_STAGE_FORM = "The procedure this case runs under has no form at any stage."


@dataclass(frozen=True)
class FormAt:
    """One form of a case: its key among the case's forms ("stage-4", "outcome"), the
    stage it belongs to on this case (the outcome form's is the stage the case resolved
    at; ``None`` until it has) and the form."""

    key: str
    stage: int | None
    form: CaseForm
    is_outcome: bool = False

    @property
    def title(self) -> str:
        return self.form.title

    @property
    def where(self) -> str:
        """When the form is completed, in words: "at stage 4", "once the case is resolved"."""
        return "once the case is resolved" if self.is_outcome else f"at stage {self.stage}"


def forms_of(case: Case) -> list[FormAt]:
    """Every form the case's procedure puts on it: each stage's in stage order, then the
    outcome form."""
    resolved_at = case.current_stage if case.status == CaseStatus.RESOLVED else None
    return [
        FormAt(f.key, resolved_at if f.is_outcome else f.stage, f.form, f.is_outcome)
        for f in procedure_of(case).case_forms
    ]


def form_of(case: Case) -> FormAt | None:
    """The case's first stage form (the seed procedures' referral to the board at their
    final stage); ``None``: no stage has one."""
    return next((f for f in forms_of(case) if not f.is_outcome), None)


def form_called(case: Case, key: str) -> FormAt:
    """The case's form named ``key``; no such form is "not found"."""
    found = next((f for f in forms_of(case) if f.key == key), None)
    if found is None:
        raise NotFound("This case has no such form.")
    return found


def not_ready(case: Case, found: FormAt) -> Conflict | None:
    """Why the form cannot be completed yet, if it cannot: its stage is not reached, or
    (the outcome form) the case has not ended resolved."""
    title = found.title
    if found.is_outcome:
        if case.status == CaseStatus.RESOLVED:
            return None
        return Conflict(
            f"{title} is completed once the case is resolved; this case is {case.status}.",
            reason="not_yet",
        )
    assert found.stage is not None
    if case.current_stage < found.stage:
        return Conflict(
            f"{title} is completed at stage {found.stage}; this case is at stage "
            f"{case.current_stage}.",
            reason="not_yet",
        )
    return None


def require_form(case: Case, key: str | None = None) -> FormAt:
    """The case's form named ``key`` (``None``: its first stage form), ready now."""
    if key is None:
        first = form_of(case)
        if first is None:
            raise Conflict(NO_STAGE_FORM, reason="no_form")
        found = first
    else:
        found = form_called(case, key)
    problem = not_ready(case, found)
    if problem is not None:
        raise problem
    return found


def ready(case: Case) -> list[FormAt]:
    """The case's forms that can be completed now."""
    return [f for f in forms_of(case) if not_ready(case, f) is None]


def latest_submission(case: Case, key: str) -> ReferralSubmission | None:
    """The latest submission of the case's form ``key``: the one that counts."""
    return (
        ReferralSubmission.objects.filter(case=case, form_key=key)
        .select_related("submitted_by")
        .first()
    )


@dataclass(frozen=True)
class Offered:
    """A form the case page offers: "Complete <title>", or "View <title>" once submitted."""

    found: FormAt
    submitted: bool

    @property
    def words(self) -> str:
        return f"{'View' if self.submitted else 'Complete'} {title_in_a_sentence(self.found.title)}"


def offered(user: User | Any, case: Case) -> list[Offered]:
    """The forms the case page should offer ``user`` now, each said as done or not."""
    now = ready(case)
    if not now or not permissions.may_complete_form(user, case):
        return []
    done = set(
        ReferralSubmission.objects.filter(case=case, form_key__in=[f.key for f in now])
        .values_list("form_key", flat=True)
        .distinct()
    )
    return [Offered(f, f.key in done) for f in now]


def offered_to(user: User | Any, case: Case) -> bool:
    """Whether the case page should offer ``user`` any of the case's forms now."""
    return bool(ready(case)) and permissions.may_complete_form(user, case)


def check_may_complete(user: User | Any, case: Case) -> None:
    """Refuse anyone who may not complete the case's forms
    (:attr:`~escalate.cases.permissions.CaseAction.SUBMIT_FORM`)."""
    permissions.require(user, CaseAction.SUBMIT_FORM, case)


def title_in_a_sentence(title: str) -> str:
    """A form's title as it reads after "Complete": its first letter in lower case, unless
    its first word is an abbreviation ("CESAB referral" stays)."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return title
    return title[:1].lower() + title[1:]


# ---------------------------------------------------------------- dates typed in

_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


def parse_day(text: str) -> dt.date | None:
    """A date as people type it: 24 December 2026, 24 Dec 2026, 24/12/2026, 2026-12-24."""
    t = text.strip().lower().replace(",", " ")
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        pass
    # ASCII digits only (re.ASCII), as every date field: never another script's digits.
    m = re.fullmatch(r"(\d{1,2})[ /.-]+(\d{1,2})[ /.-]+(\d{4})", t, re.ASCII)
    try:
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(
            r"(?:[a-z]+ )?(\d{1,2}) +([a-z]+) +(\d{4})", re.sub(r"\s+", " ", t), re.ASCII
        )
        if m:
            month = next((n for name, n in _MONTHS.items() if name.startswith(m[2][:3])), None)
            if month and len(m[2]) >= 3:
                return dt.date(int(m[3]), month, int(m[1]))
    except ValueError:
        return None
    return None


def field_errors(found: FormAt, values: dict[str, str]) -> dict[str, list[str]]:
    """What is wrong with the values typed, field by field, in plain English."""
    errors: dict[str, list[str]] = {}
    for f in found.form.fields:
        value = (values.get(f.key) or "").strip()
        label = in_a_sentence(f.label)
        if f.required and not value:
            errors.setdefault(f.key, []).append(f"Enter the {label.removeprefix('the ')}.")
        elif characters.has_unusual_characters(characters.tidy(value)):
            # NUL bytes and control characters: PostgreSQL cannot store the one, and Word
            # files cannot hold the others (see escalate.govuk.text).
            errors.setdefault(f.key, []).append(f"Remove the unusual characters from {label}.")
        elif len(value) > 5000:
            errors.setdefault(f.key, []).append(
                f"{f.label} must be 5,000 characters or fewer; it is {len(value):,}."
            )
        elif (
            value
            and f.kind is FieldKind.DATE
            and value.lower() != "not known"
            and parse_day(value) is None
        ):
            example = "3 March 1961" if "birth" in label else "14 March 2025"
            errors.setdefault(f.key, []).append(
                f"Enter the {label} as a real date, like {example}, or write not known."
            )
    return errors


def in_a_sentence(label: str) -> str:
    """A form's label as it reads inside a sentence: "Date of Birth" is "date of birth";
    abbreviations keep their capitals ("NHS number")."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in label.split())
