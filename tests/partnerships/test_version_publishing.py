"""Publishing a draft: only the draft the author previewed is published (a missing or
other content hash is refused, asking to preview again and keeping the date typed), and
of two publishing the same draft at once only one does."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import factories
import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from escalate import clock
from escalate.errors import Conflict
from escalate.partnerships import authoring, drafts, versions
from escalate.partnerships.models import (
    ProcedureVersion,
    VersionChange,
    VersionChangeKind,
    VersionStatus,
)
from escalate.procedures.model import Role

D = dt.date
KEY = "cheshire-east-sab"
TODAY = D(2026, 12, 23)


def revised(label: str = "April 2027") -> str:
    return authoring.template_text(KEY).replace('version = "April 2023"', f'version = "{label}"')


@pytest.fixture
def world(frozen_clock: Callable[[dt.date], dt.datetime]) -> factories.World:
    frozen_clock(TODAY)
    return factories.world(KEY)


def author(w: factories.World) -> Client:
    client = Client()
    client.force_login(w.person(Role.BUSINESS_UNIT))
    return client


def url(name: str, w: factories.World, version: ProcedureVersion) -> str:
    return reverse(f"partnerships:{name}", args=[w.partnership.slug, version.pk])


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def publishing(day: str = "1", **extra: str) -> dict[str, str]:
    return {
        "effective_from-day": day,
        "effective_from-month": "4",
        "effective_from-year": "2027",
        "confirmed": "yes",
        **extra,
    }


def stored(version: ProcedureVersion) -> ProcedureVersion:
    return ProcedureVersion.objects.get(pk=version.pk)


# ---------------------------------------------------------------- what was previewed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({}, "Preview this draft before you publish it"),
        ({"content_hash": ""}, "Preview this draft before you publish it"),
        ({"content_hash": "0" * 64}, "This draft has changed since you previewed it"),
    ],
    ids=["none", "blank", "another"],
)
def test_publishing_without_the_hash_previewed_is_refused_keeping_the_date_typed(
    world: factories.World, sent: dict[str, str], message: str
) -> None:
    draft = drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, revised())

    response = author(world).post(url("publish_draft", world, draft), publishing("7", **sent))

    assert response.status_code == 409
    page = text_of(response)
    assert message in page and "Preview the draft again" in page
    day_input = re.search(r'<input[^>]*name="effective_from-day"[^>]*>', page)
    assert day_input is not None and 'value="7"' in day_input.group(0)  # as typed
    assert stored(draft).status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_a_draft_changed_after_its_preview_is_not_published(world: factories.World) -> None:
    bu = world.person(Role.BUSINESS_UNIT)
    draft = drafts.save_draft_text(bu, world.partnership, revised())
    previewed = draft.content_hash
    drafts.save_draft_text(bu, world.partnership, revised("May 2027"), version=draft)

    response = author(world).post(
        url("publish_draft", world, draft), publishing(content_hash=previewed)
    )

    assert response.status_code == 409
    assert "This draft has changed since you previewed it" in text_of(response)
    assert (stored(draft).status, stored(draft).version_label) == (VersionStatus.DRAFT, "May 2027")


@pytest.mark.django_db
def test_the_publish_page_is_reached_from_the_preview_with_what_it_showed(
    world: factories.World,
) -> None:
    draft = drafts.save_draft_text(world.person(Role.BUSINESS_UNIT), world.partnership, revised())
    client = author(world)

    straight = client.get(url("publish_draft", world, draft), follow=True)
    assert straight.redirect_chain[-1][0] == url("preview_draft", world, draft)
    assert "Preview this draft before you publish it" in text_of(straight)

    preview = text_of(client.get(url("preview_draft", world, draft)))
    link = re.search(r'href="([^"]*/publish/\?previewed=[0-9a-f]{64})"', preview)
    assert link is not None and link.group(1).endswith(draft.content_hash)
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert f'value="{draft.content_hash}"' in page.content.decode()

    done = client.post(
        url("publish_draft", world, draft), publishing(content_hash=draft.content_hash)
    )
    assert done.status_code == 302
    assert (stored(draft).status, stored(draft).effective_from) == (
        VersionStatus.PUBLISHED,
        D(2027, 4, 1),
    )


# ---------------------------------------------------------------- publishing twice


def another_author(w: factories.World) -> Any:
    person = factories.user("Second business unit officer")
    factories.partnership_role(person, w.partnership, Role.BUSINESS_UNIT)
    return person


def published_changes(version: ProcedureVersion) -> int:
    return VersionChange.objects.filter(version=version, change=VersionChangeKind.PUBLISHED).count()


@pytest.mark.django_db
def test_a_draft_published_twice_from_what_was_read_before_is_published_once(
    world: factories.World,
) -> None:
    """Two people read the same draft and each publishes it: the second is refused,
    the first one's date stands, and the record says it was published once."""
    bu = world.person(Role.BUSINESS_UNIT)
    draft = drafts.save_draft_text(bu, world.partnership, revised())
    first, second = stored(draft), stored(draft)

    versions.publish(bu, first, D(2027, 4, 1))
    with pytest.raises(Conflict, match="already published"):
        versions.publish(another_author(world), second, D(2027, 5, 1))

    assert stored(draft).effective_from == D(2027, 4, 1)
    assert published_changes(draft) == 1


@pytest.mark.django_db
def test_a_draft_changed_since_it_was_read_is_not_published(world: factories.World) -> None:
    bu = world.person(Role.BUSINESS_UNIT)
    draft = drafts.save_draft_text(bu, world.partnership, revised())
    read_before = stored(draft)
    drafts.save_draft_text(bu, world.partnership, revised("May 2027"), version=draft)

    with pytest.raises(Conflict, match="changed since it was read"):
        versions.publish(bu, read_before, D(2027, 4, 1))
    assert stored(draft).status == VersionStatus.DRAFT


@pytest.fixture
def on_23_december_for_threads() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.mark.django_db(transaction=True)
def test_two_publishing_the_same_draft_at_once_one_succeeds(
    on_23_december_for_threads: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each in its own thread and database connection, both holding the draft as it was
    before either published: the row lock lets one through; the other, reading the row
    again once the first has committed, is refused. (The first is held inside its
    transaction, once it has the lock, long enough for the second to try.)"""
    w = factories.world(KEY)
    bu = w.person(Role.BUSINESS_UNIT)
    draft = drafts.save_draft_text(bu, w.partnership, revised())
    held = threading.Event()
    original = versions._mark_superseded

    def slow(partnership_id: int) -> None:
        original(partnership_id)
        if not held.is_set():
            held.set()
            time.sleep(0.5)

    monkeypatch.setattr(versions, "_mark_superseded", slow)
    copies = [stored(draft), stored(draft)]
    people = [bu, another_author(w)]
    days = [D(2027, 4, 1), D(2027, 5, 1)]
    results: list[Any] = [None, None]
    start = threading.Barrier(2)

    def worker(i: int) -> None:
        try:
            start.wait()
            if i:
                held.wait(timeout=10)
            results[i] = versions.publish(people[i], copies[i], days[i])
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), results
    assert stored(draft).status == VersionStatus.PUBLISHED
    assert stored(draft).effective_from in days
    assert published_changes(draft) == 1
