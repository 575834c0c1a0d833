"""Who acts in a procedure and who must be told: roles, recipients and the role
groupings permissions, administration and the services use. Pure Python: nothing here
imports Django.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who may act. Agency roles first, then partnership roles."""

    PRACTITIONER = "practitioner"
    LINE_MANAGER = "line_manager"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    SENIOR_MANAGER = "senior_manager"
    DIRECTOR = "director"
    BOARD_REPRESENTATIVE = "board_representative"
    BUSINESS_UNIT = "business_unit"
    INDEPENDENT_CHAIR = "independent_chair"
    STATUTORY_PARTNER = "statutory_partner"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PRACTITIONER: "Practitioner",
    Role.LINE_MANAGER: "Line manager",
    Role.SAFEGUARDING_LEAD: "Designated or named safeguarding lead",
    Role.SENIOR_MANAGER: "Senior manager",
    Role.DIRECTOR: "Assistant director or director (or equivalent)",
    Role.BOARD_REPRESENTATIVE: "Board or partnership representative",
    Role.BUSINESS_UNIT: "Board business unit or manager",
    Role.INDEPENDENT_CHAIR: "Independent chair",
    Role.STATUTORY_PARTNER: "Statutory partners",
}


class Recipient(StrEnum):
    """Who the procedure says must be told. The application resolves these to people."""

    STAGE_OWNER = "stage_owner"
    RAISING_PRACTITIONER = "raising_practitioner"
    OTHER_PROFESSIONAL = "other_professional"
    COUNTERPART = "counterpart"
    OWNER_LINE_MANAGER = "owner_line_manager"
    SAFEGUARDING_LEADS = "safeguarding_leads"
    SENIOR_MANAGERS = "senior_managers"
    BOARD_REPRESENTATIVES = "board_representatives"
    BUSINESS_UNIT = "business_unit"
    INDEPENDENT_CHAIR = "independent_chair"
    STATUTORY_PARTNERS = "statutory_partners"
    ALL_INVOLVED = "all_involved"


# ---------------------------------------------------------------- role groupings

#: Roles held in a partnership itself rather than in one of its agencies.
PARTNERSHIP_ROLES: frozenset[Role] = frozenset(
    {Role.BUSINESS_UNIT, Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER}
)
#: Roles held in an agency (practitioner to board representative): all the others.
AGENCY_ROLES: frozenset[Role] = frozenset(Role) - PARTNERSHIP_ROLES
#: Agency roles that see every case involving their agency.
MANAGERS: frozenset[Role] = frozenset(
    {Role.LINE_MANAGER, Role.SAFEGUARDING_LEAD, Role.SENIOR_MANAGER, Role.DIRECTOR}
)
#: Respond to policy issues flagged for the chair.
POLICY_RESPONDERS: frozenset[Role] = frozenset({Role.INDEPENDENT_CHAIR, Role.STATUTORY_PARTNER})
