"""Every change to a case, and the only code that writes the case tables.

Each change goes through :func:`~escalate.cases.services.unit.change_case`, which takes
the acting person first and, in one transaction:

1. locks the case row and checks the version the person saw (``expected_version``);
2. asks :mod:`escalate.cases.permissions` whether they may, and the procedure engine
   whether the move is legal now (its refusals become domain errors);
3. lets the service validate what was asked, naming the field of every problem,
   before writing anything;
4. changes the case, bumps its version and appends a chronology entry;
5. writes the notifications the procedure says are owed to the outbox.

The use cases, by family:

- :mod:`.raising` (checked step by step in :mod:`.raise_checks`): raising a challenge;
- :mod:`.invitations`: the other professional's invitation, acknowledgement and response;
- :mod:`.stages`: ticking off required actions, resolving, escalating, expediting,
  referring to a panel, withdrawing;
- :mod:`.conditions`: giving notice before escalating, recording the consultation a
  skip of stages needs;
- :mod:`.agreed_actions`: actions agreed between the agencies and their completion;
- :mod:`.records`: contacts and notes, policy issues, debriefs, learning, views.

Each change the procedure engine does not rule on, and that tells people, has a public
``*_owed`` function saying whom (``acknowledgement_owed``, ``response_owed``,
``resend_owed``, ``policy_issue_owed``, ``policy_response_owed``): its service notifies
with it, and :mod:`escalate.cases.told` previews with it.

Shared by them: :mod:`.unit` (the unit of change), :mod:`.validation` (checking what was
asked), :mod:`.new_stage` (a new stage's owner, counterpart and deadlines) and
:mod:`.notices` (who is told). Dates come from :mod:`escalate.clock`. Nothing here
sends email. Callers import from this package: ``services.raise_case(...)``.
"""

from __future__ import annotations

from escalate.cases.services.agreed_actions import (
    ActionInput,
    add_agreed_action,
    complete_agreed_action,
)
from escalate.cases.services.conditions import give_notice_of_escalation, record_consultation
from escalate.cases.services.invitations import (
    INVITATION_DAYS,
    accept_invitation,
    acknowledge,
    acknowledgement_owed,
    correct_response,
    mask_email,
    new_invitation_token,
    resend_invitation,
    resend_owed,
    respond,
    response_owed,
)
from escalate.cases.services.raise_checks import OLDEST_CONCERN_DAYS, OLDEST_PERSON_YEARS
from escalate.cases.services.raising import raise_case
from escalate.cases.services.records import (
    flag_policy_issue,
    policy_issue_owed,
    policy_response_owed,
    record_case_viewed,
    record_contact,
    record_debrief,
    record_learning,
    respond_to_policy_issue,
)
from escalate.cases.services.stages import (
    escalate,
    expedite,
    refer_to_panel,
    resolve,
    tick_required_action,
    withdraw,
)
from escalate.cases.services.unit import CaseChange, change_case, require_active

__all__ = [
    "INVITATION_DAYS",
    "OLDEST_CONCERN_DAYS",
    "OLDEST_PERSON_YEARS",
    "ActionInput",
    "CaseChange",
    "accept_invitation",
    "acknowledge",
    "acknowledgement_owed",
    "add_agreed_action",
    "change_case",
    "complete_agreed_action",
    "escalate",
    "expedite",
    "flag_policy_issue",
    "give_notice_of_escalation",
    "mask_email",
    "policy_issue_owed",
    "policy_response_owed",
    "new_invitation_token",
    "raise_case",
    "record_case_viewed",
    "record_consultation",
    "record_contact",
    "record_debrief",
    "record_learning",
    "refer_to_panel",
    "require_active",
    "resend_invitation",
    "resend_owed",
    "resolve",
    "respond",
    "response_owed",
    "correct_response",
    "respond_to_policy_issue",
    "tick_required_action",
    "withdraw",
]
