"""One response per challenge (issue 11, item 7): the professional challenged responds
once; a second response is refused, plainly. A change of mind is a correction with a
reason for it, in the chronology as its own entry saying what the response was and what
it is now. The emails about a response say whether they agree, and that a correction
changed it, never their reasons (those stay behind signing in)."""

from __future__ import annotations

import factories
import pytest
from django.test import Client
from django.urls import reverse

from escalate.cases import services
from escalate.cases.errors import Conflict, Invalid
from escalate.cases.models import Case, Event, Response
from escalate.cases.services.invitations import correct_response
from escalate.notifications import services as notification_services
from escalate.procedures import events
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

FIRST_REASON = "Our assessment found the care package adequate."
WHY_CHANGED = "The new occupational therapy assessment shows needs we had missed."


def disagreed(w: factories.World) -> Case:
    case = factories.raise_case(w)
    return services.respond(
        w.other_professional,
        case,
        agrees=False,
        reason=FIRST_REASON,
        expected_version=case.version,
    )


def change_of_mind(
    w: factories.World,
    case: Case,
    *,
    agrees: bool = True,
    reason: str = "",
    why_changed: str = WHY_CHANGED,
) -> Case:
    return correct_response(
        w.other_professional,
        case,
        agrees=agrees,
        reason=reason,
        why_changed=why_changed,
        expected_version=case.version,
    )


# ---------------------------------------------------------------- the service


def test_a_second_response_is_refused_plainly_and_the_first_is_kept(
    cheshire: factories.World,
) -> None:
    case = disagreed(cheshire)

    with pytest.raises(Conflict) as refused:
        services.respond(
            cheshire.other_professional, case, agrees=True, expected_version=case.version
        )

    assert refused.value.message == (
        "You have already responded to this challenge: you said you disagree with it. If "
        "that was wrong, or your view has changed, correct your response instead and say why."
    )
    case.refresh_from_db()
    assert (case.response, case.response_reason) == (Response.DISAGREE, FIRST_REASON)
    assert case.events.filter(action="case.responded").count() == 1


def test_a_change_of_mind_is_a_correction_in_the_chronology_saying_what_it_was_and_is(
    cheshire: factories.World,
) -> None:
    case = factories.escalate_to(cheshire, disagreed(cheshire), 2)
    first = case.events.get(action="case.responded")

    case = change_of_mind(cheshire, case)

    assert (case.response, case.response_reason) == (Response.AGREE, "")
    correction = case.events.get(action="case.response_corrected")
    assert correction.label == "Response corrected"
    assert correction.corrects == first
    assert correction.actor == cheshire.other_professional
    assert correction.data["text"] == (
        f"The response was: disagrees with the challenge, because “{FIRST_REASON}”. "
        f"It is now: agrees with the challenge. Why it changed: {WHY_CHANGED}"
    )
    assert (correction.data["was"], correction.data["now"]) == ("disagree", "agree")
    assert correction.data["why_changed"] == WHY_CHANGED
    # The first response stays as it was.
    assert Event.objects.get(pk=first.pk).data == {"response": "disagree", "reason": FIRST_REASON}
    assert {(n.recipient_kind, n.recipient) for n in correction.notifications.all()} == {
        ("raising_practitioner", cheshire.raiser),
        ("stage_owner", case.stages.get(number=2).owner),
    }


def test_a_correction_needs_a_reason_for_the_change(cheshire: factories.World) -> None:
    case = disagreed(cheshire)

    with pytest.raises(Invalid) as refused:
        change_of_mind(cheshire, case, why_changed="  ")

    assert refused.value.errors == {"why_changed": ["Enter why your response has changed."]}
    case.refresh_from_db()
    assert case.response == Response.DISAGREE
    assert not case.events.filter(action="case.response_corrected").exists()


def test_a_correction_to_disagree_still_needs_why_they_disagree(
    cheshire: factories.World,
) -> None:
    case = factories.raise_case(cheshire)
    case = services.respond(
        cheshire.other_professional, case, agrees=True, expected_version=case.version
    )
    with pytest.raises(Invalid) as refused:
        change_of_mind(cheshire, case, agrees=False)
    assert refused.value.errors == {"reason": ["Enter why you disagree."]}


def test_a_correction_that_changes_nothing_is_refused(cheshire: factories.World) -> None:
    case = disagreed(cheshire)
    with pytest.raises(Invalid) as refused:
        change_of_mind(cheshire, case, agrees=False, reason=FIRST_REASON)
    assert refused.value.errors == {
        "response": [
            "Your correction is the same as your response. Change whether you agree, or "
            "your reason."
        ]
    }
    # A new reason alone is a correction.
    case = change_of_mind(cheshire, case, agrees=False, reason="The package misses night care.")
    assert (case.response, case.response_reason) == (
        Response.DISAGREE,
        "The package misses night care.",
    )


def test_there_is_nothing_to_correct_before_a_response(cheshire: factories.World) -> None:
    case = factories.raise_case(cheshire)
    with pytest.raises(Conflict, match="You have not responded to this challenge yet"):
        change_of_mind(cheshire, case)


def test_the_correction_event_is_declared_with_its_email_words() -> None:
    kind = events.get("case.response_corrected")
    assert events.known("case.response_corrected")
    assert (kind.label, kind.subject_words(1)) == ("Response corrected", "response corrected")


# ---------------------------------------------------------------- the emails


def test_the_response_email_says_whether_they_agree_and_the_correction_that_it_changed(
    cheshire: factories.World, mailoutbox: list
) -> None:
    w = cheshire
    case = factories.raise_case(w)
    notification_services.deliver_pending()
    del mailoutbox[:]
    case = services.respond(
        w.other_professional, case, agrees=False, reason=FIRST_REASON, expected_version=case.version
    )
    notification_services.deliver_pending()
    (told,) = [m for m in mailoutbox if m.to == [w.raiser.email.lower()]]
    assert told.subject == f"Escalate {case.reference}: response received"
    assert "The professional challenged has responded: they disagree with the challenge." in (
        told.body
    )
    assert FIRST_REASON not in told.body

    del mailoutbox[:]
    change_of_mind(w, case)
    notification_services.deliver_pending()
    (told,) = [m for m in mailoutbox if m.to == [w.raiser.email.lower()]]
    assert told.subject == f"Escalate {case.reference}: response corrected"
    assert (
        "The professional challenged has corrected their response: they now agree with the "
        "challenge (before, they said they disagree)." in told.body
    )
    assert WHY_CHANGED not in told.body and FIRST_REASON not in told.body


# ---------------------------------------------------------------- the page


def _page(w: factories.World, case: Case) -> tuple[Client, str]:
    client = Client()
    client.force_login(w.other_professional)
    return client, reverse("cases:respond", args=[case.reference])


def test_once_responded_the_page_offers_to_correct_the_response_instead(
    cheshire: factories.World,
) -> None:
    case = disagreed(cheshire)
    client, url = _page(cheshire, case)

    html = client.get(url).content.decode()

    assert "Correct your response" in html
    assert "You have already responded: you said you disagree with the challenge." in html
    assert 'name="why_changed"' in html and "Why your response has changed" in html
    assert "Send your correction" in html and "Send your response" not in html
    assert FIRST_REASON in html  # what they said, to correct


def test_a_correction_sent_from_the_page_is_recorded_and_shown_in_the_chronology(
    cheshire: factories.World,
) -> None:
    case = disagreed(cheshire)
    client, url = _page(cheshire, case)

    sent = client.post(
        url,
        {"version": case.version, "response": "agree", "reason": "", "why_changed": WHY_CHANGED},
    )

    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.response == Response.AGREE
    page = client.get(sent["Location"]).content.decode()
    assert "Your corrected response is recorded" in page
    assert "Response corrected" in page
    assert "It is now: agrees with the challenge." in page


def test_a_correction_without_a_reason_is_explained_on_the_page(
    cheshire: factories.World,
) -> None:
    case = disagreed(cheshire)
    client, url = _page(cheshire, case)

    sent = client.post(url, {"version": case.version, "response": "agree", "why_changed": ""})

    assert sent.status_code == 400
    html = sent.content.decode()
    assert "There is a problem" in html and "Enter why your response has changed." in html
    case.refresh_from_db()
    assert case.response == Response.DISAGREE


def test_responding_again_from_an_old_page_is_refused_with_a_plain_message(
    cheshire: factories.World,
) -> None:
    case = disagreed(cheshire)
    client, url = _page(cheshire, case)

    sent = client.post(url, {"version": case.version, "response": "agree", "reason": ""})

    assert sent.status_code == 302
    page = client.get(sent["Location"]).content.decode()
    assert "You have already responded to this challenge" in page
    case.refresh_from_db()
    assert case.response == Response.DISAGREE
    assert not case.events.filter(action="case.response_corrected").exists()


def test_only_the_professional_challenged_may_correct_the_response(
    cheshire: factories.World,
) -> None:
    case = disagreed(cheshire)
    client = Client()
    client.force_login(cheshire.person(Role.LINE_MANAGER, side="other"))
    url = reverse("cases:respond", args=[case.reference])
    sent = client.post(url, {"version": case.version, "response": "agree", "why_changed": "No."})
    assert sent.status_code == 403
    case.refresh_from_db()
    assert case.response == Response.DISAGREE
