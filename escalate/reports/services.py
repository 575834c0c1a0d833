"""Changes made from the board pages: submitting the referral form.

Like every change to a case, it goes through
:func:`escalate.cases.services.change_case`: the case is locked, the person's right to
submit the form (:attr:`~escalate.cases.permissions.CaseAction.SUBMIT_REFERRAL`) and
the version they saw are checked, and the chronology entry and the notifications owed
are written, in one transaction. Responding to policy issues goes through
:func:`escalate.cases.services.respond_to_policy_issue`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalate import clock
from escalate.cases.models import Case
from escalate.cases.permissions import CaseAction
from escalate.cases.services import change_case
from escalate.errors import Invalid
from escalate.procedures.model import Recipient
from escalate.reports import referral
from escalate.reports.models import ReferralSubmission

if TYPE_CHECKING:
    from escalate.accounts.models import User

SUBMITTED = "referral.submitted"


def submit_referral(
    actor: User, case: Case, *, values: dict[str, Any], expected_version: int
) -> ReferralSubmission:
    """Submit the case's referral form with the values typed (every problem is reported
    by field, in :class:`Invalid`, before anything is written)."""
    with change_case(actor, case, CaseAction.SUBMIT_REFERRAL, expected_version) as change:
        case = change.case
        found = referral.require_form(case)
        cleaned = {f.key: str(values.get(f.key) or "").strip() for f in found.form.fields}
        errors = referral.field_errors(found, cleaned)
        if errors:
            raise Invalid(errors)
        submission = ReferralSubmission.objects.create(
            case=case,
            stage=found.stage,
            title=found.form.title,
            submit_to=found.form.submit_to,
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
            data={"submission": submission.pk, "title": found.form.title},
        )
        change.notify(
            [
                (
                    Recipient.BUSINESS_UNIT,
                    case.current_stage,
                    SUBMITTED,
                    f"the referral form for stage {found.stage} was submitted to the board",
                )
            ]
        )
    return submission
