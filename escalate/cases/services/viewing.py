"""The read log without a database write per page: who opened a case, spooled to a file
and moved into the chronology in bulk.

Opening the case page is the commonest request there is; writing (and committing) a
chronology entry for each would make every read a write. Instead :func:`spool_view`
appends one JSON line to this process's spool file in the data directory (opened for
appending, written in one call and flushed, so a crash of the process loses nothing
the operating system was given), and :func:`flush_views` moves every spooled line into
:class:`~escalate.cases.models.Event` rows (action ``case.viewed``) with one
``bulk_create`` per batch. The background loop calls it every few seconds; anything
that reads who viewed a case calls it first (it costs one directory listing when
nothing is spooled), or shows the views not flushed yet beside the stored ones
(:func:`views_of`).

Exactly once, with several processes (and threads) writing and flushing:

- each line carries a unique id, kept with its entry (``data["view_id"]``);
- a writer locks its spool file while it writes, and checks the file it locked is
  still the one spooled to (a flush may have just taken it); a flush takes a spool
  file by renaming it to a batch file under the same lock, so no line is written to a
  file being read;
- one flush at a time works on a batch (a non-blocking lock; a second flush skips it);
  it inserts the lines whose ids are not in the chronology yet, commits, and only then
  removes the batch. A crash between the commit and the removal leaves the batch to be
  read again, and its lines are found already stored.

Trust: the folder is this system user's alone (``0o700``, tightened if wider; if another
user owns it nothing is spooled and each view is written to the chronology at once), the
files are ``0o600`` and never opened through a symbolic link, and each line is signed
(an HMAC with ``SECRET_KEY``): a line anyone else wrote is left out, as is a signed line
whose fields are not what the chronology can store.

Views of other pages showing the person at risk (the referral form, with ``what``) are
still written at once by :func:`escalate.cases.services.record_case_viewed`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import socket
import stat
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from escalate import clock
from escalate.cases.models import VIEWED, Case, Event
from escalate.cases.permissions import CaseAccess
from escalate.cases.services.records import record_case_viewed

logger = logging.getLogger(__name__)

#: Where a process spools (one file each) and where a flush puts what it took.
SPOOL_PREFIX = "spool-"
BATCH_PREFIX = "batch-"
SUFFIX = ".jsonl"

#: How many spooled views one transaction stores.
BATCH_SIZE = 2000

#: Past this many bytes waiting, :func:`views_of` stores them rather than read them all.
PENDING_READ_LIMIT = 512 * 1024

#: The key of a stored view's id in its entry's data.
VIEW_ID = "view_id"

#: The salt of each line's signature (an HMAC keyed with ``SECRET_KEY``).
MAC_SALT = "escalate.cases.services.viewing.spool-line"

#: The largest values the chronology's columns hold: case and person ids (bigint),
#: stage (smallint) and version (integer); and the longest view id kept.
MAX_ID = 2**63 - 1
MAX_STAGE = 2**15 - 1
MAX_VERSION = 2**31 - 1
MAX_VIEW_ID = 64

#: How spool files are opened for writing. Read as well as written: a file left by a
#: process that died mid-line (and whose host and pid this one has) is checked for it.
WRITE_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW

_hostname = socket.gethostname().replace(os.sep, "_") or "host"
_lock = threading.Lock()


def spool_dir() -> Path:
    """The folder views are spooled to: ``VIEW_SPOOL_DIR`` if set, else ``views`` in the
    data directory."""
    configured = getattr(settings, "VIEW_SPOOL_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "views"


def spool_path() -> Path:
    """This process's spool file (host and process id, so processes never share one)."""
    return spool_dir() / f"{SPOOL_PREFIX}{_hostname}-{os.getpid()}{SUFFIX}"


# ---------------------------------------------------------------- writing


class SpoolRefused(OSError):
    """The spool folder is not this system user's alone, so nothing is spooled there."""


def spool_view(access: CaseAccess) -> str:
    """Note that ``access``'s person opened its case now: one signed line appended to
    the spool, no database query. The person's access says they may see it (a refusal
    is not a view). Returns the view's id; "" if the spool could not be written (logged),
    when the view is written to the chronology at once instead."""
    case = access.case
    if not access.can_view:
        raise ValueError("only a view of a case the person may see is in the read log")
    line = {
        "id": uuid.uuid4().hex,
        "case": case.pk,
        "actor": access.user.pk,
        "at": clock.now().isoformat(),
        "stage": case.current_stage,
        "version": case.version,
    }
    try:
        append(signed(line))
    except OSError as exc:
        logger.error(  # noqa: TRY400 - the reason is enough; no personal data in it
            "A view could not be spooled (%s: %s) and is written to the chronology directly.",
            type(exc).__name__,
            exc.strerror or exc,
        )
        record_case_viewed(access.user, case)
        return ""
    return str(line["id"])


def signature(body: bytes, secret: str | bytes | None = None) -> str:
    """The HMAC of one line's JSON (keyed with ``SECRET_KEY`` unless ``secret``)."""
    return salted_hmac(MAC_SALT, body, secret=secret, algorithm="sha256").hexdigest()


def signed(view: dict[str, Any]) -> str:
    """One spool line for ``view``: its signature, a space, its JSON, a newline."""
    body = json.dumps(view, separators=(",", ":"))
    return f"{signature(body.encode())} {body}\n"


def trusted_dir() -> Path:
    """The spool folder, made (``0o700``) if missing and tightened if wider; raises
    :class:`SpoolRefused` if it is not a folder of this system user's."""
    folder = spool_dir()
    with suppress(FileExistsError):
        folder.mkdir(parents=True, mode=0o700)
    me = os.geteuid()
    link = os.lstat(folder)
    if stat.S_ISLNK(link.st_mode) and link.st_uid != me:
        raise SpoolRefused("the view spool folder is a link another user owns")
    info = os.stat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise SpoolRefused("the view spool folder is not a folder")
    if info.st_uid != me:
        raise SpoolRefused("the view spool folder belongs to another user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(folder, 0o700)
    return folder


def append(text: str) -> None:
    """Append ``text`` (whole lines) to this process's spool file, in one write. If the
    file does not end a line (left by an earlier process with this host and pid that
    died mid-write), a newline goes first, so the cut-off line stays on its own."""
    data = text.encode()
    trusted_dir()
    path = spool_path()
    with _lock:
        while True:
            fd = os.open(path, WRITE_FLAGS, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if not same_file(fd, path):
                    continue  # a flush took this file just now: spool to a new one
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                    raise SpoolRefused("the view spool file is not a file of this user's")
                if stat.S_IMODE(info.st_mode) & 0o077:
                    os.fchmod(fd, 0o600)
                cut_off = info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n"
                write_all(fd, b"\n" + data if cut_off else data)
                return
            finally:
                os.close(fd)  # and so unlocked


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` (one call, unless the system takes less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def same_file(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the one at ``path``."""
    try:
        on_disk = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_ino, on_disk.st_dev) == (mine.st_ino, mine.st_dev)


def open_to_read(path: Path) -> IO[bytes] | None:
    """``path`` opened to read, not through a link; None if gone (or not openable)."""
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return None
    return os.fdopen(fd, "rb")


# ---------------------------------------------------------------- flushing


def flush_views() -> int:
    """Store every spooled view in the chronology, exactly once; how many were stored.
    Safe to call from any number of processes at once, and cheap (one directory
    listing, no query) when nothing is spooled."""
    folder = spool_dir()
    try:
        names = [e.name for e in os.scandir(folder) if e.name.endswith(SUFFIX)]
    except FileNotFoundError:
        return 0
    if not names:
        return 0
    for name in names:
        if name.startswith(SPOOL_PREFIX):
            claim(folder / name)
    stored = 0
    for batch in sorted(folder.glob(f"{BATCH_PREFIX}*{SUFFIX}")):
        stored += store_batch(batch)
    return stored


def claim(path: Path) -> Path | None:
    """Take a spool file for flushing, by renaming it to a batch file (under the lock its
    writer takes, so no line is half-written or written after)."""
    f = open_to_read(path)  # held open across the lock and rename
    if f is None:
        return None
    with f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            if not same_file(f.fileno(), path):
                return None  # another flush took it
            if os.fstat(f.fileno()).st_size == 0:
                return None
            batch = path.with_name(f"{BATCH_PREFIX}{uuid.uuid4().hex}{SUFFIX}")
            os.rename(path, batch)
            return batch
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def store_batch(batch: Path) -> int:
    """Store one batch file's views not stored yet, then remove it; 0 if another flush
    is working on it."""
    with held(batch) as f:
        if f is None:
            return 0
        views = list(read_lines(f.read()))
        stored = 0
        for start in range(0, len(views), BATCH_SIZE):
            stored += store(views[start : start + BATCH_SIZE])
        with suppress(FileNotFoundError):
            os.unlink(batch)
        return stored


@contextmanager
def held(batch: Path) -> Iterator[IO[bytes] | None]:
    """The batch file, locked for this flush alone (None: gone, or another has it)."""
    f = open_to_read(batch)
    if f is None:
        yield None
        return
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            yield f if same_file(f.fileno(), batch) else None
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_lines(data: bytes) -> Iterator[dict[str, Any]]:
    """The views in a spool file's bytes, each once, their fields checked (:func:`parse`).
    A line whose signature does not match (cut short by a crash mid-write, or not written
    by Escalate), or whose fields the chronology could not store, is left out; how many
    were is logged, once, without their content."""
    seen: set[str] = set()
    unsigned = unreadable = 0
    for raw in data.splitlines():
        if not raw.strip():
            continue
        body = authentic(raw)
        if body is None:
            unsigned += 1
            continue
        view = parse(body)
        if view is None:
            unreadable += 1
            continue
        if view["id"] not in seen:
            seen.add(view["id"])
            yield view
    if unsigned:
        logger.warning(
            "%s spooled view line(s) were left out: cut short, or not signed by Escalate.",
            unsigned,
        )
    if unreadable:
        logger.warning("%s signed spooled view line(s) did not read and were left out.", unreadable)


def authentic(raw: bytes) -> bytes | None:
    """The JSON of a spool line whose signature matches (``SECRET_KEY`` or one of its
    fallbacks), else None."""
    given, space, body = raw.strip().partition(b" ")
    if not space:
        return None
    try:
        mac = given.decode("ascii")
    except UnicodeDecodeError:
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return body if any(constant_time_compare(mac, signature(body, s)) for s in secrets) else None


def parse(body: bytes) -> dict[str, Any] | None:
    """A spooled view from its JSON, None unless every field is one the chronology can
    store: a short id, whole numbers in their columns' ranges, an aware date and time."""
    try:
        view = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(view, dict):
        return None
    view_id, at = view.get("id"), view.get("at")
    if not isinstance(view_id, str) or not 0 < len(view_id) <= MAX_VIEW_ID:
        return None
    limits = {"case": MAX_ID, "actor": MAX_ID, "stage": MAX_STAGE, "version": MAX_VERSION}
    if not all(whole(view.get(key), top) for key, top in limits.items()):
        return None
    if not isinstance(at, str):
        return None
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    if when.utcoffset() is None:
        return None
    return {"id": view_id, "at": when, **{key: view[key] for key in limits}}


def whole(value: object, top: int) -> bool:
    """Whether ``value`` is a whole number from 1 to ``top`` (not a bool)."""
    return type(value) is int and 1 <= value <= top


def store(views: list[dict[str, Any]]) -> int:
    """Insert the views not in the chronology yet, in one transaction."""
    ids = [v["id"] for v in views]
    case_ids = {v["case"] for v in views}
    with transaction.atomic():
        # Two flushers never hold one batch at once; this is for a batch read again
        # after a crash between its commit and its removal.
        already = Event.objects.filter(action=VIEWED, case_id__in=case_ids).filter(
            **{f"data__{VIEW_ID}__in": ids}
        )
        done = {str(v) for v in already.values_list(f"data__{VIEW_ID}", flat=True)}
        cases = set(Case.objects.filter(pk__in=case_ids).values_list("pk", flat=True))
        actors = set(
            get_user_model()
            .objects.filter(pk__in={v["actor"] for v in views})
            .values_list("pk", flat=True)
        )
        new = [
            entry(v)
            for v in views
            if v["id"] not in done and v["case"] in cases and v["actor"] in actors
        ]
        Event.objects.bulk_create(new, batch_size=500)
    return len(new)


def entry(view: dict[str, Any]) -> Event:
    """The chronology entry for one spooled view (as :func:`read_lines` gives it)."""
    return Event(
        case_id=view["case"],
        actor_id=view["actor"],
        at=view["at"],
        action=VIEWED,
        stage=view["stage"],
        data={VIEW_ID: view["id"]},
        version=view["version"],
    )


# ---------------------------------------------------------------- reading


def pending_for(case_id: int) -> list[dict[str, Any]]:
    """The views of one case spooled and not stored yet (some may be being stored as
    this reads: :func:`views_of` leaves out any stored already). Only the lines naming
    the case are checked (signature and fields): each is spooled as compact JSON
    (:func:`signed`), so one naming it holds ``"case":<id>``; a file with none is passed
    over whole."""
    needle = b'"case":%d' % case_id
    folder = spool_dir()
    try:
        files = [Path(e.path) for e in os.scandir(folder) if e.name.endswith(SUFFIX)]
    except FileNotFoundError:
        return []
    found: list[dict[str, Any]] = []
    for path in files:
        f = open_to_read(path)
        if f is None:
            continue  # taken and stored since the listing
        with f:
            data = f.read()
        if needle not in data:
            continue
        naming = b"\n".join(line for line in data.splitlines() if needle in line)
        found.extend(v for v in read_lines(naming) if v["case"] == case_id)
    return found


def pending_bytes() -> int:
    """How much is spooled and not stored yet."""
    total = 0
    with suppress(FileNotFoundError):
        for e in os.scandir(spool_dir()):
            if e.name.endswith(SUFFIX):
                with suppress(FileNotFoundError):
                    total += e.stat().st_size
    return total


def views_of(case: Case, stored: Iterable[Event], limit: int) -> list[Event]:
    """The latest ``limit`` views of ``case``, newest first: ``stored`` (the chronology's,
    newest first, with their actors) and those spooled, not stored yet (unsaved entries,
    their actors read in one query). No write, unless more is waiting than is worth
    reading (:data:`PENDING_READ_LIMIT`), when it is all stored first."""
    if pending_bytes() > PENDING_READ_LIMIT:
        flush_views()
    stored = list(stored)
    known = {str((e.data or {}).get(VIEW_ID, "")) for e in stored}
    pending = [v for v in pending_for(case.pk) if v["id"] not in known]
    if pending:
        people = get_user_model().objects.in_bulk({v["actor"] for v in pending})
        waiting = []
        for v in pending:
            e = entry(v)
            if e.actor_id in people:
                e.actor = people[e.actor_id]
                waiting.append(e)
        stored = waiting + stored
    stored.sort(key=lambda e: e.at, reverse=True)
    return stored[:limit]
