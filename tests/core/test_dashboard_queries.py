"""Every kind of dashboard takes the same queries however many cases there are, and
shows a page at a time.

One partnership with cases of two shapes, each with an action agreed for the other
professional and an open policy issue: at step 1 (the raiser's to resolve or escalate,
awaiting the other professional's response) and at step 4 (the independent chair's,
with the chair's recommendation deadline; seen by the board representatives and the
business unit too). Two of them are made through the services; the rest are copies
made in bulk, so that 500 cases take seconds. Each person's dashboard with 20 cases and
with 500 (and 210 more people, 30 of them in as many more agencies) takes the same
queries, and so do its later pages.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import urllib.parse
from collections.abc import Callable, Iterator

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import services
from escalate.cases.models import AgreedAction, Case, CaseDeadline, PolicyIssue, StageRecord
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)

#: Every kind of dashboard, by whose it is.
VIEWERS: dict[str, Callable[[factories.World], User]] = {
    "practitioner who raised them": lambda w: w.raiser,
    "other professional": lambda w: w.other_professional,
    "line manager": lambda w: w.person(Role.LINE_MANAGER),
    "safeguarding lead": lambda w: w.person(Role.SAFEGUARDING_LEAD),
    "senior manager": lambda w: w.person(Role.SENIOR_MANAGER),
    "board representative": lambda w: w.person(Role.BOARD_REPRESENTATIVE, side="other"),
    "business unit": lambda w: w.person(Role.BUSINESS_UNIT),
    "independent chair": lambda w: w.person(Role.INDEPENDENT_CHAIR),
    "statutory partner": lambda w: w.person(Role.STATUTORY_PARTNER),
}


@pytest.fixture
def world() -> Iterator[factories.World]:
    clock.freeze(TODAY)
    try:
        yield factories.world("cheshire-east-sab")
    finally:
        clock.unfreeze()


def waiting_case(w: factories.World, stage: int) -> Case:
    """A case at ``stage`` with an action agreed for the other professional and an open
    policy issue."""
    case = factories.escalate_to(w, factories.raise_case(w), stage)
    services.add_agreed_action(
        w.raiser,
        case,
        what="Send the care plan",
        agency=w.other,
        due_on=dt.date(2027, 1, 8),
        owner=w.other_professional,
        expected_version=case.version,
    )
    case.refresh_from_db()
    services.flag_policy_issue(w.raiser, case, text="Policy gap.", expected_version=case.version)
    case.refresh_from_db()
    return case


def copies(template: Case, count: int, first: int) -> list[Case]:
    """``count`` copies of ``template`` with its stage records, stored deadlines, agreed
    actions and policy issues, numbered from ``first``, each raised a minute before the
    last: made in bulk."""
    cases = []
    for n in range(first, first + count):
        case = copy.copy(template)
        case.pk = None
        case.sequence = n
        case.reference = f"{template.reference.split('-')[0]}-2026-{n:05d}"
        case.raised_at = template.raised_at - dt.timedelta(minutes=n)
        cases.append(case)
    cases = Case.objects.bulk_create(cases)
    assert all(c.pk for c in cases)
    stages = list(template.stages.order_by("number"))
    records = StageRecord.objects.bulk_create(
        [_copy(s, case_id=c.pk) for c in cases for s in stages]
    )
    record_of = {(r.case_id, r.number): r.pk for r in records}
    number_of = {s.pk: s.number for s in stages}
    due, agreed, issues = (
        list(template.deadlines.all()),
        list(template.agreed_actions.all()),
        list(template.policy_issues.all()),
    )
    CaseDeadline.objects.bulk_create(
        [
            _copy(
                d,
                case_id=c.pk,
                owner_stage_id=record_of[c.pk, number_of[d.owner_stage_id]]
                if d.owner_stage_id
                else None,
            )
            for c in cases
            for d in due
        ]
    )
    AgreedAction.objects.bulk_create([_copy(a, case_id=c.pk) for c in cases for a in agreed])
    PolicyIssue.objects.bulk_create([_copy(i, case_id=c.pk) for c in cases for i in issues])
    return cases


def _copy(row: object, **changes: object) -> object:
    made = copy.copy(row)
    made.pk = None  # type: ignore[attr-defined]
    made._state = copy.copy(made._state)  # type: ignore[attr-defined]
    made._state.adding = True  # type: ignore[attr-defined]
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def fill(templates: list[Case], total: int, made: int) -> int:
    """Copies of the templates, half each, until there are ``total`` cases."""
    wanted = total - made
    half = wanted // 2
    copies(templates[0], half, 1000 + made)
    copies(templates[1], wanted - half, 1000 + made + half)
    return total


def more_people(w: factories.World, count: int) -> None:
    """``count`` more people in each role of both agencies (the practitioners under
    the line manager), and as many more member agencies with a safeguarding lead."""
    manager = w.person(Role.LINE_MANAGER)
    for n in range(count):
        for agency in (w.raising, w.other):
            for role in (Role.PRACTITIONER, Role.LINE_MANAGER, Role.BOARD_REPRESENTATIVE):
                person = factories.user(f"{role.label} {n} {agency.pk}")
                factories.member(person, agency, role)
                if role is Role.PRACTITIONER and agency == w.raising:
                    person.line_manager = manager
                    person.save(update_fields=["line_manager"])
        extra = factories.agency(f"Member agency {n} {w.partnership.pk}", w.partnership)
        factories.member(factories.user(f"Lead {n} {extra.pk}"), extra, Role.SAFEGUARDING_LEAD)


def dashboard(user: User, query: str = "") -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/{query}")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def rows(page: str, table_id: str) -> list[str]:
    """The case references in each row of a table."""
    if f'id="{table_id}"' not in page:
        return []
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [" ".join(re.findall(r"[A-Z]+-2026-\d+", row)[:1]) for row in table.split("<tr")[2:]]


TABLES = ("needs-action", "my-deadlines", "cases")
LATER_PAGES = "?actions=2&deadlines=2&cases=2"


def test_every_kind_of_dashboard_takes_the_same_queries_for_20_or_500_cases_and_more_people(
    world: factories.World,
) -> None:
    w = world
    templates = [waiting_case(w, 1), waiting_case(w, 4)]
    made = fill(templates, 20, 2)
    few = {viewer: dashboard(person(w)) for viewer, person in VIEWERS.items()}
    fill(templates, 500, made)
    more_people(w, 30)
    many = {viewer: dashboard(person(w)) for viewer, person in VIEWERS.items()}
    later = {viewer: dashboard(person(w), LATER_PAGES) for viewer, person in VIEWERS.items()}

    counts = {v: (few[v][0], many[v][0], later[v][0]) for v in VIEWERS}
    assert all(a == b == c for a, b, c in counts.values()), counts
    # A page at a time: what each has waiting, their deadlines and the cases they see.
    shown = {v: tuple(len(rows(many[v][1], t)) for t in TABLES) for v in VIEWERS}
    assert shown == {
        "practitioner who raised them": (20, 20, 50),  # 250 stages to resolve or escalate
        "other professional": (20, 0, 50),  # 500 responses and 500 actions
        "line manager": (0, 0, 50),
        "safeguarding lead": (0, 0, 50),
        "senior manager": (0, 0, 50),
        "board representative": (0, 0, 50),  # the 250 cases at step 4
        "business unit": (0, 0, 50),
        "independent chair": (20, 20, 50),  # 250 stages, 500 policy issues
        "statutory partner": (20, 0, 0),  # 500 policy issues; no case to open
    }, shown
    # Later pages show other rows.
    for viewer in VIEWERS:
        for table in TABLES:
            first, second = rows(many[viewer][1], table), rows(later[viewer][1], table)
            if len(first) == 50 or (len(first) == 20 and table != "cases"):
                assert second and not set(first) & set(second), (viewer, table)
    other_page = many["other professional"][1]
    assert f"{w.raising.name} and {w.other.name}" in other_page
    assert "Showing 1 to 50 of 500, newest first." in other_page


def test_a_page_number_that_is_not_one_shows_the_nearest_page(world: factories.World) -> None:
    w = world
    templates = [waiting_case(w, 1), waiting_case(w, 4)]
    fill(templates, 60, 2)
    _, last = dashboard(w.raiser, "?cases=99&actions=nonsense&deadlines=-1")
    assert "Showing 51 to 60 of 60, newest first." in last
    assert 'aria-current="page">2</a>' in last
    _, first = dashboard(w.raiser)
    assert rows(first, "cases")[0] == templates[1].reference  # newest first
    assert set(rows(first, "cases")).isdisjoint(rows(last, "cases"))


@pytest.mark.parametrize(
    "odd", ["\u0662", "\uff12", "2\x00", "\x1f2", "%C2%B2", "-2", "0", "9" * 5000]
)
def test_a_page_number_in_other_digits_or_with_control_characters_is_not_read_as_one(
    world: factories.World, odd: str
) -> None:
    """Only ASCII digits are page numbers ("٢" and "２" are not page 2); a number too
    long to be a page shows the last page; nothing gives an error."""
    w = world
    templates = [waiting_case(w, 1), waiting_case(w, 4)]
    fill(templates, 60, 2)
    odd_text = urllib.parse.quote(odd)
    # (dashboard() also checks the page answered 200 for all three odd numbers.)
    _, shown = dashboard(w.raiser, f"?cases={odd_text}&actions={odd_text}&deadlines={odd_text}")
    expected = "2" if odd == "9" * 5000 else "1"
    assert f'aria-current="page">{expected}</a>' in shown
    assert shown.count('aria-current="page"') >= 1
