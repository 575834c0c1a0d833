"""Changes made from the board pages: submitting the referral form.

Like :mod:`escalate.cases.services`, each change locks the case, checks the version
the person saw, appends a chronology entry and writes the notifications owed, in one
transaction. Responding to policy issues goes through
:func:`escalate.cases.services.respond_to_policy_issue`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from escalate import clock
from escalate.cases import services as case_services
from escalate.cases.errors import Invalid
from escalate.cases.models import Case
from escalate.cases.permissions import CaseAction
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
    case_services._require_active(actor)
    with transaction.atomic():
        case, _standing = case_services._lock(case, actor, CaseAction.VIEW, expected_version)
        found = referral.require_form(case)
        referral.check_may_complete(actor, case)
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
        case_services._save(case, expected_version)
        # The chronology names the form, never its contents (they identify the person).
        event = case_services._event(
            case,
            actor,
            SUBMITTED,
            stage=case.current_stage,
            data={"submission": submission.pk, "title": found.form.title},
        )
        case_services._notify(
            case,
            actor,
            event,
            [
                (
                    Recipient.BUSINESS_UNIT,
                    case.current_stage,
                    SUBMITTED,
                    f"the referral form for stage {found.stage} was submitted to the board",
                )
            ],
        )
    return submission
