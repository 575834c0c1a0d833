"""Each seed procedure, walked from raising to resolution: everyone the procedure says is
owed a notification gets one email that names the case by reference, says what happened
and what is now expected of them by when, links to the case, and never identifies the
person at risk."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import factories
import pytest
from notification_helpers import person_for, traces_in

from escalate.cases import services as case_services
from escalate.cases.models import Case, Event
from escalate.notifications import services
from escalate.notifications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
)
from escalate.procedures import library
from escalate.procedures.calendar import format_day

D = dt.date
SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]
AROSE = D(2026, 12, 23)
STARTS = {2: D(2026, 12, 24), 3: D(2026, 12, 31), 4: D(2027, 1, 7), 5: D(2027, 1, 11)}
RESOLVED_ON = D(2027, 1, 12)
BASE_URL = "https://escalate.example.gov.uk"


def text_and_html(message) -> tuple[str, str]:
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    return message.body, html


def check_emails_for(event: Event, case: Case, mailoutbox: list) -> list[tuple[Notification, str]]:
    """Send the step's outbox; every row gets exactly one email, each one safe."""
    del mailoutbox[:]
    services.deliver_pending()
    rows = list(Notification.objects.filter(source_event=event))
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.email for r in rows)
    case.refresh_from_db()
    bodies = []
    for row in rows:
        row.refresh_from_db()
        assert row.status == NotificationStatus.SENT
        attempts = DeliveryAttempt.objects.filter(notification=row)
        assert list(attempts.values_list("outcome", flat=True)) == [AttemptOutcome.SENT]
        (message,) = [m for m in mailoutbox if m.to == [row.email]]
        text, html = text_and_html(message)
        assert case.reference in message.subject
        assert traces_in(message.subject) == [], message.subject
        assert traces_in(text) == [] and traces_in(html) == []
        link = f"{BASE_URL}/cases/{case.reference}/"
        assert link in text and f'href="{link}"' in html
        assert row.why in text
        bodies.append((row, text))
    return bodies


def assert_owner_told_deadline(bodies, case: Case, number: int) -> None:
    record = case.stages.get(number=number)
    owner_rows = [(r, t) for r, t in bodies if r.email == record.owner.email.lower()]
    if not owner_rows:  # the owner made the move themselves
        return
    (row, text) = owner_rows[0]
    assert f"You own stage {number}" in text
    if record.act_by:
        assert f"By: {format_day(record.act_by)}" in text


@pytest.mark.django_db
@pytest.mark.parametrize("key", SEEDS)
def test_every_transition_emails_each_person_owed_with_reference_expectation_and_link(
    key: str, frozen_clock: Callable[[dt.date], dt.datetime], mailoutbox: list, settings
) -> None:
    settings.BASE_URL = BASE_URL
    procedure = library.get(key)
    last = len(procedure.stages)
    frozen_clock(AROSE)
    w = factories.world(key)
    case = factories.raise_case(w, concern_arose_on=AROSE, **person_for(key))

    raised = Event.objects.get(case=case, action="case.raised")
    bodies = check_emails_for(raised, case, mailoutbox)
    # The other professional is asked to respond, with a working single-use link.
    (op_text,) = [t for r, t in bodies if r.email == w.other_professional.email.lower()]
    assert "acknowledge it and say whether you agree" in op_text
    link = re.search(rf"{BASE_URL}/cases/invitations?/(\S+?)/?\n", op_text)
    assert link, op_text
    accepted = case_services.accept_invitation(w.other_professional, link.group(1).rstrip("/"))
    assert accepted.pk == case.pk
    case.refresh_from_db()

    for number in range(1, last):
        frozen_clock(STARTS[number + 1])
        owner = case.stages.get(number=number).owner
        case = case_services.escalate(
            owner,
            case,
            owner=w.owner_for(number + 1),
            summary=f"Stage {number} could not agree.",
            expected_version=case.version,
        )
        event = case.events.get(action="stage.escalated", stage=number + 1)
        bodies = check_emails_for(event, case, mailoutbox)
        assert bodies, f"nobody told of the escalation to stage {number + 1}"
        assert all(m.subject.endswith(f"escalated to stage {number + 1}") for m in mailoutbox)
        assert_owner_told_deadline(bodies, case, number + 1)

    frozen_clock(RESOLVED_ON)
    chair = case.stages.get(number=last).owner
    case = case_services.resolve(
        chair, case, outcome="Agreed a joint review.", expected_version=case.version
    )
    event = case.events.get(action="case.resolved")
    bodies = check_emails_for(event, case, mailoutbox)
    assert all(m.subject.endswith("resolved") for m in mailoutbox)
    assert all("Nothing more is needed from you" in t for _, t in bodies)


@pytest.mark.django_db
def test_the_raiser_hears_that_the_challenge_was_acknowledged_and_answered(
    frozen_clock, mailoutbox: list
) -> None:
    frozen_clock(AROSE)
    w = factories.world("warrington-sab")
    case = factories.raise_case(w, concern_arose_on=AROSE, **person_for("warrington-sab"))
    services.deliver_pending()
    del mailoutbox[:]
    case = case_services.respond(
        w.other_professional,
        case,
        agrees=False,
        reason="We see it differently.",
        expected_version=case.version,
    )
    services.deliver_pending()
    raiser_mail = [m for m in mailoutbox if m.to == [w.raiser.email.lower()]]
    assert len(raiser_mail) == 1
    assert raiser_mail[0].subject == f"Escalate {case.reference}: response received"
    assert traces_in(raiser_mail[0].body) == []
    assert "We see it differently" not in raiser_mail[0].body  # details stay behind sign-in
