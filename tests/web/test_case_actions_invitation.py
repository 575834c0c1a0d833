"""The other professional's emailed invitation link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import factories
import pytest
from django.urls import reverse

from escalate import clock
from escalate.cases import services
from escalate.cases.models import Invitation
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[dt.date]:
    day = dt.date(2026, 12, 23)
    clock.freeze(day)
    try:
        yield day
    finally:
        clock.unfreeze()


@pytest.fixture
def invited():
    w = factories.world("cheshire-east-sab")
    newcomer = factories.user("New Colleague")
    factories.member(newcomer, w.other, Role.PRACTITIONER)
    case = factories.raise_case(
        w, other_professional_name="New Colleague", other_professional_email=newcomer.email
    )
    token = services.new_invitation_token(Invitation.objects.get(case=case))
    return w, case, newcomer, reverse("cases:invitation", args=[token])


def test_signed_out_they_are_asked_to_sign_in_or_ask_for_an_account(client, invited):
    _, case, _, link = invited
    response = client.get(link)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{reverse('login')}?next={link}" in html
    assert "If you do not have an account" in html
    assert case.disagreement not in html


def test_signed_in_they_land_on_the_case_and_take_part(client, invited):
    _, case, newcomer, link = invited
    client.force_login(newcomer)

    response = client.get(link, follow=True)

    assert response.redirect_chain[-1][0] == reverse("cases:case", args=[case.reference])
    html = response.content.decode()
    assert "You are now taking part in this case." in html
    assert 'data-action="respond"' in html
    case.refresh_from_db()
    assert case.other_professional == newcomer


def test_a_used_link_says_so_kindly(client, invited):
    _, _, newcomer, link = invited
    client.force_login(newcomer)
    client.get(link)
    response = client.get(link)
    assert response.status_code == 409
    assert "already been used" in response.content.decode()


def test_someone_it_was_not_sent_to_cannot_use_it(client, invited):
    w, case, newcomer, link = invited
    client.force_login(w.raiser)
    response = client.get(link)
    assert response.status_code == 403
    assert "only that person can use it" in response.content.decode()
    case.refresh_from_db()
    assert case.other_professional == newcomer  # as it was when raised


def test_a_made_up_link_is_not_found(client):
    client.force_login(factories.user())
    response = client.get(reverse("cases:invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
