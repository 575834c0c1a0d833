"""Demo cases: about a year of cases in every demo partnership, at every stage and
status, so the dashboards, the escalation register and the board's report have
something to show.

Every case is made through the case services (raising, the other professional's
response, ticking off, contacts and meetings, escalating, expediting, the panel, the
forms on the case, agreed actions, policy issues, resolving, withdrawing, debriefs and
learning), by the person the procedure gives each step to, with the clock at that
step's day: so every case is one the application could have made. What happens, and
when, is planned first (:mod:`.demo_case_plans`), from a seed: the same day gives the
same cases. The outbox is delivered as the cases go, to a mailbox that sends nothing
(every demo address is at a ``.test`` domain) and refuses one address, so one
notification shows as failed; today's reminder sweep is made and sent too.

``create_demo_cases`` is safe to run again: a partnership that already has demo cases
gets no more.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from escalate import clock
from escalate.accounts.models import User
from escalate.cases.facts import calendar_for
from escalate.cases.models import Case
from escalate.notifications import services as notifications
from escalate.partnerships.demo import DEMO_DOMAIN, demo_email
from escalate.partnerships.demo_case_plans import plan_case, scenarios
from escalate.partnerships.demo_case_player import (
    BOUNCING_ADDRESS,
    RECORD_PREFIX,
    Cast,
    Player,
    Side,
    record_prefix,
)
from escalate.partnerships.models import Membership, Partnership, PartnershipRole
from escalate.procedures.model import PARTNERSHIP_ROLES, Role

__all__ = [
    "BOUNCING_ADDRESS",
    "CASES_PER_PARTNERSHIP",
    "RECORD_PREFIX",
    "DemoCases",
    "DemoMailbox",
    "TourCase",
    "create_demo_cases",
    "has_demo_cases",
    "tour",
]

#: Cases made in each partnership: enough for the register to be worth filtering and
#: the report's counts to clear its small-number threshold.
CASES_PER_PARTNERSHIP = 64
#: Loggers that note every change and every email: quiet while the demo is made.
_CHATTY = ("escalate.cases.services", "escalate.notifications.services")


@dataclass(frozen=True)
class TourCase:
    """A case to open at one step of the README's tour."""

    step: str
    reference: str
    sign_in: str
    shows: str


@dataclass
class DemoCases:
    made: dict[str, int] = field(default_factory=dict)  # partnership slug: cases made
    kept: list[str] = field(default_factory=list)  # slugs that already had demo cases
    seconds: float = 0.0


class DemoMailbox(BaseEmailBackend):
    """Where the demo's emails go while it is made: nowhere. One address refuses
    everything, so the demo has a notification that could not be sent."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            if BOUNCING_ADDRESS in (a.lower() for a in message.recipients()):
                raise smtplib.SMTPRecipientsRefused(
                    {BOUNCING_ADDRESS: (550, b"No such mailbox: the address was mistyped")}
                )
        return len(email_messages)


def has_demo_cases(partnership: Partnership) -> bool:
    return Case.objects.filter(
        partnership=partnership, person_record_id__startswith=record_prefix(partnership)
    ).exists()


def create_demo_cases(
    partnerships: Iterable[Partnership], *, count: int = CASES_PER_PARTNERSHIP
) -> DemoCases:
    """About a year of cases up to today in each partnership that has none yet."""
    started = time.monotonic()
    result = DemoCases()
    now = clock.now()
    with _quiet(), _demo_mailbox(), clock.frozen(now), transaction.atomic():
        for partnership in partnerships:
            if has_demo_cases(partnership):
                result.kept.append(partnership.slug)
                continue
            cast = _cast(partnership)
            if cast is None:
                continue
            made = _make_cases(cast, now, count, bounce=not result.made and not result.kept)
            result.made[partnership.slug] = made
        # Today's reminders, as the first sweep would make them, and everything still
        # owed (the notice of the failed email among it) sent: `escalate serve` then
        # starts with nothing to send.
        clock.freeze(now)
        notifications.sweep_reminders()
        notifications.deliver_pending()
    result.seconds = time.monotonic() - started
    return result


def tour(partnership: Partnership) -> list[TourCase]:
    """The case to open at each step of the README's tour, in this partnership."""
    prefix = record_prefix(partnership)
    shows = {
        "3": "a new challenge at stage 1, due soon; the other professional disagrees. "
        "Escalate it to stage 2, naming the line manager",
        "4": "at stage 2 with the line manager, due soon, nothing ticked off yet: tick "
        "the required actions, record a meeting, resolve or escalate",
        "6": "at the final stage, on time, with a policy issue waiting for the chair",
    }
    procedure = partnership.procedure
    form = next((s.form for s in procedure.stages if s.form), None)
    if form is not None:
        shows["6"] += f"; the case page offers its form ({form.title}), pre-filled"
    if any(s.panel for s in procedure.stages):
        shows["6"] += "; referred to the panel at the stage before"
    found = []
    for step in ("3", "4", "6"):
        case = (
            Case.objects.filter(partnership=partnership, person_record_id=f"{prefix}T{step}")
            .select_related("raised_by")
            .first()
        )
        if case is None:
            continue
        who = case.raised_by.email if step == "3" else _current_owner(case).email
        if step == "6":
            who = demo_email("business-unit", partnership.reference_prefix)
        found.append(TourCase(step, case.reference, who, shows[step]))
    return found


# ---------------------------------------------------------------- who is in the demo


def _cast(partnership: Partnership) -> Cast | None:
    sides = []
    for code in ("", "nhs"):
        email = demo_email("practitioner", partnership.reference_prefix, code)
        membership = (
            Membership.objects.filter(person__email=email, agency__partnerships=partnership)
            .select_related("agency")
            .first()
        )
        if membership is None:
            return None
        people = {
            Role(m.role): m.person
            for m in Membership.objects.filter(
                agency=membership.agency, person__email__endswith=f"@{DEMO_DOMAIN}"
            )
            .select_related("person")
            .order_by("-person__email")
        }
        sides.append(Side(membership.agency, people))
    staffed = {s.agency.pk for s in sides}
    others = list(partnership.agencies.exclude(pk__in=staffed).order_by("name"))
    board = {
        Role(r.role): r.person
        for r in PartnershipRole.objects.filter(partnership=partnership).select_related("person")
        if r.role in {p.value for p in PARTNERSHIP_ROLES}
    }
    return Cast(partnership, (sides[0], sides[1]), others, board)


def _current_owner(case: Case) -> User:
    return case.stages.select_related("owner").get(number=case.current_stage).owner


# ---------------------------------------------------------------- making them


def _make_cases(cast: Cast, now: dt.datetime, count: int, *, bounce: bool) -> int:
    partnership = cast.partnership
    procedure = partnership.procedure
    calendar = calendar_for(partnership)
    today = timezone.localdate(now)
    made = 0
    for n, scenario in enumerate(scenarios(procedure, count, partnership.slug)):
        if "bounce" in scenario.extras and not bounce:
            scenario = replace(scenario, extras=frozenset())
        plan = plan_case(procedure, calendar, today, scenario, f"{partnership.slug}/{n}")
        Player(cast, plan, n, now).play()
        made += 1
    return made


@contextmanager
def _demo_mailbox() -> Iterator[None]:
    previous = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = f"{__name__}.{DemoMailbox.__name__}"
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = previous


@contextmanager
def _quiet() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _CHATTY]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
