"""Published versions' snapshots and parsed procedures, kept for the life of the
process by id (a UUID, never reused; a published version's content never changes), so
each is parsed once per process. Drafts are never kept: their text changes.
Used by :mod:`escalate.partnerships.versions`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from escalate.partnerships.version_models import ProcedureVersion, VersionStatus
from escalate.procedures.model import Procedure

#: How many parsed versions a process keeps.
KEPT = 1024


@dataclass(frozen=True)
class Entry:
    snapshot: dict[str, Any]
    procedure: Procedure | None
    #: Whether it is kept (a draft's is not).
    kept: bool = True


class Kept:
    """Versions' snapshots and parsed procedures by id, the most recent ``KEPT``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[UUID, Entry] = OrderedDict()

    def entry(self, version_id: UUID) -> Entry:
        with self._lock:
            found = self._entries.get(version_id)
            if found is not None:
                self._entries.move_to_end(version_id)
                return found
        data, status = ProcedureVersion.objects.values_list("snapshot", "status").get(pk=version_id)
        if data is None:
            raise LookupError(f"procedure version {version_id} is a draft with problems")
        if status == VersionStatus.DRAFT:
            return Entry(data, None, kept=False)
        return self.put(version_id, data, None)

    def put(self, version_id: UUID, data: dict[str, Any], procedure: Procedure | None) -> Entry:
        entry = Entry(data, procedure)
        with self._lock:
            self._entries[version_id] = entry
            self._entries.move_to_end(version_id)
            while len(self._entries) > KEPT:
                self._entries.popitem(last=False)
        return entry

    def drop(self, version_id: UUID) -> None:
        with self._lock:
            self._entries.pop(version_id, None)


kept = Kept()
