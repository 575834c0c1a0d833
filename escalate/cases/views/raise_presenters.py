"""What the raise journey's last pages show: the check-your-answers summary, and what
happens next once the case is raised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from escalate.cases.models import SubjectType
from escalate.cases.views.raise_steps import (
    Journey,
    agency_choices,
    owner_choices,
    step_url,
    steps_for,
)
from escalate.govuk.dates import spoken
from escalate.govuk.text import is_number


def summary(journey: Journey) -> list[dict[str, Any]]:
    """The check-your-answers rows, page by page, each with a Change link."""
    procedure = journey.procedure
    sections: list[dict[str, Any]] = []
    agencies = dict(agency_choices(journey))
    owners = dict(owner_choices(journey))
    categories = {c.key: c.label for c in procedure.categories}
    yes_no = {"yes": "Yes", "no": "No"}

    def when(value: Any) -> str:
        day = _day(value)
        return spoken(day) if day else "Not given"

    for page in steps_for(journey):
        a = journey.answers.get(page.slug, {})
        rows: list[tuple[str, str]] = []
        if page.slug == "immediate-risk":
            rows = [("Anyone at immediate risk", _pick(yes_no, a.get("immediate_risk")))]
        elif page.slug == "referral":
            rows = [
                ("Referral or front-door contact made", _pick(yes_no, a.get("referral_made"))),
            ]
            if a.get("referral_made") == "yes":
                rows.append(("Date it was made", when(a.get("referral_made_on"))))
        elif page.slug == "start-stage":
            chosen = str(a.get("start_stage") or 1)
            number = int(chosen) if is_number(chosen) else 1
            number = number if 1 <= number <= len(procedure.stages) else 1
            rows = [("Starts at", f"Stage {number}: {procedure.stage(number).title}")]
            if number > 1:
                rows += [
                    ("Why it starts there", a.get("expedite_reason", "")),
                    ("Stage owner", _pick(owners, a.get("owner"))),
                ]
                if a.get("consulted"):
                    rows.append(("Who you consulted", str(a["consulted"])))
                if a.get("counterpart_name"):
                    rows.append(
                        ("Counterpart", f"{a['counterpart_name']}, {a.get('counterpart_email')}")
                    )
        elif page.slug == "scope":
            rows = [("Covered by the procedure", "Yes: none of the exclusions apply")]
        elif page.slug == "other-agency":
            rows = [
                ("Other agency", _pick(agencies, a.get("other_agency"))),
                ("Other professional", a.get("other_professional_name", "")),
                ("Their email address", a.get("other_professional_email", "")),
            ]
        elif page.slug == "person":
            subject = _pick(dict(SubjectType.choices), a.get("subject_type"))
            rows = [("Who is at risk", subject), ("Name", a.get("person_name", ""))]
            if "person_date_of_birth" in a:
                rows.append(("Date of birth", when(a.get("person_date_of_birth"))))
            if "person_address" in a:
                rows.append(("Address", a.get("person_address") or "Not given"))
            rows += [
                ("Your record number", a.get("person_record_id") or "Not given"),
                ("Their views and wishes", a.get("person_views") or "Not given"),
                ("They know about this", _pick(yes_no, a.get("person_knows"))),
            ]
            if procedure.routes:
                labels = {r.when: r.label for r in procedure.routes}
                ticked = [labels.get(str(k), str(k)) for k in a.get("kinds") or []]
                rows.append(("What applies", "; ".join(ticked) or "None of these"))
        elif page.slug == "disagreement":
            if procedure.categories:
                rows.append(
                    (
                        "What it is about",
                        ", ".join(categories.get(c, c) for c in a.get("categories", [])),
                    )
                )
            rows += [
                ("The disagreement", a.get("disagreement", "")),
                ("Outcome sought", a.get("outcome_sought", "")),
                ("Date the concern arose", when(a.get("concern_arose_on"))),
            ]
        href = step_url(page)
        sections.append(
            {
                "title": page.title,
                "rows": [
                    {
                        "key": {"text": key},
                        "value": {"text": value},
                        "actions": {
                            "items": [
                                {"href": href, "text": "Change", "visuallyHiddenText": key.lower()}
                            ]
                        },
                    }
                    for key, value in rows
                ],
            }
        )
    return sections


def _pick(words: dict[str, str], value: Any) -> str:
    """What a kept choice is called ("" for one that is not a choice)."""
    return words.get(str(value), "") if value is not None else ""


def _day(value: Any) -> dt.date | None:
    """A date kept as ISO text, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def next_steps(case: Any, record: Any) -> list[str]:
    """ "What happens next and by when", in words, from the stage's stored deadlines."""
    lines: list[str] = []
    if record is None:
        return lines

    def day(value: str | None) -> str:
        return dt.date.fromisoformat(value).strftime("%A %-d %B %Y") if value else ""

    deadlines = record.deadlines or {}
    start = deadlines.get("start_by")
    if start and start.get("due"):
        if record.number == 1:
            lines.append(f"Raise this with {case.other_agency.name} by {day(start['due'])}.")
        else:
            lines.append(f"Start stage {record.number} by {day(start['due'])}.")
    conclude = deadlines.get("conclude_by")
    if conclude and conclude.get("due"):
        lines.append(
            f"Resolve the disagreement at stage {record.number}, or escalate it, "
            f"by {day(conclude['due'])}."
        )
    for other in deadlines.get("other") or []:
        if other.get("due"):
            lines.append(f"{other['label']}: by {day(other['due'])}.")
    return lines
