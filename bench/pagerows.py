"""Rows written straight through the database connection for :mod:`bench.pagedata`:
each model's columns in order, copied with new ids, moved dates, a team's people and
addresses (:class:`Table`), and single rows copied through the ORM (:func:`copy_row`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def team_email(address: str, team: int) -> str:
    """Team 0's ``address`` as team ``team``'s: ``someone.t7@agency.example``."""
    if not team:
        return address
    local, _, domain = address.rpartition("@")
    return f"{local}.t{team}@{domain}"


class Table:
    """Writing one model's rows straight through the connection, in its columns' order."""

    def __init__(self, model: Any) -> None:
        from django.db import connection
        from django.db import models as m
        from django.db.models import Max

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.index = {f.name: i for i, f in enumerate(self.fields)}
        self.pk = next(i for i, f in enumerate(self.fields) if f.primary_key)
        self.next_id = (model._base_manager.aggregate(n=Max("pk"))["n"] or 0) + 1
        q = connection.ops.quote_name
        columns = ", ".join(q(f.column) for f in self.fields)
        marks = ", ".join(
            f"%s::{f.db_type(connection)}"
            if connection.vendor == "postgresql" and isinstance(f, m.JSONField)
            else "%s"
            for f in self.fields
        )
        table = q(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.postgres = connection.vendor == "postgresql"
        self.kinds: list[tuple[str, Any]] = []
        for f in self.fields:
            if f.primary_key:
                self.kinds.append(("pk", None))
            elif f.is_relation and f.related_model._meta.label == "accounts.User":
                self.kinds.append(("user", None))
            elif f.is_relation:
                self.kinds.append(("fk", f.related_model))
            elif isinstance(f, m.JSONField):
                self.kinds.append(("json", f.encoder))
            elif isinstance(f, m.DateTimeField | m.DateField):
                self.kinds.append(("date", f))
            elif isinstance(f, m.EmailField) and not f.unique:
                self.kinds.append(("email", None))
            elif f.unique and isinstance(f, m.CharField):
                self.kinds.append(("unique", f.max_length))
            else:
                self.kinds.append(("", None))
        self._dates: dict[tuple[Any, Any, int], Any] = {}
        self._emails: dict[tuple[str, int], str] = {}

    def prepare(self, row: Any) -> list[Any]:
        """A template row as the database takes it; dates and ids kept as Python values."""
        from django.db import connection

        values: list[Any] = []
        for f, (kind, _) in zip(self.fields, self.kinds, strict=True):
            value = getattr(row, f.attname)
            if kind == "json" and value is not None:
                value = json.dumps(value, cls=self.kinds[len(values)][1])  # cast in the SQL
            elif kind in ("", "unique") and value is not None:
                value = f.get_db_prep_save(value, connection)
            elif kind in ("fk", "user") and value is not None and not isinstance(value, int):
                value = f.get_db_prep_save(value, connection)  # a key that is not a number
            values.append(value)
        return values

    def field_value(self, name: str, value: Any) -> Any:
        from django.db import connection

        return self.fields[self.index[name]].get_db_prep_save(value, connection)

    def set(self, row: list[Any], name: str, value: Any) -> None:
        row[self.index[name]] = value

    def copy(
        self,
        row: list[Any],
        ids: dict[Any, dict[int, int]],
        users: dict[int, int],
        days: int,
        team: int = 0,
    ) -> list[Any]:
        from django.db import connection

        out = []
        mine = ids[self.model]
        for value, (kind, what) in zip(row, self.kinds, strict=True):
            if value is None or not kind or kind == "json":
                out.append(value)
            elif kind == "email":
                out.append(self._email(value, team))
            elif kind == "pk":
                out.append(mine[value])
            elif kind == "user":
                out.append(users.get(value, value))
            elif kind == "fk":
                out.append(ids[what].get(value, value) if what in ids else value)
            elif kind == "date":
                key = (what, value, days)
                if key not in self._dates:
                    moved = value - dt.timedelta(days=days)
                    self._dates[key] = what.get_db_prep_save(moved, connection)
                out.append(self._dates[key])
            else:  # unique text: made unique again
                text = hashlib.sha256(f"{value}/{mine[row[self.pk]]}".encode()).hexdigest()
                out.append(text[:what])
        return out

    def _email(self, value: str, team: int) -> str:
        """``value``, the address of someone in team 0, as the same person's in ``team``
        (as :meth:`_Copier._people` names them)."""
        if not team or "@" not in value:
            return value
        key = (value, team)
        found = self._emails.get(key)
        if found is None:
            found = self._emails[key] = team_email(value, team)
        return found

    def insert(self, rows: list[list[Any]]) -> None:
        """``rows`` written: on PostgreSQL by ``COPY`` (``executemany``'s ``INSERT`` a
        row had been most of the copying's time there; JSON goes as its text, which
        the server reads as JSON), else by ``executemany``."""
        from django.db import connection

        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            for start in range(0, len(rows), 5000):
                cursor.executemany(self.sql, rows[start : start + 5000])


#: A case to add looks at: its id, raised and closed days, who looks, stage and version.
_Looked = tuple[int, dt.date, dt.date | None, list[int], int, int]


def copy_row(row: Any, maps: dict[Any, Any], days: int, salt: str) -> Any:
    """A new, unsaved row like ``row``: foreign keys through ``maps`` (old id: new id,
    by model or its label; ids not there stay), dates ``days`` earlier, unique text
    made unique again with ``salt``."""
    from django.db import models as m

    model = type(row)
    values: dict[str, Any] = {}
    back = dt.timedelta(days=days)
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(row, f.attname)
        if f.is_relation and value is not None:
            label = f.related_model._meta.label
            mapping = maps[f.related_model] if f.related_model in maps else maps.get(label)
            if mapping is not None:
                value = mapping.get(value, value)
        elif isinstance(f, m.DateTimeField | m.DateField) and value is not None and days:
            value = value - back
        elif f.unique and isinstance(f, m.CharField) and value:
            value = hashlib.sha256(f"{value}/{salt}".encode()).hexdigest()[: f.max_length]
        values[f.attname] = value
    return model(**values)
