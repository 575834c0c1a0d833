"""What a procedure version holds, worked out once: its snapshot (the definition as
JSON) and the snapshot's :func:`content_hash`, which makes two versions the same; and
the library's definitions as :mod:`escalate.partnerships.versions` stores them.
Nothing here reads or writes the database."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING, Any

from escalate.procedures import library
from escalate.procedures.model import Procedure

if TYPE_CHECKING:
    from escalate.partnerships.models import Partnership


def snapshot(procedure: Procedure) -> dict[str, Any]:
    """The definition as JSON, as a version stores it."""
    data: dict[str, Any] = procedure.model_dump(mode="json")
    return data


def content_hash(data: dict[str, Any]) -> str:
    """What makes two snapshots the same version. (Migration cases/0007 repeats this
    inline, as migrations must not import live code; a test checks the two agree.)"""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def library_procedure(partnership: Partnership) -> Procedure | None:
    """The library's definition for the partnership's key (None: there is none)."""
    try:
        return library.get(partnership.procedure_key)
    except KeyError:
        return None


_lock = threading.Lock()
_seen: dict[int, tuple[Procedure, dict[str, Any], str]] = {}


def library_entry(procedure: Procedure) -> tuple[dict[str, Any], str]:
    """The snapshot and hash of a library definition, worked out once per object."""
    with _lock:
        seen = _seen.get(id(procedure))
    if seen is not None and seen[0] is procedure:
        return seen[1], seen[2]
    data = snapshot(procedure)
    digest = content_hash(data)
    with _lock:
        if len(_seen) >= 64:
            _seen.clear()
        _seen[id(procedure)] = (procedure, data, digest)
    return data, digest


def library_text(procedure: Procedure, digest: str) -> str:
    """The shipped file's text, if it is what ``procedure`` was read from."""
    path = library.LIBRARY / f"{procedure.key}.toml"
    try:
        text = path.read_text(encoding="utf-8-sig")
        same = content_hash(snapshot(library.parse(text, str(path)))) == digest
    except (OSError, UnicodeDecodeError, library.DefinitionError):
        return ""
    return text if same else ""
