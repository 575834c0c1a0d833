"""Playing a planned demo case (:mod:`.demo_case_plans`) through the case services:
each step by the person the procedure gives it to, with the clock at the step's moment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.facts import prefills_needed
from escalate.cases.models import Case, PolicyIssueStatus, SubjectType
from escalate.notifications import services as notifications
from escalate.partnerships import demo_case_words as words
from escalate.partnerships.demo import DEMO_DOMAIN
from escalate.partnerships.demo_case_plans import Plan, Step
from escalate.partnerships.models import Agency, Partnership
from escalate.procedures.model import PARTNERSHIP_ROLES, Protects, Role
from escalate.reports import referral
from escalate.reports.services import submit_referral

#: The agency record number of every demo case starts with this (and the partnership's
#: reference prefix): how demo cases are recognised.
RECORD_PREFIX = "DEMO-"
BOUNCING_ADDRESS = f"{words.BOUNCING_LOCAL}@{DEMO_DOMAIN}"


def record_prefix(partnership: Partnership) -> str:
    return f"{RECORD_PREFIX}{partnership.reference_prefix}-"


@dataclass(frozen=True)
class Side:
    agency: Agency
    people: dict[Role, User]


@dataclass(frozen=True)
class Cast:
    partnership: Partnership
    sides: tuple[Side, Side]  # the council, the NHS trust
    others: list[Agency]  # member agencies with no demo people
    board: dict[Role, User]  # business unit, chair, statutory partner


class Player:
    """Makes one planned case happen, step by step, through the services, each step
    by the person the procedure gives it to."""

    def __init__(self, cast: Cast, plan: Plan, number: int, now: dt.datetime) -> None:
        self.cast, self.plan, self.number, self.now = cast, plan, number, now
        self.procedure = cast.partnership.procedure
        self.raising = cast.sides[plan.raising_side]
        self.opposite = cast.sides[1 - plan.raising_side]
        self.raiser = self.raising.people[Role.PRACTITIONER]
        self.owner = self.raiser  # the current stage's owner
        self.n = plan.words
        self._case: Case | None = None

    def play(self) -> None:
        when = moments(self.plan.steps, self.now)
        for step, moment in zip(self.plan.steps, when, strict=True):
            clock.freeze(moment)
            getattr(self, f"_{step.kind}")(step)
        # The worker sends what is owed a couple of minutes after the last step.
        clock.freeze(min(when[-1] + dt.timedelta(minutes=2), self.now))
        notifications.deliver_pending()

    # -------------------------------------------------------------- who and what

    @property
    def case(self) -> Case:
        assert self._case is not None
        return self._case

    def _changed(self, case: Case | None = None) -> None:
        """Keep the case as the last change left it (its version above all)."""
        self._case = case if case is not None else Case.objects.get(pk=self.case.pk)

    def _word(self, options: tuple[str, ...], step: Step) -> str:
        return words.pick(options, self.n + step.text)

    def _owner_of(self, number: int, pick: int) -> tuple[User, Role]:
        owners = self.procedure.stage(number).owners
        role = owners[pick % len(owners)]
        if role in PARTNERSHIP_ROLES:
            return self.cast.board[role], role
        return self.raising.people[role], role

    def _other_professional(self) -> tuple[Agency, str, str]:
        plan = self.plan
        if plan.other == -1:
            person = self.opposite.people[Role.PRACTITIONER]
            return self.opposite.agency, person.full_name, person.email
        agency = self.cast.others[plan.other % len(self.cast.others)]
        name = words.professional_name(plan.person)
        if "bounce" in plan.scenario.extras:
            return agency, name, BOUNCING_ADDRESS
        local = re.sub(r"[^a-z.]", "", name.lower().replace(" ", "."))
        return agency, name, f"{local}.{plan.person % 97}@{DEMO_DOMAIN}"

    def _subject(self) -> tuple[str, str]:
        protects, n = self.procedure.protects, self.plan.person
        if protects is Protects.ADULTS:
            kind = SubjectType.ADULT
        elif protects is Protects.CHILDREN:
            kind = SubjectType.FAMILY if n % 5 == 0 else SubjectType.CHILD
        else:
            kind = (SubjectType.ADULT, SubjectType.CHILD, SubjectType.FAMILY)[n % 7 % 3]
        return kind.value, words.person_name(n, family=kind is SubjectType.FAMILY)

    # -------------------------------------------------------------- the steps

    def _raise(self, step: Step) -> None:
        plan, procedure = self.plan, self.procedure
        agency, name, email = self._other_professional()
        subject, person_name = self._subject()
        needed = prefills_needed(procedure)
        keys = [c.key for c in procedure.categories]
        categories = [keys[self.n % len(keys)]] if keys else []
        if keys and self.n % 3 == 0:
            categories.append(keys[(self.n // 3 + 1) % len(keys)])
        later: dict[str, Any] = {}
        at_risk = step.stage > 1 or self.n % 9 == 0
        if step.stage > 1:
            self.owner, role = self._owner_of(step.stage, step.owner_pick)
            later = {
                "start_stage": step.stage,
                "expedite_reason": self._word(words.EXPEDITE_REASONS, step),
                "owner": self.owner,
                "owner_role": role,
            }
        tour = plan.scenario.tour
        self._changed(
            services.raise_case(
                self.raiser,
                partnership=self.cast.partnership,
                raising_agency=self.raising.agency,
                other_agency=agency,
                other_professional_name=name,
                other_professional_email=email,
                subject_type=subject,
                person_name=person_name,
                person_knows=self.n % 4 != 0,
                person_date_of_birth=(
                    words.birthday(plan.raised, plan.person, subject != SubjectType.ADULT)
                    if "person.date_of_birth" in needed
                    else None
                ),
                person_address=words.address(plan.person) if "person.address" in needed else "",
                person_record_id=record_prefix(self.cast.partnership)
                + (f"T{tour}" if tour else f"{self.number + 1:03d}"),
                person_views=words.pick(words.VIEWS, self.n),
                categories=categories,
                disagreement=words.pick(words.DISAGREEMENTS, self.n),
                outcome_sought=words.pick(words.OUTCOMES_SOUGHT, self.n),
                concern_arose_on=plan.arose,
                immediate_risk=at_risk,
                referral_made=True if at_risk else None,
                referral_made_on=plan.raised if at_risk else None,
                **later,
            )
        )

    def _acknowledge(self, step: Step) -> None:
        challenged = self.opposite.people[Role.PRACTITIONER]
        self._changed(services.acknowledge(challenged, self.case, expected_version=self.version))

    def _respond(self, step: Step) -> None:
        reasons = words.AGREE_REASONS if step.agrees else words.DISAGREE_REASONS
        self._changed(
            services.respond(
                self.opposite.people[Role.PRACTITIONER],
                self.case,
                agrees=step.agrees,
                reason=self._word(reasons, step),
                expected_version=self.version,
            )
        )

    @property
    def version(self) -> int:
        return self.case.version

    def _tick(self, step: Step) -> None:
        self._changed(
            services.tick_required_action(
                self.owner, self.case, item=step.item, expected_version=self.version
            )
        )

    def _record(self, step: Step) -> None:
        texts = {"contact": words.CONTACTS, "meeting": words.MEETINGS, "note": words.NOTES}
        services.record_contact(
            self.owner,
            self.case,
            kind=step.item,
            text=self._word(texts[step.item], step),
            occurred_on=step.on,
            with_whom="" if step.item == "note" else self._word(words.WITH_WHOM, step),
            expected_version=self.version,
        )
        self._changed()

    def _escalate(self, step: Step) -> None:
        owner, role = self._owner_of(step.to_stage, step.owner_pick)
        self._changed(
            services.escalate(
                self.owner,
                self.case,
                owner=owner,
                owner_role=role,
                summary=self._word(words.ESCALATIONS, step),
                to_stage=step.to_stage,
                expected_version=self.version,
            )
        )
        self.owner = owner

    def _expedite(self, step: Step) -> None:
        owner, role = self._owner_of(step.to_stage, step.owner_pick)
        self._changed(
            services.expedite(
                self.owner,
                self.case,
                to_stage=step.to_stage,
                reason=self._word(words.EXPEDITE_REASONS, step),
                owner=owner,
                owner_role=role,
                expected_version=self.version,
            )
        )
        self.owner = owner

    def _panel(self, step: Step) -> None:
        details = self._word(words.PANEL_DETAILS, step)
        self._changed(
            services.refer_to_panel(
                self.owner, self.case, details=details, expected_version=self.version
            )
        )

    def _referral(self, step: Step) -> None:
        found = referral.form_of(self.case)
        assert found is not None
        # As pre-filled from the case; anything it could not fill says so.
        values = {k: v or "Not known" for k, v in referral.prefill(self.case, found).items()}
        submit_referral(self.owner, self.case, values=values, expected_version=self.version)
        self._changed()

    def _policy(self, step: Step) -> None:
        text = self._word(words.POLICY_ISSUES, step)
        services.flag_policy_issue(self.raiser, self.case, text=text, expected_version=self.version)
        self._changed()

    def _policy_response(self, step: Step) -> None:
        board = self.cast.board
        responder = board.get(Role.INDEPENDENT_CHAIR) or board.get(Role.STATUTORY_PARTNER)
        issue = self.case.policy_issues.filter(status=PolicyIssueStatus.OPEN).first()
        if issue is not None and responder is not None:
            response = self._word(words.POLICY_RESPONSES, step)
            services.respond_to_policy_issue(responder, issue, response=response)
            self._changed()

    def _action_inputs(self, step: Step) -> list[services.ActionInput]:
        assert step.due_on is not None
        mine = services.ActionInput(
            what=self._word(words.ACTIONS, step),
            agency=self.raising.agency,
            due_on=step.due_on,
            owner=self.raising.people[Role.LINE_MANAGER],
        )
        if self.plan.other != -1:
            return [mine]
        theirs = services.ActionInput(
            what=words.pick(words.ACTIONS, self.n + step.text + 1),
            agency=self.opposite.agency,
            due_on=step.due_on + dt.timedelta(days=7),
            owner=self.opposite.people[Role.LINE_MANAGER],
        )
        return [mine, theirs]

    def _action(self, step: Step) -> None:
        action = self._action_inputs(step)[0]
        services.add_agreed_action(
            self.owner,
            self.case,
            what=action.what,
            agency=action.agency,
            due_on=action.due_on,
            owner=action.owner,
            expected_version=self.version,
        )
        self._changed()

    def _resolve(self, step: Step) -> None:
        self._changed(
            services.resolve(
                self.owner,
                self.case,
                outcome=self._word(words.OUTCOMES, step),
                agreed_actions=self._action_inputs(step) if step.due_on else (),
                expected_version=self.version,
            )
        )

    def _complete_action(self, step: Step) -> None:
        actions = list(self.case.agreed_actions.order_by("pk"))
        action = actions[int(step.item or 0)]
        assert action.owner is not None
        services.complete_agreed_action(
            action.owner,
            action,
            done_on=step.on,
            note=self._word(words.DONE_NOTES, step),
            expected_version=self.version,
        )
        self._changed()

    def _withdraw(self, step: Step) -> None:
        reason = self._word(words.WITHDRAWALS, step)
        self._changed(
            services.withdraw(self.raiser, self.case, reason=reason, expected_version=self.version)
        )

    def _debrief(self, step: Step) -> None:
        self._changed(
            services.record_debrief(
                self.raising.people[Role.SAFEGUARDING_LEAD],
                self.case,
                offered_on=step.due_on,
                held_on=step.done_on,
                expected_version=self.version,
            )
        )

    def _learning(self, step: Step) -> None:
        n = self.n + step.text
        themes = [words.pick(words.THEMES, n), words.pick(words.THEMES, n * 3 + 1)]
        self._changed(
            services.record_learning(
                self.raising.people[Role.LINE_MANAGER],
                self.case,
                why_not_earlier=self._word(words.WHY_NOT_EARLIER, step),
                themes=themes[: 1 + n % 2],
                good_practice=self._word(words.GOOD_PRACTICE, step),
                expected_version=self.version,
            )
        )


def moments(steps: Sequence[Step], now: dt.datetime) -> list[dt.datetime]:
    """When each step happens: from 9am on its day, a few minutes apart; today's steps
    before ``now`` (or, just after midnight, a second apart from midnight)."""
    found: list[dt.datetime] = []
    today = timezone.localdate(now)
    for i, step in enumerate(steps):
        same_day = sum(1 for s in steps[:i] if s.on == step.on)
        day = timezone.make_aware(dt.datetime.combine(step.on, dt.time(0, 0)))
        at = day + dt.timedelta(hours=9, minutes=7 * same_day)
        if step.on == today:
            later_today = sum(1 for s in steps[i:] if s.on == step.on)
            at = min(at, now - dt.timedelta(minutes=later_today))
            at = max(at, day + dt.timedelta(seconds=same_day + 1))
        found.append(max(at, found[-1]) if found else at)
    return found
