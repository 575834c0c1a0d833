"""Small pieces of plain English shared by the engine and the services. Pure Python."""

from __future__ import annotations

from collections.abc import Iterable

from escalate.procedures.base import listed
from escalate.procedures.model import Recipient, Role
from escalate.procedures.naming import RoleNames


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

#: The recipients who are one role's one holder, said by the procedure's name for the
#: role where it has one ("the conference chair").
_ONE_ROLE: dict[Recipient, Role] = {
    Recipient.BUSINESS_UNIT: Role.BUSINESS_UNIT,
    Recipient.INDEPENDENT_CHAIR: Role.INDEPENDENT_CHAIR,
}

#: Words that open a phrase and read in small letters mid-sentence ("sent to the
#: opposite line manager"); a phrase opening otherwise (a name: "Cheshire East SAB")
#: keeps its capital.
_OPENERS = frozenset(
    {"a", "an", "the", "your", "their", "our", "its", "both", "each", "every", "any", "all"}
)


#: The articles: small letters mid-sentence whatever follows ("the Designated Officer").
_ARTICLES = frozenset({"the", "a", "an"})


def _title_case(word: str) -> bool:
    """A word written as a name is: "Service", "Adults" (not "SAB", not "service")."""
    return word[:1].isupper() and (word[1:].islower() or not word[1:])


def in_sentence(words: str) -> str:
    """``words`` as they read after "sent to": "The conference chair" as "the
    conference chair", "Your local partnership" as "your local partnership"; a name
    ("Cheshire East SAB via ...", "All Age Disability Panel") unchanged."""
    first, *rest = words.split(" ")
    if first.casefold() not in _OPENERS or not _title_case(first):
        return words
    if first.casefold() not in _ARTICLES and rest and _title_case(rest[0]):
        return words  # a name that opens with such a word: "All Age Disability Panel"
    return words[:1].lower() + words[1:]


#: Small words passed over when asking whether a name's next word has a capital.
_SMALL = frozenset({"of", "for", "the", "and", "to", "in", "on", "at", "with", "a", "an"})


def mid_sentence(name: str) -> str:
    """A name as it reads after "the": "Conference chair" as "conference chair", "Lead
    officer of the Section 42 enquiry" as "lead officer of the Section 42 enquiry"; an
    acronym or a name in capitals ("SAB manager", "Designated Officer", "Head of
    Service", "High-Risk Panel") unchanged."""
    words = name.split(" ")
    if not _title_case(words[0]):
        return name
    following = next((w for w in words[1:] if w.casefold() not in _SMALL), "")
    if _title_case(following):  # (an initialism, "GP", "SAB", says nothing either way)
        return name
    return name[:1].lower() + name[1:]


def the(name: str) -> str:
    """A name with "the" before it, mid-sentence: "the named officer for looked-after
    children"; a name that already opens with "The" or "A" reads as it is, in small
    letters ("the chair of the conference")."""
    if name.split(" ", 1)[0].casefold() in _ARTICLES:
        return in_sentence(name)
    return f"the {mid_sentence(name)}"


def recipient_words(recipient: Recipient, names: RoleNames | None = None) -> str:
    """Who a recipient is, in words, by the procedure's own name for the role where it
    has one (``names``: its ``role_names``)."""
    role = _ONE_ROLE.get(recipient)
    if names is not None and role is not None and role in names.given():
        return the(names.of(role))
    return RECIPIENT_WORDS.get(recipient, recipient.value.replace("_", " "))


def recipients_words(recipients: Iterable[Recipient], names: RoleNames | None = None) -> str:
    """Recipients in words: "both agencies' safeguarding leads and the conference
    chair" (each once)."""
    return listed(list(dict.fromkeys(recipient_words(r, names) for r in recipients)))
