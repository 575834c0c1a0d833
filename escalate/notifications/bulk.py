"""Writing many rows at once, fast: one prepared INSERT run for every row
(``executemany``), without making a model instance per row.

For the reminder sweep, which may owe 100,000 reminders in one morning. Values are
given as Python values (dates, ints, strings); what every row shares is given once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import DateField, Model


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
    fields = {f.name: f for f in model._meta.concrete_fields}
    prototype = model(**(same or {}))
    shared = [
        (f, f.get_db_prep_save(getattr(prototype, f.attname), connection))
        for f in model._meta.concrete_fields
        if f.name not in columns and not f.primary_key
    ]
    given = [fields[name] for name in columns]
    dates = [i for i, f in enumerate(given) if isinstance(f, DateField)]
    quote = connection.ops.quote_name
    names = [quote(str(f.column)) for f in given] + [quote(str(f.column)) for f, _ in shared]
    # Names quoted from the model's own; every value is a parameter.
    table, marks = quote(model._meta.db_table), ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    tail = [value for _, value in shared]
    adapted: dict[Any, Any] = {}

    def prepared(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i in dates:
            day = values[i]
            if day is not None:
                if day not in adapted:
                    adapted[day] = given[i].get_db_prep_save(day, connection)
                values[i] = adapted[day]
        return values + tail

    with connection.cursor() as cursor:
        cursor.executemany(sql, [prepared(row) for row in rows])
