"""Who is in which partnership, and who to contact in the other agency."""

import pytest

from escalate.accounts.models import User
from escalate.partnerships import selectors
from escalate.partnerships.models import Agency, Membership, Partnership, PartnershipRole, Sector

pytestmark = pytest.mark.django_db


def partnership(name, prefix):
    return Partnership.objects.create(
        name=name,
        slug=prefix.lower(),
        reference_prefix=prefix,
        kind="adults",
        procedure_key="cheshire-east-sab",
        business_unit_email=f"board@{prefix.lower()}.example.org",
    )


def agency(name, *partnerships, sector=Sector.LA_ADULTS):
    made = Agency.objects.create(name=name, sector=sector)
    made.partnerships.add(*partnerships)
    return made


def person(email, name, **extra):
    return User.objects.create_user(email, None, full_name=name, **extra)


def member(who, where, role):
    Membership.objects.create(person=who, agency=where, role=role)
    return who


@pytest.fixture
def world():
    north = partnership("North Safeguarding Adults Board", "NO")
    south = partnership("South Safeguarding Adults Board", "SO")
    council = agency("North Council", north)
    trust = agency("North NHS Trust", north, south, sector=Sector.NHS_TRUST)
    southern = agency("South Council", south)
    practitioner = member(
        person("p@north.example.org", "Pat Practitioner"), council, "practitioner"
    )
    lead = member(person("l@trust.example.org", "Lee Lead"), trust, "safeguarding_lead")
    rep = member(person("r@trust.example.org", "Rae Rep"), trust, "board_representative")
    member(person("m@trust.example.org", "Max Manager"), trust, "line_manager")
    member(person("old@trust.example.org", "Old Lead", is_active=False), trust, "safeguarding_lead")
    south_lead = member(person("s@south.example.org", "Sam South"), southern, "safeguarding_lead")
    return locals()


def test_partnerships_of_a_practitioner_come_through_their_agency(world):
    assert list(selectors.partnerships_of(world["practitioner"])) == [world["north"]]
    # The trust is in both partnerships, so its people are too.
    assert list(selectors.partnerships_of(world["lead"])) == [world["north"], world["south"]]


def test_partnerships_of_someone_with_only_a_partnership_role(world):
    chair = person("chair@example.org", "Chris Chair")
    PartnershipRole.objects.create(
        person=chair, partnership=world["south"], role="independent_chair"
    )
    assert list(selectors.partnerships_of(chair)) == [world["south"]]
    assert list(selectors.agencies_of(chair)) == []


def test_directory_lists_the_other_agencys_leads_and_representatives(world):
    (north,) = selectors.directory_for(world["practitioner"])
    assert north.partnership == world["north"]
    by_name = {entry.agency.name: entry for entry in north.agencies}
    assert list(by_name) == ["North Council", "North NHS Trust"]
    trust = by_name["North NHS Trust"]
    assert trust.safeguarding_leads == [world["lead"]]  # not the switched-off one
    assert trust.board_representatives == [world["rep"]]
    assert not trust.is_own
    assert by_name["North Council"].is_own
    # Only the partnerships the person belongs to.
    assert "South Council" not in by_name


def test_directory_for_someone_in_no_partnership_is_empty(world):
    assert selectors.directory_for(person("new@example.org", "New Person")) == []


def test_people_in_role(world):
    assert list(selectors.people_in_role(world["trust"], "safeguarding_lead")) == [world["lead"]]
    assert list(selectors.people_in_role(world["council"], "safeguarding_lead")) == []


def test_directory_queries_do_not_grow_with_the_number_of_agencies(
    world, django_assert_max_num_queries
):
    for n in range(10):
        extra = agency(f"Extra Agency {n}", world["north"])
        member(person(f"lead{n}@extra.example.org", f"Lead {n}"), extra, "safeguarding_lead")
    with django_assert_max_num_queries(5):
        directory = selectors.directory_for(world["practitioner"])
        assert sum(len(e.safeguarding_leads) for d in directory for e in d.agencies) == 11
