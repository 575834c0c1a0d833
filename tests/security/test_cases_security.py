"""Locked doors on cases (issue 9): invitations bound to the person they were sent to,
every create exactly once, a failed invitation shown to the raiser, the same answer for
a case that does not exist and one you may not see, only the methods a page handles,
raise-journey answers that expire, and limits on what sends email.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import factories
import pytest
from django.db import connections
from django.test import Client
from django.urls import URLPattern, reverse

from escalate import clock
from escalate.cases import once, selectors, services
from escalate.cases.errors import AlreadyDone, NotAllowed, NotFound, StaleCase
from escalate.cases.models import VIEWED, AgreedAction, Case, Event, Invitation, PolicyIssue
from escalate.cases.services import raising, unit
from escalate.notifications.models import Notification, NotificationStatus
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)
CHECK = "/cases/raise/check-your-answers/"


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(TODAY)
    try:
        yield
    finally:
        clock.unfreeze()


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def token_on(html: str) -> str:
    found = re.search(r'name="once" value="([A-Za-z0-9_-]+)"', html)
    assert found, "the form carries no one-time token"
    return found.group(1)


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def answer_everything(client: Client, w: factories.World) -> None:
    """Cheshire East's raise journey, every page answered, up to check your answers."""
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "no"})
    if w.procedure.out_of_scope:
        client.post("/cases/raise/scope/", {"situation": "none"})
    client.post(
        "/cases/raise/other-agency/",
        {
            "other_agency": str(w.other.pk),
            "other_professional_name": w.other_professional.full_name,
            "other_professional_email": w.other_professional.email,
        },
    )
    client.post(
        "/cases/raise/person/",
        {
            "subject_type": "adult",
            "person_name": "Alex Example",
            "person_address": "1 High Street, Crewe",
            "person_knows": "yes",
        },
    )
    response = client.post(
        "/cases/raise/disagreement/",
        {
            "categories": [w.procedure.categories[0].key],
            "disagreement": "Whether the care package meets their needs.",
            "outcome_sought": "A joint review of the care plan.",
            **date_parts("concern_arose_on", TODAY),
        },
    )
    assert response.url == CHECK


def run_together(*calls: Callable[[], Any], hold: float = 0.0) -> list[Any]:
    """Each call in its own thread (so its own database connection), started together;
    each result, or the exception it raised."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            if i:
                time.sleep(hold)
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - returned to the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


@pytest.fixture
def slow_inside_the_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the first writer inside its transaction (after taking the token and before
    committing) for long enough that the second arrives meanwhile."""
    first = threading.Lock()
    original_lock, original_sequence = unit.lock_case, raising.next_sequence

    def pause() -> None:
        if first.acquire(blocking=False):
            time.sleep(0.5)

    def slow_lock(*args: Any, **kwargs: Any) -> Any:
        result = original_lock(*args, **kwargs)
        pause()
        return result

    def slow_sequence(*args: Any, **kwargs: Any) -> Any:
        result = original_sequence(*args, **kwargs)
        pause()
        return result

    monkeypatch.setattr(unit, "lock_case", slow_lock)
    monkeypatch.setattr(raising, "next_sequence", slow_sequence)


# ---------------------------------------------------------------- invitations (item 8)


@pytest.fixture
def invited() -> tuple[factories.World, Case, Any, Any, str]:
    """Raised with an address that had no account; its owner's account is made later.
    A colleague in the same agency has the link forwarded to them."""
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(
        w,
        other_professional_name="Pat Newcomer",
        other_professional_email="pat.newcomer@example.org",
    )
    pat = factories.user("Pat Newcomer", email="pat.newcomer@example.org")
    factories.member(pat, w.other, Role.PRACTITIONER)
    colleague = factories.user("Forwarded To")
    factories.member(colleague, w.other, Role.PRACTITIONER)
    token = services.new_invitation_token(Invitation.objects.get(case=case))
    return w, case, pat, colleague, token


def test_a_forwarded_invitation_link_is_refused_and_gives_no_access(invited) -> None:
    w, case, _, colleague, token = invited
    client = signed_in(colleague)

    response = client.get(reverse("cases:invitation", args=[token]))

    assert response.status_code == 403
    html = response.content.decode()
    assert "only that person can use it" in html
    assert "p***@example.org" in html and "pat.newcomer@" not in html
    assert "contact the person who raised the challenge" in html
    case.refresh_from_db()
    assert case.other_professional is None
    assert Invitation.objects.get(case=case).accepted_at is None
    assert client.get(reverse("cases:case", args=[case.reference])).status_code == 404


def test_the_person_it_was_sent_to_accepts_it(invited) -> None:
    _, case, pat, _, token = invited
    response = signed_in(pat).get(reverse("cases:invitation", args=[token]))
    assert response.status_code == 302
    assert response.url == reverse("cases:case", args=[case.reference])
    case.refresh_from_db()
    assert case.other_professional == pat


def test_the_address_is_compared_without_regard_to_capitals(invited) -> None:
    from escalate.accounts.models import User

    _, case, pat, _, token = invited
    User.objects.filter(pk=pat.pk).update(email="Pat.Newcomer@Example.ORG")
    pat.refresh_from_db()
    assert services.accept_invitation(pat, token).other_professional == pat


def test_the_raiser_is_told_once_when_someone_else_follows_the_link(invited) -> None:
    w, case, _, colleague, token = invited
    for _ in range(2):
        with pytest.raises(NotAllowed, match="only that person can use it"):
            services.accept_invitation(colleague, token)

    told = Notification.objects.filter(case=case, event="invitation.refused")
    assert [(n.recipient, n.recipient_kind) for n in told] == [(w.raiser, "raising_practitioner")]
    assert "followed the invitation link" in told[0].why
    assert not Notification.objects.filter(case=case, recipient=colleague).exists()


def test_the_raisers_email_says_the_link_was_refused_and_what_to_do(invited, mailoutbox) -> None:
    from django.core.management import call_command

    w, case, _, colleague, token = invited
    with pytest.raises(NotAllowed):
        services.accept_invitation(colleague, token)
    mailoutbox.clear()
    call_command("worker", "--once")

    (email,) = [m for m in mailoutbox if m.to == [w.raiser.email]]
    assert email.subject.endswith("invitation link refused")
    assert "Someone other than the professional you invited" in email.body
    assert "the link works only for their address" in email.body
    assert colleague.email not in email.subject


def test_a_refused_attempt_is_in_the_chronology_and_the_log(invited, caplog) -> None:
    w, case, _, colleague, token = invited
    before = Case.objects.get(pk=case.pk).version

    with caplog.at_level(logging.WARNING, logger="escalate.security"), pytest.raises(NotAllowed):
        services.accept_invitation(colleague, token)

    event = Event.objects.get(case=case, action="invitation.refused")
    assert event.actor == colleague and event.data["tried_by"] == colleague.email
    assert event.label.startswith("Invitation link refused")
    assert Case.objects.get(pk=case.pk).version == before  # recorded, not a change
    assert f"invitation.refused user={colleague.pk}" in caplog.text
    page = signed_in(w.raiser).get(reverse("cases:case", args=[case.reference]))
    assert "Invitation link refused" in page.content.decode()


def test_a_link_sent_again_is_still_only_for_the_address_it_names(invited) -> None:
    w, case, pat, colleague, old = invited
    services.resend_invitation(w.raiser, case, expected_version=case.version)
    new = services.new_invitation_token(Invitation.objects.get(case=case))  # as the email is sent
    with pytest.raises(NotFound):
        services.accept_invitation(pat, old)  # the earlier link stopped working
    with pytest.raises(NotAllowed, match="only that person"):
        services.accept_invitation(colleague, new)
    assert services.accept_invitation(pat, new).other_professional == pat


# ---------------------------------------------------------------- exactly once (item 7)


def test_raising_the_challenge_twice_makes_one_case_and_shows_it() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    token = token_on(client.get(CHECK).content.decode())

    first = client.post(CHECK, {"once": token})
    second = client.post(CHECK, {"once": token})

    case = Case.objects.get()
    done = reverse("cases:raise_done", args=[case.reference])
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == done


def test_a_check_page_left_from_an_earlier_journey_raises_nothing_new() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    old_page = token_on(client.get(CHECK).content.decode())
    client.post(CHECK, {"once": old_page})
    (first,) = Case.objects.all()
    answer_everything(client, w)  # a new journey, not yet checked

    response = client.post(CHECK, {"once": old_page})  # the old tab's button

    assert response.url == reverse("cases:raise_done", args=[first.reference])
    assert Case.objects.count() == 1
    assert client.session["raise_journey"]["answers"]  # the new answers are still there


@pytest.mark.django_db(transaction=True)
def test_two_raise_posts_at_the_same_moment_make_one_case(slow_inside_the_transaction) -> None:
    with clock.frozen(TODAY):
        w = factories.world("cheshire-east-sab")
        tab = signed_in(w.raiser)
        answer_everything(tab, w)
        page = tab.get(CHECK).content.decode()
        token = token_on(page) if 'name="once"' in page else ""  # (none before the fix)
        other_tab = Client()
        other_tab.cookies = tab.cookies  # the same session, as two tabs share it

        results = run_together(
            lambda: tab.post(CHECK, {"once": token}),
            lambda: other_tab.post(CHECK, {"once": token}),
            hold=0.15,
        )

        assert all(not isinstance(r, Exception) for r in results), results
        (case,) = Case.objects.all()
        done = reverse("cases:raise_done", args=[case.reference])
        assert [(r.status_code, r.url) for r in results] == [(302, done), (302, done)]


@pytest.mark.django_db(transaction=True)
def test_two_services_raising_with_one_token_make_one_case(slow_inside_the_transaction) -> None:
    with clock.frozen(TODAY):
        w = factories.world("cheshire-east-sab")
        token = once.issue()

        results = run_together(
            *(
                lambda: services.raise_case(w.raiser, **factories.case_details(w), once=token)
                for _ in range(2)
            ),
            hold=0.15,
        )

        made = [r for r in results if isinstance(r, Case)]
        refused = [r for r in results if isinstance(r, AlreadyDone)]
        assert len(made) == 1 and len(refused) == 1, results
        assert refused[0].case_reference == made[0].reference
        assert Case.objects.count() == 1
        assert Event.objects.filter(action="case.raised").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_agreed_action_posts_at_the_same_moment_add_one(slow_inside_the_transaction) -> None:
    with clock.frozen(TODAY):
        w = factories.world("cheshire-east-sab")
        case = factories.raise_case(w)
        seen, token = case.version, once.issue()

        def add() -> AgreedAction:
            return services.add_agreed_action(
                w.raiser,
                case,
                what="Share the care plan",
                agency=w.other,
                due_on=dt.date(2027, 1, 8),
                owner_name="Community team",
                expected_version=seen,
                once=token,
            )

        results = run_together(add, add, hold=0.15)

        assert sum(isinstance(r, AgreedAction) for r in results) == 1, results
        (refused,) = [r for r in results if isinstance(r, Exception)]
        assert isinstance(refused, AlreadyDone) and not isinstance(refused, StaleCase)
        assert AgreedAction.objects.filter(case=case).count() == 1


def _agreed_action(w: factories.World) -> dict[str, str]:
    return {"what": "Share the care plan", "agency": str(w.other.pk), "owner_name": "Team"} | (
        date_parts("due_on", dt.date(2027, 1, 8))
    )


CREATES: dict[str, tuple[Callable[[factories.World], dict[str, str]], Callable[[Case], int]]] = {
    "add_action": (_agreed_action, lambda c: AgreedAction.objects.filter(case=c).count()),
    "record": (
        lambda w: {"kind": "note", "text": "Phoned the ward."},
        lambda c: Event.objects.filter(case=c, action="note.recorded").count(),
    ),
    "policy_issue": (
        lambda w: {"text": "Thresholds differ between agencies."},
        lambda c: PolicyIssue.objects.filter(case=c).count(),
    ),
}


@pytest.mark.parametrize("name", sorted(CREATES))
def test_a_form_sent_twice_creates_once_and_lands_on_the_case(name: str) -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client = signed_in(w.raiser)
    url = reverse(f"cases:{name}", args=[case.reference])
    data, made = CREATES[name]
    sent = {
        "version": str(case.version),
        **data(w),
        "once": token_on(client.get(url).content.decode()),
    }

    first, second = client.post(url, sent), client.post(url, sent)

    assert made(case) == 1
    assert first.status_code == second.status_code == 302  # not "the case changed" (409)
    assert first.url == second.url == reverse("cases:case", args=[case.reference])


def test_a_form_refused_for_bad_input_can_be_sent_again_with_its_token() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client = signed_in(w.raiser)
    url = reverse("cases:add_action", args=[case.reference])
    token = token_on(client.get(url).content.decode())
    sent = {"version": str(case.version), **_agreed_action(w), "once": token}

    assert client.post(url, {**sent, "what": ""}).status_code == 400
    assert client.post(url, sent).status_code == 302
    assert AgreedAction.objects.filter(case=case).count() == 1


# ---------------------------------------------------------------- a failed invitation (item 9)


def _invitation_email(case: Case) -> Any:
    return Notification.objects.filter(case=case, invitation__isnull=False)


def _fail(case: Case) -> None:
    _invitation_email(case).update(
        status=NotificationStatus.FAILED, attempts=40, last_error="SMTPServerDisconnected"
    )


def test_the_raiser_is_shown_that_the_invitation_email_could_not_be_sent() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    url = reverse("cases:case", args=[case.reference])
    _fail(case)

    html = signed_in(w.raiser).get(url).content.decode()
    assert 'id="invitation-failed"' in html
    assert f"The invitation email to {w.other_professional.full_name} could not be sent" in html
    assert reverse("cases:resend_invitation", args=[case.reference]) in html
    assert "contact them another way" in html
    # Their manager may send it again too; the professional challenged is not told this.
    assert (
        'id="invitation-failed"' in signed_in(w.person(Role.LINE_MANAGER)).get(url).content.decode()
    )
    assert 'id="invitation-failed"' not in signed_in(w.other_professional).get(url).content.decode()


@pytest.mark.parametrize("status", [NotificationStatus.PENDING, NotificationStatus.SENT])
def test_no_warning_while_the_invitation_email_is_waiting_or_once_sent(status: str) -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    _invitation_email(case).update(
        status=status, sent_at=clock.now() if status == NotificationStatus.SENT else None
    )
    html = signed_in(w.raiser).get(reverse("cases:case", args=[case.reference])).content.decode()
    assert 'id="invitation-failed"' not in html


def test_sending_the_invitation_again_queues_one_new_email_and_clears_the_warning() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    _fail(case)
    client = signed_in(w.raiser)
    url = reverse("cases:resend_invitation", args=[case.reference])
    page = client.get(url).content.decode()
    assert w.other_professional.email in page
    sent = {"version": str(case.version), "once": token_on(page)}

    assert client.post(url, sent).status_code == 302
    assert client.post(url, sent).status_code == 302  # sent twice: one email

    emails = list(_invitation_email(case).order_by("id"))
    assert [e.status for e in emails] == ["failed", "pending"]
    assert emails[1].email == w.other_professional.email and emails[1].event == "case.raised"
    assert Event.objects.filter(case=case, action="invitation.resent").count() == 1
    html = client.get(reverse("cases:case", args=[case.reference])).content.decode()
    assert 'id="invitation-failed"' not in html


def test_the_professional_challenged_cannot_send_their_own_invitation_again() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    response = signed_in(w.other_professional).get(
        reverse("cases:resend_invitation", args=[case.reference])
    )
    assert response.status_code == 403  # they see the case; this is not theirs to do


# ---------------------------------------------------------------- quiet edges (item 10)


@pytest.fixture
def busy_case() -> tuple[factories.World, Case, AgreedAction, PolicyIssue, str]:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    action = services.add_agreed_action(
        w.raiser,
        case,
        what="Share the care plan",
        agency=w.other,
        due_on=dt.date(2027, 1, 8),
        owner_name="Team",
        expected_version=case.version,
    )
    case.refresh_from_db()
    issue = services.flag_policy_issue(
        w.raiser, case, text="Thresholds differ.", expected_version=case.version
    )
    case.refresh_from_db()
    token = services.new_invitation_token(Invitation.objects.get(case=case))
    return w, case, action, issue, token


def _case_routes(reference: str, action: int, issue: int) -> dict[str, str]:
    """Every route of the case pages that takes a case reference, by name."""
    from escalate.cases import urls_case_pages

    routes = {}
    for pattern in urls_case_pages.urlpatterns:
        assert isinstance(pattern, URLPattern)
        name = pattern.name
        if name == "invitation":
            continue
        pk = {"complete_action": action, "policy_response": issue}.get(name)
        routes[name] = reverse(f"cases:{name}", args=[reference] if pk is None else [reference, pk])
    routes["raise_done"] = reverse("cases:raise_done", args=[reference])
    return routes


def _same_page(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_a_case_you_may_not_see_gets_the_same_answer_as_one_that_does_not_exist(busy_case) -> None:
    w, case, action, issue, _ = busy_case
    elsewhere = factories.world("warrington-sab")  # another board's safeguarding lead
    client = signed_in(elsewhere.person(Role.SAFEGUARDING_LEAD))
    real = _case_routes(case.reference, action.pk, issue.pk)
    made_up = _case_routes(f"{w.partnership.reference_prefix}-2026-9999", action.pk, issue.pk)
    assert len(real) >= 18

    for name, url in real.items():
        for method in ("get", "post"):
            if name in ("case", "raise_done") and method == "post":
                continue
            seen = getattr(client, method)(url)
            missing = getattr(client, method)(made_up[name])
            assert seen.status_code == missing.status_code == 404, (name, method)
            assert _same_page(seen.content.decode()) == _same_page(missing.content.decode()), name
            assert case.disagreement not in seen.content.decode()


@pytest.mark.parametrize(
    "route",
    [
        "referral_form",
        "referral_print",
        "referral_pdf",
        "referral_docx",
        "case_form",
        "case_form_print",
        "case_form_pdf",
        "case_form_docx",
    ],
)
@pytest.mark.parametrize("key", ["stage-4", "outcome", "stage-9"])
def test_another_boards_forms_are_not_found_like_ones_that_do_not_exist(
    busy_case, route, key
) -> None:
    w, case, _, _, _ = busy_case
    elsewhere = factories.world("warrington-sab")
    client = signed_in(elsewhere.person(Role.BUSINESS_UNIT))
    keyed = [key] if route.startswith("case_form") else []
    seen = client.get(reverse(f"reports:{route}", args=[case.reference, *keyed]))
    missing = client.get(
        reverse(f"reports:{route}", args=[f"{w.partnership.reference_prefix}-2026-9999", *keyed])
    )
    assert seen.status_code == missing.status_code == 404
    assert _same_page(seen.content.decode()) == _same_page(missing.content.decode())


def test_an_action_of_another_case_is_not_found_on_a_case_you_can_see(busy_case) -> None:
    w, case, action, issue, _ = busy_case
    mine = factories.raise_case(w)
    client = signed_in(w.raiser)
    assert (
        client.get(reverse("cases:complete_action", args=[mine.reference, action.pk])).status_code
        == 404
    )
    elsewhere = reverse("cases:policy_response", args=[mine.reference, issue.pk])
    assert client.get(elsewhere).status_code == 404


def test_a_case_you_can_see_but_an_action_you_may_not_take_is_still_403(busy_case) -> None:
    w, case, *_ = busy_case
    response = signed_in(w.other_professional).get(reverse("cases:escalate", args=[case.reference]))
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()


def test_a_reference_that_cannot_be_one_is_simply_not_found(busy_case) -> None:
    w, case, *_ = busy_case
    for reference in (f"{case.reference}\x00", "x" * 21, "CE 2026", "CE-2026-0001'--", "²"):
        with pytest.raises(NotFound):
            selectors.get_case(w.raiser, reference=reference)


def _every_url(case: Case, action: AgreedAction, issue: PolicyIssue, token: str) -> dict[str, str]:
    from escalate.cases import urls_raise_journey

    urls = _case_routes(case.reference, action.pk, issue.pk)
    urls["invitation"] = reverse("cases:invitation", args=[token])
    for pattern in urls_raise_journey.urlpatterns:
        assert isinstance(pattern, URLPattern)
        args = {"raise_done": [case.reference], "raise_step": ["person"]}.get(pattern.name, [])
        urls[pattern.name] = reverse(f"cases:{pattern.name}", args=args)
    return urls


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_every_case_page_answers_only_the_methods_it_handles(busy_case, method: str) -> None:
    w, case, action, issue, token = busy_case
    client = signed_in(w.raiser)
    client.get("/cases/raise/")  # a journey in progress, so its pages are all reachable
    views_before = Event.objects.filter(case=case, action=VIEWED).count()

    for name, url in _every_url(case, action, issue, token).items():
        response = client.generic(method, url)
        assert response.status_code == 405, (name, method, response.status_code)
        assert case.disagreement not in response.content.decode()

    assert Event.objects.filter(case=case, action=VIEWED).count() == views_before
    case.refresh_from_db()
    assert case.other_professional == w.other_professional  # the link was not used


# ---------------------------------------------------------------- journey answers (item 5)


def _journey(client: Client) -> dict[str, Any] | None:
    return client.session.get("raise_journey")


def test_journey_answers_left_alone_longer_than_the_idle_timeout_are_deleted(settings) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 1800
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    session = client.session
    state = session["raise_journey"]
    assert state["answers"]["person"]["person_name"] == "Alex Example"
    state["touched"] -= 1801
    session["raise_journey"] = state
    session.save()

    response = client.get(CHECK)

    assert response.status_code == 302 and response.url == "/cases/raise/"
    assert _journey(client) is None
    page = client.get("/cases/raise/", follow=True).content.decode()
    assert "Your answers were deleted because nothing was done for 30 minutes" in page
    assert "Alex Example" not in str(dict(client.session.items()))


def test_journey_answers_are_kept_while_the_person_keeps_going(settings) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 1800
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    session = client.session
    state = session["raise_journey"]
    state["touched"] -= 1700
    session["raise_journey"] = state
    session.save()
    assert client.get(CHECK).status_code == 200
    assert _journey(client)["touched"] == clock.now().timestamp()  # used: kept longer


def test_the_journey_keeps_only_the_answers_to_questions_that_still_apply() -> None:
    w = factories.world("hammersmith-fulham-sab")
    client = signed_in(w.raiser)
    client.get("/cases/raise/")
    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    client.post(
        "/cases/raise/referral/", {"referral_made": "yes", **date_parts("referral_made_on", TODAY)}
    )
    assert "referral" in _journey(client)["answers"]

    client.post("/cases/raise/immediate-risk/", {"immediate_risk": "no"})

    assert set(_journey(client)["answers"]) == {"immediate-risk"}


def test_starting_again_deletes_the_answers() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    page = client.get(CHECK).content.decode()
    assert 'action="/cases/raise/start-again/"' in page

    response = client.post("/cases/raise/start-again/", follow=True)

    assert "Your answers have been deleted." in response.content.decode()
    journey = _journey(client)
    assert journey is not None and journey["answers"] == {}  # a fresh journey, nothing kept


def test_raising_deletes_the_answers() -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    answer_everything(client, w)
    client.post(CHECK, {"once": token_on(client.get(CHECK).content.decode())})
    assert Case.objects.count() == 1 and _journey(client) is None


# ---------------------------------------------------------------- limits (items 2 and 10)


def test_raising_too_often_is_refused_plainly_and_logged(caplog) -> None:
    w = factories.world("cheshire-east-sab")
    client = signed_in(w.raiser)
    for _ in range(30):
        assert client.post(CHECK).status_code == 302  # nothing to raise: back to the start

    with caplog.at_level(logging.WARNING, logger="escalate.security"):
        response = client.post(CHECK)

    assert response.status_code == 429
    html = response.content.decode()
    assert "You have tried to raise a challenge too many times" in html
    assert "You can try again in 60 minutes" in html
    assert f"ratelimit.refused user={w.raiser.pk}" in caplog.text
    assert "route=cases:raise_check" in caplog.text


def test_sending_an_invitation_again_too_often_is_refused() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client = signed_in(w.raiser)
    url = reverse("cases:resend_invitation", args=[case.reference])
    for _ in range(10):
        case.refresh_from_db()
        assert client.post(url, {"version": case.version, "once": once.issue()}).status_code == 302
    case.refresh_from_db()
    response = client.post(url, {"version": case.version, "once": once.issue()})
    assert response.status_code == 429
    assert "send an invitation again too many times" in response.content.decode()
    assert _invitation_email(case).count() == 11  # the first, and ten sent again


def test_following_invitation_links_too_often_is_refused(invited) -> None:
    _, case, pat, colleague, token = invited
    client = signed_in(colleague)
    url = reverse("cases:invitation", args=[token])
    for _ in range(20):
        assert client.get(url).status_code == 403
    assert client.get(url).status_code == 429
    # The limit is per account: the person it was sent to can still use it.
    assert signed_in(pat).get(url).status_code == 302


def test_naming_people_for_stages_too_often_is_refused() -> None:
    """Escalating emails whoever is typed in as the next stage's owner: limited, like
    every form that sends email to an address typed in."""
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client = signed_in(w.raiser)
    url = reverse("cases:escalate", args=[case.reference])
    for _ in range(30):
        assert client.post(url, {"version": case.version}).status_code == 400
    response = client.post(url, {"version": case.version})
    assert response.status_code == 429
    assert "name someone for a stage too many times" in response.content.decode()
