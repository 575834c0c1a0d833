"""A procedure's email subject label ("OFFICIAL-SENSITIVE") is carried by every email
about one of its cases: each notification, the email that one could not be sent, and a
digest with any such case in it. Cases of procedures without one are as before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories
import pytest
from notification_helpers import traces_in

from escalate.cases import services as case_services
from escalate.notifications import emails, services
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

RIVERSIDE_FILE = Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"
AROSE = dt.date(2026, 12, 23)
LABEL = "OFFICIAL-SENSITIVE"


@pytest.fixture
def riverside(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(AROSE)
    w = factories.world("shropshire-sscp")
    assert w.administrator is not None
    w.administrator.is_staff = True
    w.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(w.administrator, w.partnership, library.load_file(RIVERSIDE_FILE))
    versions.publish(w.administrator, draft, dt.date(2020, 1, 1))
    return w


def test_every_email_about_a_labelled_procedures_case_carries_the_label(
    riverside: factories.World, mailoutbox: list[Any]
) -> None:
    w = riverside
    case = factories.raise_case(w, categories=["difference-of-opinion"])
    case = case_services.escalate(
        w.raiser,
        case,
        owner=w.person(Role.LINE_MANAGER),
        summary="Talking did not resolve it.",
        expected_version=case.version,
    )
    services.deliver_pending()
    assert len(mailoutbox) >= 2
    for message in mailoutbox:
        assert message.subject.startswith(f"{LABEL}: Escalate {case.reference}: "), message.subject
        assert traces_in(message.subject) == [], message.subject
        assert "\n" not in message.subject

    row = Notification.objects.filter(case=case).first()
    assert row is not None
    failed = emails.build_delivery_failed(row)
    assert failed.subject == f"{LABEL}: Escalate {case.reference}: an email could not be sent"


def test_a_digest_carries_the_label_of_any_labelled_case_in_it_once(
    riverside: factories.World,
) -> None:
    w = riverside
    labelled = [factories.raise_case(w, categories=["difference-of-opinion"]) for _ in range(2)]
    plain_world = factories.world("cheshire-east-sab")
    plain = factories.raise_case(plain_world)
    rows = list(Notification.objects.filter(case__in=[*labelled, plain]))
    digest = emails.build_digest(w.raiser, rows, AROSE)
    assert digest.subject == f"{LABEL}: Escalate: your daily digest, {len(rows)} updates"
    only_plain = list(Notification.objects.filter(case=plain))
    assert not emails.build_digest(w.raiser, only_plain, AROSE).subject.startswith(LABEL)


def test_cases_of_procedures_without_a_label_have_subjects_as_before(
    frozen_clock: Callable[[dt.date], dt.datetime], mailoutbox: list[Any]
) -> None:
    frozen_clock(AROSE)
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    services.deliver_pending()
    assert mailoutbox
    assert all(m.subject.startswith(f"Escalate {case.reference}: ") for m in mailoutbox)


def test_labelled_puts_each_label_once_and_none_when_empty() -> None:
    assert emails.labelled("Escalate X: raised", "", "") == "Escalate X: raised"
    assert emails.labelled("Escalate: digest", LABEL, "", LABEL) == f"{LABEL}: Escalate: digest"
