"""Every action page whose change tells people names them, with their part in the case,
before the person confirms (worked out from the engine's notices and the resolver the
service uses, writing nothing); the confirmation names who was told, from the emails
the change owed. The resolve page also lists, in the procedure's words, what it expects
when the stage is resolved."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import factories
import pytest
from django.test import Client

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.models import Case, Event, PolicyIssue
from escalate.notifications.models import Notification
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(dt.date(2026, 12, 23))
    try:
        yield
    finally:
        clock.unfreeze()


def words(html: str) -> str:
    """The text of some HTML, its spaces run together."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def who_is_told(page: str, group: int = 1) -> tuple[str, set[str]]:
    """The words of the page's "Who will be told" list (its ``group``-th, where a page
    offers several moves) and the addresses it names."""
    found = re.search(r'<section aria-labelledby="who-is-told-heading".*?</section>', page, re.S)
    assert found, "the page does not say who will be told"
    listed = re.search(rf'<ul[^>]*data-told-group="{group}".*?</ul>', found.group(0), re.S)
    assert listed, words(found.group(0))
    return words(listed.group(0)), set(re.findall(r'data-told="([^"]+)"', listed.group(0)))


def banner(page: str) -> str:
    success = r'<div class="govuk-notification-banner govuk-notification-banner--success"'
    found = re.search(success + r".*?</div>\s*</div>", page, re.S)
    assert found, "no confirmation banner"
    return words(found.group(0))


def owed(case: Case, after: int) -> list[Notification]:
    """The emails owed by the changes made after chronology entry ``after``."""
    return list(
        Notification.objects.filter(case=case, source_event_id__gt=after).select_related(
            "recipient"
        )
    )


def newest_entry(case: Case) -> int:
    return Event.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first() or 0


def owner_value(w: factories.World, number: int) -> str:
    role = w.procedure.stage(number).owners[0]
    return f"{w.owner_for(number).pk}:{role.value}"


@dataclass
class Move:
    """One action page: who opens it, the path after the case's address, what they send,
    and who the change makes the new owner of a stage (told, but chosen on the form)."""

    actor: User
    case: Case
    path: str
    data: dict[str, Any]
    group: int = 1
    new_owner: User | None = None


def open_and_confirm(move: Move) -> tuple[str, set[str], str, list[Notification]]:
    """Open the page (checking it writes nothing), then send it: what the page said
    would be told, the addresses it named, the confirmation, and the emails owed."""
    client = Client()
    client.force_login(move.actor)
    address = f"/cases/{move.case.reference}/{move.path}"
    before = (Notification.objects.count(), Event.objects.count(), move.case.version)
    page = client.get(address)
    assert page.status_code == 200
    move.case.refresh_from_db()
    assert (Notification.objects.count(), Event.objects.count(), move.case.version) == before
    text, addresses = who_is_told(page.content.decode(), move.group)
    assert "the people the procedure says must be told" not in page.content.decode()
    after = newest_entry(move.case)
    sent = client.post(address, {"version": move.case.version, **move.data}, follow=True)
    assert sent.status_code == 200, words(sent.content.decode())[:2000]
    return text, addresses, banner(sent.content.decode()), owed(move.case, after)


def test_the_escalate_page_names_who_will_be_told_and_the_confirmation_who_was() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    text, addresses, confirmed, emails = open_and_confirm(
        Move(
            w.raiser,
            case,
            "escalate/",
            {"owner": owner_value(w, 2), "summary": "We could not agree."},
            new_owner=w.owner_for(2),
        )
    )
    # Cheshire East tells both professionals of every decision: the other professional
    # by name and part; the person escalating is not emailed about their own action.
    assert f"{w.other_professional.full_name} (the professional challenged, {w.other.name})" in text
    assert w.raiser.email.lower() not in addresses
    assert "The person you choose below as the owner of stage 2" in text
    # What was owed is what the page said, and the new owner chosen on the form.
    assert {n.email for n in emails} == addresses | {w.owner_for(2).email.lower()}
    assert confirmed.startswith("Success The case is escalated. We have told ")
    for n in emails:
        assert (n.recipient.full_name if n.recipient else n.email) in confirmed
    assert (
        f"{w.other_professional.full_name} (the professional challenged, {w.other.name})"
        in confirmed
    )


def test_the_resolve_page_lists_what_the_procedure_expects_and_who_will_be_told() -> None:
    w = factories.world("hammersmith-fulham-sab")
    case = factories.escalate_to(w, factories.raise_case(w), 3)
    owner = case.stages.get(number=3).owner
    client = Client()
    client.force_login(owner)
    page = client.get(f"/cases/{case.reference}/resolve/").content.decode()
    duties = re.search(r'<section aria-labelledby="when-resolved-heading".*?</section>', page, re.S)
    assert duties, "the resolve page does not say what the procedure expects"
    listed = words(duties.group(0))
    assert f"The {w.procedure.name} ({w.procedure.version}) says that when stage 3" in listed
    stage = w.procedure.stage(3)
    assert [d.kind.value for d in stage.on_resolved][:2] == [
        "record_in_writing",
        "note_on_case_record",
    ]
    for duty in stage.on_resolved:  # each in the procedure's own words, in its order
        assert f"“{duty.text}”" in listed
    positions = [listed.index(d.text) for d in stage.on_resolved]
    assert positions == sorted(positions)
    assert (
        "Escalate emails them “Notify the relevant agencies' designated safeguarding leads"
        in listed
    )
    assert "For you to do “Check back to ensure agreed actions" in listed

    text, addresses, confirmed, emails = open_and_confirm(
        Move(owner, case, "resolve/", {"outcome": "Agreed a joint review."})
    )
    lead = Role.SAFEGUARDING_LEAD
    for side, agency in (("raising", w.raising), ("other", w.other)):
        person = w.person(lead, side=side)
        assert f"{person.full_name} (designated or named safeguarding lead, {agency.name})" in text
        assert (
            f"{person.full_name} (designated or named safeguarding lead, {agency.name})"
            in confirmed
        )
    assert {n.email for n in emails} == addresses
    assert confirmed.startswith(
        "Success The outcome is recorded and the case is closed. We have told"
    )


def moves() -> dict[str, Any]:
    """Each other page that tells people, set up at a stage where it is offered."""

    def withdraw() -> Move:
        w = factories.world("cheshire-east-sab")
        case = factories.escalate_to(w, factories.raise_case(w), 2)
        return Move(w.raiser, case, "withdraw/", {"reason": "Resolved another way."})

    def panel() -> Move:
        w = factories.world("hammersmith-fulham-sab")
        case = factories.escalate_to(w, factories.raise_case(w), 3)
        owner = case.stages.get(number=3).owner
        return Move(owner, case, "panel/", {"details": "The risk remains high."})

    def expedite() -> Move:
        w = factories.world("shropshire-sscp")
        case = factories.raise_case(w)
        data = {"to_stage": "4", "reason": "Risk to life.", "owner": owner_value(w, 4)}
        return Move(w.raiser, case, "expedite/", data, group=2, new_owner=w.owner_for(4))

    def acknowledge() -> Move:
        w = factories.world("cheshire-east-sab")
        return Move(w.other_professional, factories.raise_case(w), "acknowledge/", {})

    def respond() -> Move:
        w = factories.world("cheshire-east-sab")
        case = factories.escalate_to(w, factories.raise_case(w), 2)
        return Move(w.other_professional, case, "respond/", {"response": "agree"})

    def flag_policy_issue() -> Move:
        w = factories.world("warrington-sab")
        case = factories.raise_case(w)
        return Move(w.raiser, case, "policy-issue/", {"text": "No list of contacts."})

    def respond_to_policy_issue() -> Move:
        w = factories.world("cheshire-east-sab")
        case = factories.raise_case(w)
        issue = services.flag_policy_issue(
            w.raiser, case, text="No list of contacts.", expected_version=case.version
        )
        case.refresh_from_db()
        chair = w.person(Role.INDEPENDENT_CHAIR)
        path = f"policy-issues/{issue.pk}/respond/"
        return Move(chair, case, path, {"response": "The board will publish one."})

    def resend_invitation() -> Move:
        w = factories.world("pan-cheshire-children")
        return Move(w.raiser, factories.raise_case(w), "invitation/send-again/", {})

    return {
        "send the invitation again": resend_invitation,
        "withdraw": withdraw,
        "refer to the panel": panel,
        "expedite": expedite,
        "acknowledge": acknowledge,
        "respond to the challenge": respond,
        "flag a policy issue": flag_policy_issue,
        "respond to a policy issue": respond_to_policy_issue,
    }


@pytest.mark.parametrize("page", list(moves()))
def test_each_page_that_tells_people_names_exactly_who_the_change_tells(page: str) -> None:
    move = moves()[page]()
    text, addresses, confirmed, emails = open_and_confirm(move)
    assert addresses, text
    told = {n.email for n in emails}
    chosen = {move.new_owner.email.lower()} if move.new_owner else set()
    assert told == addresses | chosen, page
    assert move.actor.email.lower() not in told
    assert "We have told " in confirmed
    for n in emails:
        if n.recipient is not None:
            assert n.recipient.full_name in text or n.recipient == move.new_owner
            assert n.recipient.full_name in confirmed


def test_the_policy_issue_pages_name_the_chair_or_whoever_the_procedure_sends_it_to() -> None:
    w = factories.world("warrington-sab")
    case = factories.raise_case(w)
    client = Client()
    client.force_login(w.raiser)
    text, _ = who_is_told(client.get(f"/cases/{case.reference}/policy-issue/").content.decode())
    chair = w.person(Role.INDEPENDENT_CHAIR)
    assert f"{chair.full_name} (independent chair, {w.partnership.name})" in text
    for side, agency in (("raising", w.raising), ("other", w.other)):
        rep = w.person(Role.BOARD_REPRESENTATIVE, side=side)
        assert f"{rep.full_name} (board or partnership representative, {agency.name})" in text
    assert f"{w.partnership.business_unit_email} (business unit's address" in text

    issue = services.flag_policy_issue(
        w.raiser, case, text="No list of contacts.", expected_version=case.version
    )
    assert isinstance(issue, PolicyIssue)
    client.force_login(chair)
    page = client.get(f"/cases/{case.reference}/policy-issues/{issue.pk}/respond/").content.decode()
    text, addresses = who_is_told(page)
    assert text.startswith(f"{w.raiser.full_name} (raised the challenge, {w.raising.name})")
    assert addresses == {w.raiser.email.lower()}


def test_the_send_again_page_names_the_professional_the_invitation_goes_to() -> None:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    manager = w.person(Role.LINE_MANAGER)  # the raiser's manager may send it again too
    text, addresses, confirmed, emails = open_and_confirm(
        Move(manager, case, "invitation/send-again/", {})
    )
    challenged = f"{w.other_professional.full_name} (the professional challenged, {w.other.name})"
    assert text.startswith(challenged)
    assert "Why: a professional challenge has been raised with you and the invitation" in text
    assert addresses == {w.other_professional.email.lower()}
    assert [(n.email, n.event) for n in emails] == [
        (w.other_professional.email.lower(), "case.raised")
    ]
    assert emails[0].invitation is not None
    assert (
        confirmed
        == f"Success The invitation will be sent again. We have told {challenged} by email."
    )
