"""Changes made from the board pages: submitting one of a case's forms.

Like every change to a case, it goes through
:func:`escalate.cases.services.change_case`: the case is locked, the person's right to
submit the case's forms (:attr:`~escalate.cases.permissions.CaseAction.SUBMIT_FORM`) and
the version they saw are checked, and the chronology entry and the notifications owed
(whoever the form's ``notify`` names) are written, in one transaction. Responding to
policy issues goes through :func:`escalate.cases.services.respond_to_policy_issue`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalate import clock
from escalate.cases.models import Case
from escalate.cases.permissions import CaseAction
from escalate.cases.services import change_case
from escalate.errors import Invalid
from escalate.reports import referral
from escalate.reports.models import ReferralSubmission

if TYPE_CHECKING:
    from escalate.accounts.models import User

#: The chronology entry of a form submitted (named when only a referral form was known).
SUBMITTED = "referral.submitted"


def submit_form(
    actor: User,
    case: Case,
    form_key: str | None,
    *,
    values: dict[str, Any],
    expected_version: int,
) -> ReferralSubmission:
    """Submit the case's form ``form_key`` ("stage-4", "outcome"; ``None``: its first
    stage form) with the values typed (every problem is reported by field, in
    :class:`Invalid`, before anything is written). A form submitted again is a new
    submission: the latest counts."""
    with change_case(actor, case, CaseAction.SUBMIT_FORM, expected_version) as change:
        case = change.case
        found = referral.require_form(case, form_key)
        assert found.stage is not None  # a form that is ready has its stage
        cleaned = {f.key: str(values.get(f.key) or "").strip() for f in found.form.fields}
        errors = referral.field_errors(found, cleaned)
        if errors:
            raise Invalid(errors)
        submission = ReferralSubmission.objects.create(
            case=case,
            form_key=found.key,
            stage=found.stage,
            title=found.title,
            submit_to=found.form.submit_to or "",
            fields=[
                {"key": f.key, "label": f.label, "kind": f.kind.value} for f in found.form.fields
            ],
            values=cleaned,
            submitted_by=actor,
            submitted_at=clock.now(),
        )
        # The chronology names the form, never its contents (they identify the person).
        change.record(
            SUBMITTED,
            stage=case.current_stage,
            data={"submission": submission.pk, "title": found.title, "form": found.key},
        )
        why = f"{found.title} was submitted {found.where}"
        change.notify([(r, case.current_stage, SUBMITTED, why) for r in found.form.notify])
    return submission


def submit_referral(
    actor: User, case: Case, *, values: dict[str, Any], expected_version: int
) -> ReferralSubmission:
    """Submit the case's first stage form (the seed procedures' referral to the board)."""
    return submit_form(actor, case, None, values=values, expected_version=expected_version)
