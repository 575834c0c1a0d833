"""The partnership's policy issues page: a page at a time, those awaiting a response
first, in the same queries however many issues and cases there are."""

from __future__ import annotations

import datetime as dt

import factories
import pytest
from django.test import Client
from page_queries import counted_get
from register_cases import many_more

from escalate import clock
from escalate.cases.models import Case, PolicyIssue, PolicyIssueStatus
from escalate.procedures.model import Role
from escalate.reports import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_clock) -> None:
    frozen_clock(dt.datetime(2026, 12, 23, 9, 0))


def flagged(w: factories.World, count: int, *, responded: int = 0) -> None:
    """``count`` issues, one on each of as many cases (made for them: once a world), the
    first ``responded`` of them responded to; "Issue 1" the oldest."""
    many_more(w, count)
    cases = list(
        Case.objects.filter(partnership=w.partnership)
        .exclude(policy_issues__isnull=False)
        .order_by("-pk")[:count]
    )
    assert len(cases) == count
    now = clock.now()
    chair = w.person(Role.INDEPENDENT_CHAIR)
    start = PolicyIssue.objects.count()
    PolicyIssue.objects.bulk_create(
        PolicyIssue(
            case=case,
            stage=1,
            text=f"Issue {start + n}",
            raised_by=w.raiser,
            raised_at=now - dt.timedelta(days=400) + dt.timedelta(minutes=start + n),
            **(
                {
                    "status": PolicyIssueStatus.RESPONDED,
                    "response": "Done.",
                    "responded_by": chair,
                    "responded_at": now,
                }
                if n <= responded
                else {}
            ),
        )
        for n, case in enumerate(cases, start=1)
    )


def page(w: factories.World, query: str = "") -> tuple[int, str, int]:
    path = f"/board/{w.partnership.slug}/policy-issues/{query}"
    return counted_get(w.person(Role.INDEPENDENT_CHAIR), path)


def test_issues_are_shown_fifty_a_page_those_awaiting_a_response_first() -> None:
    w = factories.world()
    flagged(w, 60, responded=15)
    status, first, _ = page(w)
    assert status == 200
    assert first.count("Send the response") == 45 and "Issue 16<" in first
    assert "there are 60 in all" in first and 'href="?page=2"' in first
    status, second, _ = page(w, "?page=2")
    assert status == 200 and "(page 2 of 2)" in second
    assert "Send the response" not in second and "Issue 10<" in second
    for odd in ("\u0662", "-1", "2\x00", "x"):
        assert "Issue 16<" in page(w, f"?page={odd}")[1]
    assert "Issue 10<" in page(w, "?page=" + "9" * 300)[1]


def test_the_page_takes_the_same_queries_for_a_few_issues_or_a_hundred() -> None:
    few = factories.world(label="FEW")
    flagged(few, 3, responded=1)
    many = factories.world(label="MANY")
    flagged(many, 113, responded=5)
    shown = selectors.policy_issues_page(many.person(Role.INDEPENDENT_CHAIR), many.partnership, "2")
    assert shown.page.number == 2 and len(shown.may_respond) == 50
    for query in ("", "?page=2"):
        assert page(many, query)[2] == page(few, query)[2]


def test_only_those_who_respond_are_offered_the_form() -> None:
    w = factories.world()
    flagged(w, 2)
    business_unit = w.person(Role.BUSINESS_UNIT)
    shown = selectors.policy_issues_page(business_unit, w.partnership)
    assert len(shown.page) == 2 and shown.may_respond == frozenset()
    chair = selectors.policy_issues_page(w.person(Role.INDEPENDENT_CHAIR), w.partnership)
    assert chair.may_respond == {i.pk for i in chair.page}


def respond(w: factories.World, issue: PolicyIssue, text: str, query: str = ""):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(w.person(Role.INDEPENDENT_CHAIR))
    case = Case.objects.get(pk=issue.case_id)
    return client.post(
        f"/board/{w.partnership.slug}/policy-issues/{query}",
        {"issue": issue.pk, "version": case.version, "response": text},
    )


def test_a_response_sent_twice_is_refused_where_the_issue_now_is() -> None:
    w = factories.world()
    flagged(w, 60)
    issue = PolicyIssue.objects.get(text="Issue 1")
    assert respond(w, issue, "Agreed.").status_code == 302
    # A second click: the issue, responded to, is now on the second page.
    again = respond(w, issue, "Agreed.")
    body = again.content.decode()
    assert again.status_code == 400
    assert "(page 2 of 2)" in body
    assert f'<a href="#issue-{issue.pk}">This policy issue has already been responded to.' in body
    assert f'id="issue-{issue.pk}"' in body


def test_a_response_left_empty_on_a_later_page_keeps_that_page() -> None:
    w = factories.world()
    flagged(w, 60)
    issue = PolicyIssue.objects.get(text="Issue 55")
    refused = respond(w, issue, "  ", "?page=2")
    body = refused.content.decode()
    assert refused.status_code == 400 and "(page 2 of 2)" in body
    assert f'<a href="#response-{issue.pk}">Enter the response' in body
    sent = respond(w, issue, "Noted.", "?page=2")
    assert sent.status_code == 302 and sent["Location"].endswith("/policy-issues/?page=2")
    odd = respond(w, PolicyIssue.objects.get(text="Issue 54"), "Noted.", "?page=//x.example/")
    assert odd["Location"].endswith("/policy-issues/")
