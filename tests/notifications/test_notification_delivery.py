"""Delivering the outbox: through a real SMTP server, by several workers at once without
sending anything twice, and with failures recorded, retried later and shown to
administrators, never touching the case."""

from __future__ import annotations

import datetime as dt
import email
import smtplib
import socket
import threading
from email import policy

import factories
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from notification_helpers import person_for, traces_in

from escalate import clock
from escalate.cases.models import Case
from escalate.notifications import background, services
from escalate.notifications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
)

AROSE = dt.date(2026, 12, 23)


class Collector:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses everything, naming the address as real ones do."""

    def send_messages(self, email_messages):
        address = email_messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({address: (550, f"5.1.1 <{address}> unknown".encode())})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def raised(frozen_clock):
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE, **person_for("cheshire-east-sab"))
    return w, case


@pytest.mark.django_db
def test_emails_go_through_a_real_smtp_server_with_text_and_html_parts(raised, settings) -> None:
    w, case = raised
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        report = services.deliver_pending()
    finally:
        controller.stop()
    rows = Notification.objects.filter(case=case)
    assert report.sent == rows.count() >= 1
    assert sorted(to for tos, _ in handler.messages for to in tos) == sorted(r.email for r in rows)
    for _, raw in handler.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        assert case.reference in message["Subject"]
        assert traces_in(message["Subject"]) == []
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"/cases/{case.reference}/" in text and f"/cases/{case.reference}/" in html
        assert traces_in(text) == [] and traces_in(html) == []
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.SENT}


@pytest.mark.django_db
def test_a_failing_mail_server_is_recorded_backed_off_and_never_touches_the_case(
    raised, settings, frozen_clock
) -> None:
    w, case = raised
    settings.EMAIL_BACKEND = "test_notification_delivery.RefusingBackend"
    settings.NOTIFICATION_RETRY_SECONDS = 60
    settings.NOTIFICATION_GIVE_UP_HOURS = 1
    before = Case.objects.get(pk=case.pk)
    row = Notification.objects.get(case=case, email=w.other_professional.email.lower())
    start = clock.now()

    report = services.deliver_pending()
    assert report.retrying >= 1 and report.sent == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
    assert row.next_attempt_at == start + dt.timedelta(seconds=60)
    (attempt,) = DeliveryAttempt.objects.filter(notification=row)
    assert attempt.outcome == AttemptOutcome.FAILED
    assert "SMTPRecipientsRefused" in attempt.error and "[address]" in attempt.error
    assert "@" not in attempt.error and "@" not in row.last_error

    services.deliver_pending()  # too soon: waits for its next try
    assert DeliveryAttempt.objects.filter(notification=row).count() == 1

    frozen_clock(start + dt.timedelta(seconds=61))
    services.deliver_pending()
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == start + dt.timedelta(seconds=61 + 120)  # doubled

    # Tried until the give-up time (never later: the last wait is cut short), then failed.
    frozen_clock(start + dt.timedelta(minutes=59))
    services.deliver_pending()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 3)
    assert row.next_attempt_at == start + dt.timedelta(hours=1)

    frozen_clock(start + dt.timedelta(hours=1))
    services.deliver_pending()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (NotificationStatus.FAILED, 4, None)
    assert DeliveryAttempt.objects.filter(notification=row).count() == 4

    after = Case.objects.get(pk=case.pk)
    assert (after.version, after.status, after.current_stage) == (
        before.version,
        before.status,
        before.current_stage,
    )


@pytest.mark.django_db
def test_administrators_see_failed_notifications_and_can_retry_them(
    raised, settings, client, frozen_clock
) -> None:
    w, case = raised
    settings.EMAIL_BACKEND = "test_notification_delivery.RefusingBackend"
    settings.NOTIFICATION_GIVE_UP_HOURS = 1
    services.deliver_pending()
    frozen_clock(clock.now() + dt.timedelta(hours=1))
    services.deliver_pending()
    failed = Notification.objects.filter(case=case, status=NotificationStatus.FAILED).exclude(
        event="notification.failed"
    )
    assert failed.exists()
    admin = factories.user("Site Admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/notifications/failednotification/")
    assert page.status_code == 200
    assert case.reference in page.content.decode()

    ids = [str(pk) for pk in failed.values_list("pk", flat=True)]
    response = client.post(
        "/admin/notifications/failednotification/",
        {"action": "retry", "_selected_action": ids},
        follow=True,
    )
    assert response.status_code == 200
    assert "will be sent again shortly" in response.content.decode()
    assert not Notification.objects.filter(pk__in=ids, status=NotificationStatus.FAILED).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    services.deliver_pending()
    assert set(Notification.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }


@pytest.mark.django_db
def test_someone_who_is_not_staff_cannot_retry(raised) -> None:
    w, case = raised
    with pytest.raises(services.NotAllowed):
        services.retry(w.raiser, Notification.objects.filter(case=case))


@pytest.mark.django_db(transaction=True)
def test_workers_running_at_the_same_time_deliver_each_notification_exactly_once(
    frozen_clock,
) -> None:
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))
    w = factories.world("shropshire-sscp")
    for _ in range(5):
        factories.escalate_to(w, factories.raise_case(w, concern_arose_on=AROSE), 3)
    owed = Notification.objects.count()
    assert owed >= 15
    mail.outbox = []
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            services.deliver_pending(batch=3)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    sent = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(sent) == owed
    assert len(set(sent)) == owed
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == owed
    assert DeliveryAttempt.objects.count() == owed


@pytest.mark.django_db
def test_the_worker_command_drains_the_outbox_once(raised, mailoutbox) -> None:
    w, case = raised
    call_command("worker", "--once")
    assert len(mailoutbox) == Notification.objects.filter(case=case).count()
    call_command("worker", "--once")
    assert len(mailoutbox) == Notification.objects.filter(case=case).count()


@pytest.mark.django_db(transaction=True)
def test_the_background_loop_sends_and_stops_when_asked(frozen_clock) -> None:
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE)
    mail.outbox = []
    stop = threading.Event()
    thread = threading.Thread(
        target=background.run, args=(stop,), kwargs={"poll_seconds": 0.05}, daemon=True
    )
    thread.start()
    for _ in range(200):
        if not Notification.objects.filter(case=case, status=NotificationStatus.PENDING).exists():
            break
        threading.Event().wait(0.05)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    assert len(mail.outbox) == Notification.objects.filter(case=case).count() >= 1


def test_serve_does_not_start_background_work_inside_a_test_run() -> None:
    assert background.start() is None
