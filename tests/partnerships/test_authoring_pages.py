"""The pages for writing a partnership's procedure: who gets them, drafts started from
each place, saved with problems and fixed, previewed, and published from a date; and
bad input of every kind answered in plain words, never a server error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from escalate.accounts.models import User
from escalate.partnerships import authoring, drafts, versions
from escalate.partnerships.models import ProcedureVersion, VersionStatus
from escalate.procedures.model import Role

D = dt.date
KEY = "cheshire-east-sab"
TODAY = D(2026, 12, 23)


@pytest.fixture
def world(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(TODAY)
    return factories.world(KEY)


def shipped() -> str:
    return authoring.template_text(KEY)


def revised(label: str = "April 2027") -> str:
    return shipped().replace('version = "April 2023"', f'version = "{label}"')


def broken() -> str:
    return revised().replace('protects = "adults"', 'protects = "adultz"')


def signed_in(person: User) -> Client:
    client = Client()
    client.force_login(person)
    return client


def bu(w: factories.World) -> User:
    person: User = w.person(Role.BUSINESS_UNIT)
    return person


def staff_administrator(w: factories.World) -> User:
    person = w.administrator
    assert person is not None
    person.is_staff = True  # (administrators work in /admin/)
    person.save(update_fields=["is_staff"])
    return person


def url(name: str, w: factories.World, version: ProcedureVersion | None = None) -> str:
    args: list[Any] = [w.partnership.slug]
    if version is not None:
        args.append(version.pk)
    return reverse(f"partnerships:{name}", args=args)


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def date_parts(prefix: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{prefix}-day": day, f"{prefix}-month": month, f"{prefix}-year": year}


# ---------------------------------------------------------------- who gets the pages


@pytest.mark.django_db
def test_only_those_who_write_the_procedure_get_the_authoring_pages(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    pages = [
        url("versions", world),
        url("start_draft", world),
        url("edit_draft", world, draft),
        url("preview_draft", world, draft),
        url("publish_draft", world, draft) + f"?previewed={draft.content_hash}",
    ]
    for person in (world.raiser, world.person(Role.INDEPENDENT_CHAIR), factories.user()):
        client = signed_in(person)
        for page in pages:
            assert client.get(page).status_code == 403, page
        assert client.post(url("edit_draft", world, draft), {"text": "x"}).status_code == 403
    assert ProcedureVersion.objects.get(pk=draft.pk).definition_text == revised()
    for page in pages:
        assert Client().get(page).status_code == 302  # to sign in
    author = signed_in(bu(world))
    for page in pages:
        assert author.get(page).status_code == 200, page


@pytest.mark.django_db
def test_a_draft_is_not_found_by_anyone_who_may_not_write_the_procedure(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    in_force = versions.version_in_force(world.partnership, TODAY)
    raiser = signed_in(world.raiser)
    assert raiser.get(url("procedure_version", world, draft)).status_code == 404
    shown = raiser.get(url("procedure_version", world, in_force))
    assert shown.status_code == 200 and "CESAB Multi-agency Escalation Procedure" in text_of(shown)
    assert (
        signed_in(factories.user()).get(url("procedure_version", world, in_force)).status_code
        == 403
    )
    assert signed_in(bu(world)).get(url("procedure_version", world, draft)).status_code == 200


@pytest.mark.django_db
def test_a_version_of_another_partnership_is_not_found_here(world: factories.World) -> None:
    other = factories.world(KEY)
    theirs = drafts.save_draft_text(bu(other), other.partnership, revised())
    client = signed_in(bu(world))
    for name in ("procedure_version", "edit_draft", "preview_draft", "publish_draft"):
        assert client.get(url(name, world, theirs)).status_code == 404, name


# ---------------------------------------------------------------- the journey


@pytest.mark.django_db
def test_a_draft_saved_with_problems_keeps_its_text_and_lists_them_by_line_and_field(
    world: factories.World,
) -> None:
    client = signed_in(bu(world))
    started = client.post(url("start_draft", world), {"start": "in_force"})
    draft = ProcedureVersion.objects.get(partnership=world.partnership, status="draft")
    assert started.status_code == 302 and started["Location"] == url("edit_draft", world, draft)
    assert draft.definition_text == shipped()

    saved = client.post(url("edit_draft", world, draft), {"text": broken()}, follow=True)

    page = text_of(saved)
    assert "This draft has problems" in page and "Line 11, protects" in page
    assert 'href="#id_text"' in page
    assert "adultz" in page  # the text, as saved
    assert "Publish the draft" not in page
    assert client.get(url("publish_draft", world, draft)).status_code == 302  # not yet


@pytest.mark.django_db
def test_a_draft_is_started_from_the_library_or_an_uploaded_file(
    world: factories.World,
) -> None:
    client = signed_in(bu(world))
    client.post(url("start_draft", world), {"start": "template", "template": "warrington-sab"})
    upload = SimpleUploadedFile("ours.toml", revised("Ours").encode(), "application/toml")
    client.post(url("start_draft", world), {"start": "upload", "file": upload})

    first, second = ProcedureVersion.objects.filter(status="draft").order_by("sequence")
    assert first.library_key == "warrington-sab" and first.publishable
    assert second.version_label == "Ours" and second.publishable


@pytest.mark.django_db
def test_the_preview_shows_the_differences_who_is_told_and_deadlines_for_chosen_dates(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(
        bu(world), world.partnership, revised().replace("amount = 9", "amount = 8", 1)
    )
    client = signed_in(bu(world))
    page = client.get(
        url("preview_draft", world, draft),
        {**date_parts("arose", "4", "1", "2027"), "stage": "1"},
    )
    assert page.status_code == 200
    words = text_of(page)
    assert "What changes from the version in force" in words
    assert "April 2023" in words and "April 2027" in words
    assert "Who is told at every move" in words and "Stage 1 starts" in words
    assert "For a concern that arose on 4 January 2027" in words
    assert "The stages at a glance" in words


@pytest.mark.django_db
def test_publishing_asks_for_a_date_then_says_what_happens_to_cases(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    client = signed_in(bu(world))
    day = {**date_parts("effective_from", "1", "4", "2027"), "content_hash": draft.content_hash}

    check = client.post(url("publish_draft", world, draft), day)
    words = text_of(check)
    assert check.status_code == 200 and "Publish version 2 from 1 April 2027?" in words
    assert "keep the version they were raised under" in words
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT

    done = client.post(
        url("publish_draft", world, draft),
        {**day, "confirmed": "yes"},
        follow=True,
    )
    assert "Version 2 is published. It comes into force on 1 April 2027." in text_of(done)
    stored = ProcedureVersion.objects.get(pk=draft.pk)
    assert (stored.status, stored.effective_from) == (VersionStatus.PUBLISHED, D(2027, 4, 1))
    procedure = text_of(signed_in(world.raiser).get(url("procedure", world)))
    assert "Version 1 (April 2023)" in procedure
    assert "comes into force on 1 April 2027" in procedure


# ---------------------------------------------------------------- bad input


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("22", "12", "2026"), "must be today or in the future"),
        (("1", "1", "2101"), "in 2100 or earlier, the last year whose bank holidays"),
        (("٣", "4", "2027"), "must be a real date"),
        (("3", "4", "２０２７"), None),  # full-width digits read as they look
        (("31", "2", "2027"), "must be a real date"),
        (("1", "4", "99999999999999999999"), "Year must include 4 numbers"),
        (("1", "4", ""), "must include a year"),
        (("1\x00", "4", "2027"), "must be a real date"),
    ],
)
def test_publishing_dates_are_checked_in_plain_words(
    world: factories.World, typed: tuple[str, str, str], message: str | None
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    response = signed_in(bu(world)).post(
        url("publish_draft", world, draft),
        {**date_parts("effective_from", *typed), "content_hash": draft.content_hash},
    )
    if message is None:
        assert response.status_code == 200 and "from 3 April 2027?" in text_of(response)
    else:
        assert response.status_code == 400 and message in text_of(response)
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_a_past_date_is_refused_even_when_the_confirmation_is_forged(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    response = signed_in(bu(world)).post(
        url("publish_draft", world, draft),
        {
            **date_parts("effective_from", "1", "1", "2020"),
            "confirmed": "yes",
            "content_hash": draft.content_hash,
        },
    )
    assert response.status_code == 400
    assert ProcedureVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key = 1\x00", "Remove the unusual characters from the definition"),
        ("key = \x1b[31m", "Remove the unusual characters from the definition"),
        ("#" * 200_001, "The definition must be 200,000 characters or fewer"),
        ("", "Enter the definition"),
    ],
)
def test_bad_text_is_refused_keeping_the_draft_as_it_was(
    world: factories.World, text: str, message: str
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    response = signed_in(bu(world)).post(url("edit_draft", world, draft), {"text": text})
    assert response.status_code == 400 and message in text_of(response)
    assert ProcedureVersion.objects.get(pk=draft.pk).definition_text == revised()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"key = 1\n\xff\xfe", "must be saved as UTF-8 text (line 2 is not)"),
        (b"#" * (300 * 1024), "The file must be smaller than 256 KB"),
        (b"key = 1\x00\n", "Remove the unusual characters from the file"),
        (b"", "The selected file is empty"),
    ],
)
def test_bad_uploads_are_refused_in_plain_words(
    world: factories.World, content: bytes, message: str
) -> None:
    upload = SimpleUploadedFile("bad.toml", content, "application/toml")
    response = signed_in(bu(world)).post(
        url("start_draft", world), {"start": "upload", "file": upload}
    )
    assert response.status_code == 400 and message in text_of(response)
    assert not ProcedureVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_a_start_without_a_choice_or_a_file_is_refused(world: factories.World) -> None:
    client = signed_in(bu(world))
    for data, message in (
        ({}, "Select what you want to start from"),
        ({"start": "template"}, "Select a procedure from the library"),
        ({"start": "template", "template": "nope"}, "Select a procedure from the library"),
        ({"start": "upload"}, "Select a definition file"),
        ({"start": "nonsense\x00"}, "Select a valid choice"),
    ):
        response = client.post(url("start_draft", world), data)
        assert response.status_code == 400 and message in text_of(response), data


@pytest.mark.django_db
def test_preview_dates_that_cannot_be_used_are_said_in_plain_words(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    client = signed_in(bu(world))
    for query, message in (
        (date_parts("arose", "٣", "1", "2027"), "must be a real date"),
        ({**date_parts("arose", "4", "1", "2027"), "stage": "99"}, "Select a stage"),
        (
            {
                **date_parts("arose", "4", "1", "2027"),
                **date_parts("started", "1", "1", "2027"),
                "stage": "2",
            },
            "before the concern arose",
        ),
    ):
        response = client.get(url("preview_draft", world, draft), query)
        assert response.status_code == 400 and message in text_of(response), query


@pytest.mark.django_db
def test_a_draft_saved_by_someone_else_meanwhile_is_not_overwritten(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    mine, theirs = signed_in(bu(world)), signed_in(staff_administrator(world))
    opened = mine.get(url("edit_draft", world, draft)).context["form"]["revision"].value()
    theirs_page = theirs.get(url("edit_draft", world, draft)).context["form"]
    theirs.post(
        url("edit_draft", world, draft),
        {"text": revised("Theirs"), "revision": theirs_page["revision"].value()},
    )

    response = mine.post(
        url("edit_draft", world, draft), {"text": revised("Mine"), "revision": opened}
    )

    assert response.status_code == 409
    assert "saved this draft" in text_of(response) and "version = &quot;Mine&quot;" in text_of(
        response
    )
    assert ProcedureVersion.objects.get(pk=draft.pk).version_label == "Theirs"
    again = response.context["form"]["revision"].value()
    mine.post(url("edit_draft", world, draft), {"text": revised("Mine"), "revision": again})
    assert ProcedureVersion.objects.get(pk=draft.pk).version_label == "Mine"


@pytest.mark.django_db
def test_a_published_version_cannot_be_edited_through_its_page(world: factories.World) -> None:
    draft = drafts.save_draft_text(bu(world), world.partnership, revised())
    drafts.publish_draft(bu(world), draft, TODAY)
    client = signed_in(bu(world))
    response = client.post(url("edit_draft", world, draft), {"text": revised("Later")})
    assert response.status_code == 302
    assert response["Location"] == url("procedure_version", world, draft)
    assert ProcedureVersion.objects.get(pk=draft.pk).definition_text == revised()


@pytest.mark.django_db
def test_the_pages_answer_only_get_and_post(world: factories.World) -> None:
    client = signed_in(bu(world))
    assert client.put(url("start_draft", world)).status_code == 405
    assert client.post(url("versions", world)).status_code == 405
