"""Least privilege in the administration site (issue 9, item 1).

A partnership administrator manages only their own partnership's agencies, people and
roles; never superusers, staff or other administrators, never other partnerships,
never their own roles; nobody but a superuser sets another person's password. Every
role given or taken away is recorded and shown to the business unit.
"""

from __future__ import annotations

import datetime as dt
import logging
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client

from escalate import clock
from escalate.accounts.models import SignedInSession, User
from escalate.partnerships import administration, services
from escalate.partnerships.demo import create_demo, ensure_administrators_group
from escalate.partnerships.models import (
    Agency,
    Membership,
    NonWorkingDay,
    PartnershipRole,
    RoleChange,
    RoleGrant,
)
from escalate.procedures.model import Role
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-9"


# ---------------------------------------------------------------- helpers


def make_administrator(w: factories.World) -> User:
    """The world's administrator, set up as the demo sets one up: staff, in the
    Administrators group, holding the administrator role of the partnership."""
    person = w.administrator
    assert person is not None
    person.is_staff = True
    person.set_password(PASSWORD)
    person.save()
    person.groups.add(ensure_administrators_group())
    return person


@pytest.fixture
def mine():
    return factories.world(label="Mine")


@pytest.fixture
def theirs():
    return factories.world(label="Theirs")


@pytest.fixture
def administrator(mine):
    return make_administrator(mine)


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root@example.org", PASSWORD, full_name="Root")


@pytest.fixture
def as_administrator(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


class _FormReader(HTMLParser):
    """The fields a browser would send from the page's main form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._select_multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"), many=kind == "checkbox")
                return
            self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self._select_multiple = "multiple" in a
            if self._select_multiple:
                self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""), many=self._select_multiple)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n")

    def _add(self, name: str, value: str, *, many: bool) -> None:
        if many:
            existing = self.data.get(name)
            if not isinstance(existing, list):
                existing = [] if existing is None else [existing]
            existing.append(value)
            self.data[name] = existing
        else:
            self.data[name] = value


def form_of(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = _FormReader()
    reader.feed(response.content.decode())
    return {k: v for k, v in reader.data.items() if k not in ("csrfmiddlewaretoken", "q")}


def change_url(obj: Any) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def autocomplete(client: Client, model_name: str, field_name: str, term: str) -> list[str]:
    app = "accounts" if model_name == "user" else "partnerships"
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": app, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [item["text"] for item in response.json()["results"]]


# ---------------------------------------------------------------- the two defects


@pytest.fixture
def demo():
    return create_demo(PASSWORD)


def test_a_partnership_administrator_cannot_set_the_superusers_password(client, demo):
    """Critical: the password form of the superuser was open to any administrator."""
    superuser = User.objects.get(email="admin@demo.escalate.test")
    client.force_login(User.objects.get(email="administrator.ce@demo.escalate.test"))
    url = f"/admin/accounts/user/{superuser.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "password1": "taken-over-12345",
            "password2": "taken-over-12345",
            "set_usable_password": "true",
        },
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)
    assert not superuser.check_password("taken-over-12345")


def test_a_partnership_administrator_cannot_give_themselves_another_partnerships_cases(
    client, demo
):
    """High: an administrator made themselves director of another board's agency, then
    read its cases."""
    administrator = User.objects.get(email="administrator.ce@demo.escalate.test")
    theirs = factories.world(label="Elsewhere")
    clock.freeze(dt.date(2026, 12, 23))
    try:
        case = factories.raise_case(theirs, person_name="Alexandra Atrisk")
        client.force_login(administrator)
        response = client.post(
            "/admin/partnerships/membership/add/",
            {"person": administrator.pk, "agency": theirs.raising.pk, "role": Role.DIRECTOR.value},
        )
        assert response.status_code == 200  # the form again, with the error
        assert not Membership.objects.filter(person=administrator).exists()
        assert not RoleGrant.objects.exists()
        page = client.get(f"/cases/{case.reference}/")
        assert page.status_code in (403, 404)
        assert "Alexandra Atrisk" not in page.content.decode()
    finally:
        clock.unfreeze()


# ---------------------------------------------------------------- people out of reach


def test_an_administrator_cannot_open_or_change_a_superuser(as_administrator, superuser):
    assert as_administrator.get(change_url(superuser)).status_code == 302  # "doesn't exist"
    response = as_administrator.post(
        change_url(superuser),
        {"email": "mine@example.org", "full_name": "Root", "is_active": ""},
    )
    assert response.status_code in (302, 403)
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org" and superuser.is_active
    html = as_administrator.get("/admin/accounts/user/?q=root").content.decode()
    assert "root@example.org" not in html


def test_an_administrator_cannot_change_another_administrator_or_member_of_staff(
    as_administrator, mine
):
    colleague = factories.user("Fellow Administrator", is_staff=True)
    factories.partnership_role(colleague, mine.partnership, "administrator")
    staff_lead = mine.raising_people[Role.SAFEGUARDING_LEAD]
    staff_lead.is_staff = True
    staff_lead.save()
    for person in (colleague, staff_lead):
        assert as_administrator.get(change_url(person)).status_code == 200  # view only
        data = form_of(as_administrator, change_url(person))
        data.update(email="hijacked@example.org")
        assert as_administrator.post(change_url(person), data).status_code == 403
        person.refresh_from_db()
        assert person.email != "hijacked@example.org"
        assert (
            as_administrator.get(f"/admin/accounts/user/{person.pk}/password/").status_code == 403
        )


def test_an_administrator_cannot_change_their_own_account(as_administrator, administrator):
    data = form_of(as_administrator, change_url(administrator))
    assert "email" not in data  # view only
    response = as_administrator.post(
        change_url(administrator),
        {"email": "me@example.org", "full_name": "Me", "is_active": "on"},
    )
    assert response.status_code == 403
    administrator.refresh_from_db()
    assert administrator.email != "me@example.org"


def test_the_password_form_is_refused_even_for_people_they_administer(
    as_administrator, administrator, mine
):
    practitioner = mine.raiser
    assert administration.may_administer_person(administrator, practitioner)
    url = f"/admin/accounts/user/{practitioner.pk}/password/"
    assert as_administrator.get(url).status_code == 403
    response = as_administrator.post(
        url, {"password1": "chosen-by-admin-1", "password2": "chosen-by-admin-1"}
    )
    assert response.status_code == 403
    practitioner.refresh_from_db()
    assert not practitioner.check_password("chosen-by-admin-1")
    page = as_administrator.get(change_url(practitioner)).content.decode()
    assert "/password/" not in page


def test_staff_and_superuser_status_cannot_be_given_by_a_crafted_post(as_administrator, mine):
    practitioner = mine.raiser
    data = form_of(as_administrator, change_url(practitioner))
    assert "is_staff" not in data and "is_superuser" not in data and "groups" not in data
    data.update(
        full_name="Renamed Practitioner",
        is_staff="on",
        is_superuser="on",
        groups=[str(Group.objects.get(name="Administrators").pk)],
        user_permissions=["1"],
    )
    response = as_administrator.post(change_url(practitioner), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    practitioner.refresh_from_db()
    assert practitioner.full_name == "Renamed Practitioner"
    assert not practitioner.is_staff and not practitioner.is_superuser
    assert not practitioner.groups.exists() and not practitioner.user_permissions.exists()


def test_people_of_another_partnership_are_out_of_sight(as_administrator, mine, theirs):
    html = as_administrator.get("/admin/accounts/user/").content.decode()
    assert mine.raiser.email in html
    assert theirs.raiser.email not in html
    html = as_administrator.get(f"/admin/accounts/user/?q={theirs.raiser.email}").content.decode()
    assert "0 results" in html and theirs.raiser.full_name not in html
    assert as_administrator.get(change_url(theirs.raiser)).status_code == 302
    data = {"email": "x@example.org", "full_name": "X", "is_active": "on"}
    as_administrator.post(change_url(theirs.raiser), data)
    theirs.raiser.refresh_from_db()
    assert theirs.raiser.email != "x@example.org"


def test_someone_who_also_works_for_another_partnership_is_view_only(
    as_administrator, administrator, mine, theirs
):
    both = mine.raiser
    factories.member(both, theirs.raising, Role.PRACTITIONER)
    assert not administration.may_administer_person(administrator, both)
    assert as_administrator.get(change_url(both)).status_code == 200
    data = form_of(as_administrator, change_url(both))
    assert "email" not in data
    html = as_administrator.get(change_url(both)).content.decode()
    assert theirs.raising.name not in html  # their role elsewhere is not shown


# ---------------------------------------------------------------- agencies and partnerships


def test_another_partnerships_agency_and_partnership_are_out_of_sight(
    as_administrator, mine, theirs
):
    html = as_administrator.get("/admin/partnerships/agency/").content.decode()
    assert mine.raising.name in html and theirs.raising.name not in html
    assert as_administrator.get(change_url(theirs.raising)).status_code == 302
    assert as_administrator.get(change_url(theirs.partnership)).status_code == 302
    response = as_administrator.post(
        change_url(theirs.raising), {"name": "Renamed", "sector": "other", "partnerships": []}
    )
    assert response.status_code in (302, 403)
    theirs.raising.refresh_from_db()
    assert theirs.raising.name != "Renamed"
    html = as_administrator.get("/admin/partnerships/partnership/").content.decode()
    assert mine.partnership.name in html and theirs.partnership.name not in html
    assert as_administrator.get("/admin/partnerships/partnership/add/").status_code == 403


def test_an_agency_cannot_be_moved_into_another_partnership(as_administrator, mine, theirs):
    data = form_of(as_administrator, change_url(mine.raising))
    data["partnerships"] = [str(mine.partnership.pk), str(theirs.partnership.pk)]
    response = as_administrator.post(change_url(mine.raising), data)
    assert response.status_code == 200
    assert set(mine.raising.partnerships.all()) == {mine.partnership}
    data["partnerships"] = []
    assert as_administrator.post(change_url(mine.raising), data).status_code == 200
    assert set(mine.raising.partnerships.all()) == {mine.partnership}


def test_another_partnerships_agency_cannot_be_added_to_mine(as_administrator, mine, theirs):
    data = form_of(as_administrator, change_url(mine.partnership))
    prefix = "Agency_partnerships-"
    total = int(data[f"{prefix}TOTAL_FORMS"])
    data[f"{prefix}TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}{total}-agency"] = str(theirs.raising.pk)
    data[f"{prefix}{total}-partnership"] = str(mine.partnership.pk)
    response = as_administrator.post(change_url(mine.partnership), data)
    assert response.status_code == 200
    assert not theirs.raising.partnerships.filter(pk=mine.partnership.pk).exists()


def test_a_shared_agency_is_seen_but_its_roles_are_left_to_a_superuser(
    as_administrator, administrator, mine, theirs
):
    shared = factories.agency("Shared agency", mine.partnership, theirs.partnership)
    person = factories.user("Shared Practitioner")
    factories.member(person, shared, Role.PRACTITIONER)
    assert shared in administration.visible_agencies(administrator)
    assert shared not in administration.administered_agencies(administrator)
    assert not administration.may_grant(administrator, shared, Role.DIRECTOR.value, person)
    assert as_administrator.get(change_url(shared)).status_code == 200  # view only
    response = as_administrator.post(
        "/admin/partnerships/membership/add/",
        {"person": mine.raiser.pk, "agency": shared.pk, "role": Role.DIRECTOR.value},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(person=mine.raiser, agency=shared).exists()


def test_non_working_days_are_changed_by_superusers_only(as_administrator, client, superuser):
    data = {"date": "2027-05-10", "region": "england-and-wales", "reason": "Extra"}
    assert as_administrator.post("/admin/partnerships/nonworkingday/add/", data).status_code == 403
    assert not NonWorkingDay.objects.exists()
    client.force_login(superuser)
    assert client.post("/admin/partnerships/nonworkingday/add/", data).status_code == 302


# ---------------------------------------------------------------- roles


def test_an_administrator_cannot_give_themselves_a_role_even_in_their_own_agency(
    as_administrator, administrator, mine
):
    response = as_administrator.post(
        "/admin/partnerships/membership/add/",
        {"person": administrator.pk, "agency": mine.raising.pk, "role": Role.DIRECTOR.value},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(person=administrator).exists()
    response = as_administrator.post(
        "/admin/partnerships/partnershiprole/add/",
        {
            "person": administrator.pk,
            "partnership": mine.partnership.pk,
            "role": Role.BUSINESS_UNIT.value,
        },
    )
    assert response.status_code == 200
    assert not PartnershipRole.objects.filter(
        person=administrator, role=Role.BUSINESS_UNIT.value
    ).exists()
    assert not administration.may_grant(
        administrator, mine.raising, Role.DIRECTOR.value, administrator
    )


def test_an_administrator_cannot_remove_or_change_their_own_administrator_role(
    as_administrator, administrator
):
    own = PartnershipRole.objects.get(person=administrator)
    assert (
        as_administrator.post(
            f"/admin/partnerships/partnershiprole/{own.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert PartnershipRole.objects.filter(pk=own.pk).exists()


def test_only_a_superuser_makes_someone_an_administrator(as_administrator, mine, client, superuser):
    person = mine.raiser
    data = {"person": person.pk, "partnership": mine.partnership.pk, "role": "administrator"}
    assert (
        as_administrator.post("/admin/partnerships/partnershiprole/add/", data).status_code == 200
    )
    assert not PartnershipRole.objects.filter(person=person, role="administrator").exists()
    client.force_login(superuser)
    assert client.post("/admin/partnerships/partnershiprole/add/", data).status_code == 302
    assert PartnershipRole.objects.filter(person=person, role="administrator").exists()


def test_crafted_out_of_scope_ids_on_a_persons_page_are_refused(as_administrator, mine, theirs):
    practitioner = mine.raiser
    data = form_of(as_administrator, change_url(practitioner))
    # A role in another partnership's agency, through the inline.
    total = int(data["memberships-TOTAL_FORMS"])
    data["memberships-TOTAL_FORMS"] = str(total + 1)
    data[f"memberships-{total}-agency"] = str(theirs.raising.pk)
    data[f"memberships-{total}-role"] = Role.DIRECTOR.value
    data[f"memberships-{total}-person"] = str(practitioner.pk)
    assert as_administrator.post(change_url(practitioner), data).status_code == 200
    assert not Membership.objects.filter(person=practitioner, agency=theirs.raising).exists()
    # A line manager from another partnership.
    data = form_of(as_administrator, change_url(practitioner))
    data["line_manager"] = str(theirs.person(Role.LINE_MANAGER).pk)
    assert as_administrator.post(change_url(practitioner), data).status_code == 200
    practitioner.refresh_from_db()
    assert practitioner.line_manager == mine.person(Role.LINE_MANAGER)
    # Editing another partnership's role row by its id.
    theirs_row = Membership.objects.filter(agency=theirs.raising).first()
    data = form_of(as_administrator, change_url(practitioner))
    data["memberships-INITIAL_FORMS"] = str(int(data["memberships-INITIAL_FORMS"]) + 1)
    total = int(data["memberships-TOTAL_FORMS"])
    data["memberships-TOTAL_FORMS"] = str(total + 1)
    data[f"memberships-{total}-id"] = str(theirs_row.pk)
    data[f"memberships-{total}-agency"] = str(mine.raising.pk)
    data[f"memberships-{total}-role"] = Role.DIRECTOR.value
    data[f"memberships-{total}-person"] = str(practitioner.pk)
    data[f"memberships-{total}-DELETE"] = "on"
    as_administrator.post(change_url(practitioner), data)
    assert Membership.objects.filter(pk=theirs_row.pk, agency=theirs.raising).exists()


def test_an_administrator_cannot_give_a_role_to_someone_from_another_partnership(
    as_administrator, mine, theirs
):
    response = as_administrator.post(
        "/admin/partnerships/membership/add/",
        {"person": theirs.raiser.pk, "agency": mine.raising.pk, "role": Role.DIRECTOR.value},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(person=theirs.raiser, agency=mine.raising).exists()


def test_roles_of_another_partnership_cannot_be_changed_or_removed(as_administrator, theirs):
    row = Membership.objects.filter(agency=theirs.raising).first()
    assert as_administrator.get(change_url(row)).status_code == 302
    as_administrator.post(f"/admin/partnerships/membership/{row.pk}/delete/", {"post": "yes"})
    response = as_administrator.post(
        "/admin/partnerships/membership/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Membership.objects.filter(pk=row.pk).exists()


# ---------------------------------------------------------------- autocomplete


def test_autocomplete_does_not_leak_people_or_agencies(
    as_administrator, administrator, mine, theirs
):
    assert set(autocomplete(as_administrator, "membership", "person", "Practitioner")) == {
        mine.raiser.full_name,
        mine.other_professional.full_name,
    }
    assert autocomplete(as_administrator, "membership", "person", theirs.raiser.email) == []
    assert autocomplete(as_administrator, "user", "line_manager", "Theirs") == []
    # Never themselves, as someone to give a role to.
    assert autocomplete(as_administrator, "membership", "person", "Administrator") == []
    agencies = autocomplete(as_administrator, "membership", "agency", "agency")
    assert set(agencies) == {mine.raising.name, mine.other.name}
    assert autocomplete(as_administrator, "partnershiprole", "partnership", "") == [
        mine.partnership.name
    ]
    root = User.objects.create_superuser("root2@example.org", PASSWORD, full_name="Root Two")
    assert autocomplete(as_administrator, "user", "line_manager", root.email) == []


def test_someone_with_no_role_yet_is_found_only_by_their_full_email_address(
    as_administrator, administrator, mine, theirs
):
    newcomer = factories.user("Newcomer Person", email="newcomer@example.org")
    html = as_administrator.get("/admin/accounts/user/").content.decode()
    assert "newcomer@example.org" not in html
    assert autocomplete(as_administrator, "membership", "person", "Newcomer") == []
    assert autocomplete(as_administrator, "membership", "person", "newcomer@example.org") == [
        "Newcomer Person"
    ]
    assert administration.may_grant(administrator, mine.raising, Role.PRACTITIONER.value, newcomer)
    # A leaver from another partnership is not theirs to find.
    leaver = factories.user("Leaver Elsewhere", email="leaver@example.org")
    root = User.objects.create_superuser("root3@example.org", PASSWORD, full_name="Root Three")
    held = services.grant_role(root, leaver, Role.PRACTITIONER.value, agency=theirs.raising)
    services.revoke_role(root, held)
    assert autocomplete(as_administrator, "membership", "person", "leaver@example.org") == []
    assert not administration.may_administer_person(administrator, leaver)


# ---------------------------------------------------------------- what they may do


def test_an_administrator_adds_a_person_who_chooses_their_own_password(as_administrator, mine):
    data = form_of(as_administrator, "/admin/accounts/user/add/")
    assert "password1" not in data and "usable_password" not in data
    data.update(
        email="New.Starter@Example.org",
        full_name="New Starter",
        password1="chosen-by-admin-1",
        password2="chosen-by-admin-1",
        usable_password="true",
        is_staff="on",
    )
    data["memberships-TOTAL_FORMS"] = "1"
    data["memberships-0-agency"] = str(mine.raising.pk)
    data["memberships-0-role"] = Role.PRACTITIONER.value
    response = as_administrator.post("/admin/accounts/user/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    made = User.objects.get(email="new.starter@example.org")
    assert not made.has_usable_password() and not made.is_staff
    assert Membership.objects.filter(person=made, agency=mine.raising).exists()
    assert RoleGrant.objects.filter(person=made, change=RoleChange.GRANTED).count() == 1


def test_an_administrator_adds_an_agency_to_their_partnership_with_its_people(
    as_administrator, mine, theirs
):
    data = form_of(as_administrator, "/admin/partnerships/agency/add/")
    data.update(name="New Agency", sector="other", partnerships=[str(mine.partnership.pk)])
    data["memberships-TOTAL_FORMS"] = "1"
    data["memberships-0-person"] = str(mine.raiser.pk)
    data["memberships-0-role"] = Role.SAFEGUARDING_LEAD.value
    response = as_administrator.post("/admin/partnerships/agency/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    made = Agency.objects.get(name="New Agency")
    assert list(made.partnerships.all()) == [mine.partnership]
    assert RoleGrant.objects.get().agency == made
    # Not into another partnership, nor into none.
    for chosen in ([str(theirs.partnership.pk)], []):
        data.update(name="Another Agency", partnerships=chosen)
        assert as_administrator.post("/admin/partnerships/agency/add/", data).status_code == 200
    assert not Agency.objects.filter(name="Another Agency").exists()


def test_an_administrator_updates_their_partnership_and_gives_a_role_in_it(as_administrator, mine):
    data = form_of(as_administrator, change_url(mine.partnership))
    data["business_unit_phone"] = "01234 567890"
    total = int(data["people-TOTAL_FORMS"])
    data["people-TOTAL_FORMS"] = str(total + 1)
    data[f"people-{total}-person"] = str(mine.raiser.pk)
    data[f"people-{total}-role"] = Role.STATUTORY_PARTNER.value
    response = as_administrator.post(change_url(mine.partnership), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    mine.partnership.refresh_from_db()
    assert mine.partnership.business_unit_phone == "01234 567890"
    given = RoleGrant.objects.get()
    assert (given.partnership, given.person, given.role) == (
        mine.partnership,
        mine.raiser,
        Role.STATUTORY_PARTNER.value,
    )


def test_giving_and_taking_away_roles_is_recorded_and_logged(
    as_administrator, administrator, mine, caplog, django_capture_on_commit_callbacks
):
    person = mine.raiser
    caplog.set_level(logging.INFO, logger="escalate.security")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_administrator.post(
            "/admin/partnerships/membership/add/",
            {"person": person.pk, "agency": mine.other.pk, "role": Role.SAFEGUARDING_LEAD.value},
        )
    assert response.status_code == 302
    given = RoleGrant.objects.get()
    assert (given.actor, given.person, given.agency, given.change) == (
        administrator,
        person,
        mine.other,
        RoleChange.GRANTED,
    )
    assert given.role == Role.SAFEGUARDING_LEAD.value
    assert any(
        "role.granted" in r.getMessage() and f"actor={administrator.pk}" in r.getMessage()
        for r in caplog.records
    )
    # Taken away from the person's page.
    held = Membership.objects.get(person=person, agency=mine.other)
    data = form_of(as_administrator, change_url(person))
    index = next(
        k.split("-")[1]
        for k, v in data.items()
        if k.startswith("memberships-") and k.endswith("-id") and v == str(held.pk)
    )
    data[f"memberships-{index}-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        assert as_administrator.post(change_url(person), data).status_code == 302
    assert not Membership.objects.filter(pk=held.pk).exists()
    taken = RoleGrant.objects.filter(change=RoleChange.REVOKED).get()
    assert taken.agency == mine.other and taken.person == person
    assert any("role.revoked" in r.getMessage() for r in caplog.records)


def test_changing_a_role_records_the_old_taken_away_and_the_new_given(as_administrator, mine):
    held = Membership.objects.get(person=mine.raiser)
    response = as_administrator.post(
        change_url(held),
        {"person": mine.raiser.pk, "agency": mine.raising.pk, "role": Role.LINE_MANAGER.value},
    )
    assert response.status_code == 302
    changes = list(RoleGrant.objects.order_by("id").values_list("change", "role"))
    assert changes == [
        (RoleChange.REVOKED, Role.PRACTITIONER.value),
        (RoleChange.GRANTED, Role.LINE_MANAGER.value),
    ]


def test_the_record_of_role_changes_is_append_only(mine):
    root = User.objects.create_superuser("root4@example.org", PASSWORD, full_name="Root Four")
    services.grant_role(root, mine.raiser, Role.DIRECTOR.value, agency=mine.raising)
    entry = RoleGrant.objects.get()
    entry.role_label = "Changed"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_the_services_refuse_what_the_rules_refuse(administrator, mine, theirs):
    from escalate.cases.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.grant_role(administrator, administrator, Role.DIRECTOR.value, agency=mine.raising)
    with pytest.raises(NotAllowed):
        services.grant_role(administrator, mine.raiser, Role.DIRECTOR.value, agency=theirs.raising)
    with pytest.raises(NotAllowed):
        services.grant_role(
            administrator, mine.raiser, "administrator", partnership=mine.partnership
        )
    with pytest.raises(NotAllowed):
        services.revoke_role(administrator, Membership.objects.filter(agency=theirs.raising)[0])
    assert not RoleGrant.objects.exists()


def test_the_password_reset_email_is_sent_by_an_action(as_administrator, mine, theirs):
    from escalate.accounts.admin import PasswordResetFor

    practitioner = mine.raiser
    practitioner.set_unusable_password()
    practitioner.save()
    with mock.patch.object(PasswordResetFor, "send_mail") as send_mail:
        response = as_administrator.post(
            "/admin/accounts/user/",
            {
                "action": "send_password_reset_email",
                "_selected_action": [practitioner.pk, theirs.raiser.pk],
            },
        )
    assert response.status_code == 302
    assert [c.args[4] for c in send_mail.call_args_list] == [practitioner.email]
    practitioner.refresh_from_db()
    assert not practitioner.has_usable_password()  # nothing chosen for them


def test_an_administrator_signs_a_person_out_everywhere(as_administrator, mine, theirs):
    practitioner, stranger = mine.raiser, theirs.raiser
    for person in (practitioner, stranger):
        Client().force_login(person)
    assert SignedInSession.objects.filter(user=practitioner).exists()
    response = as_administrator.post(
        "/admin/accounts/user/",
        {"action": "sign_out_everywhere", "_selected_action": [practitioner.pk, stranger.pk]},
    )
    assert response.status_code == 302
    assert not SignedInSession.objects.filter(user=practitioner).exists()
    assert SignedInSession.objects.filter(user=stranger).exists()


# ---------------------------------------------------------------- the business unit's record


def roles_url(w: factories.World) -> str:
    return f"/partnerships/{w.partnership.slug}/roles/"


def test_the_business_unit_sees_who_was_given_which_role(client, administrator, mine, theirs):
    services.grant_role(
        administrator, mine.raiser, Role.SAFEGUARDING_LEAD.value, agency=mine.raising
    )
    root = User.objects.create_superuser("root5@example.org", PASSWORD, full_name="Root Five")
    services.grant_role(root, theirs.raiser, Role.DIRECTOR.value, agency=theirs.raising)
    client.force_login(mine.person(Role.BUSINESS_UNIT))
    page = client.get(roles_url(mine))
    assert page.status_code == 200
    html = page.content.decode()
    assert administrator.full_name in html and mine.raiser.full_name in html
    assert "Designated or named safeguarding lead" in html and "Given" in html
    assert theirs.raiser.full_name not in html
    procedure = client.get(f"/partnerships/{mine.partnership.slug}/procedure/").content.decode()
    assert roles_url(mine) in procedure


@pytest.mark.parametrize("who", ["practitioner", "chair", "other business unit", "anonymous"])
def test_the_record_of_roles_is_not_shown_to_others(client, mine, theirs, who):
    people = {
        "practitioner": mine.raiser,
        "chair": mine.person(Role.INDEPENDENT_CHAIR),
        "other business unit": theirs.person(Role.BUSINESS_UNIT),
    }
    if who in people:
        client.force_login(people[who])
    response = client.get(roles_url(mine))
    assert response.status_code in (302, 403)
    if who == "practitioner":
        page = client.get(f"/partnerships/{mine.partnership.slug}/procedure/").content.decode()
        assert roles_url(mine) not in page


def test_administrators_and_superusers_see_the_record(client, administrator, superuser, mine):
    for person in (administrator, superuser):
        client.force_login(person)
        assert client.get(roles_url(mine)).status_code == 200
    assert client.get(roles_url(mine) + "?page=%C2%B2").status_code == 200
    assert client.get(roles_url(mine) + "?page=99999999999999999999").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
def test_partnership_pages_answer_only_get(client, mine, method):
    client.force_login(mine.person(Role.BUSINESS_UNIT))
    for url in (roles_url(mine), f"/partnerships/{mine.partnership.slug}/procedure/"):
        assert getattr(client, method)(url).status_code == 405
    assert client.head(roles_url(mine)).status_code == 200


# ---------------------------------------------------------------- superusers


def test_a_superuser_can_still_do_everything(as_superuser, superuser, mine, theirs):
    practitioner = theirs.raiser
    url = f"/admin/accounts/user/{practitioner.pk}/password/"
    assert as_superuser.get(url).status_code == 200
    response = as_superuser.post(
        url,
        {
            "password1": "a-new-long-pass-8",
            "password2": "a-new-long-pass-8",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.check_password("a-new-long-pass-8")
    html = as_superuser.get(change_url(practitioner)).content.decode()
    assert 'name="is_staff"' in html and 'name="groups"' in html
    data = form_of(as_superuser, change_url(practitioner))
    data.update(is_staff="on")
    assert as_superuser.post(change_url(practitioner), data).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.is_staff
    response = as_superuser.post(
        "/admin/partnerships/membership/add/",
        {"person": superuser.pk, "agency": theirs.raising.pk, "role": Role.DIRECTOR.value},
    )
    assert response.status_code == 302
    assert RoleGrant.objects.filter(actor=superuser, person=superuser).exists()
    for url in (
        change_url(mine.partnership),
        change_url(theirs.raising),
        "/admin/partnerships/partnership/add/",
        "/admin/partnerships/rolegrant/",
    ):
        assert as_superuser.get(url).status_code == 200, url


def test_deleting_a_person_records_their_roles_as_taken_away(as_superuser, mine):
    leaver = mine.raiser
    name = leaver.full_name
    response = as_superuser.post(f"/admin/accounts/user/{leaver.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    taken = RoleGrant.objects.get(change=RoleChange.REVOKED)
    assert taken.person is None and name in taken.person_label
    assert taken.agency == mine.raising


def test_the_administrator_role_gives_no_powers_without_staff_status(mine):
    holder = mine.administrator
    holder.is_staff = False
    holder.save()
    assert not administration.administers_anything(holder)
    assert not administration.may_administer_person(holder, mine.raiser)
    assert not administration.may_grant(holder, mine.raising, Role.DIRECTOR.value, mine.raiser)


# ---------------------------------------------------------------- the review's holes


@pytest.fixture
def frozen():
    """A day the factories' cases can be raised on. (Ask for it before signing in: a
    session started before the clock moves would look too old.)"""
    clock.freeze(dt.date(2026, 12, 23))
    yield
    clock.unfreeze()


def option_values(html: str, name: str) -> set[str]:
    """The values offered by the select called ``name`` (blank left out)."""

    class Options(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.inside = False
            self.values: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: (v or "") for k, v in attrs}
            if tag == "select":
                self.inside = a.get("name") == name
            elif tag == "option" and self.inside and a.get("value"):
                self.values.add(a["value"])

        def handle_endtag(self, tag: str) -> None:
            if tag == "select":
                self.inside = False

    reader = Options()
    reader.feed(html)
    return reader.values


def security_lines(caplog: Any, event: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "escalate.security" and r.getMessage().startswith(event + " ")
    ]


# H1: an administrator changed an email, then sent themselves the reset link.


def test_an_administrator_cannot_change_the_email_of_someone_they_administer(
    as_administrator, administrator, mine
):
    from escalate.accounts.admin import PasswordResetFor

    practitioner = mine.raiser
    address = practitioner.email
    assert administration.may_administer_person(administrator, practitioner)
    data = form_of(as_administrator, change_url(practitioner))
    data.update(email="taken.over@example.org", full_name="Renamed Practitioner")
    response = as_administrator.post(change_url(practitioner), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    practitioner.refresh_from_db()
    assert practitioner.email == address
    assert practitioner.full_name == "Renamed Practitioner"
    assert "email" not in form_of(as_administrator, change_url(practitioner))  # read-only
    assert address in as_administrator.get(change_url(practitioner)).content.decode()
    with mock.patch.object(PasswordResetFor, "send_mail") as send_mail:
        as_administrator.post(
            "/admin/accounts/user/",
            {"action": "send_password_reset_email", "_selected_action": [practitioner.pk]},
        )
    assert [c.args[4] for c in send_mail.call_args_list] == [address]


def test_a_superuser_changes_an_email_and_the_log_names_ids_not_addresses(
    as_superuser, superuser, mine, caplog
):
    practitioner = mine.raiser
    old = practitioner.email
    caplog.set_level(logging.INFO, logger="escalate.security")
    data = form_of(as_superuser, change_url(practitioner))
    data.update(email="moved.on@example.org")
    assert as_superuser.post(change_url(practitioner), data).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.email == "moved.on@example.org"
    [line] = security_lines(caplog, "person.email_changed")
    assert f"actor={superuser.pk}" in line and f"person={practitioner.pk}" in line
    assert old not in line and "moved.on@example.org" not in line


# H2: an administrator made themselves someone's line manager (and so saw their cases).


@pytest.fixture
def administrator_who_also_manages(administrator, mine, superuser):
    """The administrator is also a senior manager in the raising agency (given by a
    superuser)."""
    services.grant_role(superuser, administrator, Role.SENIOR_MANAGER.value, agency=mine.raising)
    return administrator


def test_line_manager_choices_are_managers_in_the_persons_own_agencies_never_oneself(
    as_administrator, administrator_who_also_manages, mine, theirs
):
    administrator = administrator_who_also_manages
    practitioner = mine.raiser
    html = as_administrator.get(change_url(practitioner)).content.decode()
    managers = {
        str(mine.raising_people[role].pk)
        for role in (Role.LINE_MANAGER, Role.SAFEGUARDING_LEAD, Role.SENIOR_MANAGER, Role.DIRECTOR)
    }
    assert option_values(html, "line_manager") == managers
    assert set(
        administration.line_manager_choices(administrator, practitioner).values_list(
            "pk", flat=True
        )
    ) == {int(pk) for pk in managers}
    # A crafted post naming themselves, a practitioner, another agency's or another
    # partnership's manager is refused.
    for manager in (
        administrator,
        mine.other_professional,
        mine.raising_people[Role.BOARD_REPRESENTATIVE],
        mine.other_people[Role.DIRECTOR],
        theirs.raising_people[Role.DIRECTOR],
    ):
        data = form_of(as_administrator, change_url(practitioner))
        data["line_manager"] = str(manager.pk)
        response = as_administrator.post(change_url(practitioner), data)
        assert response.status_code == 200, manager
        assert "Select a valid choice" in response.content.decode()
        practitioner.refresh_from_db()
        assert practitioner.line_manager == mine.person(Role.LINE_MANAGER)
        assert not administration.may_set_line_manager(administrator, practitioner, manager)
    # Even past the form, saving is refused.
    from escalate.accounts.admin import UserAdmin

    request = mock.Mock(user=administrator)
    form = mock.Mock(changed_data=["line_manager"])
    practitioner.line_manager = administrator
    with pytest.raises(PermissionDenied):
        UserAdmin(User, admin_site).save_model(request, practitioner, form, True)
    practitioner.refresh_from_db()
    assert practitioner.line_manager == mine.person(Role.LINE_MANAGER)


def test_someone_with_no_agency_role_gets_a_line_manager_only_from_a_superuser(
    as_administrator, administrator, mine, client, superuser
):
    business_unit = mine.person(Role.BUSINESS_UNIT)  # a partnership role, no agency role
    assert administration.may_administer_person(administrator, business_unit)
    html = as_administrator.get(change_url(business_unit)).content.decode()
    assert option_values(html, "line_manager") == set()
    data = form_of(as_administrator, change_url(business_unit))
    data["line_manager"] = str(mine.person(Role.LINE_MANAGER).pk)
    assert as_administrator.post(change_url(business_unit), data).status_code == 200
    business_unit.refresh_from_db()
    assert business_unit.line_manager is None
    # Nor when adding someone (they have no role yet).
    assert (
        'name="line_manager"'
        not in as_administrator.get("/admin/accounts/user/add/").content.decode()
    )
    client.force_login(superuser)
    data = form_of(client, change_url(business_unit))
    data["line_manager"] = str(mine.person(Role.LINE_MANAGER).pk)
    assert client.post(change_url(business_unit), data).status_code == 302
    business_unit.refresh_from_db()
    assert business_unit.line_manager == mine.person(Role.LINE_MANAGER)


def test_someone_named_on_another_partnerships_case_gets_a_line_manager_from_a_superuser(
    administrator, mine, theirs, frozen
):
    case = factories.raise_case(theirs)
    practitioner = mine.raiser
    from escalate.cases.models import Case

    Case.objects.filter(pk=case.pk).update(other_professional=practitioner)
    assert administration.may_administer_person(administrator, practitioner)
    manager = mine.person(Role.SENIOR_MANAGER)
    assert not administration.line_manager_choices(administrator, practitioner).exists()
    assert not administration.may_set_line_manager(administrator, practitioner, manager)


def test_every_line_manager_change_is_logged(
    as_administrator, administrator, mine, caplog, django_capture_on_commit_callbacks
):
    practitioner = mine.raiser
    manager = mine.person(Role.SENIOR_MANAGER)
    caplog.set_level(logging.INFO, logger="escalate.security")
    for chosen, logged in ((manager, str(manager.pk)), (None, "none")):
        data = form_of(as_administrator, change_url(practitioner))
        data["line_manager"] = str(chosen.pk) if chosen else ""
        with django_capture_on_commit_callbacks(execute=True):
            response = as_administrator.post(change_url(practitioner), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        practitioner.refresh_from_db()
        assert practitioner.line_manager == chosen
        line = security_lines(caplog, "line_manager.changed")[-1]
        assert f"actor={administrator.pk}" in line
        assert f"person={practitioner.pk} manager={logged}" in line
    assert len(security_lines(caplog, "line_manager.changed")) == 2
    # Saving without changing it logs nothing more.
    data = form_of(as_administrator, change_url(practitioner))
    with django_capture_on_commit_callbacks(execute=True):
        assert as_administrator.post(change_url(practitioner), data).status_code == 302
    assert len(security_lines(caplog, "line_manager.changed")) == 2


# H3: people with no role opened by walking ids.


def test_a_person_with_no_role_opens_by_id_only_if_nothing_ties_them_to_another_partnership(
    frozen, as_administrator, administrator, mine, theirs
):
    missing = as_administrator.get("/admin/accounts/user/999999/change/")
    assert missing.status_code == 302
    # Raised a case in another partnership, then their role went (no record of it).
    elsewhere = factories.user("Raised Elsewhere")
    factories.member(elsewhere, theirs.raising, Role.PRACTITIONER)
    factories.raise_case(theirs, actor=elsewhere)
    Membership.objects.filter(person=elsewhere).delete()
    # Invited by address to another partnership's case.
    invited = factories.user("Invited Elsewhere", email="invited.elsewhere@example.org")
    factories.raise_case(theirs, other_professional_email="Invited.Elsewhere@example.org")
    for person in (elsewhere, invited):
        assert administration.roleless_people(User.objects.filter(pk=person.pk)).exists()
        for suffix in ("change/", "history/"):
            url = f"/admin/accounts/user/{person.pk}/{suffix}"
            response = as_administrator.get(url)
            assert (response.status_code, response.url) == (302, missing.url), url
        html = as_administrator.get(f"/admin/accounts/user/?q={person.email}").content.decode()
        assert person.full_name not in html
        assert not administration.may_view_person(administrator, person)
        assert not administration.may_grant(
            administrator, mine.raising, Role.PRACTITIONER.value, person
        )
    # Someone new, or named only on the administrator's own partnership's cases, opens.
    newcomer = factories.user("Brand New")
    ours = factories.user("Invited Here", email="invited.here@example.org")
    factories.raise_case(mine, other_professional_email="invited.here@example.org")
    for person in (newcomer, ours):
        assert as_administrator.get(change_url(person)).status_code == 200
        assert administration.may_administer_person(administrator, person)


# L2: superusers are made on the command line only.


def test_superuser_status_is_shown_but_never_changed_in_the_administration_site(as_superuser, mine):
    practitioner = mine.raiser
    other_root = User.objects.create_superuser("root6@example.org", PASSWORD, full_name="Root Six")
    html = as_superuser.get(change_url(practitioner)).content.decode()
    assert "Superuser status" in html and 'name="is_superuser"' not in html
    data = form_of(as_superuser, change_url(practitioner))
    data["is_superuser"] = "on"
    assert as_superuser.post(change_url(practitioner), data).status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_superuser
    # Nor taken away (a form without the box used to untick it).
    data = form_of(as_superuser, change_url(other_root))
    data.pop("is_superuser", None)
    assert as_superuser.post(change_url(other_root), data).status_code == 302
    other_root.refresh_from_db()
    assert other_root.is_superuser


# L5: the record of role changes refuses bulk changes too.


def test_the_record_of_role_changes_refuses_changes_and_deletions_in_bulk(mine, superuser):
    services.grant_role(superuser, mine.raiser, Role.DIRECTOR.value, agency=mine.raising)
    entries = RoleGrant.objects.all()
    first = entries[0]
    first.role_label = "Changed"
    with pytest.raises(ValueError, match="append-only"):
        entries.update(role_label="Changed")
    with pytest.raises(ValueError, match="append-only"):
        RoleGrant.objects.bulk_update([first], ["role_label"])
    with pytest.raises(ValueError, match="append-only"):
        RoleGrant.objects.update_or_create(pk=first.pk, defaults={"role_label": "Changed"})
    with pytest.raises(ValueError, match="append-only"):
        RoleGrant.objects.filter(person=mine.raiser).delete()
    assert RoleGrant.objects.get().role_label != "Changed"
    # Deleting a person or an agency (superusers only) still works: the record keeps the
    # names and forgets the link.
    held = services.grant_role(
        superuser, mine.other_professional, "line_manager", agency=mine.other
    )
    mine.other_professional.delete()
    assert not Membership.objects.filter(pk=held.pk).exists()
    assert RoleGrant.objects.filter(person__isnull=True, agency=mine.other).count() == 1
    mine.other.delete()
    assert RoleGrant.objects.filter(agency__isnull=True).count() == 1
    assert RoleGrant.objects.count() == 2


# M8: the administration site's case page showed the person at risk unlogged.


def test_the_administration_sites_case_page_does_not_show_the_person_at_risk(
    frozen, as_superuser, superuser, mine
):
    from escalate.cases.models import VIEWED, Case, Event

    factories.member(superuser, mine.raising, Role.DIRECTOR)  # so the case is theirs to see
    case = factories.raise_case(mine, person_name="Alexandra Atrisk", person_record_id="REC-777")
    Case.objects.filter(pk=case.pk).update(
        person_date_of_birth=dt.date(1931, 2, 3),
        person_address="1 Hidden Lane",
        person_views="Would like to stay put.",
    )
    for url in ("/admin/cases/case/", f"/admin/cases/case/{case.pk}/change/"):
        response = as_superuser.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert case.reference in html
        for shown in ("Alexandra Atrisk", "1931", "1 Hidden Lane", "REC-777", "stay put"):
            assert shown not in html, (url, shown)
    assert not Event.objects.filter(case=case, action=VIEWED).exists()
