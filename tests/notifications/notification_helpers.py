"""Shared by the notification tests: a person at risk whose details must never leak."""

from __future__ import annotations

import datetime as dt

#: Details of the person at risk that must never appear in an email subject (nor, here,
#: anywhere in an email).
PERSON = {
    "person_name": "Marigold Quenby-Tarrant",
    "person_date_of_birth": dt.date(1941, 5, 17),
    "person_address": "14 Larkspur Close, Nantwich CW5 7ZZ",
    "person_record_id": "LAS-998877",
}
PERSON_TRACES = [
    "Marigold",
    "Quenby",
    "Larkspur",
    "CW5 7ZZ",
    "LAS-998877",
    "1941",
    "17 May",
    "17/05",
]


def traces_in(text: str) -> list[str]:
    return [t for t in PERSON_TRACES if t.lower() in text.lower()]


def person_for(procedure_key: str) -> dict[str, object]:
    """The person's details, as much as the procedure lets a case hold."""
    from escalate.cases.facts import prefills_needed
    from escalate.procedures import library

    needed = prefills_needed(library.get(procedure_key))
    details = dict(PERSON)
    if "person.date_of_birth" not in needed:
        del details["person_date_of_birth"]
    if "person.address" not in needed:
        del details["person_address"]
    return details
