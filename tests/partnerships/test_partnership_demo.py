"""`escalate demo`: a partnership per procedure, a person in every role, safe to run twice."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client

from escalate.accounts.models import User
from escalate.partnerships import demo
from escalate.partnerships.models import (
    AGENCY_ROLE_CHOICES,
    Agency,
    Membership,
    Partnership,
    PartnershipRole,
    PartnershipRoleKind,
)
from escalate.procedures.library import load_library

pytestmark = pytest.mark.django_db


def signs_in(email: str, password: str) -> bool:
    """Signing in through the sign-in page, as a person does (the lockout needs the
    request, so the test client's ``login`` is not used)."""
    response = Client().post("/accounts/login/", {"username": email, "password": password})
    return response.status_code == 302


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", "--no-cases", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_demo_twice_makes_everyone_once_and_every_role_in_every_partnership():
    first = run_demo()
    counts = (
        User.objects.count(),
        Agency.objects.count(),
        Membership.objects.count(),
        PartnershipRole.objects.count(),
        Partnership.objects.count(),
    )
    second = run_demo()
    assert (
        User.objects.count(),
        Agency.objects.count(),
        Membership.objects.count(),
        PartnershipRole.objects.count(),
        Partnership.objects.count(),
    ) == counts
    assert first == second

    emails = Counter(User.objects.values_list("email", flat=True))
    assert max(emails.values()) == 1

    # One partnership per procedure in the library, picked up from the library itself.
    assert set(Partnership.objects.values_list("procedure_key", flat=True)) == set(load_library())
    agency_roles = [value for value, _ in AGENCY_ROLE_CHOICES]
    for partnership in Partnership.objects.all():
        assert re.fullmatch(r"[A-Z]{2,6}", partnership.reference_prefix)
        for role in agency_roles:
            # In two agencies, so there is always an "other agency".
            agencies = Membership.objects.filter(
                agency__partnerships=partnership, role=role
            ).values_list("agency", flat=True)
            assert len(set(agencies)) == 2, (partnership, role)
        for role in PartnershipRoleKind.values:
            assert PartnershipRole.objects.filter(partnership=partnership, role=role).count() == 1
        assert partnership.agencies.count() >= 8


def test_demo_partnerships_have_realistic_names_and_prefixes():
    run_demo()
    prefixes = dict(Partnership.objects.values_list("procedure_key", "reference_prefix"))
    expected = {
        "cheshire-east-sab": "CE",
        "pan-cheshire-children": "PC",
        "shropshire-sscp": "SH",
        "hammersmith-fulham-sab": "HF",
        "warrington-sab": "WA",
    }
    for key, prefix in expected.items():
        if key in load_library():
            assert prefixes[key] == prefix
    ce = Partnership.objects.get(reference_prefix="CE")
    assert ce.name == "Cheshire East Safeguarding Adults Board"
    assert ce.kind == "adults"
    sectors = set(ce.agencies.values_list("sector", flat=True))
    assert {
        "la_adults",
        "nhs_trust",
        "icb",
        "gp",
        "police",
        "probation",
        "housing",
        "voluntary",
    } <= sectors


def test_line_managers_run_practitioner_to_director():
    run_demo()
    practitioner = User.objects.get(email="practitioner.ce@demo.escalate.test")
    chain = []
    manager = practitioner.line_manager
    while manager is not None:
        chain.append(manager.email)
        manager = manager.line_manager
    assert chain == [
        "line-manager.ce@demo.escalate.test",
        "senior-manager.ce@demo.escalate.test",
        "director.ce@demo.escalate.test",
    ]
    lead = User.objects.get(email="safeguarding-lead.ce.nhs@demo.escalate.test")
    assert lead.line_manager.email == "senior-manager.ce.nhs@demo.escalate.test"


def test_demo_prints_sign_ins_and_a_practitioner_can_sign_in_with_the_printed_password():
    output = run_demo()
    password = re.search(r"Every account's password is: (\S+)", output).group(1)
    assert "practitioner.ce@demo.escalate.test" in output
    assert "admin@demo.escalate.test" in output
    assert "known password" in output
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "practitioner.ce@demo.escalate.test", "password": password},
    )
    assert response.status_code == 302
    assert "Hello," in client.get("/").content.decode()


def test_the_demo_admin_is_a_superuser_and_administrators_are_staff():
    run_demo()
    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert admin.is_superuser and admin.is_staff
    administrator = User.objects.get(email="administrator.ce@demo.escalate.test")
    assert administrator.is_staff and not administrator.is_superuser
    assert administrator.has_perm("partnerships.change_agency")
    assert administrator.has_perm("accounts.change_user")
    assert not administrator.has_perm("accounts.delete_user")
    assert not User.objects.get(email="practitioner.ce@demo.escalate.test").is_staff


def test_running_demo_again_restores_passwords_and_switched_off_accounts():
    run_demo()
    practitioner = User.objects.get(email="practitioner.ce@demo.escalate.test")
    practitioner.set_password("changed-it")
    practitioner.is_active = False
    practitioner.save()
    run_demo()
    assert signs_in(practitioner.email, demo.DEMO_PASSWORD)


def test_demo_with_a_password_of_your_choice():
    out = io.StringIO()
    call_command("demo", "--no-cases", "--password", "my-own-demo-pw", stdout=out)
    assert "my-own-demo-pw" in out.getvalue()
    assert signs_in("director.ce.nhs@demo.escalate.test", "my-own-demo-pw")


def test_a_new_procedure_gets_a_derived_partnership(monkeypatch):
    library = dict(load_library())
    base = library["cheshire-east-sab"]
    library["north-somerset-sab"] = base.model_copy(
        update={
            "key": "north-somerset-sab",
            "partnership": "North Somerset Safeguarding Adults Board",
        }
    )
    monkeypatch.setattr(demo, "load_library", lambda: library)
    demo.create_demo()
    partnership = Partnership.objects.get(slug="north-somerset-sab")
    assert partnership.name == "North Somerset Safeguarding Adults Board"
    assert partnership.reference_prefix == "NSS"
    assert partnership.agencies.filter(name="North Somerset Council Adult Social Care").exists()
    assert User.objects.filter(email="practitioner.nss@demo.escalate.test").exists()
    assert User.objects.filter(email="practitioner.nss.nhs@demo.escalate.test").exists()
    # Still only once the second time.
    demo.create_demo()
    assert Partnership.objects.filter(slug="north-somerset-sab").count() == 1


def test_an_existing_partnership_of_the_same_name_is_left_alone():
    Partnership.objects.create(
        name="Cheshire East Safeguarding Adults Board",
        slug="cesab",
        reference_prefix="CESAB",
        kind="adults",
        procedure_key="cheshire-east-sab",
        business_unit_email="real@example.org",
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", "--no-cases", stdout=out, stderr=err)
    assert "Skipped the demo partnership for cheshire-east-sab" in err.getvalue()
    assert Partnership.objects.get(slug="cesab").business_unit_email == "real@example.org"
    assert not User.objects.filter(email="practitioner.ce@demo.escalate.test").exists()


@pytest.mark.parametrize(
    ("key", "taken", "expected"),
    [
        ("north-yorkshire-sab", set(), "NYS"),
        ("north-yorkshire-sab", {"NYS"}, "NO"),
        ("kent", set(), "KE"),
        ("a", set(), "AX"),
        ("a", {"AX"}, "AXA"),
        ("one-two-three-four-five-six-seven", set(), "OTTFFS"),
    ],
)
def test_derived_prefixes_are_two_to_six_free_capitals(key, taken, expected):
    prefix = demo.derive_prefix(key, taken)
    assert prefix == expected
    assert re.fullmatch(r"[A-Z]{2,6}", prefix)


def test_demo_names_are_distinct():
    names = [demo.demo_name(n) for n in range(400)]
    assert len(set(names)) == len(names)


@pytest.mark.django_db
def test_demo_refuses_a_database_with_real_people_unless_forced() -> None:
    from django.core.management import CommandError

    User.objects.create_user("real.person@council.example", "a-long-password-1", full_name="Real")
    with pytest.raises(CommandError, match="not demo accounts"):
        call_command("demo", "--no-cases", stdout=io.StringIO())
    assert not User.objects.filter(email__endswith="@demo.escalate.test").exists()
    call_command("demo", "--no-cases", "--force", stdout=io.StringIO(), stderr=io.StringIO())
    assert User.objects.filter(email="admin@demo.escalate.test").exists()
