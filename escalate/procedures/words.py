"""Small pieces of plain English shared by the engine and the services. Pure Python."""

from __future__ import annotations

from escalate.procedures.model import Recipient


def article(words: str) -> str:
    """The article before ``words``: "An" or "A" (lower it for mid-sentence use)."""
    return "An" if words[:1].lower() in "aeiou" else "A"


#: Who each recipient is, in words.
RECIPIENT_WORDS: dict[Recipient, str] = {
    Recipient.STAGE_OWNER: "the stage owner",
    Recipient.RAISING_PRACTITIONER: "the practitioner who raised it",
    Recipient.OTHER_PROFESSIONAL: "the other professional",
    Recipient.COUNTERPART: "the counterpart in the other agency",
    Recipient.OWNER_LINE_MANAGER: "the stage owner's line manager",
    Recipient.SAFEGUARDING_LEADS: "both agencies' safeguarding leads",
    Recipient.SENIOR_MANAGERS: "both agencies' senior managers",
    Recipient.BOARD_REPRESENTATIVES: "both agencies' board representatives",
    Recipient.BUSINESS_UNIT: "the board's business unit",
    Recipient.INDEPENDENT_CHAIR: "the independent chair",
    Recipient.STATUTORY_PARTNERS: "the statutory partners",
    Recipient.ALL_INVOLVED: "everyone involved",
}
