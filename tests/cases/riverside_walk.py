"""What the Riverside end-to-end tests share (tests/cases/test_riverside_end_to_end*.py):
a partnership running Riverside (tests/procedures/definitions/riverside.toml) as its
own published version, someone signed in, the words a page shows, the moves made on
the case's pages, and who the reminder sweep chases."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate import clock
from escalate.cases import services
from escalate.cases.models import Case
from escalate.cases.models.deadlines import CaseDeadline
from escalate.notifications import services as notification_services
from escalate.notifications.models import Notification
from escalate.partnerships import versions
from escalate.procedures import library
from escalate.procedures.model import Procedure, Role

RIVERSIDE_FILE = Path(__file__).parents[1] / "procedures" / "definitions" / "riverside.toml"
RIVERSIDE = library.load_file(RIVERSIDE_FILE)
AROSE = dt.date(2026, 12, 1)  # a Tuesday
LABEL = "OFFICIAL-SENSITIVE"
CATEGORY = "difference-of-opinion"
#: Tests that move the clock with :func:`at` mark themselves so: the suite's
#: ``frozen_clock`` fixture sets it free after each.
CLOCK_SET_FREE_AFTER = pytest.mark.usefixtures("frozen_clock")


def running(procedure: Procedure = RIVERSIDE) -> factories.World:
    """A partnership running ``procedure`` as its own published version, with someone
    in every role (the partnership's default procedure is another board's)."""
    w = factories.world("shropshire-sscp")
    assert w.administrator is not None
    w.administrator.is_staff = True
    w.administrator.save(update_fields=["is_staff"])
    draft = versions.store_draft(w.administrator, w.partnership, procedure)
    versions.publish(w.administrator, draft, dt.date(2020, 1, 1))
    return w


def at(day: dt.date, hour: int = 9) -> None:
    clock.freeze(dt.datetime.combine(day, dt.time(hour, 0)))


def raised(w: factories.World, **extra: Any) -> Case:
    """A Riverside case raised by the raising practitioner, the concern arising today."""
    extra.setdefault("concern_arose_on", clock.today())
    details = factories.case_details(w, categories=[CATEGORY], **extra)
    return services.raise_case(extra.pop("actor", w.raiser), **details)


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def words(response: Any) -> str:
    """A page's text as a person reads it: no tags, no scripts, spaces collapsed."""
    page = response if isinstance(response, str) else response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def case_page(person: Any, case: Case) -> str:
    response = signed_in(person).get(reverse("cases:case", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def card(page: str, number: int) -> str:
    """The words of stage ``number``'s card on a case page."""
    start = page.index(f'id="stage-{number}"')
    end = page.find(f'id="stage-{number + 1}"', start)
    end = page.rfind("<", start, end) if end != -1 else page.index("</section>", start)
    return words(page[page.index(">", start) + 1 : end])


def act(person: Any, name: str, case: Case, **data: Any) -> Any:
    """``person`` sends the action page ``name`` (``cases:<name>``) for ``case``, with
    the version of the case they see."""
    case.refresh_from_db()
    url = reverse(f"cases:{name}", args=[case.reference])
    return signed_in(person).post(url, {"version": case.version, **data})


def saved(response: Any, case: Case) -> Case:
    """The action page sent the person back to the case: the change was made."""
    assert response.status_code == 302, words(response)[:1500]
    assert response["Location"] == reverse("cases:case", args=[case.reference])
    case.refresh_from_db()
    return case


def choice(person: Any, role: Role) -> str:
    """How a page's owner choice names ``person`` in ``role``."""
    return f"{person.pk}:{role.value}"


def escalated(w: factories.World, case: Case, to: Role, by: Any = None) -> Case:
    """Escalated on the case's escalate page by the current stage's owner (``by``),
    naming the raising agency's ``to`` as the next stage's owner; stage 2's owner gives
    the notice Riverside asks for first, on its page."""
    by = by or case.stages.get(number=case.current_stage).owner
    owner = w.person(to)
    if RIVERSIDE.stage(case.current_stage).notice_before_escalation:
        saved(
            act(by, "give_notice", case, details="Emailed their manager: we will escalate."), case
        )
    summary = f"Stage {case.current_stage} did not resolve it."
    return saved(act(by, "escalate", case, owner=choice(owner, to), summary=summary), case)


def record_meeting(person: Any, case: Case, on: dt.date) -> Case:
    data = {"kind": "meeting", "text": "Met the other manager.", "with_whom": "Their manager"}
    day = {"occurred_on-day": on.day, "occurred_on-month": on.month, "occurred_on-year": on.year}
    return saved(act(person, "record", case, **data, **day), case)


def set_timescale(person: Any, case: Case, due: dt.date, why: str) -> Any:
    return act(
        person,
        "set_timescale",
        case,
        key="conclude_by",
        why=why,
        **{"due-day": due.day, "due-month": due.month, "due-year": due.year},
    )


def stored(case: Case, stage: int, key: str) -> CaseDeadline:
    return CaseDeadline.objects.get(case=case, stage=stage, key=key)


def chased(case: Case, deadline: CaseDeadline, on: dt.date) -> set[str]:
    """Whom the reminder sweep, run at 8 in the morning of ``on``, tells that
    ``deadline`` is overdue."""
    at(on, 8)
    notification_services.sweep_reminders()
    rows = Notification.objects.filter(case=case, due_on=deadline.due, event="reminder.overdue")
    return {n.email for n in rows}


def email(person: Any) -> str:
    return str(person.email).lower()


def delivered(mailoutbox: list[Any]) -> list[Any]:
    """Every email waiting in the outbox, sent now; each carries Riverside's label."""
    notification_services.deliver_pending()
    for message in mailoutbox:
        assert message.subject.startswith(f"{LABEL}: Escalate "), message.subject
    return list(mailoutbox)


# ---------------------------------------------------------------- a case's forms


def form_url(case: Case, key: str, rest: str = "/") -> str:
    """The address of the case's form ``key`` ("stage-2", "outcome"), or of its print
    view (``rest`` "/print/"), PDF (".pdf") or Word file (".docx")."""
    return f"/board/cases/{case.reference}/forms/{key}{rest}"


def forms_offered(page: str) -> list[tuple[str, str]]:
    """The forms a case page offers: each link's address and words, in order."""
    found = re.findall(
        r'<a class="govuk-link" id="form-link-[^"]+" href="([^"]+)">([^<]+)</a>', page
    )
    return [(href, html.unescape(said)) for href, said in found]


class _FormAnswers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._area: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "input" and a.get("type") in (None, "text") and name:
            self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._area = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self._area is not None:
            self.values[self._area] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._area is not None:
            # The template puts a newline after the opening tag, which browsers drop.
            self.values[self._area] = self.values[self._area].removeprefix("\n")
            self._area = None


def form_answers(page: str) -> dict[str, str]:
    """What each question of a form page starts as (its text fields and text areas),
    by the field's name, as a browser would send them."""
    parser = _FormAnswers()
    parser.feed(page)
    return parser.values


def submitted(person: Any, case: Case, key: str, **answers: str) -> Any:
    """``person`` opens the case's form ``key``, keeps what it is filled in with, types
    ``answers`` and submits it, with the version of the case they see."""
    client = signed_in(person)
    page = client.get(form_url(case, key))
    assert page.status_code == 200, words(page)[:1500]
    case.refresh_from_db()
    values = form_answers(page.content.decode()) | answers
    return client.post(form_url(case, key), {"version": case.version, **values})


def pdf_words(content: bytes) -> str:
    """The words of a PDF, spaces collapsed."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join((p.extract_text() or "") for p in pages).split())


def docx_words(content: bytes) -> str:
    """The words of a Word file (its paragraphs and its tables' cells), spaces collapsed."""
    from docx import Document

    document = Document(io.BytesIO(content))
    said = [p.text for p in document.paragraphs]
    for table in document.tables:
        said += [cell.text for row in table.rows for cell in row.cells]
    return " ".join(" ".join(said).split())
