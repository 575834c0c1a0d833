"""A policy issue reaches the chair's own pages: the dashboard's "Respond to a policy
issue" opens the issue (not the case, which the chair usually may not see), where they
read it and respond; the partnership's policy issues page takes a response too. Where
no chair is registered the procedure sends the issue to the statutory partners, who
follow the same path."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from collections.abc import Iterator

import factories
import pytest
from django.test import Client

from escalate import clock
from escalate.accounts.models import User
from escalate.cases.models import Case, PolicyIssue, PolicyIssueStatus
from escalate.notifications.models import Notification
from escalate.partnerships.models import PartnershipRole
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

ISSUE = "There is no list of who to contact in each agency out of hours."


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield
    finally:
        clock.unfreeze()


def words(html: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def signed_in(person: User) -> Client:
    client = Client()
    client.force_login(person)
    return client


def flag(w: factories.World, case: Case) -> PolicyIssue:
    """The practitioner flags the issue through its page."""
    client = signed_in(w.raiser)
    case.refresh_from_db()
    sent = client.post(
        f"/cases/{case.reference}/policy-issue/", {"version": case.version, "text": ISSUE}
    )
    assert sent.status_code == 302
    return PolicyIssue.objects.get(case=case)


def dashboard_link(client: Client, case: Case) -> str:
    """Where the dashboard's "Respond to a policy issue" row for ``case`` leads."""
    page = client.get("/").content.decode()
    table = page.split('id="needs-action"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr")[1:] if case.reference in r)
    assert "Respond to a policy issue" in row
    found = re.search(r'href="([^"]+)"', row)
    assert found
    return found.group(1)


def test_the_chair_goes_from_the_dashboard_to_the_issue_reads_it_and_responds() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    issue = flag(w, case)
    chair = signed_in(w.person(Role.INDEPENDENT_CHAIR))
    assert chair.get(f"/cases/{case.reference}/").status_code == 404  # not theirs to see

    link = dashboard_link(chair, case)
    assert link == f"/cases/{case.reference}/policy-issues/{issue.pk}/respond/"
    for someone_else in (w.person(Role.BUSINESS_UNIT), w.other_professional):
        assert signed_in(someone_else).get(link).status_code in (403, 404)
    page = chair.get(link)
    assert page.status_code == 200
    text = words(page.content.decode())
    assert ISSUE in text
    assert f"Flagged at stage 1 on 23 December 2026 by {w.raiser.full_name}" in text
    assert "You do not have access to this case" not in text
    assert f"{w.raiser.full_name} (raised the challenge, {w.raising.name})" in text
    board = f"/board/{w.partnership.slug}/policy-issues/"
    assert f'href="{board}"' in page.content.decode()  # back to the chair's own pages
    assert "Alex Example" not in text  # the person at risk stays on the case

    sent = chair.post(link, {"version": case.version, "response": "The board will publish one."})
    assert sent.status_code == 302
    assert sent["Location"] == f"{board}#issue-{issue.pk}"
    shown = words(chair.get(sent["Location"]).content.decode())
    assert (
        f"Your response is recorded. We have told {w.raiser.full_name} "
        f"(raised the challenge, {w.raising.name}) by email."
    ) in shown
    assert "The board will publish one." in shown
    issue.refresh_from_db()
    assert issue.status == PolicyIssueStatus.RESPONDED
    assert Notification.objects.filter(event="policy_issue.responded", recipient=w.raiser).exists()
    # Nothing is left waiting on the chair's dashboard.
    assert "Respond to a policy issue" not in chair.get("/").content.decode()


def test_the_chair_can_respond_on_the_partnerships_policy_issues_page() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    issue = flag(w, case)
    chair = signed_in(w.person(Role.INDEPENDENT_CHAIR))
    board = f"/board/{w.partnership.slug}/policy-issues/"
    page = words(chair.get(board).content.decode())
    assert ISSUE in page and "Send the response" in page
    assert f"Escalate emails your response to {w.raiser.full_name}, who flagged the issue." in page

    case.refresh_from_db()
    sent = chair.post(
        board, {"issue": issue.pk, "version": case.version, "response": "Agreed: we will."}
    )
    assert sent.status_code == 302
    shown = words(chair.get(sent["Location"]).content.decode())
    assert f"Your response is recorded. We have told {w.raiser.full_name}" in shown
    issue.refresh_from_db()
    assert issue.status == PolicyIssueStatus.RESPONDED


def test_statutory_partners_respond_where_the_procedure_sends_issues_to_them() -> None:
    w = factories.world("cheshire-east-sab")
    PartnershipRole.objects.filter(
        partnership=w.partnership, role=Role.INDEPENDENT_CHAIR.value
    ).delete()
    case = factories.raise_case(w)
    issue = flag(w, case)
    partner = w.person(Role.STATUTORY_PARTNER)
    assert Notification.objects.filter(event="policy_issue.flagged", recipient=partner).exists()

    client = signed_in(partner)
    link = dashboard_link(client, case)
    assert link == f"/cases/{case.reference}/policy-issues/{issue.pk}/respond/"
    page = client.get(link)
    assert page.status_code == 200 and ISSUE in words(page.content.decode())
    sent = client.post(link, {"version": case.version, "response": "We will add one."})
    assert sent.status_code == 302
    shown = words(client.get(sent["Location"]).content.decode())
    assert f"We have told {w.raiser.full_name}" in shown
    issue.refresh_from_db()
    assert (issue.status, issue.responded_by) == (PolicyIssueStatus.RESPONDED, partner)


def test_cancel_and_a_refused_response_take_the_chair_to_the_policy_issues_not_a_404() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    issue = flag(w, case)
    chair = signed_in(w.person(Role.INDEPENDENT_CHAIR))
    link = f"/cases/{case.reference}/policy-issues/{issue.pk}/respond/"
    board = f"/board/{w.partnership.slug}/policy-issues/"
    page = chair.get(link).content.decode()
    assert f'<a class="govuk-link" href="{board}">Cancel</a>' in page

    case.refresh_from_db()
    first = chair.post(link, {"version": case.version, "response": "First answer."})
    assert first.status_code == 302
    # Responding again (another tab left open) is refused: back to the chair's page.
    case.refresh_from_db()
    again = chair.post(link, {"version": case.version, "response": "Second answer."})
    assert again.status_code == 302
    assert again["Location"] == board
    assert chair.get(again["Location"]).status_code == 200
