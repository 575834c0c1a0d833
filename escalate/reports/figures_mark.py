"""A mark on each partnership that moves whenever anything its report counts changes.

The board's report for a period (:mod:`escalate.reports.report_data`) is the same until
one of the rows it is counted from changes, or the day changes. The database moves the
partnership's mark itself: triggers on every table the report reads set
:class:`~escalate.reports.models.FiguresMark` to a new random value in the same
transaction as the change, whichever code makes it (a service, the admin site, a
command, a migration). So a report kept under the mark it was counted at
(:func:`escalate.reports.report_data.kept_report`) is never shown after its figures
changed:

- the mark is read before the figures are counted, so a report kept under a mark holds
  at least what was committed when the mark was read;
- a change moves the mark in its own transaction: once it is committed, everyone reads
  the new mark (and nothing kept under it yet);
- on PostgreSQL the triggers wait for the commit and move each mark once a
  transaction, however many rows it changes; a report asked for by a transaction that
  has changed anything is neither kept nor taken from what is kept (:func:`current`);
- a value does not come back (a random one, not a counter: a database restored from a
  backup, or a test's rolled-back transaction, goes on to new values, not to ones a
  process may have kept figures under).

The triggers are made after every ``migrate`` where they are missing, and every mark
moved (:func:`installed_after_migrate`, from :mod:`escalate.reports.apps`); on SQLite
they are dropped before it (:func:`dropped_before_migrate`), since SQLite will not
rebuild a table that another table's trigger names. :func:`missing` says which are
absent; a test holds every table the report reads to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from escalate.reports.models import FiguresMark

MARKS = FiguresMark._meta.db_table


@dataclass(frozen=True)
class Watched:
    """A table the report reads, and the partnerships a row of it belongs to: SQL
    selecting partnership ids, with ``{row}`` for the row (``NEW`` or ``OLD``)."""

    table: str
    partnerships: str


#: Every table :func:`escalate.reports.report_data.build_report` reads, with how a row
#: names its partnerships.
WATCHED: tuple[Watched, ...] = (
    Watched("cases_case", "SELECT {row}.partnership_id"),
    *(
        Watched(table, "SELECT partnership_id FROM cases_case WHERE id = {row}.case_id")
        for table in ("cases_stagerecord", "cases_casedeadline", "cases_policyissue")
    ),
    Watched("partnerships_partnership", "SELECT {row}.id"),
    # An agency's partnerships: those it is in, and those whose cases name it (one it
    # has left is still named in their reports).
    Watched(
        "partnerships_agency",
        "SELECT partnership_id FROM partnerships_agency_partnerships WHERE agency_id = {row}.id"
        " UNION SELECT partnership_id FROM cases_case WHERE raising_agency_id = {row}.id"
        " UNION SELECT partnership_id FROM cases_case WHERE other_agency_id = {row}.id",
    ),
    Watched("partnerships_agency_partnerships", "SELECT {row}.partnership_id"),
    Watched("partnerships_procedureversion", "SELECT {row}.partnership_id"),
    # The working-day calendars: a region's extra days off and worked bank holidays.
    *(
        Watched(table, "SELECT id FROM partnerships_partnership WHERE region = {row}.region")
        for table in ("partnerships_nonworkingday", "partnerships_workedbankholiday")
    ),
)

_EVENTS = ("INSERT", "UPDATE", "DELETE")
_PREFIX = "escalate_figures_"


def _trigger(table: str, event: str = "") -> str:
    return f"{_PREFIX}{table}" + (f"_{event.lower()}" if event else "")


def _rows(event: str) -> tuple[str, ...]:
    return {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}[event]


def _moved(watched: Watched, rows: tuple[str, ...], new_value: str, once: str = "") -> str:
    """The statement that moves the mark of every partnership ``rows`` belong to;
    ``once``, SQL naming the transaction, moves each mark once a transaction."""
    which = " OR ".join(
        f"partnership_id IN ({watched.partnerships.format(row=row)})" for row in rows
    )
    if not once:
        return f"UPDATE {MARKS} SET mark = {new_value} WHERE {which};"  # noqa: S608 - constants
    return (
        f"UPDATE {MARKS} SET mark = {new_value}, moved_in = {once} "  # noqa: S608 - constants
        f"WHERE ({which}) AND moved_in IS DISTINCT FROM {once};"
    )


#: A new random mark: SQLite's random() is 64 random bits; PostgreSQL's random() is a
#: double (52 random bits), scaled into a bigint.
_SQLITE_NEW_VALUE = "random()"
_PG_NEW_VALUE = "(random() * 4611686018427387904)::bigint"


def _first_mark(new_value: str) -> str:
    """A new partnership's mark (a trigger on the partnership table makes it)."""
    # (Nothing if it has one: PostgreSQL's deferred trigger runs at the commit, after a
    # migrate or flush in the same transaction may have given it one.)
    return (
        f"INSERT INTO {MARKS} (partnership_id, mark) VALUES (NEW.id, {new_value}) "  # noqa: S608
        "ON CONFLICT (partnership_id) DO NOTHING;"
    )


@dataclass(frozen=True)
class _Made:
    """What :func:`install` makes for one watched table: statements run every time
    (PostgreSQL's trigger functions, replaced in place without locking the table), and
    each trigger by name, with its table and the statement that makes it."""

    always: tuple[str, ...]
    triggers: dict[str, tuple[str, str]]


def _sqlite(watched: Watched) -> _Made:
    triggers = {}
    for event in _EVENTS:
        body = _moved(watched, _rows(event), _SQLITE_NEW_VALUE)
        if watched.table == "partnerships_partnership" and event == "INSERT":
            body = _first_mark(_SQLITE_NEW_VALUE)
        name = _trigger(watched.table, event)
        triggers[name] = (
            watched.table,
            f"CREATE TRIGGER {name} AFTER {event} ON {watched.table} FOR EACH ROW BEGIN {body} END",
        )
    return _Made((), triggers)


#: Part of each PostgreSQL trigger's name: a trigger there is left as it is once made
#: (:func:`install`), so a change to how they are made needs a new name.
_PG_KIND = "deferred_"


def _postgresql(watched: Watched) -> _Made:
    function = _trigger(_PG_KIND + watched.table)
    steps = []
    for event in _EVENTS:
        # Once a transaction: PostgreSQL keeps every version of a row a transaction
        # updates until it ends, so a mark moved for each of a bulk change's rows made
        # the change take time as the square of its rows (20,000 rows: 4.6 s, not 0.2).
        body = _moved(watched, _rows(event), _PG_NEW_VALUE, once="txid_current()")
        if watched.table == "partnerships_partnership" and event == "INSERT":
            body = _first_mark(_PG_NEW_VALUE)
        steps.append(f"IF TG_OP = '{event}' THEN {body} END IF;")
    replace_function = (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {' '.join(steps)} RETURN NULL; END $$"
    )
    # Deferred to the commit: a transaction takes the lock on a mark's row after every
    # other lock it takes, and holds it only while it commits, so two writers of one
    # partnership never wait on each other in turn (a case's change, holding its mark,
    # waiting for deadline rows that a working-day resync held while waiting for it).
    trigger = (
        f"CREATE CONSTRAINT TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE "
        f"ON {watched.table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    return _Made((replace_function,), {function: (watched.table, trigger)})


def _wanted(connection: BaseDatabaseWrapper) -> list[_Made]:
    make = _postgresql if connection.vendor == "postgresql" else _sqlite
    return [make(w) for w in WATCHED]


def install(using: str = "default") -> None:
    """Make every trigger the database lacks, and give each partnership without a
    mark one. Safe to run any number of times, and cheap when there is nothing to do:
    a trigger already there is left alone (no lock taken on its table), except that on
    SQLite one made by an older version of this module is made again, and on
    PostgreSQL the functions they run are replaced in place."""
    connection = connections[using]
    new_value = _PG_NEW_VALUE if connection.vendor == "postgresql" else _SQLITE_NEW_VALUE
    present = _present(connection)
    wanted = _wanted(connection)
    names = {name for made in wanted for name in made.triggers}
    with connection.cursor() as cursor:
        for table, name in present:
            if name not in names:  # made by an older version of this module
                _drop(cursor, connection.vendor, table, name)
        for made in wanted:
            for statement in made.always:
                cursor.execute(statement)
            for name, (table, statement) in made.triggers.items():
                there = present.get((table, name))
                if there is not None and (connection.vendor == "postgresql" or there == statement):
                    continue
                if there is not None:
                    _drop(cursor, connection.vendor, table, name)
                cursor.execute(statement)
        cursor.execute(
            f"INSERT INTO {MARKS} (partnership_id, mark) SELECT id, {new_value} "  # noqa: S608
            f"FROM partnerships_partnership WHERE id NOT IN (SELECT partnership_id FROM {MARKS})"
        )


def uninstall(using: str = "default") -> None:
    """Drop every trigger (and PostgreSQL trigger function) this module makes, found by
    name in the database's own catalogue, whatever version of it made them."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table, name in _present(connection):
            _drop(cursor, connection.vendor, table, name)


def _drop(cursor: Any, vendor: str, table: str, name: str) -> None:
    if vendor == "postgresql":
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def missing(using: str = "default") -> list[str]:
    """The triggers :func:`install` makes that the database does not have."""
    connection = connections[using]
    present = _present(connection)
    return sorted(
        name
        for made in _wanted(connection)
        for name, (table, _) in made.triggers.items()
        if (table, name) not in present
    )


def _present(connection: BaseDatabaseWrapper) -> dict[tuple[str, str], str]:
    """The triggers of this module the database has, by table and name: on SQLite with
    the statement that made them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table, trigger_name, '' "
                "FROM information_schema.triggers WHERE trigger_name LIKE %s",
                [_PREFIX + "%"],
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE %s",
                [_PREFIX + "%"],
            )
        return {(table, name): sql for table, name, sql in cursor.fetchall()}


def current(partnership_id: int, using: str = "default") -> int | None:
    """The partnership's mark now. None: it has none, or (on PostgreSQL, whose
    triggers move a mark as the transaction commits) the transaction asking has
    changed something, which the mark does not show yet: nothing may be kept or taken
    under it."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        found = FiguresMark.objects.using(using).filter(partnership_id=partnership_id)
        return found.values_list("mark", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT mark, txid_current_if_assigned() IS NOT NULL "  # noqa: S608
            f"FROM {MARKS} WHERE partnership_id = %s",
            [partnership_id],
        )
        row = cursor.fetchone()
    return None if row is None or row[1] else int(row[0])


def dropped_before_migrate(using: str = "default", **kwargs: Any) -> None:
    """``pre_migrate``, on SQLite: no trigger while migrations run. SQLite changes a
    table by making a new one and renaming it, which it refuses while a trigger on
    another table names the old one; :func:`installed_after_migrate` makes them
    again. (PostgreSQL changes tables in place: its triggers stay, and move the marks
    for what data migrations change.)"""
    connection = connections[using]
    if connection.vendor != "postgresql" and MARKS in connection.introspection.table_names():
        uninstall(using)
        # No mark, nothing kept (current() is None) until they are made again.
        FiguresMark.objects.using(using).all().delete()


def installed_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """``post_migrate``: :func:`install` on the database just migrated, once its tables
    are there (a migration run that stopped short of them installs nothing), then move
    every mark: what a migration changed while there were no triggers counts as a
    change."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if MARKS in tables and all(w.table in tables for w in WATCHED):
        install(using)
        new_value = _PG_NEW_VALUE if connection.vendor == "postgresql" else _SQLITE_NEW_VALUE
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {MARKS} SET mark = {new_value}")  # noqa: S608 - constants
