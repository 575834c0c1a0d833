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

On PostgreSQL a kept query is also a prepared statement of each connection
(:func:`cursor`): planning one of these unions took PostgreSQL ten to twenty times as
long as running it, and a statement prepared is planned for its values five times,
then, if that plan is no better, once for all. That "if" is PostgreSQL's guess: a
query kept ``planned_once`` (:func:`compile_once`) is planned once for all from the
first (``plan_cache_mode``, set for its transaction alone: :func:`cursor`), which
suits one whose plan does not hang on whose values it runs with (the dashboard's "needs
your action": 18-30 ms to plan, 1-3 ms to run, and planned afresh every time when left
to the guess); one whose plan does (a person's own deadlines: 4-12 ms planned for
their values, 170-390 ms planned for anyone's) is left to it. (A connection pooler
between Escalate and PostgreSQL must then keep prepared statements: PgBouncer 1.21 or
later with ``max_prepared_statements``.)
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from django.db import connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
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
    planned_once: bool = False
    #: A cheaper form of the query for its first page (see :meth:`page`), or "".
    first_sql: str = ""

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
        return self._fetch(sql, params)

    def _fetch(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` (this query, perhaps cut or wrapped: its columns first),
        converted."""
        connection = connections[self.alias]
        with cursor(self.alias, planned_once=self.planned_once) as reading:
            reading.execute(sql, params)
            found = reading.fetchall()
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

    def page(
        self, values: Values, number: int, per_page: int
    ) -> tuple[list[tuple[Any, ...]], int, int]:
        """Page ``number`` of the query's rows for ``values`` (past the last page: the
        last), the page it is, and how many rows there are, in one query. The query is
        in its order, numbers its rows in that order (a column ``w_row`` from 1:
        ``RowNumber()``) and counts them (``w_total``: ``Count()`` over them all): the
        last two of its columns, which the rows given back leave out. The first page is
        the query cut short; a later one picks its rows by number, or the last page's.
        The first page is read from :attr:`first_sql` when the query has it (the rows in
        order with the count as the last column, numbering none: the database then
        keeps the first few as it sorts rather than sorting and numbering them all)."""
        if number <= 1 and self.first_sql:
            first = replace(self, sql=self.first_sql, first_sql="")
            found = first.rows(values, limit=per_page)
            return [r[:-1] for r in found], 1, int(found[0][-1]) if found else 0
        if number <= 1:
            found = self.rows(values, limit=per_page)
        else:
            offset = (number - 1) * per_page
            # Django's SQL for our querysets, wrapped; every value a parameter.
            sql = (
                f"SELECT * FROM ({self.sql}) paged WHERE paged.w_row > "  # noqa: S608
                "(CASE WHEN %s < paged.w_total THEN %s ELSE ((paged.w_total - 1) / %s) * %s END)"
                " ORDER BY paged.w_row LIMIT %s"
            )
            params = [*self.params(values), offset, offset, per_page, per_page, per_page]
            found = self._fetch(sql, params)
        if not found:
            return [], 1, 0
        *_, first_row, total = found[0]
        return [r[:-2] for r in found], (int(first_row) - 1) // per_page + 1, int(total)

    def around(
        self, template: str, *, same_columns: bool = False, first_page: str = ""
    ) -> Compiled:
        """This query inside ``template`` (SQL with ``{}`` where the query goes, adding
        no parameters): none of its columns converted, or with ``same_columns`` (the
        template gives back the query's columns first, in their order) converted as
        the query's are. ``first_page``: a template of the same kind for
        :attr:`first_sql`."""
        converters = self.converters if same_columns else ()
        first = first_page.format(self.sql) if first_page else ""
        return replace(self, sql=template.format(self.sql), converters=converters, first_sql=first)

    def subquery(self, values: Values) -> RawSQL:
        """The query for ``values`` as a subquery (``pk__in=``)."""
        # Django's own SQL for our querysets; every value a parameter.
        return RawSQL(self.sql, self.params(values))  # noqa: S611


#: psycopg's count of runs before it prepares a query unasked: never, in effect.
ONLY_WHEN_ASKED = 2**31 - 1


_PLACES = re.compile(r"%[s%]")


@functools.lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """Django's SQL (``%s`` for each value, ``%%`` for a percent sign) as PostgreSQL's
    own (``$1``, ``$2``...), worked out once for each kept query (and each way it is
    cut or wrapped): psycopg, given the first, parses it again on every run (2.7 ms of
    a 4.5 ms run of the dashboard's largest union)."""
    numbers = itertools.count(1)
    return _PLACES.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


class _Preparing:
    """A psycopg cursor whose every query is prepared (server-side binding), sent in
    PostgreSQL's own numbered form (:func:`numbered`)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.last: tuple[str, Any] = ("", None)

    def execute(self, sql: str, params: Any = None) -> Any:
        self.last = (sql, params)
        return self.raw.execute(numbered(sql), params, prepare=True)

    @property
    def _query(self) -> Any:
        """What Django's query log reads of the last query (psycopg keeps no text of a
        prepared one): the query with its values written in."""
        import psycopg

        sql, params = self.last
        text = psycopg.ClientCursor(self.raw.connection).mogrify(sql, params)
        return SimpleNamespace(query=text.encode())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def __iter__(self) -> Any:
        return iter(self.raw)


@contextmanager
def cursor(alias: str = "default", *, planned_once: bool = False) -> Iterator[CursorWrapper]:
    """A cursor to run kept queries with: on PostgreSQL its values travel apart from
    the SQL and each query is prepared on the connection (kept by psycopg, a hundred at
    most), and with ``planned_once`` planned once for every run; elsewhere the
    connection's own. Wrapped as the connection's cursors are, so query logging and
    execute wrappers see what it runs.

    ``planned_once`` is a setting of a transaction (``SET LOCAL plan_cache_mode``), so
    it reaches no other query, nor, through a pooler handing out connections a
    transaction at a time, anyone else's: outside a transaction the cursor opens one of
    its own; inside the caller's, the setting is given back as soon as the cursor is
    done (or by the rollback of a transaction that failed). It is a setting, not a
    query, so Django's query log leaves it out."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with connection.cursor() as own:
            yield own
        return
    if not planned_once:
        with _prepared(connection) as kept:
            yield kept
        return
    callers = connection.in_atomic_block
    with transaction.atomic(using=alias, savepoint=False):
        _plan_cache_mode(connection, "force_generic_plan")
        with _prepared(connection) as kept:
            yield kept
        if callers:
            _plan_cache_mode(connection, "DEFAULT")


@contextmanager
def _prepared(connection: Any) -> Iterator[CursorWrapper]:
    """A cursor of ``connection`` (PostgreSQL's) whose every query is prepared."""
    import psycopg

    connection.ensure_connection()
    link = connection.connection
    if link.prepare_threshold is None:
        # Django turns psycopg's preparing off; on again for the queries asked to be
        # prepared alone (the connection's own cursors bind on the client: never).
        link.prepare_threshold = ONLY_WHEN_ASKED
    wrapped = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    with wrapped(_Preparing(psycopg.RawCursor(link)), connection) as kept:
        yield kept


def _plan_cache_mode(connection: Any, value: str) -> None:
    """Set how PostgreSQL plans prepared statements for the rest of this transaction
    (``value``: one of our constants), with Django's handling of database errors."""
    with connection.wrap_database_errors:
        connection.connection.execute(f"SET LOCAL plan_cache_mode = {value}")


_kept: dict[Hashable, Compiled] = {}
_lock = threading.Lock()


def _standins() -> dict[Any, Any]:
    return {PERSON: PERSON, EMAIL: EMAIL, **{c: c for c in CASE_IDS}}


def compile_once(
    key: Hashable,
    build: Callable[[], QuerySet[Any]],
    using: str = "default",
    *,
    planned_once: bool = False,
) -> Compiled:
    """The kept SQL of ``build()`` (a queryset for the stand-ins), compiled the first
    time ``key`` is asked for on this database connection's kind of database.
    ``planned_once``: on PostgreSQL, planned once for everyone's values rather than
    when PostgreSQL guesses that would do (see the module's note): only for a query
    whose best plan is the same whoever runs it."""
    connection = connections[using]
    full_key = (key, using, connection.vendor, planned_once)
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
    made = Compiled(sql, slots, converters, using, planned_once)
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
