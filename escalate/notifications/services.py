"""Everything the notifications app does to its tables, by name: callers import
``from escalate.notifications import services`` and use ``services.deliver_pending()``.

The work lives in one module per job:

- :mod:`.outbox`: the one way into the outboxes (:func:`~.outbox.enqueue` for an email
  about a case, :func:`~.outbox.queue_password_reset` for one about an account);
- :mod:`.delivery`: the worker that claims, sends and tries again with backoff;
- :mod:`.failures`: telling administrators an email could not be sent, and retrying it;
- :mod:`.reminders`: the deadline reminder sweep, each reminder once;
- :mod:`.digests`: daily digests and a person's choice of how to get emails.

Dates come from :mod:`escalate.clock`.
"""

from __future__ import annotations

from escalate.errors import NotAllowed
from escalate.notifications.delivery import (
    CLAIM_LEASE,
    MAX_BACKOFF,
    DeliveryReport,
    account_emails_deliverable,
    backoff,
    deliver_pending,
    deliverable,
    describe_error,
    give_up_after,
    gives_up_at,
    retry_base,
)
from escalate.notifications.digests import digest_hour, send_digests, set_preference
from escalate.notifications.failures import account_emails_seen_by, retry, retry_account_emails
from escalate.notifications.outbox import Entry, enqueue, queue_password_reset
from escalate.notifications.reminders import (
    SWEEP_CHUNK,
    SweepReport,
    calendar_for_region,
    grace_working_days,
    sweep_reminders,
)

__all__ = [
    "CLAIM_LEASE",
    "MAX_BACKOFF",
    "SWEEP_CHUNK",
    "DeliveryReport",
    "Entry",
    "NotAllowed",
    "SweepReport",
    "account_emails_deliverable",
    "account_emails_seen_by",
    "backoff",
    "calendar_for_region",
    "deliver_pending",
    "deliverable",
    "describe_error",
    "digest_hour",
    "enqueue",
    "give_up_after",
    "gives_up_at",
    "grace_working_days",
    "queue_password_reset",
    "retry",
    "retry_account_emails",
    "retry_base",
    "send_digests",
    "set_preference",
    "sweep_reminders",
]
