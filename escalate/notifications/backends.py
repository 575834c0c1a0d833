"""Sending email through GOV.UK Notify, as a Django email backend.

Select it with ``ESCALATE_EMAIL_BACKEND=escalate.notifications.backends.NotifyEmailBackend``
and set ``ESCALATE_NOTIFY_API_KEY`` and ``ESCALATE_NOTIFY_TEMPLATE_ID``. The template in
Notify must be an email template whose subject is ``((subject))`` and whose body is
``((body))``: Escalate writes the words, Notify delivers them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_API_KEY = re.compile(rf"^.+-({_UUID})-({_UUID})$")


class NotifyConfigurationError(ImproperlyConfigured):
    """The Notify settings cannot work; the message says which and why (never the key)."""


def check_configuration(api_key: str, template_id: str) -> None:
    """Refuse settings Notify would reject, before any email is sent."""
    if not api_key:
        raise NotifyConfigurationError(
            "ESCALATE_NOTIFY_API_KEY is not set: create an API key in GOV.UK Notify "
            "(API integration) and set it."
        )
    if not _API_KEY.match(api_key.strip().lower()):
        raise NotifyConfigurationError(
            "ESCALATE_NOTIFY_API_KEY does not look like a GOV.UK Notify API key: it should "
            "be the key's name followed by two long codes, as Notify showed it."
        )
    if not template_id:
        raise NotifyConfigurationError(
            "ESCALATE_NOTIFY_TEMPLATE_ID is not set: create an email template in GOV.UK "
            "Notify with subject ((subject)) and body ((body)), and set its ID."
        )
    try:
        uuid.UUID(template_id)
    except ValueError:
        raise NotifyConfigurationError(
            "ESCALATE_NOTIFY_TEMPLATE_ID must be the template's ID from GOV.UK Notify "
            "(like 0a1b2c3d-…), not its name."
        ) from None


class NotifyEmailBackend(BaseEmailBackend):
    """Sends each message's plain-text body through one GOV.UK Notify template."""

    def __init__(
        self,
        fail_silently: bool = False,
        *,
        api_key: str | None = None,
        template_id: str | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api_key = (api_key if api_key is not None else settings.NOTIFY_API_KEY).strip()
        self.template_id = (
            template_id if template_id is not None else settings.NOTIFY_TEMPLATE_ID
        ).strip()
        self.base_url = base_url or getattr(
            settings, "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
        )
        check_configuration(self.api_key, self.template_id)
        self.client: Any = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        from notifications_python_client.notifications import NotificationsAPIClient

        # notifications-python-client marks itself typed but leaves this unannotated.
        self.client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            self.api_key, base_url=self.base_url
        )
        return True

    def close(self) -> None:
        self.client = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        created = self.open()
        sent = 0
        try:
            for message in email_messages:
                try:
                    for address in message.recipients():
                        self.client.send_email_notification(
                            email_address=address,
                            template_id=self.template_id,
                            personalisation={"subject": message.subject, "body": message.body},
                        )
                    sent += 1
                except Exception:
                    if not self.fail_silently:
                        raise
        finally:
            if created:
                self.close()
        return sent
