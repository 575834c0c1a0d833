"""Querysets compiled to SQL once per process, run with each person's values.

The dashboard's lists (:mod:`escalate.cases.dashboard`, :mod:`escalate.cases.owned`,
:func:`escalate.cases.visibility.visible_case_ids`) are unions of many small indexed
queries. Their SQL is the same for everyone (only the values differ: whose they are,
which cases are on the page), but Django would build and compile it again on every
request, taking longer than the database takes to run it. So each is built once, for a
stand-in (:data:`PERSON`, :data:`EMAIL`, the case ids :data:`CASE_IDS`: values no real
row has), compiled, and kept; a request runs the kept SQL with its own values put where
the stand-in's were. The querysets stay the one definition of what each list holds;
only their compiling is shared.

What a kept query gives back is converted as Django's own compiler converts it (dates
read from SQLite as text become dates).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

#: The stand-in person's id and email address, and the stand-in case ids (a page's
#: worth): values no row has, and none a query's own constants could equal.
PERSON = -7_340_000_001
EMAIL = "\x00stand-in@escalate.invalid\x00"
CASE_IDS = tuple(-7_340_000_100 - n for n in range(100))

#: What a kept query is run with: the person's id and email, and case ids.
Values = dict[Any, Any]


@dataclass(frozen=True)
class Compiled:
    """One queryset's SQL, where each of its parameters comes from (a stand-in's slot,
    or a constant of the query), and how its columns are converted."""

    sql: str
    slots: tuple[tuple[bool, Any], ...]  # (is a stand-in, the stand-in or the constant)
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    alias: str

    def params(self, values: Values) -> list[Any]:
        return [values[v] if standin else v for standin, v in self.slots]

    def rows(
        self, values: Values, limit: int | None = None, offset: int = 0
    ) -> list[tuple[Any, ...]]:
        """The query's rows for ``values``; ``limit`` and ``offset`` cut a page."""
        sql, params = self.sql, self.params(values)
        connection = connections[self.alias]
        cut: Any = limit
        if cut is None and offset:
            cut = connection.ops.no_limit_value()  # None: the database needs none
            if cut is None:
                sql, params = f"{sql} OFFSET %s", [*params, offset]
        if cut is not None:
            sql = f"{sql} LIMIT %s OFFSET %s"
            params += [cut, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        if not self.converters:
            return [tuple(r) for r in found]
        converted = []
        for row in found:
            cells = list(row)
            for pos, convs, expression in self.converters:
                value = cells[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                cells[pos] = value
            converted.append(tuple(cells))
        return converted

    def subquery(self, values: Values) -> RawSQL:
        """The query for ``values`` as a subquery (``pk__in=``)."""
        # Django's own SQL for our querysets; every value a parameter.
        return RawSQL(self.sql, self.params(values))  # noqa: S611

    def count(self, values: Values) -> int:
        """How many rows the query has for ``values``."""
        with connections[self.alias].cursor() as cursor:
            sql = f"SELECT COUNT(*) FROM ({self.sql}) counted"  # noqa: S608 - Django's SQL
            cursor.execute(sql, self.params(values))
            row = cursor.fetchone()
        return int(row[0]) if row else 0


_kept: dict[Hashable, Compiled] = {}
_lock = threading.Lock()


def _standins() -> dict[Any, Any]:
    return {PERSON: PERSON, EMAIL: EMAIL, **{c: c for c in CASE_IDS}}


def compile_once(
    key: Hashable, build: Callable[[], QuerySet[Any]], using: str = "default"
) -> Compiled:
    """The kept SQL of ``build()`` (a queryset for the stand-ins), compiled the first
    time ``key`` is asked for on this database connection's kind of database."""
    connection = connections[using]
    full_key = (key, using, connection.vendor)
    found = _kept.get(full_key)
    if found is not None:
        return found
    queryset = build()
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    standins = _standins()
    slots = tuple(
        (True, p) if _hashable(p) and p in standins and type(p) is type(standins[p]) else (False, p)
        for p in params
    )
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = tuple(
        (pos, tuple(convs), expression)
        for pos, (convs, expression) in compiler.get_converters(fields).items()
    )
    made = Compiled(sql, slots, converters, using)
    with _lock:
        _kept.setdefault(full_key, made)
    return _kept[full_key]


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def standin() -> Any:
    """A person who is no one: :data:`PERSON`, :data:`EMAIL`, active, to build the
    querysets kept (the same queryset as for anyone active, but for the values)."""
    from django.contrib.auth import get_user_model

    person = get_user_model()(pk=PERSON, email=EMAIL, is_active=True)
    person._state.adding = False  # as if stored: related filters take it
    return person


def values_for(person: Any, cases: Iterable[int] = (), fill: int = 0) -> Values:
    """The values to run a kept query with: ``person``'s id and email address (None:
    a query of no one's), and
    ``cases`` in the stand-in case ids' places (the places left over given ``fill``,
    an id no case has)."""
    ids: Sequence[int] = list(cases)
    if len(ids) > len(CASE_IDS):
        raise ValueError(f"at most {len(CASE_IDS)} cases at once")
    values: Values = {} if person is None else {PERSON: person.pk, EMAIL: person.email}
    for n, standin in enumerate(CASE_IDS):
        values[standin] = ids[n] if n < len(ids) else fill
    return values


def clear() -> None:
    """Forget every kept query (for tests that change the schema)."""
    with _lock:
        _kept.clear()
