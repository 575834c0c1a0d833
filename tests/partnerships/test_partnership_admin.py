"""The administration site for partnerships, agencies, roles and non-working days."""

import pytest

from escalate.accounts.models import User
from escalate.partnerships.demo import create_demo
from escalate.partnerships.models import Agency, NonWorkingDay, Partnership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_data():
    return create_demo()


@pytest.fixture
def admin_client(client, demo_data):
    client.force_login(User.objects.get(email="admin@demo.escalate.test"))
    return client


def test_every_admin_page_opens(admin_client):
    partnership = Partnership.objects.get(reference_prefix="CE")
    agency = partnership.agencies.first()
    day = NonWorkingDay.objects.create(date="2026-12-29", region="england-and-wales", reason="Test")
    for url in [
        "/admin/",
        "/admin/partnerships/partnership/",
        f"/admin/partnerships/partnership/{partnership.pk}/change/",
        "/admin/partnerships/partnership/add/",
        "/admin/partnerships/agency/",
        f"/admin/partnerships/agency/{agency.pk}/change/",
        "/admin/partnerships/agency/?q=NHS",
        "/admin/partnerships/membership/",
        "/admin/partnerships/partnershiprole/",
        "/admin/partnerships/nonworkingday/",
        f"/admin/partnerships/nonworkingday/{day.pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url


def test_a_partnership_page_shows_its_agencies_and_people(admin_client):
    partnership = Partnership.objects.get(reference_prefix="CE")
    html = admin_client.get(
        f"/admin/partnerships/partnership/{partnership.pk}/change/"
    ).content.decode()
    assert "Member agencies" in html
    assert "Cheshire Constabulary" in html
    assert "People with roles in the partnership" in html


def test_an_agency_page_shows_its_people(admin_client):
    agency = Agency.objects.get(name="Mid Cheshire Hospitals NHS Foundation Trust")
    html = admin_client.get(f"/admin/partnerships/agency/{agency.pk}/change/").content.decode()
    assert "People with roles in the agency" in html


def test_adding_a_non_working_day(admin_client):
    response = admin_client.post(
        "/admin/partnerships/nonworkingday/add/",
        {"date": "2027-05-10", "region": "england-and-wales", "reason": "Extra bank holiday"},
    )
    assert response.status_code == 302
    assert NonWorkingDay.objects.get(reason="Extra bank holiday").date.isoformat() == "2027-05-10"


def test_a_practitioner_cannot_use_the_admin(client, demo_data):
    client.force_login(User.objects.get(email="practitioner.ce@demo.escalate.test"))
    response = client.get("/admin/partnerships/agency/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_partnership_administrator_opens_the_pages_of_their_own_partnership(client, demo_data):
    administrator = User.objects.get(email="administrator.ce@demo.escalate.test")
    client.force_login(administrator)
    partnership = Partnership.objects.get(reference_prefix="CE")
    agency = partnership.agencies.first()
    person = User.objects.get(email="practitioner.ce@demo.escalate.test")
    for url in [
        "/admin/",
        "/admin/partnerships/partnership/",
        f"/admin/partnerships/partnership/{partnership.pk}/change/",
        "/admin/partnerships/agency/",
        "/admin/partnerships/agency/add/",
        f"/admin/partnerships/agency/{agency.pk}/change/",
        "/admin/partnerships/membership/",
        "/admin/partnerships/membership/add/",
        "/admin/partnerships/partnershiprole/",
        "/admin/partnerships/partnershiprole/add/",
        "/admin/partnerships/nonworkingday/",
        "/admin/partnerships/rolegrant/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{person.pk}/change/",
        f"/admin/accounts/user/{administrator.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/admin/partnerships/partnership/").content.decode()
    assert partnership.name in html
    assert Partnership.objects.exclude(pk=partnership.pk).first().name not in html
