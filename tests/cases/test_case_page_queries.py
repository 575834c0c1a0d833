"""The case page reads a fixed number of queries, however long the case's chronology,
and writes nothing: who viewed it is spooled, not inserted on the page.

A four-stage Cheshire East case with 50 chronology entries and 5 agreed actions is shown
to the people who look at it most: the person who raised it, the current stage's owner
(the independent chair at step 4), the other agency's board representative and the
business unit (who also sees who viewed the case). The viewer's standing on the case is
worked out once; adding 450 more entries (by many people, some correcting others) must
not add a single query. The page shows the chronology's latest entries and links to the
whole of it, which takes the same queries too.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import factories
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from escalate import clock
from escalate.accounts.models import User
from escalate.cases import permissions, selectors, services
from escalate.cases.deadlines import open_deadlines
from escalate.cases.errors import NotFound
from escalate.cases.facts import calendar_for
from escalate.cases.models import VIEWED, Case, Event, Invitation
from escalate.cases.services import viewing
from escalate.cases.views.case_page import LATEST_ENTRIES
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

#: The most queries the case page may take (sessions and the signed-in person included):
#: 13 for the person who raised it while the invitation waits (its stored deadlines and
#: which are open in one), 16 for the business unit (who viewed it, those views' people,
#: and the referral forms sent).
CASE_PAGE_QUERIES = 16

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.fixture(autouse=True)
def spool(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VIEW_SPOOL_DIR = str(tmp_path / "views")


VIEWERS = {
    "the person who raised it": lambda w: w.raiser,
    "the current stage's owner": lambda w: w.owner_for(4),
    "the other agency's board representative": (
        lambda w: w.person(Role.BOARD_REPRESENTATIVE, side="other")
    ),
    "the business unit": lambda w: w.person(Role.BUSINESS_UNIT),
}


def four_stage_case(w: factories.World) -> Case:
    """At step 4, with 5 agreed actions and 50 chronology entries besides its views."""
    case = factories.escalate_to(w, factories.raise_case(w), 4)
    owners = [
        (w.raising, w.raiser),
        (w.other, w.other_professional),
        (w.raising, w.person(Role.SAFEGUARDING_LEAD)),
        (w.other, None),
    ]
    for n, (agency, owner) in zip(range(5), itertools.cycle(owners), strict=False):
        services.add_agreed_action(
            w.raiser,
            case,
            what=f"Agreed action {n}",
            agency=agency,
            due_on=dt.date(2027, 1, 15),
            owner=owner,
            owner_name="" if owner else "A duty social worker",
            expected_version=case.version,
        )
        case.refresh_from_db()
    writers = [w.raiser, w.other_professional, w.person(Role.SAFEGUARDING_LEAD), w.owner_for(4)]
    while Event.objects.filter(case=case).exclude(action=VIEWED).count() < 50:
        services.record_contact(
            writers[case.version % len(writers)],
            case,
            kind="note",
            text=f"Note at version {case.version}.",
            expected_version=case.version,
        )
        case.refresh_from_db()
    return case


def more_entries(case: Case, count: int) -> None:
    """``count`` more entries by many different people, every tenth correcting the one
    before it, and as many views of the case (which only the business unit sees)."""
    people = [factories.user(f"Writer {n}") for n in range(20)]
    at = clock.now()
    version = case.version
    for n in range(count):
        earlier = Event.objects.filter(case=case).exclude(action=VIEWED).last()
        Event.objects.create(
            case=case,
            at=at,
            actor=people[n % len(people)],
            action="note.recorded",
            stage=case.current_stage,
            data={"kind": "note", "text": f"Extra note {n}.", "occurred_on": "2026-12-23"},
            corrects=earlier if n % 10 == 9 else None,
            version=version,
        )
        Event.objects.create(
            case=case, at=at, actor=people[n % len(people)], action=VIEWED, version=version
        )


def entries(page: str) -> int:
    """Chronology entries shown (each is an anchor the corrections link to)."""
    return len(re.findall(r'id="event-\d+"', page))


def page_queries(user: User, case: Case, query: str = "") -> tuple[int, str]:
    """The case page's queries and HTML, having checked it wrote nothing."""
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/cases/{case.reference.lower()}/{query}")
    assert response.status_code == 200
    written = [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]
    assert written == []
    return len(queries), response.content.decode()


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_the_case_page_takes_the_same_few_queries_with_50_or_500_chronology_entries(
    cheshire: factories.World, viewer: str
) -> None:
    w = cheshire
    case = four_stage_case(w)
    person = VIEWERS[viewer](w)

    with_50, page = page_queries(person, case)
    assert "Agreed action 4" in page and entries(page) == LATEST_ENTRIES
    assert 'id="whole-chronology"' in page
    assert with_50 <= CASE_PAGE_QUERIES, viewer

    more_entries(case, 450)
    with_500, page = page_queries(person, case)
    assert "Extra note 449." in page and entries(page) == LATEST_ENTRIES
    assert "Extra note 400." not in page
    assert with_500 == with_50, viewer

    whole, page = page_queries(person, case, "?chronology=all")
    assert "Extra note 0." in page and "Note at version" in page and entries(page) >= 500
    assert whole == with_50, viewer


def test_the_whole_chronology_is_a_link_away_and_corrections_link_into_it(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = four_stage_case(w)
    more_entries(case, 60)
    _, page = page_queries(w.raiser, case)
    corrections = Event.objects.filter(case=case, corrects__isnull=False).order_by("id")
    latest = corrections.last()
    assert latest is not None and latest.corrects_id is not None
    shown = {int(pk) for pk in re.findall(r'id="event-(\d+)"', page)}
    assert latest.pk in shown and latest.corrects_id in shown
    assert f'href="#event-{latest.corrects_id}"' in page  # both on the page
    earliest = corrections.first()
    assert earliest is not None and earliest.pk not in shown
    # An entry shown correcting one that is not: the link goes to the whole chronology.
    first_shown = min(shown)
    before = Event.objects.filter(case=case, pk__lt=first_shown).exclude(action=VIEWED).last()
    assert before is not None
    services.record_contact(
        w.raiser,
        case,
        kind="note",
        text="Putting an old entry right.",
        corrects=before,
        expected_version=Case.objects.get(pk=case.pk).version,
    )
    _, page = page_queries(w.raiser, case)
    assert f'?chronology=all#event-{before.pk}"' in page


def test_the_business_unit_sees_who_viewed_the_case_without_a_query_per_viewer(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = four_stage_case(w)
    business_unit = w.person(Role.BUSINESS_UNIT)
    before, page = page_queries(business_unit, case)
    assert "Who has viewed this case" in page
    more_entries(case, 60)
    after, page = page_queries(business_unit, case)
    assert "Writer 19" in page
    assert after == before
    viewing.flush_views()  # the business unit's own views, stored now
    assert page_queries(business_unit, case)[0] == before


def test_a_case_is_found_by_an_exact_match_on_its_reference_in_any_case(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    typed = f"  {case.reference.lower()} "
    with CaptureQueriesContext(connection) as queries:
        assert selectors.get_case(w.raiser, reference=typed) == case
    lookup = queries.captured_queries[0]["sql"]
    assert case.reference in lookup  # the reference in capitals, as stored
    assert "LIKE" not in lookup.upper() and "UPPER(" not in lookup.upper()
    for wrong in ("", "   ", "Ω-2026-0001", "TAB-2026-0001-" + "X" * 20, "a b"):
        with pytest.raises(NotFound):
            selectors.get_case(w.raiser, reference=wrong)


def test_a_lower_case_reference_in_the_address_shows_the_case(cheshire: factories.World) -> None:
    w = cheshire
    case = factories.raise_case(w)
    client = Client()
    client.force_login(w.raiser)
    response = client.get(f"/cases/{case.reference.lower()}/")
    assert response.status_code == 200
    assert f"Case {case.reference}" in response.content.decode()
    assert client.get(f"/cases/{case.reference.lower()}x/").status_code == 404


def test_access_to_many_cases_at_once_is_each_cases_own_in_two_queries(
    cheshire: factories.World,
) -> None:
    """The dashboard asks about many cases at once: nobody's roles on one case (or in one
    partnership) leak into another's."""
    w, b = cheshire, factories.world("cheshire-east-sab")
    cases = [
        factories.raise_case(w),
        factories.escalate_to(w, factories.raise_case(w), 2),
        factories.escalate_to(w, factories.raise_case(w), 4),
        factories.raise_case(b),
        factories.escalate_to(b, factories.raise_case(b), 4),
    ]
    people = [
        *w.raising_people.values(),
        *w.other_people.values(),
        *w.partnership_people.values(),
        *b.partnership_people.values(),
        b.raiser,
        factories.user("Outsider"),
    ]
    for person in people:
        one_by_one = {c.pk: permissions.access(person, c).standing for c in cases}
        with CaptureQueriesContext(connection) as queries:
            together = permissions.accesses(person, cases)
        assert len(queries) == 2, person
        assert {pk: a.standing for pk, a in together.items()} == one_by_one, person
    chair = w.person(Role.INDEPENDENT_CHAIR)
    seen = permissions.accesses(chair, cases)
    assert [seen[c.pk].can_view for c in cases] == [False, False, True, False, False]


def test_once_the_invitation_is_accepted_the_page_stops_looking_for_a_failed_one(
    cheshire: factories.World,
) -> None:
    """The person who raised a case is told when the invitation email failed, while it
    waits to be accepted; after that, the page does not ask."""
    w = cheshire
    newcomer = factories.user("New Colleague")
    factories.member(newcomer, w.other, Role.PRACTITIONER)
    case = factories.raise_case(
        w, other_professional_name="New Colleague", other_professional_email=newcomer.email
    )

    def notification_queries() -> tuple[int, int]:
        client = Client()
        client.force_login(w.raiser)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/cases/{case.reference}/").status_code == 200
        asked = [q for q in queries.captured_queries if '"cases_notification"' in q["sql"]]
        return len(asked), len(queries)

    waiting, before = notification_queries()
    assert waiting == 1
    token = services.new_invitation_token(Invitation.objects.get(case=case))
    services.accept_invitation(newcomer, token)
    accepted, after = notification_queries()
    assert accepted == 0
    assert after == before - 1


def test_a_cases_stored_deadlines_and_which_are_open_are_read_in_one_query(
    cheshire: factories.World,
) -> None:
    w = cheshire
    case = factories.escalate_to(w, factories.raise_case(w), 2)
    calendar = calendar_for(case.partnership)
    access = permissions.access(w.raiser, case)
    with CaptureQueriesContext(connection) as queries:
        stored = selectors.stored_deadlines(access, case, calendar=calendar)
    assert len(queries) == 1
    expected = set(open_deadlines().filter(case=case).values_list("pk", flat=True))
    every = {r.deadline.pk for r in stored.rows}
    assert stored.open_ids == expected and expected and every - expected  # some met
    closed = services.withdraw(
        w.raiser, case, reason="Resolved informally.", expected_version=case.version
    )
    access = permissions.access(w.raiser, closed)
    with CaptureQueriesContext(connection) as queries:
        stored = selectors.stored_deadlines(access, closed, calendar=calendar)
    assert stored.rows and stored.open_ids == frozenset()  # nothing is worked towards
    assert len(queries) == 1
