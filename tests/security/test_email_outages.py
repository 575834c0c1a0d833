"""Email that survives long outages, administrators told of failures, and password-reset
emails sent through the outbox with rate limits (issue "Locked doors", items 9 and 10).

The mail server is a real SMTP server on localhost (aiosmtpd) that goes down and comes
back on the same port; time is Escalate's controllable clock, moved on to each moment a
try is due, as ``escalate worker`` would find it.
"""

from __future__ import annotations

import datetime as dt
import email
import logging
import re
import socket
from email import policy
from urllib.parse import urlsplit

import factories
import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db.models import Min
from django.test import Client

from escalate import clock
from escalate.notifications import selectors, services
from escalate.notifications.models import (
    AccountEmail,
    AccountEmailAttempt,
    AccountEmailKind,
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    RecipientKind,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 23, 9, 0, tzinfo=dt.UTC)
AROSE = dt.date(2026, 12, 22)
BASE_URL = "https://escalate.example.org"
PASSWORD = "a-long-enough-password-1"

#: The person at risk: none of this may appear in any email or notice.
PERSON = {
    "person_name": "Marigold Quenby-Tarrant",
    "person_record_id": "LAS-998877",
}
TRACES = ["Marigold", "Quenby", "LAS-998877"]


def traces_in(text: str) -> list[str]:
    return [t for t in TRACES if t.lower() in text.lower()]


# ---------------------------------------------------------------- a mail server


class Collector:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """A real SMTP server that can be taken down and brought back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.handler.messages

    def up(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.BASE_URL = BASE_URL
    settings.NOTIFICATION_RETRY_SECONDS = 60
    settings.NOTIFICATION_GIVE_UP_HOURS = 72
    server.up()
    try:
        yield server
    finally:
        server.down()


@pytest.fixture
def frozen():
    clock.freeze(START)
    try:
        yield
    finally:
        clock.unfreeze()


def run_worker_until(moment: dt.datetime) -> None:
    """Run the worker at each moment a try falls due, up to ``moment``, then stop the
    clock there."""
    for _ in range(2000):
        due = [
            model.objects.filter(status=NotificationStatus.PENDING).aggregate(
                at=Min("next_attempt_at")
            )["at"]
            for model in (Notification, AccountEmail)
        ]
        never_tried = any(
            model.objects.filter(
                status=NotificationStatus.PENDING, next_attempt_at__isnull=True
            ).exists()
            for model in (Notification, AccountEmail)
        )
        times = [t for t in due if t is not None]
        if never_tried:
            times.append(clock.now())
        if not times or min(times) > moment:
            break
        clock.freeze(max(min(times), clock.now()))
        services.deliver_pending()
    clock.freeze(moment)


def raised_case():
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE, **PERSON)
    return w, case


# ---------------------------------------------------------------- long outages


def test_an_outage_of_71_hours_then_recovery_delivers_every_email_invitation_included(
    smtp, frozen
) -> None:
    w, case = raised_case()
    rows = Notification.objects.filter(case=case)
    invitation = rows.get(invitation__isnull=False)
    assert invitation.email == w.other_professional.email.lower()

    smtp.down()
    run_worker_until(START + dt.timedelta(hours=71))
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.PENDING}
    invitation.refresh_from_db()
    assert invitation.attempts > 6  # the old schedule gave up after 6 tries, 31 minutes
    tries = list(DeliveryAttempt.objects.filter(notification=invitation).order_by("at"))
    assert all(t.outcome == AttemptOutcome.FAILED for t in tries)
    assert "ConnectionRefusedError" in tries[-1].error
    gaps = [b.at - a.at for a, b in zip(tries, tries[1:], strict=False)]
    assert max(gaps) <= dt.timedelta(hours=1)  # backoff doubles, capped at an hour
    assert invitation.next_attempt_at <= START + dt.timedelta(hours=72)

    smtp.up()
    run_worker_until(START + dt.timedelta(hours=72))
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert len(smtp.messages) == rows.count()
    (sent,) = [m for m in smtp.messages if m["To"] == invitation.email]
    text = sent.get_body(("plain",)).get_content()
    assert re.search(rf"{BASE_URL}/cases/invitations?/\S+", text), text
    assert not Notification.objects.filter(event="notification.failed").exists()


def test_an_outage_longer_than_72_hours_marks_emails_failed_and_tells_the_administrators(
    smtp, frozen
) -> None:
    w, case = raised_case()
    owed = Notification.objects.filter(case=case)
    first = set(owed.values_list("pk", flat=True))
    smtp.down()

    run_worker_until(START + dt.timedelta(hours=72) - dt.timedelta(minutes=1))
    assert set(owed.values_list("status", flat=True)) == {NotificationStatus.PENDING}
    assert not Notification.objects.filter(event="notification.failed").exists()

    run_worker_until(START + dt.timedelta(hours=72))
    failed = Notification.objects.filter(pk__in=first)
    assert set(failed.values_list("status", flat=True)) == {NotificationStatus.FAILED}

    # One notice per address for the case, however many of its emails failed.
    notices = Notification.objects.filter(case=case, event="notification.failed")
    assert sorted(notices.values_list("email", flat=True)) == sorted(
        [w.administrator.email.lower(), w.partnership.business_unit_email.lower()]
    )
    to_admin = notices.get(recipient=w.administrator)
    assert to_admin.recipient_kind == RecipientKind.PERSON
    assert "could not be sent" in to_admin.why and "72 hours" in to_admin.why
    assert traces_in(to_admin.why) == []
    assert notices.get(recipient__isnull=True).recipient_kind == RecipientKind.BUSINESS_UNIT

    # In Escalate: on the administrator's notifications page.
    (item,) = selectors.notifications_for(w.administrator)
    assert (item.reference, item.happened) == (
        case.reference,
        "An email about this case could not be sent",
    )

    # By email, once the mail server is back.
    smtp.up()
    run_worker_until(START + dt.timedelta(hours=73))
    assert set(notices.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert sorted(m["To"] for m in smtp.messages) == sorted(notices.values_list("email", flat=True))
    for message in smtp.messages:
        assert message["Subject"] == f"Escalate {case.reference}: an email could not be sent"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"{BASE_URL}/admin/notifications/failednotification/" in text
        assert traces_in(message["Subject"] + text + html) == []


def test_a_notice_of_failure_that_cannot_be_sent_spawns_no_other(smtp, frozen) -> None:
    w, case = raised_case()
    smtp.down()
    run_worker_until(START + dt.timedelta(hours=72))
    notices = Notification.objects.filter(event="notification.failed")
    count = notices.count()
    assert count == 2

    run_worker_until(START + dt.timedelta(hours=150))
    assert notices.count() == count
    assert set(notices.values_list("status", flat=True)) == {NotificationStatus.FAILED}
    assert not Notification.objects.filter(status=NotificationStatus.PENDING).exists()


def test_an_administrator_asking_to_try_again_gives_the_email_a_fresh_72_hours(
    smtp, frozen
) -> None:
    w, case = raised_case()
    smtp.down()
    run_worker_until(START + dt.timedelta(hours=72))
    row = Notification.objects.get(case=case, invitation__isnull=False)
    assert row.status == NotificationStatus.FAILED
    superuser = factories.user("Root", is_staff=True, is_superuser=True)

    clock.freeze(START + dt.timedelta(hours=80))
    assert services.retry(superuser, [row]) == 1
    run_worker_until(START + dt.timedelta(hours=80 + 71))
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    assert DeliveryAttempt.objects.filter(notification=row, outcome="retried").count() == 1
    run_worker_until(START + dt.timedelta(hours=80 + 72))
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_administrators_see_and_retry_only_their_own_partnerships_failed_emails(
    settings, client, frozen
) -> None:
    settings.EMAIL_BACKEND = "test_email_outages.RefusingBackend"
    settings.NOTIFICATION_GIVE_UP_HOURS = 1
    ours, our_case = raised_case()
    theirs, their_case = raised_case()
    services.deliver_pending()
    clock.freeze(START + dt.timedelta(hours=1))
    services.deliver_pending()
    assert Notification.objects.filter(case=their_case, status=NotificationStatus.FAILED).exists()

    admin = ours.administrator
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    page = client.get("/admin/notifications/failednotification/")
    assert page.status_code == 200
    html = page.content.decode()
    assert our_case.reference in html and their_case.reference not in html

    their_failed = Notification.objects.filter(case=their_case, status=NotificationStatus.FAILED)
    assert services.retry(admin, their_failed) == 0
    our_failed = Notification.objects.filter(case=our_case, status=NotificationStatus.FAILED)
    assert services.retry(admin, our_failed) == our_failed.count() > 0


# ---------------------------------------------------------------- password reset


class NoMailServer(BaseEmailBackend):
    """Fails the test if anything tries to send mail inside a request."""

    opened = 0

    def open(self):
        NoMailServer.opened += 1
        raise AssertionError("a request tried to reach the mail server")

    def send_messages(self, email_messages):
        NoMailServer.opened += 1
        raise AssertionError("a request tried to reach the mail server")


def someone(email_address: str = "sam@example.org"):
    person = factories.user("Sam Example", email=email_address)
    person.set_password(PASSWORD)
    person.save()
    return person


def ask_for_reset(client: Client, address: str, **extra):
    return client.post("/accounts/password_reset/", {"email": address}, **extra)


def test_the_reset_page_is_the_same_for_known_and_unknown_addresses_and_sends_nothing_itself(
    settings, client
) -> None:
    settings.EMAIL_BACKEND = "test_email_outages.NoMailServer"
    someone()
    known = ask_for_reset(client, "SAM@example.org", follow=True)
    unknown = ask_for_reset(client, "nobody@example.org", follow=True)
    assert (
        known.redirect_chain == unknown.redirect_chain == [("/accounts/password_reset/done/", 302)]
    )
    assert known.content == unknown.content
    assert "Check your email" in known.content.decode()
    assert NoMailServer.opened == 0
    # Queued for the worker: one row, for the known address only, holding no secret.
    (row,) = AccountEmail.objects.all()
    assert (row.kind, row.email, row.status) == (
        AccountEmailKind.PASSWORD_RESET,
        "sam@example.org",
        NotificationStatus.PENDING,
    )


def test_the_reset_email_goes_through_the_outbox_and_its_link_sets_a_new_password(
    smtp, client
) -> None:
    person = someone()
    assert ask_for_reset(client, "sam@example.org").status_code == 302
    assert smtp.messages == []  # not sent inside the request

    call_command("worker", "--once")
    (message,) = smtp.messages
    assert message["To"] == "sam@example.org"
    assert message["Subject"] == "Reset your Escalate password"
    body = message.get_body(("plain",)).get_content()
    link = re.search(rf"{BASE_URL}(/accounts/reset/(\S+?)/(\S+?)/)", body)
    assert link, body
    token = link.group(3)

    row = AccountEmail.objects.get()
    assert row.status == NotificationStatus.SENT and row.attempts == 1
    (attempt,) = AccountEmailAttempt.objects.filter(account_email=row)
    assert (attempt.outcome, attempt.error) == (AttemptOutcome.SENT, "")
    # The token was never stored, neither before nor after sending.
    for model in (AccountEmail, AccountEmailAttempt):
        for values in model.objects.values():
            assert all(token not in str(v) for v in values.values())

    page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in page.content.decode()
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "brand-new-password-42", "new_password2": "brand-new-password-42"},
    )
    assert done.url == "/accounts/reset/done/"
    person.refresh_from_db()
    assert person.check_password("brand-new-password-42")
    assert "This link does not work" in client.get(link.group(1), follow=True).content.decode()


def test_a_reset_email_asked_for_during_an_outage_arrives_after_it_with_a_working_link(
    smtp, client, frozen
) -> None:
    someone()
    smtp.down()
    ask_for_reset(client, "sam@example.org")
    run_worker_until(START + dt.timedelta(hours=30))
    row = AccountEmail.objects.get()
    assert row.status == NotificationStatus.PENDING and row.attempts > 6
    errors = AccountEmailAttempt.objects.filter(account_email=row).values_list("error", flat=True)
    assert all("@" not in e for e in errors)

    smtp.up()
    run_worker_until(START + dt.timedelta(hours=31))
    (message,) = smtp.messages
    body = message.get_body(("plain",)).get_content()
    path = urlsplit(re.search(rf"{BASE_URL}/accounts/reset/\S+/", body).group(0)).path
    assert "Choose a new password" in client.get(path, follow=True).content.decode()


def test_a_reset_email_failing_for_72_hours_tells_the_administrators_but_not_whose_it_was(
    smtp, client, frozen
) -> None:
    w = factories.world("cheshire-east-sab")
    person = w.raiser
    person.set_password(PASSWORD)
    person.save()
    smtp.down()
    ask_for_reset(client, person.email)
    run_worker_until(START + dt.timedelta(hours=72))
    reset = AccountEmail.objects.get(kind=AccountEmailKind.PASSWORD_RESET)
    assert reset.status == NotificationStatus.FAILED
    notices = AccountEmail.objects.filter(kind=AccountEmailKind.DELIVERY_FAILED)
    assert sorted(notices.values_list("email", flat=True)) == sorted(
        [w.administrator.email.lower(), w.partnership.business_unit_email.lower()]
    )

    smtp.up()
    run_worker_until(START + dt.timedelta(hours=73))
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        text = message["Subject"] + message.get_body(("plain",)).get_content()
        assert "could not be sent" in text
        assert person.email.lower() not in text.lower()
        assert person.full_name.lower() not in text.lower()
        assert f"{BASE_URL}/admin/notifications/failedaccountemail/" in text

    admin = w.administrator
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    page = client.get("/admin/notifications/failedaccountemail/")
    assert page.status_code == 200 and person.email.lower() in page.content.decode()
    stranger = factories.world("cheshire-east-sab").administrator
    stranger.is_staff = True
    stranger.save(update_fields=["is_staff"])
    client.force_login(stranger)
    page = client.get("/admin/notifications/failedaccountemail/")
    assert person.email.lower() not in page.content.decode()
    assert services.retry_account_emails(stranger, [reset]) == 0
    assert services.retry_account_emails(admin, [reset]) == 1


def test_a_failed_notice_of_a_failed_account_email_spawns_no_other(smtp, client, frozen) -> None:
    w = factories.world("cheshire-east-sab")
    w.raiser.set_password(PASSWORD)
    w.raiser.save()
    smtp.down()
    ask_for_reset(client, w.raiser.email)
    run_worker_until(START + dt.timedelta(hours=150))
    assert AccountEmail.objects.count() == 3
    assert set(AccountEmail.objects.values_list("status", flat=True)) == {NotificationStatus.FAILED}


# ---------------------------------------------------------------- rate limits


def test_reset_requests_over_the_limit_for_an_address_are_dropped_quietly_and_logged(
    smtp, client, caplog
) -> None:
    someone()
    caplog.set_level(logging.INFO, logger="escalate.security")
    for _ in range(5):
        assert ask_for_reset(client, "sam@example.org").url == "/accounts/password_reset/done/"
        call_command("worker", "--once")
    assert len(smtp.messages) == 5
    assert "ratelimit.refused" not in caplog.text

    over = ask_for_reset(client, "Sam@Example.org", follow=True)
    assert over.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert "Check your email" in over.content.decode()
    call_command("worker", "--once")
    assert len(smtp.messages) == 5
    (line,) = [r.getMessage() for r in caplog.records if r.name == "escalate.security"]
    assert line.startswith("ratelimit.refused form=password_reset limit=address address_hash=")
    assert "sam@example.org" not in line.lower()


def test_reset_requests_over_the_limit_from_one_client_are_dropped_quietly(
    smtp, client, caplog
) -> None:
    someone()
    caplog.set_level(logging.INFO, logger="escalate.security")
    for n in range(20):
        ask_for_reset(client, f"nobody.{n}@example.org", REMOTE_ADDR="198.51.100.7")
    over = ask_for_reset(client, "sam@example.org", REMOTE_ADDR="198.51.100.7")
    assert over.url == "/accounts/password_reset/done/"
    call_command("worker", "--once")
    assert smtp.messages == []
    (line,) = [r.getMessage() for r in caplog.records if r.name == "escalate.security"]
    assert line.startswith("ratelimit.refused form=password_reset limit=ip ")
    assert line.endswith(" ip=198.51.100.7") and "sam@example.org" not in line

    elsewhere = ask_for_reset(client, "sam@example.org", REMOTE_ADDR="203.0.113.9")
    assert elsewhere.url == "/accounts/password_reset/done/"
    call_command("worker", "--once")
    assert len(smtp.messages) == 1


def test_an_administrator_sending_many_people_reset_emails_is_not_rate_limited(rf) -> None:
    from escalate.accounts.forms import ResetPasswordForm

    admin = factories.user("Admin", is_staff=True)
    people = [someone(f"person.{n}@example.org") for n in range(25)]
    for person in people:
        request = rf.post("/admin/accounts/user/")
        request.user = admin
        form = ResetPasswordForm(data={"email": person.email})
        assert form.is_valid()
        form.save(request=request, email_template_name="registration/password_reset_email.txt")
    assert AccountEmail.objects.count() == 25
