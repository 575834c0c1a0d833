"""Fuzzing every form field and query parameter of every page (issue 9, item 3).

Routes come from the URL configuration, so a new page is fuzzed without being listed
here; the fields of each page come from the page itself (its ``<form>`` elements and the
query strings of links to it) and from the Django form its view uses, so a new field is
fuzzed too. Each page is asked as someone who may use it, from a world of
:func:`factories.world`, with generated values: huge integers, Unicode digits, control
characters, NUL bytes, very long and empty strings, and the valid values mixed in so
the services are reached as well. No answer may be a server error.

Every request runs in a savepoint that is rolled back, so each one finds the world as
it was set up (a case raised by one example cannot close the case for the next).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import factories
import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from escalate import clock
from escalate.cases import services
from escalate.cases.views import raise_journey
from escalate.partnerships import versions
from escalate.procedures.model import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 23)

#: The security probe's inputs, and their like: each is sent in every field in turn.
PROBES = [
    "999999999999999999999999999999",
    "9" * 40,
    "-1",
    "0",
    "²",
    "٣",
    "１２",
    "\x00",
    "\x01",
    "\x0b",
    "x" * 12_000,
    "",
]

#: Values that mean something somewhere (a choice, a format, a sort), tried too.
MEANINGFUL = [
    "yes",
    "no",
    "none",
    "1",
    "2",
    "4",
    "final",
    "all",
    "csv",
    "xlsx",
    "pdf",
    "docx",
    "-raised",
    "reference",
    "2026",
    "2026-Q3",
    "2026-02-30",
    "2026-12-23",
    "1:1",
    ":",
    "true",
    "%00",
    "../",
    "<script>",
    "' OR 1=1 --",
    "name@example.org",
]

_characters = st.characters(exclude_categories=("Cs",))  # a browser cannot send a lone surrogate
NASTY = st.one_of(
    st.sampled_from(PROBES),
    st.sampled_from(MEANINGFUL),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(_characters, max_size=30),
    st.text(st.sampled_from("0123456789²³¹٠١٢٣４５\x00\x01\x0b\x0c\x1f\x7f-+. "), max_size=12),
    st.text(_characters, min_size=4_000, max_size=6_000),
)

#: Query parameters any page might read: asked of every page.
COMMON_QUERY = ("next", "sent", "format", "page", "sort")

#: Probes sent in each field on its own, the other fields as the page drew them (the
#: rest are sent in every field at once).
EACH_FIELD = PROBES[:1] + ["²", "\x00"]
#: Fields no view reads (the tests' client does not check CSRF).
NOT_READ = {"csrfmiddlewaretoken"}

FUZZ = settings(
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def on_23_december() -> Iterator[None]:
    clock.freeze(TODAY)
    try:
        yield
    finally:
        clock.unfreeze()


# ---------------------------------------------------------------- reading pages


DATE_PARTS = ("day", "month", "year")


@dataclass
class FormField:
    name: str
    value: str | None = None
    choices: list[str] = field(default_factory=list)
    multiline: bool = False


@dataclass
class PageForm:
    method: str
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def baseline(self) -> dict[str, Any]:
        """What the form sends as the page drew it, filled in where it is blank so the
        probes reach the services: a choice made, a date for each date, some words in
        each text box."""
        data: dict[str, Any] = {}
        for f in self.fields.values():
            part = f.name.rsplit("-", 1)[-1]
            if not f.value and part in DATE_PARTS:
                data[f.name] = str(getattr(TODAY, part))
            elif not f.value and f.multiline:
                data[f.name] = "Some words."
            elif f.value is not None and (f.value or not f.choices):
                data[f.name] = f.value
            elif f.choices:
                data[f.name] = next((c for c in f.choices if c), f.choices[0])
        return data


class PageReader(HTMLParser):
    """The forms on a page (their fields, values and choices) and the links from it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self.links: list[str] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def _field(self, name: str) -> FormField:
        assert self._form is not None
        return self._form.fields.setdefault(name, FormField(name))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = PageForm(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input":
            f = self._field(a["name"])
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                f.choices.append(a.get("value", "on"))
                if "checked" in a:
                    f.value = a.get("value", "on")
            elif kind not in ("submit", "button"):
                f.value = a.get("value", "")
        elif tag == "select":
            self._select = self._field(a["name"])
        elif tag == "option" and self._select is not None:
            self._select.choices.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea":
            self._textarea = self._field(a["name"])
            self._textarea.value = ""
            self._textarea.multiline = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value = (self._textarea.value or "") + data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    return reader


def form_class_fields(path: str) -> list[str]:
    """The names the Django form of the view at ``path`` reads (dates as three boxes)."""
    try:
        match = resolve(path)
    except Resolver404:
        return []
    view = getattr(match.func, "view_class", None)
    form_class = getattr(view, "form_class", None)
    if not (isinstance(form_class, type) and issubclass(form_class, forms.BaseForm)):
        return []
    names = []
    for name, f in form_class.base_fields.items():
        if hasattr(f.widget, "parts") or hasattr(f.widget, "widgets_names"):
            names += [f"{name}-{part}" for part in ("day", "month", "year")]
        else:
            names.append(name)
    return names


# ---------------------------------------------------------------- the routes


@dataclass
class Route:
    name: str
    route: str
    converters: tuple[str, ...]


def all_routes() -> list[Route]:
    """Every named page of Escalate, from the URL configuration (not the Django
    administration site's own pages, which are not ours)."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                converters = tuple(getattr(p.pattern, "converters", {}) or {})
                found.append(Route(namespace + p.name, prefix + str(p.pattern), converters))

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass
class Scene:
    """The world the pages are asked in, and who asks each."""

    w: factories.World
    open_case: Any
    closed_case: Any
    final_case: Any
    action: Any
    issue: Any
    clients: dict[str, Client] = field(default_factory=dict)
    reset_path: str = ""
    expedite_case: Any = None
    panel_case: Any = None
    version_id: str = ""
    draft_id: str = ""

    def client(self, who: str) -> Client:
        return self.clients[who]


def build_scene() -> Scene:
    w = factories.world("cheshire-east-sab")
    person = {
        "person_name": "Alex Example",
        "person_date_of_birth": dt.date(1950, 3, 27),
        "person_address": "1 Hidden Lane, Crewe CW1 1AA",
    }
    open_case = factories.raise_case(w, **person)
    action = services.add_agreed_action(
        w.raiser,
        open_case,
        what="A joint visit.",
        agency=w.raising,
        owner_name="The ward manager",
        due_on=dt.date(2027, 1, 8),
        expected_version=open_case.version,
    )
    open_case.refresh_from_db()
    issue = services.flag_policy_issue(
        w.raiser, open_case, text="No guidance.", expected_version=open_case.version
    )
    open_case.refresh_from_db()
    services.record_contact(
        w.raiser, open_case, kind="note", text="Phoned.", expected_version=open_case.version
    )
    open_case.refresh_from_db()
    closed = factories.raise_case(w, **person)
    closed = services.resolve(w.raiser, closed, outcome="Agreed.", expected_version=closed.version)
    final = factories.raise_case(w, **person)
    for day, stage in ((dt.date(2026, 12, 24), 2), (dt.date(2026, 12, 30), 3)):
        clock.freeze(day)
        final = factories.escalate_to(w, final, stage)
    clock.freeze(dt.date(2027, 1, 6))
    final = factories.escalate_to(w, final, 4)
    clock.freeze(TODAY)
    final.refresh_from_db()
    open_case.refresh_from_db()
    # Shropshire's procedure lets a case skip to a later stage; Hammersmith and Fulham's
    # has a panel at stage 3.
    shropshire = factories.world("shropshire-sscp")
    expedite_case = factories.raise_case(shropshire)
    fulham = factories.world("hammersmith-fulham-sab")
    clock.freeze(dt.date(2026, 12, 24))
    panel_case = factories.escalate_to(fulham, factories.raise_case(fulham), 3)
    clock.freeze(TODAY)
    scene = Scene(w, open_case, closed, final, action, issue)
    scene.expedite_case, scene.panel_case = expedite_case, panel_case
    # The version in force, and a draft (with a problem) the business unit is writing.
    scene.version_id = str(versions.version_in_force(w.partnership, TODAY).pk)
    scene.draft_id = str(
        versions.save_draft_text(
            w.person(Role.BUSINESS_UNIT), w.partnership, 'key = "unfinished"\n'
        ).pk
    )
    people = {
        "raiser": w.raiser,
        "other": w.other_professional,
        "manager": w.raising_people[Role.LINE_MANAGER],
        "chair": w.person(Role.INDEPENDENT_CHAIR),
        "business_unit": w.person(Role.BUSINESS_UNIT),
        "final_owner": final.stages.get(number=4).owner,
        "expediter": shropshire.raiser,
        "panel_referrer": panel_case.stages.get(number=3).owner,
    }
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        scene.clients[who] = client
    scene.clients["anonymous"] = Client()

    # Two people part way through raising a challenge, so every page of it applies:
    # the raiser under Cheshire East's procedure (which asks the date of birth), the
    # expediter under Shropshire's (which asks where a case at risk should start).
    for who in ("raiser", "expediter"):
        raiser = scene.clients[who]
        raiser.get("/cases/raise/")
        raiser.post("/cases/raise/immediate-risk/", {"immediate_risk": "yes"})
    # The raiser can raise for two agencies, so the first page asks which.
    factories.member(w.raiser, shropshire.raising, Role.PRACTITIONER)
    # Someone who followed a password reset link is on the page choosing a new one.
    reset_user = factories.user("Reset Person")
    uid = urlsafe_base64_encode(force_bytes(reset_user.pk))
    token = default_token_generator.make_token(reset_user)
    resetting = Client()
    first = resetting.get(f"/accounts/reset/{uid}/{token}/")
    scene.reset_path = first.get("Location", f"/accounts/reset/{uid}/{token}/")
    scene.clients["resetting"] = resetting
    return scene


#: Who asks for each page (everything else: the raiser).
ASKED_BY = {
    "login": "anonymous",
    "password_reset": "anonymous",
    "admin_password_reset": "anonymous",
    "password_reset_done": "anonymous",
    "password_reset_complete": "anonymous",
    "password_reset_confirm": "resetting",
    "cases:acknowledge": "other",
    "cases:respond": "other",
    "cases:debrief": "manager",
    "cases:learning": "manager",
    "cases:policy_response": "chair",
    "reports:register": "business_unit",
    "reports:report": "business_unit",
    "reports:policy_issues": "chair",
    "reports:referral_form": "final_owner",
    "reports:referral_print": "final_owner",
    "reports:referral_pdf": "final_owner",
    "reports:referral_docx": "final_owner",
    "reports:case_form": "final_owner",
    "reports:case_form_print": "final_owner",
    "reports:case_form_pdf": "final_owner",
    "reports:case_form_docx": "final_owner",
    "cases:expedite": "expediter",
    "cases:panel": "panel_referrer",
    "partnerships:role_history": "business_unit",
    "partnerships:versions": "business_unit",
    "partnerships:start_draft": "business_unit",
    "partnerships:procedure_version": "business_unit",
    "partnerships:edit_draft": "business_unit",
    "partnerships:preview_draft": "business_unit",
    "partnerships:publish_draft": "business_unit",
}

#: Pages that make a file: a few examples each (a PDF takes a while).
SLOW = {"reports:referral_pdf", "reports:case_form_pdf"}


def _fill(route: str, values: dict[str, str]) -> str:
    path = route
    for conv, value in values.items():
        for kind in ("", "str:", "slug:", "int:", "path:", "uuid:"):
            path = path.replace(f"<{kind}{conv}>", value)
    return "/" + path


def route_paths(route: Route, scene: Scene) -> list[tuple[str, str]]:
    """The route filled in for the scene, with who asks for each (every raise journey
    page for its ``slug``)."""
    name = route.name
    who = ASKED_BY.get(name, "raiser")
    if name == "password_reset_confirm":
        return [(scene.reset_path, who)]
    options: dict[str, list[str]] = {}
    for conv in route.converters:
        if conv == "reference":
            case = {
                "cases:learning": scene.closed_case,
                "cases:debrief": scene.closed_case,
                "cases:expedite": scene.expedite_case,
                "cases:panel": scene.panel_case,
            }.get(name, scene.final_case if name.startswith("reports:") else scene.open_case)
            options[conv] = [case.reference]
        elif conv == "slug" and name == "cases:raise_step":
            options[conv] = [s.slug for s in raise_journey.STEPS]
        elif conv == "slug":
            options[conv] = [scene.w.partnership.slug]
        elif conv == "pk":
            options[conv] = [str(scene.issue.pk if "policy" in name else scene.action.pk)]
        elif conv == "form_key":
            # The final stage's form, and one the case does not have.
            options[conv] = ["stage-4", "outcome"]
        elif conv == "token":
            options[conv] = ["not-a-real-invitation-token"]
        elif conv == "version_id":
            # The version in force, and a draft of the business unit's.
            options[conv] = [scene.version_id, scene.draft_id]
        else:
            raise AssertionError(f"No value for <{conv}> in {route.route}: add one to route_paths")
    combos: list[dict[str, str]] = [{}]
    for conv, values in options.items():
        combos = [{**c, conv: v} for c in combos for v in values]
    found = []
    for combo in combos:
        asker = "expediter" if combo.get("slug") == "start-stage" else who
        found.append((_fill(route.route, combo), asker))
    return found


# ---------------------------------------------------------------- asking


def send(client: Client, method: str, path: str, data: dict[str, Any]) -> int:
    """One request in a savepoint that is rolled back, the client's cookies kept."""
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, data)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response.status_code


@dataclass
class Target:
    """One route at one path, asked by one person: the names it reads."""

    route: str
    path: str
    who: str
    get_names: dict[str, FormField] = field(default_factory=dict)
    post_forms: list[PageForm] = field(default_factory=list)


def discover(scene: Scene, routes: list[Route]) -> list[Target]:
    """Ask for every page once, as drawn, and read its forms and links."""
    targets: dict[str, Target] = {}
    pages: list[tuple[str, PageReader]] = []
    for route in routes:
        for path, who in route_paths(route, scene):
            targets[path] = Target(route.name, path, who)
            response = scene.client(who).get(path)
            if "html" in response.get("Content-Type", ""):
                pages.append((path, read_page(response.content.decode())))
    for page_path, reader in pages:
        for form in reader.forms:
            action = urlsplit(form.action)
            path = action.path or page_path
            target = targets.get(path)
            if target is None:
                continue
            if form.method == "post":
                target.post_forms.append(form)
            else:
                target.get_names.update(form.fields)
        for href in reader.links:
            link = urlsplit(href)
            target = targets.get(link.path or page_path)
            if target is not None:
                for key, value in parse_qsl(link.query, keep_blank_values=True):
                    known = target.get_names.setdefault(key, FormField(key, value))
                    if value not in known.choices:
                        known.choices.append(value)
    for target in targets.values():
        unique: dict[frozenset[str], PageForm] = {}
        for form in target.post_forms:
            unique.setdefault(frozenset(form.fields), form)
        target.post_forms = list(unique.values())
        for name in COMMON_QUERY:
            target.get_names.setdefault(name, FormField(name))
        names = form_class_fields(target.path)
        if names:
            if not target.post_forms:
                target.post_forms.append(PageForm("post", target.path))
            for form in target.post_forms:
                for name in names:
                    form.fields.setdefault(name, FormField(name))
    return list(targets.values())


def _value(f: FormField) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [NASTY]
    if f.value is not None:
        options.append(st.just(f.value))
    if f.choices:
        options.append(st.sampled_from(f.choices))
    one = st.one_of(*options)
    return st.one_of(one, one, one, st.lists(one, min_size=2, max_size=3))


def _data(fields: dict[str, FormField]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name: _value(f) for name, f in fields.items()})


def fuzz(scene: Scene, target: Target) -> list[str]:
    """Every probe in every field, then generated values; the failures, as lines."""
    client = scene.client(target.who)
    failures: list[str] = []

    def check(method: str, data: dict[str, Any]) -> None:
        try:
            status = send(client, method, target.path, data)
        except Exception as error:  # noqa: BLE001 - every escape is a failure to report
            failures.append(
                f"{method.upper()} {target.path} ({target.route}) {_short(data)}: "
                f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            )
            raise
        if status >= 500:
            failures.append(
                f"{method.upper()} {target.path} ({target.route}) {_short(data)}: {status}"
            )
            raise AssertionError(status)

    jobs: list[tuple[str, dict[str, FormField], dict[str, Any], int]] = []
    slow = target.route in SLOW
    own_names = set(target.get_names) - set(COMMON_QUERY)
    jobs.append(("get", target.get_names, {}, 3 if slow else 12 if own_names else 4))
    for form in target.post_forms:
        jobs.append(("post", form.fields, form.baseline(), 25))
    for method, fields_, baseline, examples in jobs:
        # The probe's inputs, deterministically: the worst in each field on its own, all
        # of them in every field at once.
        names = [n for n in fields_ if n not in NOT_READ]
        alone = [n for n in names if method == "post" or n in own_names]
        tries = [{**baseline, name: probe} for name in alone for probe in EACH_FIELD]
        tries += [{**baseline, **dict.fromkeys(names, probe)} for probe in PROBES]
        for data in tries[: 6 if slow else None]:
            with contextlib.suppress(Exception):  # each failure is in ``failures``
                check(method, data)

        @settings(FUZZ, max_examples=examples)
        @given(data=_data(fields_))
        def generated(data: dict[str, Any]) -> None:
            note(f"{method.upper()} {target.path}")
            check(method, {**baseline, **data})

        with contextlib.suppress(Exception):  # each failure is in ``failures``
            generated()
    return failures


def _short(data: dict[str, Any]) -> str:
    text = repr(
        {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in data.items()}
    )
    return text[:400]


GROUPS: dict[str, Callable[[Route], bool]] = {
    "raise journey": lambda r: r.name.startswith("cases:raise"),
    "case pages": lambda r: r.name.startswith("cases:") and not r.name.startswith("cases:raise"),
    "board pages": lambda r: r.name.startswith("reports:"),
    "sign-in and passwords": lambda r: (
        not r.name.partition(":")[1] and r.name not in ("home", "directory")
    ),
    "everything else": lambda r: (
        r.name in ("home", "directory") or r.name.split(":")[0] in ("notifications", "partnerships")
    ),
}


def test_every_route_is_fuzzed_in_exactly_one_group():
    routes = all_routes()
    assert len(routes) > 40
    for route in routes:
        assert sum(group(route) for group in GROUPS.values()) == 1, route.name


@pytest.mark.parametrize("group", list(GROUPS))
def test_no_input_to_any_page_is_a_server_error(group):
    scene = build_scene()
    routes = [r for r in all_routes() if GROUPS[group](r)]
    targets = discover(scene, routes)
    asked = {t.route for t in targets}
    assert asked == {r.name for r in routes}
    failures: list[str] = []
    for target in targets:
        failures += fuzz(scene, target)
    assert not failures, "\n".join(dict.fromkeys(failures))
