"""Each person's notifications page, the dashboard include, the daily digest choice and
the GOV.UK Notify backend's configuration checks."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.core.management import call_command
from django.template import Context, Template
from notification_helpers import person_for, traces_in

from escalate.cases import services as case_services
from escalate.notifications import services
from escalate.notifications.backends import NotifyConfigurationError, NotifyEmailBackend
from escalate.notifications.models import (
    Digest,
    Notification,
    NotificationPreference,
    NotificationStatus,
)

AROSE = dt.date(2026, 12, 23)
SERVICE = "26785a09-ab16-4eb0-8407-a37497a57506"
KEY = f"notify_test-{SERVICE}-3d844edf-8d35-48ac-975b-e847b4f122b0"
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"


@pytest.fixture
def raised(frozen_clock):
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))
    w = factories.world("warrington-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE, **person_for("warrington-sab"))
    return w, case


@pytest.mark.django_db
def test_a_person_sees_their_own_notifications_newest_first_without_personal_details(
    raised, client
) -> None:
    w, case = raised
    case_services.respond(w.other_professional, case, agrees=True, expected_version=case.version)
    client.force_login(w.raiser)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.reference in html
    assert "The professional challenged has responded" in html
    assert f'href="/cases/{case.reference}/"' in html
    assert traces_in(html) == []

    client.force_login(w.partnership_people[factories.Role.INDEPENDENT_CHAIR])
    assert case.reference not in client.get("/notifications/").content.decode()


@pytest.mark.django_db
def test_the_notifications_page_needs_signing_in(client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_dashboard_include_shows_the_five_most_recent(raised, rf) -> None:
    w, case = raised
    for n in range(7):
        case_services.flag_policy_issue(
            w.raiser, case, text=f"Gap {n}", expected_version=case.version
        )
        case.refresh_from_db()
    chair = w.partnership_people[factories.Role.INDEPENDENT_CHAIR]
    assert Notification.objects.filter(recipient=chair).count() == 7
    html = Template('{% include "notifications/_recent.html" %}').render(Context({"user": chair}))
    assert html.count(f"/cases/{case.reference}/") == 5
    assert "All your notifications" in html


@pytest.mark.django_db
def test_choosing_a_daily_digest_is_saved_and_a_missing_choice_is_explained(raised, client) -> None:
    w, case = raised
    client.force_login(w.raiser)
    response = client.post("/notifications/", {"delivery": "sometimes"})
    assert response.status_code == 400
    assert "Select how you want to get emails" in response.content.decode()
    response = client.post("/notifications/", {"delivery": "digest"}, follow=True)
    assert response.status_code == 200
    assert "Your email choice has been saved" in response.content.decode()
    assert NotificationPreference.objects.get(person=w.raiser).delivery == "digest"


@pytest.mark.django_db
def test_a_digest_holds_optional_emails_but_mandatory_notices_go_at_once(
    raised, frozen_clock, mailoutbox
) -> None:
    w, case = raised
    services.deliver_pending()
    services.set_preference(w.raiser, "digest")
    del mailoutbox[:]
    case = case_services.respond(
        w.other_professional, case, agrees=False, reason="No.", expected_version=case.version
    )
    services.deliver_pending()
    assert [m for m in mailoutbox if m.to == [w.raiser.email.lower()]] == []
    held = Notification.objects.get(recipient=w.raiser, event="case.responded")
    assert held.status == NotificationStatus.PENDING

    # A notice the procedure requires is not held, even for someone choosing a digest.
    services.set_preference(w.other_professional, "digest")
    frozen_clock(dt.datetime(2026, 12, 24, 10, 0))
    case = case_services.withdraw(
        w.raiser, case, reason="Agreed informally.", expected_version=case.version
    )
    del mailoutbox[:]
    services.deliver_pending()
    withdrawn = Notification.objects.get(case=case, event="case.withdrawn")
    assert withdrawn.email == w.other_professional.email.lower()
    assert withdrawn.status == NotificationStatus.SENT
    assert [m.to for m in mailoutbox] == [[w.other_professional.email.lower()]]

    # The digest goes once a day, after the digest hour.
    del mailoutbox[:]
    frozen_clock(dt.datetime(2026, 12, 25, 6, 0))
    assert services.send_digests() == 0
    frozen_clock(dt.datetime(2026, 12, 25, 7, 30))
    assert services.send_digests() == 1
    (digest,) = mailoutbox
    assert digest.to == [w.raiser.email.lower()]
    assert case.reference in digest.body and traces_in(digest.subject + digest.body) == []
    held.refresh_from_db()
    assert held.status == NotificationStatus.SENT
    call_command("digest")
    call_command("remind")
    assert len(mailoutbox) == 1
    assert Digest.objects.filter(person=w.raiser).count() == 1


def test_the_notify_backend_accepts_a_well_formed_key_and_template_id(settings) -> None:
    settings.NOTIFY_API_KEY = KEY
    settings.NOTIFY_TEMPLATE_ID = TEMPLATE
    backend = NotifyEmailBackend()
    assert backend.template_id == TEMPLATE
    assert backend.open() is True
    assert backend.client.service_id == "26785a09-ab16-4eb0-8407-a37497a57506"
    backend.close()


@pytest.mark.parametrize(
    ("key", "template", "words"),
    [
        ("", TEMPLATE, "ESCALATE_NOTIFY_API_KEY is not set"),
        ("not-a-key", TEMPLATE, "does not look like a GOV.UK Notify API key"),
        (KEY, "", "ESCALATE_NOTIFY_TEMPLATE_ID is not set"),
        (KEY, "Escalate email", "must be the template's ID"),
    ],
)
def test_the_notify_backend_refuses_settings_notify_would_reject(
    settings, key: str, template: str, words: str
) -> None:
    settings.NOTIFY_API_KEY = key
    settings.NOTIFY_TEMPLATE_ID = template
    with pytest.raises(NotifyConfigurationError) as refused:
        NotifyEmailBackend()
    assert words in str(refused.value)
    assert KEY[-36:] not in str(refused.value)  # the secret is never repeated
