"""The data ``bench/bench_pages.py`` measures the pages over: realistic cases, kept.

How it is made, so that it stays like the data the application itself makes:

1. ``escalate demo``'s people and cases (:func:`create_demo` and
   :func:`create_demo_cases`): a partnership for every seed procedure, one person in
   every role, and about a year of cases made through the case services, with their
   chronologies, stages, stored deadlines, agreed actions, policy issues, invitations,
   notifications and referral forms. These are the *templates*.
2. More *teams*: each a copy of every person with an agency role (the same password;
   ``practitioner.ce.t7@demo.escalate.test`` is team 7's practitioner, with team 7's line
   manager), so each person sees a caseload like the demo's, not the whole database.
3. Copies of the templates (every row reachable from a case by foreign key, found from
   the models, so a field or table added later is copied too), for each team and for
   earlier years (closed cases only: nothing stays open for years), moved back in whole
   weeks (the same weekdays), with their own references, and a few looks at each case
   in its read log (``case.viewed``), until there are ``size`` cases. Bulk-created in
   batches of :data:`BATCH` cases, one transaction each. A team's copies name its own
   people, signed up or only invited: every address in them is made the team's
   (``someone@agency.example`` is ``someone.t7@agency.example`` in team 7's), so an
   invited person sees their own team's few cases, as they would, not every copy's.

Team 0 are the demo's own people and cases, so the demo's sign-ins work on the bench
data (password ``try-escalate-demo``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.pagerows import Table, copy_row, team_email

#: What the data is made by: raised when this module makes different data, so data
#: kept from an earlier version is built again (``bench_pages.prepare``).
VERSION = 2

#: The seed procedures' demo partnerships all take part unless told otherwise.
YEARS = 3
#: Cases copied per transaction.
BATCH = 1000
#: Rows of a copy that are not copied: markers of what was sent (their unique keys name
#: the original rows) and the record of each delivery attempt (no page the bench measures
#: reads them).
SKIPPED = ("notifications.Reminder", "notifications.DeliveryAttempt")
#: Looks at a case in its read log: between these, at random.
VIEWS = (0, 6)


@dataclass
class Built:
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    teams: int = 0
    people: int = 0
    template_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return self.rows.get("cases.Event", 0)


def cache_dir(database: str, size: int) -> Path:
    """Where the bench keeps its data directory for a database and a size."""
    return Path.home() / ".cache" / "escalate-bench" / f"{database}-{size}"


# ---------------------------------------------------------------- which rows to copy


@dataclass
class _Graph:
    models: list[Any]


def copied_models() -> list[Any]:
    """The models reachable from a case by foreign key (less :data:`SKIPPED`), in an
    order they can be made in: the case first."""
    from django.apps import apps
    from django.db import models as m

    from escalate.cases.models import Case

    skipped = {apps.get_model(label) for label in SKIPPED}
    found: list[Any] = [Case]
    i = 0
    while i < len(found):
        for rel in found[i]._meta.related_objects:
            model = rel.related_model
            if rel.many_to_many or model in found or model in skipped:
                continue
            if not isinstance(rel.field, m.ForeignKey) or model._meta.proxy:
                continue
            if _unique_elsewhere(model, found + [model]):
                continue  # a copy would break a unique key that names no copied row
            found.append(model)
        i += 1
    order: list[Any] = []
    while len(order) < len(found):
        for model in found:
            if model in order:
                continue
            needs = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model in found and f.related_model is not model
            }
            if needs <= set(order):
                order.append(model)
    return order


def _unique_elsewhere(model: Any, graph: list[Any]) -> bool:
    from django.db import models as m

    for constraint in model._meta.constraints:
        if not isinstance(constraint, m.UniqueConstraint) or constraint.condition is not None:
            continue
        fields = [model._meta.get_field(name) for name in constraint.fields]
        if fields and not any(f.is_relation and f.related_model in graph for f in fields):
            return True
    return False


def _case_of(model: Any, row: Any, cases_of: dict[Any, dict[int, int]]) -> int | None:
    """The template case a row belongs to (through any foreign key to a copied row)."""
    from escalate.cases.models import Case

    if model is Case:
        return int(row.pk)
    for f in model._meta.concrete_fields:
        if not f.is_relation or f.related_model is model:
            continue
        value = getattr(row, f.attname)
        if value is None:
            continue
        if f.related_model is Case:
            return int(value)
        if f.related_model in cases_of and value in cases_of[f.related_model]:
            return cases_of[f.related_model][value]
    return None


# ---------------------------------------------------------------- the build


def build(
    size: int,
    *,
    partnerships: Iterable[str] | None = None,
    per_partnership: int | None = None,
    years: int = YEARS,
    copies: int | None = None,
    seed: int = 2026,
    say: Callable[[str], None] = print,
) -> Built:
    """Make ``size`` cases (at least the templates; or the templates and ``copies``
    copies of them) in the database the settings name, migrated, with no cases yet."""
    from escalate.cases.models import Case
    from escalate.partnerships.demo import create_demo
    from escalate.partnerships.demo_cases import CASES_PER_PARTNERSHIP, create_demo_cases

    if Case.objects.exists():
        raise RuntimeError("the bench builds into a database with no cases in it")
    per = per_partnership or CASES_PER_PARTNERSHIP
    began = time.monotonic()
    demo = create_demo()
    chosen = [
        made.partnership
        for made in demo.partnerships
        if partnerships is None or made.partnership.slug in set(partnerships)
    ]
    create_demo_cases(chosen, count=per)
    built = Built(template_seconds=time.monotonic() - began)
    say(f"templates: {Case.objects.count():,} cases made through the services")
    rng = random.Random(seed)  # noqa: S311 - made-up data
    if copies is not None:
        size = Case.objects.count() + copies
    _Copier(size, chosen, years, rng, built, say).run()
    built.seconds = time.monotonic() - began
    return built


class _Copier:
    def __init__(
        self,
        size: int,
        partnerships: list[Any],
        years: int,
        rng: random.Random,
        built: Built,
        say: Callable[[str], None],
    ) -> None:
        from django.utils import timezone

        from escalate import clock

        self.size, self.partnerships, self.years, self.rng = size, partnerships, years, rng
        self.built, self.say = built, say
        self.now = clock.now()
        self.today = timezone.localdate(self.now)
        self.graph = _Graph(copied_models())

    def run(self) -> None:
        from django.db import connection

        from escalate.cases.models import Case

        self._load_templates()
        plans = self._plans()
        teams = 1 + max((team for _, team, _ in plans), default=0)
        self.user_maps = self._people(teams)
        self.sequences = self._sequences()
        for start in range(0, len(plans), BATCH):
            self._copy(plans[start : start + BATCH])
            if start and start % (BATCH * 10) == 0:
                self.say(f"  {start + BATCH:,} copies of {len(plans):,}")
        self._views(
            (c.pk, c.raised_on, c.closed_on, self._lookers(c), c.current_stage, c.version)
            for c in self.templates.values()
        )
        self._counters()
        self._reset_sequences()
        self.built.cases = Case.objects.count()
        self.built.teams = teams
        for model in self.graph.models:
            self.built.rows[model._meta.label] = model._default_manager.count()
        with connection.cursor() as cursor:
            # As a database in use has them: statistics, and on PostgreSQL the map of
            # pages all visible that lets an index alone answer (autovacuum's work, which
            # a database just copied into has not had: the line manager's "cases you can
            # see" took 42 ms before it, 13 ms after). VACUUM runs only outside a
            # transaction (a test's build is in one).
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

    # -- what there is to copy

    def _load_templates(self) -> None:
        from escalate.cases.models import Case

        self.rows: dict[Any, dict[int, list[Any]]] = {}  # model: case id: rows
        cases_of: dict[Any, dict[int, int]] = {}
        for model in self.graph.models:
            by_case: dict[int, list[Any]] = defaultdict(list)
            cases_of[model] = {}
            for row in model._default_manager.order_by("pk"):
                case = _case_of(model, row, cases_of)
                if case is not None:
                    by_case[case].append(row)
                    cases_of[model][row.pk] = case
            self.rows[model] = by_case
        self.templates = {c.pk: c for c in Case.objects.select_related("partnership")}

    def _plans(self) -> list[tuple[Any, int, int]]:
        """(template case, team, days moved back) for every copy, team by team, each
        team's years filled before the next team's."""
        from escalate.cases.models import CaseStatus

        by_partnership: dict[int, list[Any]] = defaultdict(list)
        for case in self.templates.values():
            by_partnership[case.partnership_id].append(case)
        for cases in by_partnership.values():
            cases.sort(key=lambda c: c.pk)
        per = max(len(c) for c in by_partnership.values()) if by_partnership else 0
        wanted = self.size - len(self.templates)
        plans: list[tuple[Any, int, int]] = []
        team = 0
        while len(plans) < wanted and per:
            for year in range(self.years):
                if team == 0 and year == 0:
                    continue  # the templates themselves
                for cases in by_partnership.values():
                    closed = [c for c in cases if c.status != CaseStatus.OPEN] or cases
                    for n in range(per):
                        pool = cases if year == 0 else closed
                        template = pool[n % len(pool)] if year == 0 else self.rng.choice(pool)
                        if template.status == CaseStatus.OPEN:
                            weeks = 0  # open today, as it was made
                        else:
                            weeks = 52 * year + self.rng.randint(0, 8)
                        plans.append((template, team, 7 * weeks))
            team += 1
        return plans[:wanted]

    # -- people

    def _people(self, teams: int) -> list[dict[int, int]]:
        """For each team, who each of team 0's people with an agency role is in it."""
        from escalate.accounts.models import User
        from escalate.partnerships.models import Membership

        memberships = list(Membership.objects.select_related("person").order_by("pk"))
        people = {m.person_id: m.person for m in memberships if not m.person.is_superuser}
        maps: list[dict[int, int]] = [{}]
        for team in range(1, teams):
            copies = []
            for person in people.values():
                copies.append(
                    User(
                        email=team_email(person.email, team),
                        full_name=f"{person.full_name} {team}",
                        job_title=person.job_title,
                        password=person.password,
                        is_active=True,
                    )
                )
            made = User.objects.bulk_create(copies, batch_size=2000)
            mapping = {old: new.pk for old, new in zip(people, made, strict=True)}
            for person, new in zip(people.values(), made, strict=True):
                if person.line_manager_id in mapping:
                    new.line_manager_id = mapping[person.line_manager_id]
            User.objects.bulk_update(made, ["line_manager"], batch_size=2000)
            Membership.objects.bulk_create(
                [
                    copy_row(m, {"accounts.User": mapping}, 0, "")
                    for m in memberships
                    if m.person_id in mapping
                ],
                batch_size=2000,
            )
            maps.append(mapping)
        self.built.people = User.objects.count()
        return maps

    # -- references

    def _sequences(self) -> dict[tuple[int, int], int]:
        from django.db.models import Max

        from escalate.cases.models import Case

        last: dict[tuple[int, int], int] = defaultdict(int)
        for row in Case.objects.values("partnership", "year").annotate(n=Max("sequence")):
            last[(row["partnership"], row["year"])] = row["n"]
        return last

    def _reset_sequences(self) -> None:
        """PostgreSQL's id sequences past the ids given out here."""
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.graph.models):
                cursor.execute(sql)

    def _counters(self) -> None:
        from escalate.cases.models import ReferenceCounter

        for (partnership, year), n in self.sequences.items():
            ReferenceCounter.objects.update_or_create(
                partnership_id=partnership, year=year, defaults={"last": n}
            )

    # -- copying

    def _copy(self, plans: list[tuple[Any, int, int]]) -> None:
        """One batch of copies, in one transaction. Rows are written with ids given out
        here (foreign keys are checked at commit), straight through the database
        connection: the ORM's bulk_create costs five times as much for rows that only
        need their ids, dates and people changed."""
        from django.db import transaction

        from escalate.cases.models import Case

        if not hasattr(self, "tables"):
            self.tables = {model: Table(model) for model in self.graph.models}
            self.prepared = {
                model: {case: [table.prepare(r) for r in rows] for case, rows in by.items()}
                for model, by in self.rows.items()
                for table in [self.tables[model]]
            }
        case_table = self.tables[Case]
        views = []
        with transaction.atomic():
            out: dict[Any, list[list[Any]]] = defaultdict(list)
            for template, team, days in plans:
                ids: dict[Any, dict[int, int]] = {}
                for model in self.graph.models:  # every id first: rows may point anywhere
                    table = self.tables[model]
                    mine = ids[model] = {}
                    for row in self.prepared[model].get(template.pk, ()):
                        mine[row[table.pk]] = table.next_id
                        table.next_id += 1
                users = self.user_maps[team]
                for model in self.graph.models:
                    table = self.tables[model]
                    for row in self.prepared[model].get(template.pk, ()):
                        out[model].append(table.copy(row, ids, users, days, team))
                case = out[Case][-1]
                raised_on = template.raised_on - dt.timedelta(days=days)
                key = (template.partnership_id, raised_on.year)
                self.sequences[key] += 1
                sequence = self.sequences[key]
                prefix = template.partnership.reference_prefix
                case_table.set(case, "year", raised_on.year)
                case_table.set(case, "sequence", sequence)
                case_table.set(case, "reference", f"{prefix}-{raised_on.year}-{sequence:04d}")
                views.append(
                    (
                        ids[Case][template.pk],
                        raised_on,
                        template.closed_on and template.closed_on - dt.timedelta(days=days),
                        [users.get(w, w) for w in self._lookers(template)],
                        template.current_stage,
                        template.version,
                    )
                )
            for model in self.graph.models:
                self.tables[model].insert(out[model])
            self._views(views)

    @staticmethod
    def _lookers(case: Any) -> list[int]:
        return [w for w in (case.raised_by_id, case.other_professional_id) if w is not None]

    def _views(
        self, cases: Iterable[tuple[int, dt.date, dt.date | None, list[int], int, int]]
    ) -> None:
        """A few looks at each case in its read log, by people who may see it, on days
        between its raising and its closing (or today)."""
        from escalate.cases.models import Event
        from escalate.cases.models.chronology import VIEWED

        table = self.tables.get(Event) if hasattr(self, "tables") else None
        table = table or Table(Event)
        base = table.prepare(Event(case_id=0, at=self.now, action=VIEWED, data={}, version=1))
        rows = []
        for case_id, raised_on, closed_on, who, stage, version in cases:
            last = min(closed_on or self.today, self.today)
            span = max(0, (last - raised_on).days)
            for _ in range(self.rng.randint(*VIEWS) if who else 0):
                day = raised_on + dt.timedelta(days=self.rng.randint(0, span))
                at = dt.datetime.combine(day, dt.time(9 + self.rng.randint(0, 8)), dt.UTC)
                row = list(base)
                row[table.pk] = table.next_id
                table.next_id += 1
                table.set(row, "case", case_id)
                table.set(row, "at", table.field_value("at", min(at, self.now)))
                table.set(row, "actor", self.rng.choice(who))
                table.set(row, "stage", stage)
                table.set(row, "version", version)
                rows.append(row)
        table.insert(rows)
