"""Demo data for trying Escalate: a partnership for every procedure in the library, member
agencies, and one person in every role, all signing in with one known password.

``create_demo()`` is safe to run again: it finds what it made before and puts it back as
it was (passwords, roles, line managers) without making anyone twice.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from escalate.accounts.models import User
from escalate.partnerships.models import (
    Agency,
    Membership,
    Partnership,
    PartnershipKind,
    PartnershipRole,
    PartnershipRoleKind,
    Sector,
)
from escalate.procedures.library import load_library
from escalate.procedures.model import Procedure, Protects, Role

DEMO_DOMAIN = "demo.escalate.test"  # .test never receives email (RFC 2606)
DEMO_PASSWORD = "try-escalate-demo"  # noqa: S105 - known on purpose; printed by escalate demo
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
ADMINISTRATORS_GROUP = "Administrators"


@dataclass(frozen=True)
class AgencySpec:
    name: str
    sector: Sector


@dataclass(frozen=True)
class PartnershipSpec:
    prefix: str
    agencies: tuple[AgencySpec, ...]
    # The first two agencies get one demo person in every agency role; their email codes
    # ("" gives practitioner.ce@..., "nhs" gives practitioner.ce.nhs@...).
    staffed_codes: tuple[str, str] = ("", "nhs")
    name: str = ""  # default: the partnership named by the procedure
    phone: str = ""


def _a(name: str, sector: Sector) -> AgencySpec:
    return AgencySpec(name, sector)


CHESHIRE_POLICE = _a("Cheshire Constabulary", Sector.POLICE)
CHESHIRE_ICB = _a("NHS Cheshire and Merseyside Integrated Care Board", Sector.ICB)
CHESHIRE_PROBATION = _a("Probation Service – Cheshire", Sector.PROBATION)

# Known procedures: realistic member agencies. Statutory bodies carry their real names;
# GP practices, schools, housing providers and charities are made up.
PROFILES: dict[str, PartnershipSpec] = {
    "cheshire-east-sab": PartnershipSpec(
        prefix="CE",
        phone="01270 000 101",
        agencies=(
            _a("Cheshire East Council Adult Social Care", Sector.LA_ADULTS),
            _a("Mid Cheshire Hospitals NHS Foundation Trust", Sector.NHS_TRUST),
            CHESHIRE_ICB,
            CHESHIRE_POLICE,
            CHESHIRE_PROBATION,
            _a("Weaver Bank Medical Practice", Sector.GP),
            _a("Dane Valley Homes", Sector.HOUSING),
            _a("Macclesfield Community Support", Sector.VOLUNTARY),
        ),
    ),
    "pan-cheshire-children": PartnershipSpec(
        prefix="PC",
        name="Pan Cheshire Safeguarding Children's Partnerships",
        phone="01244 000 102",
        agencies=(
            _a("Cheshire West and Chester Council Children's Social Care", Sector.LA_CHILDREN),
            _a("Countess of Chester Hospital NHS Foundation Trust", Sector.NHS_TRUST),
            CHESHIRE_ICB,
            CHESHIRE_POLICE,
            CHESHIRE_PROBATION,
            _a("Northgate Family Practice", Sector.GP),
            _a("Hoole Lane Primary School", Sector.EDUCATION),
            _a("Chester Riverside College", Sector.EDUCATION),
            _a("Blacon Young People's Project", Sector.VOLUNTARY),
        ),
    ),
    "shropshire-sscp": PartnershipSpec(
        prefix="SH",
        phone="01743 000 103",
        agencies=(
            _a("Shropshire Council Adult Social Care", Sector.LA_ADULTS),
            _a("Shrewsbury and Telford Hospital NHS Trust", Sector.NHS_TRUST),
            _a("Shropshire Council Children's Social Care", Sector.LA_CHILDREN),
            _a("NHS Shropshire, Telford and Wrekin Integrated Care Board", Sector.ICB),
            _a("West Mercia Police", Sector.POLICE),
            _a("Probation Service – Shropshire", Sector.PROBATION),
            _a("Severn Meadows Surgery", Sector.GP),
            _a("Abbey Foregate Academy", Sector.EDUCATION),
            _a("Marches Community Housing", Sector.HOUSING),
            _a("Shropshire Rural Families Network", Sector.VOLUNTARY),
        ),
    ),
    "hammersmith-fulham-sab": PartnershipSpec(
        prefix="HF",
        phone="020 7000 0104",
        agencies=(
            _a("Hammersmith & Fulham Council Adult Social Care", Sector.LA_ADULTS),
            _a("Imperial College Healthcare NHS Trust", Sector.NHS_TRUST),
            _a("Central and North West London NHS Foundation Trust", Sector.NHS_TRUST),
            _a("NHS North West London Integrated Care Board", Sector.ICB),
            _a("Metropolitan Police Service", Sector.POLICE),
            _a("Probation Service – London", Sector.PROBATION),
            _a("Fulham Palace Road Surgery", Sector.GP),
            _a("Hammersmith & Fulham Council Housing", Sector.HOUSING),
            _a("London Fire Brigade", Sector.FIRE),
            _a("Shepherd's Bush Community Trust", Sector.VOLUNTARY),
        ),
    ),
    "warrington-sab": PartnershipSpec(
        prefix="WA",
        phone="01925 000 105",
        agencies=(
            _a("Warrington Borough Council Adult Social Care", Sector.LA_ADULTS),
            _a("Warrington and Halton Teaching Hospitals NHS Foundation Trust", Sector.NHS_TRUST),
            CHESHIRE_ICB,
            CHESHIRE_POLICE,
            CHESHIRE_PROBATION,
            _a("Orford Park Surgery", Sector.GP),
            _a("Mersey Valley Homes", Sector.HOUSING),
            _a("Warrington Faith and Community Network", Sector.VOLUNTARY),
        ),
    ),
}

AGENCY_ROLES: tuple[tuple[Role, str], ...] = (
    (Role.DIRECTOR, "director"),
    (Role.SENIOR_MANAGER, "senior-manager"),
    (Role.LINE_MANAGER, "line-manager"),
    (Role.PRACTITIONER, "practitioner"),
    (Role.SAFEGUARDING_LEAD, "safeguarding-lead"),
    (Role.BOARD_REPRESENTATIVE, "board-rep"),
)
# Who manages whom: practitioner -> line manager -> senior manager -> director.
LINE_MANAGER_OF: dict[Role, Role] = {
    Role.PRACTITIONER: Role.LINE_MANAGER,
    Role.LINE_MANAGER: Role.SENIOR_MANAGER,
    Role.SAFEGUARDING_LEAD: Role.SENIOR_MANAGER,
    Role.SENIOR_MANAGER: Role.DIRECTOR,
    Role.BOARD_REPRESENTATIVE: Role.DIRECTOR,
}
PARTNERSHIP_ROLES: tuple[tuple[PartnershipRoleKind, str, str], ...] = (
    (PartnershipRoleKind.BUSINESS_UNIT, "business-unit", "Partnership Business Manager"),
    (PartnershipRoleKind.INDEPENDENT_CHAIR, "chair", "Independent Chair"),
    (PartnershipRoleKind.STATUTORY_PARTNER, "statutory-partner", "Statutory partner lead"),
    (PartnershipRoleKind.ADMINISTRATOR, "administrator", "Partnership Administrator"),
)

_TITLES: dict[str, tuple[str, str, str, str, str, str]] = {
    # director, senior manager, line manager, practitioner, safeguarding lead, board rep
    Sector.LA_ADULTS: (
        "Director of Adult Social Services",
        "Head of Adult Social Care",
        "Team Manager, Adult Social Care",
        "Social Worker",
        "Adult Safeguarding Lead",
        "Principal Social Worker (Adults)",
    ),
    Sector.LA_CHILDREN: (
        "Director of Children's Services",
        "Head of Children's Social Care",
        "Team Manager, Children's Social Care",
        "Social Worker",
        "Safeguarding and Quality Assurance Lead",
        "Head of Safeguarding and Quality Assurance",
    ),
    Sector.NHS_TRUST: (
        "Chief Nurse",
        "Head of Nursing",
        "Community Nursing Team Leader",
        "Community Nurse",
        "Named Nurse for Safeguarding",
        "Deputy Chief Nurse",
    ),
}
_GENERIC_TITLES = (
    "Director",
    "Senior Manager",
    "Line Manager",
    "Practitioner",
    "Safeguarding Lead",
    "Board Representative",
)

# Made-up names, written as text so they are easy to read and edit.
_FIRST_NAMES = (  # noqa: SIM905
    "Amira Ben Chloe Daniel Eleanor Farah George Hannah Imran Jasmine Kwame Laura Mohammed "
    "Niamh Oliver Priya Rhys Sophie Tomasz Una Victoria William Yasmin Zoe Aidan Bethan Callum "
    "Deepa Ethan Fiona Grace Harjit Isaac Joanna Kieran Leah Marcus Nadia Owen Rachel"
).split()
_SURNAMES = (  # noqa: SIM905
    "Ahmed Bennett Clarke Davies Evans Fletcher Green Hughes Iqbal Jones Khan Lewis Morris "
    "Nowak O'Brien Patel Quinn Roberts Singh Taylor Underwood Vaughan Walsh Young Adeyemi Brown "
    "Campbell Doyle Ellis Foster Gill Harrison Jackson Kaur Lloyd Mensah Murphy Okafor Price "
    "Wright"
).split()
_PEOPLE_PER_PARTNERSHIP = len(AGENCY_ROLES) * 2 + len(PARTNERSHIP_ROLES)


def demo_name(number: int) -> str:
    """A made-up full name; distinct for the first 1,600 numbers."""
    size = len(_FIRST_NAMES)
    first = _FIRST_NAMES[number % size]
    surname = _SURNAMES[(number // size + 3 * number) % size]
    return f"{first} {surname}"


@dataclass(frozen=True)
class SignIn:
    email: str
    full_name: str
    role: str
    place: str


@dataclass
class DemoPartnership:
    partnership: Partnership
    sign_ins: list[SignIn] = field(default_factory=list)


@dataclass
class DemoResult:
    password: str
    admin: SignIn
    partnerships: list[DemoPartnership] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ deriving


def derive_prefix(key: str, taken: Iterable[str]) -> str:
    """2 to 6 capitals for a procedure key with no profile, not already taken."""
    taken = set(taken)
    words = [w for w in re.split(r"[^a-z]+", key.lower()) if w]
    initials = "".join(w[0] for w in words).upper()
    letters = "".join(words).upper()
    candidates = [initials[:6]] + [letters[:n] for n in range(2, 7)]
    for candidate in candidates:
        if 2 <= len(candidate) <= 6 and candidate not in taken:
            return candidate
    base = (initials or letters or "P")[:5].ljust(2, "X")
    if base not in taken:
        return base
    for letter in string.ascii_uppercase:
        if base + letter not in taken:
            return base + letter
    raise ValueError(f"no free reference prefix for {key!r}")


def _area(partnership_name: str) -> str:
    area = re.split(r"\s+(?:local\s+)?Safeguarding\b", partnership_name, maxsplit=1)[0].strip()
    return area or partnership_name


def derive_spec(procedure: Procedure, taken_prefixes: Iterable[str]) -> PartnershipSpec:
    """Plausible agencies for a procedure Escalate has no demo profile for."""
    area = _area(procedure.partnership)
    councils = []
    if procedure.protects in (Protects.ADULTS, Protects.BOTH):
        councils.append(_a(f"{area} Council Adult Social Care", Sector.LA_ADULTS))
    if procedure.protects in (Protects.CHILDREN, Protects.BOTH):
        councils.append(_a(f"{area} Council Children's Social Care", Sector.LA_CHILDREN))
    agencies = [
        councils[0],
        _a(f"{area} NHS Foundation Trust", Sector.NHS_TRUST),
        *councils[1:],
        _a(f"NHS {area} Integrated Care Board", Sector.ICB),
        _a(f"{area} Police", Sector.POLICE),
        _a(f"Probation Service – {area}", Sector.PROBATION),
        _a(f"{area} Medical Practice", Sector.GP),
    ]
    if procedure.protects != Protects.ADULTS:
        agencies.append(_a(f"{area} Academy", Sector.EDUCATION))
    agencies += [
        _a(f"{area} Homes", Sector.HOUSING),
        _a(f"{area} Community Support Network", Sector.VOLUNTARY),
    ]
    return PartnershipSpec(
        prefix=derive_prefix(procedure.key, taken_prefixes), agencies=tuple(agencies)
    )


def _kind(procedure: Procedure) -> str:
    return {
        Protects.ADULTS: PartnershipKind.ADULTS,
        Protects.CHILDREN: PartnershipKind.CHILDREN,
        Protects.BOTH: PartnershipKind.COMBINED,
    }[procedure.protects].value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def demo_email(local: str, prefix: str, code: str = "") -> str:
    return f"{local}.{prefix.lower()}{'.' + code if code else ''}@{DEMO_DOMAIN}"


# ------------------------------------------------------------------ creating


def ensure_administrators_group() -> Group:
    """Staff in this group look after people, partnerships, agencies, roles and
    non-working days in the administration site. Deleting people or partnerships is
    left to superusers: switch people off instead."""
    group, _ = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    manage = Q(content_type__app_label="partnerships") & ~Q(
        codename__in=["delete_partnership", "delete_agency"]
    )
    people = Q(content_type__app_label="accounts", content_type__model="user") & Q(
        codename__in=["add_user", "change_user", "view_user"]
    )
    group.permissions.set(Permission.objects.filter(manage | people))
    return group


class _Maker:
    def __init__(self, password: str) -> None:
        # Hashed once: hashing is deliberately slow, and these passwords are all the same.
        self.password_hash = make_password(password)

    def person(
        self, email: str, full_name: str, job_title: str, line_manager: User | None = None
    ) -> User:
        person, _ = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name, "job_title": job_title}
        )
        person.password = self.password_hash
        person.is_active = True
        person.line_manager = line_manager
        person.save()
        return person


@transaction.atomic
def create_demo(password: str = DEMO_PASSWORD, *, cases: bool = False) -> DemoResult:
    """With ``cases``, also about a year of demo cases in each partnership (:mod:`.demo_cases`)."""
    maker = _Maker(password)
    admin = maker.person(ADMIN_EMAIL, "Escalate Administrator (demo)", "Administrator")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    administrators = ensure_administrators_group()
    result = DemoResult(
        password=password,
        admin=SignIn(ADMIN_EMAIL, admin.full_name, "Superuser", "Administration site"),
    )

    profile_numbers = {key: n for n, key in enumerate(PROFILES)}
    unknown = 0
    for key, procedure in load_library().items():
        if key in profile_numbers:
            spec, number = PROFILES[key], profile_numbers[key]
        else:
            taken = set(
                Partnership.objects.exclude(slug=key[:60]).values_list(
                    "reference_prefix", flat=True
                )
            ) | {p.prefix for p in PROFILES.values()}
            spec, number = derive_spec(procedure, taken), len(PROFILES) + unknown
            unknown += 1
        made = _demo_partnership(key, procedure, spec, number, maker, administrators)
        if made is None:
            result.skipped.append(key)
        else:
            result.partnerships.append(made)
    if cases:
        from escalate.partnerships.demo_cases import create_demo_cases

        create_demo_cases([made.partnership for made in result.partnerships])
    return result


def _demo_partnership(
    key: str,
    procedure: Procedure,
    spec: PartnershipSpec,
    number: int,
    maker: _Maker,
    administrators: Group,
) -> DemoPartnership | None:
    slug = key[:60]
    name = spec.name or procedure.partnership
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None:
        if Partnership.objects.filter(Q(name=name) | Q(reference_prefix=spec.prefix)).exists():
            return None  # a partnership of the same name or prefix is already there
        partnership = Partnership.objects.create(
            slug=slug,
            name=name,
            reference_prefix=spec.prefix,
            kind=_kind(procedure),
            procedure_key=key,
            region=procedure.region.value,
            business_unit_email=demo_email("business-unit", spec.prefix),
            business_unit_phone=spec.phone,
        )
    prefix = partnership.reference_prefix
    made = DemoPartnership(partnership)

    agencies = []
    for agency_spec in spec.agencies:
        agency, _ = Agency.objects.get_or_create(
            name=agency_spec.name,
            defaults={
                "sector": agency_spec.sector,
                "safeguarding_email": f"safeguarding.{_slug(agency_spec.name)}@{DEMO_DOMAIN}",
            },
        )
        agency.partnerships.add(partnership)
        agencies.append(agency)

    serial = number * _PEOPLE_PER_PARTNERSHIP
    for agency, code in zip(agencies[:2], spec.staffed_codes, strict=True):
        titles = _TITLES.get(agency.sector, _GENERIC_TITLES)
        holders: dict[Role, User] = {}
        for (role, local), title in zip(AGENCY_ROLES, titles, strict=True):
            manager_role = LINE_MANAGER_OF.get(role)
            person = maker.person(
                demo_email(local, prefix, code),
                demo_name(serial),
                title,
                line_manager=holders[manager_role] if manager_role else None,
            )
            serial += 1
            holders[role] = person
            Membership.objects.get_or_create(person=person, agency=agency, role=role.value)
            made.sign_ins.append(SignIn(person.email, person.full_name, role.label, agency.name))

    for role_kind, local, title in PARTNERSHIP_ROLES:
        person = maker.person(demo_email(local, prefix), demo_name(serial), title)
        serial += 1
        if role_kind == PartnershipRoleKind.ADMINISTRATOR:
            person.is_staff = True
            person.save()
            person.groups.add(administrators)
        PartnershipRole.objects.get_or_create(
            person=person, partnership=partnership, role=role_kind.value
        )
        made.sign_ins.append(
            SignIn(person.email, person.full_name, role_kind.label, partnership.name)
        )
    # Sign-ins in the order people meet the procedure: practitioners first.
    order = {label: n for n, label in enumerate(_SIGN_IN_ORDER)}
    made.sign_ins.sort(key=lambda s: (order.get(s.role, len(order)), s.place != agencies[0].name))
    return made


_SIGN_IN_ORDER = [
    Role.PRACTITIONER.label,
    Role.LINE_MANAGER.label,
    Role.SAFEGUARDING_LEAD.label,
    Role.SENIOR_MANAGER.label,
    Role.DIRECTOR.label,
    Role.BOARD_REPRESENTATIVE.label,
    *(kind.label for kind, _, _ in PARTNERSHIP_ROLES),
]
