"""The application reads the event registry: every event it writes (chronology entries,
emails owed) is declared there, the chronology's labels, the emails' words and which
emails may wait for a digest all come from it, and an email never ends a sentence
twice."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import factories
import pytest

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.models import Case, ContactKind, Event
from escalate.notifications import emails, outbox, selectors
from escalate.notifications import services as notification_services
from escalate.notifications.delivery import held_for_digest
from escalate.notifications.models import (
    DELIVERY_FAILED_EVENT,
    REMINDER_EVENTS,
    DeliveryChoice,
    Notification,
    NotificationPreference,
)
from escalate.procedures import events, library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2] / "escalate"
#: Where events are written: the case services, the notifications app, the reports.
WRITERS = ("cases", "notifications", "reports")
DOTTED = re.compile(r"[a-z_]+(\.[a-z_]+)+")
#: Calls whose dotted string arguments name an event (or what a form does).
CALLS = {"record", "record_event", "take_once", "change_case"}
#: Keywords that name an event: Notification(event=...), Event(action=...), what=...
KEYWORDS = {"event", "action", "what"}
SEEDS = sorted(library.load_library())


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if DOTTED.fullmatch(node.value) else None
    return None


def event_keys_written_in(path: Path) -> dict[str, int]:
    """The dotted keys ``path`` writes as events, with a line each: arguments of
    ``change.record(...)``, ``change_case(..., what=...)`` and the like, ``event=`` and
    ``action=`` keywords, the event of each (recipient, stage, event, why) owed, and
    constants (``SUBMITTED = "referral.submitted"``)."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        hits: list[ast.AST] = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CALLS:
                hits += node.args
            hits += [k.value for k in node.keywords if k.arg in KEYWORDS]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 4:
            hits.append(node.elts[2])
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
                value = node.value
                hits += value.values if isinstance(value, ast.Dict) else [value]  # type: ignore[list-item]
        for hit in hits:
            key = _dotted(hit)
            if key:
                found.setdefault(key, hit.lineno)
    return found


def test_every_event_key_the_application_writes_is_declared() -> None:
    written: dict[str, str] = {}
    for app in WRITERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                for key, line in event_keys_written_in(path).items():
                    written.setdefault(key, f"{path.relative_to(ROOT)}:{line}")
    # Written from a variable: a note by its kind, reminders, failed emails.
    written |= {f"{kind}.recorded": "cases/services/records.py" for kind in ContactKind.values}
    written |= {key: "notifications/models.py" for key in REMINDER_EVENTS.values()}
    written[DELIVERY_FAILED_EVENT] = "notifications/models.py"

    undeclared = {k: where for k, where in written.items() if not events.known(k)}
    assert undeclared == {}
    # The scan finds what it should (so it would find an undeclared one).
    assert {
        "case.responded",
        "case.acknowledged",
        "invitation.refused",
        "policy_issue.flagged",
        "learning.recorded",
        "referral.submitted",
        "case.viewed",
    } <= set(written)


def _walk(w: factories.World, case: Case) -> Case:
    """Notes of every kind, then escalated stage by stage and resolved at the last."""
    for kind in ContactKind.values:
        services.record_contact(
            w.raiser, case, kind=kind, text="Phoned.", expected_version=case.version
        )
        case.refresh_from_db()
    last = len(w.procedure.stages)
    case = factories.escalate_to(w, case, last)
    owner = case.stages.get(number=last).owner
    return services.resolve(owner, case, outcome="Agreed a review.", expected_version=case.version)


def _written(cases: list[Case]) -> tuple[set[str], set[str]]:
    return (
        set(Event.objects.filter(case__in=cases).values_list("action", flat=True)),
        set(Notification.objects.filter(case__in=cases).values_list("event", flat=True)),
    )


@pytest.mark.parametrize("key", SEEDS)
def test_walking_a_seed_procedure_writes_only_declared_events_and_emails_them_cleanly(
    key: str, frozen_clock: Callable[[dt.date], dt.datetime], mailoutbox: list
) -> None:
    frozen_clock(dt.date(2026, 12, 23))
    w = factories.world(key)
    walked = _walk(w, factories.raise_case(w))
    second = factories.raise_case(w)
    withdrawn = services.withdraw(
        w.raiser, second, reason="Sorted out.", expected_version=second.version
    )
    chronology, owed = _written([walked, withdrawn])
    assert {a for a in chronology | owed if not events.known(a)} == set()
    assert {"stage.escalated", "case.resolved", "case.withdrawn"} <= chronology
    # What the engine's notices said happened is stored as the registry's key.
    assert {"case.raised", "case.escalated", "case.withdrawn"} <= owed
    notification_services.deliver_pending()
    assert mailoutbox
    for message in mailoutbox:
        html = next(body for body, kind in message.alternatives if kind == "text/html")
        assert ".." not in message.body and ".." not in html, message.body


def test_expediting_and_referring_to_a_panel_write_only_declared_events(
    frozen_clock: Callable[[dt.date], dt.datetime],
) -> None:
    frozen_clock(dt.date(2026, 12, 23))
    fast = factories.world("warrington-sab")
    raised = factories.raise_case(fast)
    expedited = services.expedite(
        fast.raiser,
        raised,
        to_stage=3,
        reason="Immediate risk of harm.",
        owner=fast.person(Role.SENIOR_MANAGER),
        expected_version=raised.version,
    )
    panel = factories.world("hammersmith-fulham-sab")
    at3 = factories.escalate_to(panel, factories.raise_case(panel), 3)
    referred = services.refer_to_panel(
        panel.person(Role.SENIOR_MANAGER), at3, details="High risk.", expected_version=at3.version
    )
    chronology, owed = _written([expedited, referred])
    assert {a for a in chronology | owed if not events.known(a)} == set()
    assert {"stage.expedited", "panel.referred"} <= chronology
    assert {"case.expedited", "case.referred_to_panel"} <= owed


# ---------------------------------------------------------------- what reads it


def test_the_chronology_reads_its_labels_from_the_registry(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    raised = case.events.get(action="case.raised")
    assert raised.label == events.label("case.raised") == "Raised"
    assert Event(action="stage.escalated").label == "Escalated"
    assert Event(action="panel.referred").label == "Referred to a panel"
    # An entry of a kind no longer declared still reads as words.
    old = Event(case=case, action="stage.reopened", at=clock.now(), stage=2, version=1)
    assert old.describe().startswith("Stage reopened (stage 2) on ")


def _owe(case: Case, person: User | None, event: str, why: str = "told") -> Notification:
    (row,) = outbox.enqueue(
        case,
        [
            outbox.Entry(
                email=person.email if person else "someone@example.org",
                recipient_kind="raising_practitioner",
                event=event,
                why=why,
                stage=1,
                recipient=person,
            )
        ],
    )
    return row


def test_an_email_never_ends_the_procedures_own_sentence_twice(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)
    row = _owe(case, cheshire.raiser, "case.escalated", why="stage 1: Notify your line manager.")
    message = emails.build(row)
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    assert "stage 1: Notify your line manager.\n" in message.body
    assert ".." not in message.body and ".." not in html
    # A reason without a full stop still reads as a sentence.
    plain = emails.build(_owe(case, cheshire.raiser, "case.escalated", why="they own it"))
    assert "Why you are told (from the procedure): they own it.\n" in plain.body
    failed = emails.build(_owe(case, None, DELIVERY_FAILED_EVENT, why="it bounced."))
    failed_html = next(body for body, kind in failed.alternatives if kind == "text/html")
    assert "it bounced." in failed.body
    assert ".." not in failed.body and ".." not in failed_html


def test_subject_lines_come_from_the_registry(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    for key in ("case.escalated", "reminder.overdue", "policy_issue.flagged", "old.kind"):
        message = emails.build(_owe(case, cheshire.raiser, key))
        assert message.subject == f"Escalate {case.reference}: {events.subject(key, 1)}"
    failed = emails.build(_owe(case, None, DELIVERY_FAILED_EVENT))
    assert failed.subject == f"Escalate {case.reference}: an email could not be sent"


def test_only_the_events_the_registry_lets_wait_are_held_for_a_digest(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)
    person = factories.user("Digest reader")
    NotificationPreference.objects.create(person=person, delivery=DeliveryChoice.DIGEST)
    keys = [*events.REGISTRY, "old.kind"]
    rows = [_owe(case, person, key) for key in keys]
    may_wait = [k for k in keys if events.may_wait_for_digest(k)]
    assert "case.escalated" not in may_wait and "case.acknowledged" in may_wait
    held = Notification.objects.filter(held_for_digest(), pk__in=[r.pk for r in rows])
    assert sorted(held.values_list("event", flat=True)) == sorted(may_wait)
    # The person's own list says the same of each, newest first.
    listed = selectors.notifications_for(person, limit=len(keys))
    assert [i.state == "In your next daily digest" for i in listed] == [
        k in may_wait for k in reversed(keys)
    ]
