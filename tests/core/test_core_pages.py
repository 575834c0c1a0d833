"""Signing in, passwords, home, directory and the friendly error pages."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from escalate.accounts.models import User
from escalate.core import views
from escalate.partnerships.models import Agency, Membership, Partnership, Sector

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def quick_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BASE_URL = "https://escalate.example.org"


def person(email, name="Sam Example", **extra):
    return User.objects.create_user(email, PASSWORD, full_name=name, **extra)


@pytest.fixture
def partnership():
    return Partnership.objects.create(
        name="Test Safeguarding Adults Board",
        slug="test-sab",
        reference_prefix="TS",
        kind="adults",
        procedure_key="cheshire-east-sab",
        business_unit_email="board@example.org",
    )


@pytest.fixture
def two_agencies(partnership):
    council = Agency.objects.create(name="Test Council Adult Social Care", sector=Sector.LA_ADULTS)
    trust = Agency.objects.create(name="Test NHS Trust", sector=Sector.NHS_TRUST)
    council.partnerships.add(partnership)
    trust.partnerships.add(partnership)
    return council, trust


# ------------------------------------------------------------- layout


def test_sign_in_page_follows_gov_uk_markup_without_the_crown(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="govuk-template' in html
    assert 'class="govuk-skip-link"' in html and 'href="#main-content"' in html
    assert 'class="govuk-header"' in html and ">Escalate</span>" in html
    assert "govuk-header__logotype" not in html and "<svg" not in html
    assert "govuk-phase-banner" in html and "This is a new service" in html
    assert 'class="govuk-main-wrapper" id="main-content"' in html
    assert 'class="govuk-footer"' in html
    # Every field has a label; sign-in fields help password managers.
    assert '<label class="govuk-label" for="id_username">Email address</label>' in html
    assert '<label class="govuk-label" for="id_password">Password</label>' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    # Nothing from other sites.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "/static/escalate/app.css" in html


def test_pages_work_without_the_built_front_end(client, settings):
    settings.GOVUK_FRONTEND_BUILT = False
    html = client.get("/accounts/login/").content.decode()
    assert "/static/escalate/fallback.css" in html
    assert "frontend/app.css" not in html and "<script" not in html


def test_pages_use_gov_uk_frontend_when_it_is_built(client, settings):
    settings.GOVUK_FRONTEND_BUILT = True
    html = client.get("/accounts/login/").content.decode()
    assert "/static/frontend/app.css" in html
    assert '<script type="module" src="/static/escalate/app.js">' in html


# ------------------------------------------------------------- signing in


def test_a_wrong_password_shows_the_error_summary_and_keeps_the_email(client):
    person("sam@example.org")
    response = client.post(
        "/accounts/login/", {"username": "Sam@Example.org", "password": "not-it"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Sign in – Escalate</title>" in html
    assert 'class="govuk-error-summary"' in html and "There is a problem" in html
    assert '<a href="#id_username">Enter the email address and password' in html
    assert 'value="Sam@Example.org"' in html
    assert "govuk-form-group--error" in html and "govuk-input--error" in html
    assert 'aria-describedby="id_username-error"' in html
    assert 'value="not-it"' not in html  # passwords are never sent back


def test_empty_sign_in_says_what_to_enter(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert '<a href="#id_username">Enter your email address</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html


def test_signing_in_ignores_the_capitals_of_the_email_and_goes_home(client):
    person("sam@example.org")
    response = client.post(
        "/accounts/login/", {"username": " SAM@example.ORG ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_signing_in_returns_to_the_page_asked_for(client):
    person("sam@example.org")
    response = client.post(
        "/accounts/login/?next=/directory/",
        {"username": "sam@example.org", "password": PASSWORD, "next": "/directory/"},
    )
    assert response.url == "/directory/"


def test_a_switched_off_person_cannot_sign_in(client):
    person("gone@example.org", is_active=False)
    response = client.post(
        "/accounts/login/", {"username": "gone@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_only_staff_see_the_administration_link(client):
    client.force_login(person("sam@example.org"))
    assert "Administration</a>" not in client.get("/").content.decode()
    client.force_login(person("admin@example.org", is_staff=True))
    assert '<a class="govuk-service-navigation__link" href="/admin/">Administration</a>' in (
        client.get("/").content.decode()
    )


def test_sign_out_is_a_post_from_the_menu(client):
    client.force_login(person("sam@example.org"))
    html = client.get("/").content.decode()
    assert f'<form method="post" action="{reverse("logout")}"' in html
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


# ------------------------------------------------------------- password reset


def test_a_person_added_without_a_password_chooses_one_by_resetting_it(client):
    User.objects.create_user("new.starter@example.org", None, full_name="New Starter")
    client.post("/accounts/password_reset/", {"email": "new.starter@example.org"})
    call_command("worker", "--once")
    assert [m.to for m in mail.outbox] == [["new.starter@example.org"]]
    link = re.search(r"https://escalate\.example\.org(/accounts/reset/\S+/)", mail.outbox[0].body)
    page = client.get(link.group(1), follow=True)
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "first-password-of-mine", "new_password2": "first-password-of-mine"},
    )
    assert done.url == reverse("password_reset_complete")


def test_password_reset_emails_a_link_that_sets_a_new_password(client):
    person("sam@example.org")
    response = client.post("/accounts/password_reset/", {"email": "SAM@example.org"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []  # queued in the outbox, not sent inside the request
    call_command("worker", "--once")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"]
    assert message.subject == "Reset your Escalate password"
    link = re.search(r"https://escalate\.example\.org(/accounts/reset/\S+/)", message.body)
    assert link, message.body

    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose a new password" in html
    assert '<label class="govuk-label" for="id_new_password1">New password</label>' in html

    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "brand-new-password-42", "new_password2": "brand-new-password-42"},
    )
    assert done.url == reverse("password_reset_complete")
    assert Client().login(
        request=HttpRequest(), username="sam@example.org", password="brand-new-password-42"
    )
    # The link works once.
    assert "This link does not work" in client.get(link.group(1), follow=True).content.decode()


def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_with_a_bad_email_shows_the_error(client):
    html = client.post("/accounts/password_reset/", {"email": "not an email"}).content.decode()
    assert "There is a problem" in html
    assert "Enter an email address in the correct format" in html
    assert 'value="not an email"' in html


def test_changing_a_password(client):
    client.force_login(person("sam@example.org"))
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "x-new-pass-99",
            "new_password2": "x-new-pass-99",
        },
    )
    assert "Your current password is not right" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "x-new-pass-99",
            "new_password2": "x-new-pass-99",
        },
    )
    assert response.url == reverse("password_change_done")


# ------------------------------------------------------------- home and directory


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_directory_requires_sign_in(client):
    assert client.get("/directory/").url == "/accounts/login/?next=/directory/"


def test_home_greets_the_person_and_lists_their_roles(client, partnership, two_agencies):
    council, _ = two_agencies
    sam = person("sam@example.org", "Sam Okafor", job_title="Social Worker")
    Membership.objects.create(person=sam, agency=council, role="practitioner")
    client.force_login(sam)
    html = client.get("/").content.decode()
    assert "Hello, Sam" in html
    assert "Practitioner" in html and "Test Council Adult Social Care" in html
    assert "Test Safeguarding Adults Board" in html
    assert "CESAB Multi-agency Escalation Procedure" in html


def test_home_for_someone_with_no_roles_says_who_to_ask(client):
    client.force_login(person("new@example.org"))
    assert (
        "You do not have a role in any agency or partnership yet"
        in client.get("/").content.decode()
    )


def test_directory_lists_the_other_agencys_safeguarding_lead(client, partnership, two_agencies):
    council, trust = two_agencies
    sam = person("sam@example.org", "Sam Okafor")
    Membership.objects.create(person=sam, agency=council, role="practitioner")
    lead = person("lead@trust.example.org", "Rita Named-Nurse", job_title="Named Nurse")
    Membership.objects.create(person=lead, agency=trust, role="safeguarding_lead")
    rep = person("rep@trust.example.org", "Bola Rep")
    Membership.objects.create(person=rep, agency=trust, role="board_representative")
    client.force_login(sam)
    html = client.get("/directory/").content.decode()
    assert "Test NHS Trust" in html
    assert "Rita Named-Nurse" in html and "Named Nurse" in html
    assert 'href="mailto:lead@trust.example.org"' in html
    assert "Bola Rep" in html
    assert "Your agency" in html


# ------------------------------------------------------------- errors


def test_page_not_found_is_friendly(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "govuk-header" in html
    assert "Traceback" not in html and "Using the URLconf" not in html


def test_server_error_is_friendly_and_shows_no_stack_trace(client, monkeypatch):
    def broken(person):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("escalate.partnerships.selectors.directory_for", broken)
    client.force_login(person("sam@example.org"))
    client.raise_request_exception = False
    response = client.get("/directory/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with Escalate" in html
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    ("view", "status", "text"),
    [
        (views.bad_request, 400, "Sorry, there is a problem with that request"),
        (views.permission_denied, 403, "You cannot see this page"),
        (views.page_not_found, 404, "Page not found"),
    ],
)
def test_error_handlers(rf: RequestFactory, view, status, text):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    response = view(request, Exception("internal detail"))
    assert response.status_code == status
    assert text in response.content.decode()
    assert "internal detail" not in response.content.decode()


def test_error_handlers_are_installed():
    from escalate import urls

    assert urls.handler400.endswith("bad_request")
    assert urls.handler403.endswith("permission_denied")
    assert urls.handler404.endswith("page_not_found")
    assert urls.handler500.endswith("server_error")


def test_csrf_failure_is_explained(client):
    person("sam@example.org")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/accounts/login/", {"username": "sam@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Sorry, that form has expired" in html and "cookies" in html
    assert "CSRF" not in html
