"""The administration site for people."""

import pytest

from escalate.accounts.models import User
from escalate.partnerships.demo import create_demo
from escalate.partnerships.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


NO_INLINES = {
    f"{prefix}-{name}": value
    for prefix in ("memberships", "partnership_roles")
    for name, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
}


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.org", "a-long-password", full_name="Root")


def test_people_pages_open_and_search_by_name_and_email(client, superuser):
    create_demo()
    client.force_login(superuser)
    practitioner = User.objects.get(email="practitioner.ce@demo.escalate.test")
    assert client.get("/admin/accounts/user/").status_code == 200
    html = client.get("/admin/accounts/user/?q=practitioner.ce.nhs").content.decode()
    assert "practitioner.ce.nhs@demo.escalate.test" in html
    assert "practitioner.wa@demo.escalate.test" not in html
    html = client.get(
        f"/admin/accounts/user/?q={practitioner.full_name.split()[0]}"
    ).content.decode()
    assert practitioner.email in html
    html = client.get(f"/admin/accounts/user/{practitioner.pk}/change/").content.decode()
    assert "Roles in agencies" in html and "Roles in partnerships" in html
    assert client.get("/admin/accounts/user/add/").status_code == 200


def test_adding_a_person_without_a_password_lowercases_the_email(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.ORG",
            "full_name": "New Person",
            "job_title": "Social Worker",
            "usable_password": "false",
            **NO_INLINES,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    made = User.objects.get(full_name="New Person")
    assert made.email == "new.person@example.org"
    assert not made.has_usable_password()


def test_an_email_that_differs_only_in_capitals_is_refused(client, superuser):
    User.objects.create_user("taken@example.org", None, full_name="Taken")
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "TAKEN@example.org", "full_name": "Other", "usable_password": "false"}
        | NO_INLINES,
    )
    assert response.status_code == 200
    assert "Someone already has this email address." in response.content.decode()


def test_an_administrator_cannot_make_anyone_a_superuser(client):
    create_demo()
    administrator = User.objects.get(email="administrator.ce@demo.escalate.test")
    practitioner = User.objects.get(email="practitioner.ce@demo.escalate.test")
    client.force_login(administrator)
    page = client.get(f"/admin/accounts/user/{practitioner.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="groups"' not in html
    assert 'name="full_name"' in html


def test_the_admin_sign_in_ignores_capitals_and_offers_password_reset(client, superuser):
    page = client.get("/admin/login/").content.decode()
    assert "/admin/password_reset/" in page
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "ROOT@example.org", "password": "a-long-password", "next": "/admin/"},
    )
    assert response.status_code == 302 and response.url == "/admin/"


def test_memberships_are_listed_in_the_admin(client, superuser):
    create_demo()
    client.force_login(superuser)
    html = client.get("/admin/partnerships/membership/?role=safeguarding_lead").content.decode()
    assert Membership.objects.filter(role="safeguarding_lead").first().person.full_name in html
