"""Writing many rows at once, fast, without making a model instance per row.

For the reminder sweep, which may owe 100,000 reminders in one morning. Values are
given as Python values (dates, ints, strings); what every row shares is given once.

On PostgreSQL a batch is one statement whatever its size: each column's values go as
one array parameter, ``INSERT ... SELECT ... FROM unnest(...)``, so the server parses
and plans it once and the parameters do not grow with the rows (one prepared INSERT a
row, ``executemany``, was two thirds of a 100,000-reminder sweep: with client-side
binding every row is a statement of its own). Elsewhere (SQLite, in-process, where a
statement costs no round trip) one prepared INSERT is run for every row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import DateField, Field, Model


def insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    same: dict[str, Any] | None = None,
    ignore_conflicts: bool = False,
) -> None:
    """Insert ``rows`` (values of ``columns``, by field name) into ``model``'s table; the
    other fields take the values in ``same``, else their defaults, as the ORM would
    (``ignore_conflicts``: a row a unique constraint refuses is skipped)."""
    _write(model, columns, rows, same, ignore_conflicts, None)


def insert_new(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: str,
    same: dict[str, Any] | None = None,
) -> list[Any] | None:
    """Insert ``rows`` as :func:`insert` does, skipping each a unique constraint refuses,
    and give the ``returning`` field's value of every row this statement inserted; or
    None where the database cannot say (SQLite with ``executemany``): the caller reads
    them back."""
    return _write(model, columns, rows, same, True, returning)


def _write(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    same: dict[str, Any] | None,
    ignore_conflicts: bool,
    returning: str | None,
) -> list[Any] | None:
    fields = {f.name: f for f in model._meta.concrete_fields}
    prototype = model(**(same or {}))
    shared = [
        (f, f.get_db_prep_save(getattr(prototype, f.attname), connection))
        for f in model._meta.concrete_fields
        if f.name not in columns and not f.primary_key
    ]
    given = [fields[name] for name in columns]
    quote = connection.ops.quote_name
    names = [quote(str(f.column)) for f in given] + [quote(str(f.column)) for f, _ in shared]
    table, tail = quote(model._meta.db_table), [value for _, value in shared]
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    back = f" RETURNING {quote(str(fields[returning].column))}" if returning else ""
    values = _columns(given, rows)
    if not values:
        return [] if returning else None
    # Names quoted from the model's own; every value is a parameter.
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{_array_type(f)}" for f in given)
        marks = ", ".join(["%s"] * len(tail))
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608
            f"SELECT *{', ' if marks else ''}{marks} FROM unnest({arrays})"
            f"{conflicts}{back}"
        )
        with _bound_cursor() as cursor:
            cursor.execute(sql, [*tail, *values])
            return [row[0] for row in cursor.fetchall()] if returning else None
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}){conflicts}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*row, *tail] for row in zip(*values, strict=True)])
    return None


def _columns(given: list[Field[Any, Any]], rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """The rows' values a column at a time, as the database takes them (each distinct
    date adapted once); no columns for no rows."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    for field, column in zip(given, columns, strict=False):
        if isinstance(field, DateField):
            adapted = {day: field.get_db_prep_save(day, connection) for day in set(column) - {None}}
            adapted[None] = None
            column[:] = [adapted[day] for day in column]
    return columns


def _bound_cursor() -> CursorWrapper:
    """A cursor whose parameters travel apart from the SQL, arrays in binary: the
    connection's own cursors (client-side binding) write every value into the SQL text,
    which for 2,000 rows took longer than the server did to insert them. Wrapped as the
    connection's cursors are, so query logging and execute wrappers see it."""
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return CursorDebugWrapper(raw, connection)
    return CursorWrapper(raw, connection)


def _array_type(field: Field[Any, Any]) -> str:
    """The PostgreSQL array type of ``field``'s values, without a length (a cast to
    ``varchar(20)`` would cut a longer value short where the column refuses it)."""
    return re.sub(r"\(.*\)", "", str(field.db_type(connection))) + "[]"


@contextmanager
def without_jit() -> Iterator[None]:
    """On PostgreSQL, no just-in-time compilation of queries while this runs.

    A sweep's questions pass over every open case and cost more than ``jit_above_cost``
    by the planner's reckoning at national scale, so each was compiled: 1.5 s of
    compiling for 0.3 s of work on a sweep that finds nothing new. The connection's
    own setting is put back afterwards."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', false)")
        (before, _) = cursor.fetchone()
    try:
        yield
    finally:
        import psycopg

        failed = psycopg.pq.TransactionStatus.INERROR
        if connection.connection is not None and (
            connection.connection.info.transaction_status != failed
        ):  # else the transaction's rollback puts it back
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, false)", [before])
