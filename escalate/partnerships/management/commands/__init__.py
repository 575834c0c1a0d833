"""What ``escalate procedure import`` and ``escalate procedure export`` share.

They are Django commands (``procedure_import``, ``procedure_export``) because they read
and write a partnership's procedure versions; ``escalate/cli.py`` runs them as
``escalate procedure import|export``, and they name themselves so in every message.

Both act through :mod:`escalate.partnerships.versions` only. Its functions that change a
version take the acting person, checked by
:func:`~escalate.partnerships.administration.may_administer_partnership`. Whoever runs
``escalate`` at the shell holds the database and the settings already, so is trusted as
a superuser is: :data:`SHELL_OPERATOR` acts for them. It is no account (the version's
``created_by`` and ``published_by`` stay empty, as for versions the library supplies),
but the record of changes names them by their login name, "at the command line".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from escalate import clock
from escalate.core.management.commands import EscalateCommand
from escalate.partnerships import versions
from escalate.partnerships.models import Partnership, ProcedureVersion
from escalate.partnerships.version_models import ShownStatus

#: The effective dates a version may be published with: the years whose bank holidays
#: Escalate knows go to 2100 (escalate.procedures.calendar.LAST_YEAR).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass(frozen=True)
class ShellOperator:
    """Whoever runs ``escalate`` at the shell: administers every partnership, as an
        active superuser does, and is no account (``pk`` is None: no user row is linked;
    ``procedure import`` names them in the record of changes by their login name)."""

    pk: None = None
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = True
    is_superuser: bool = True

    def __str__(self) -> str:
        return "the operator at the shell"


SHELL_OPERATOR = ShellOperator()


class BadOption(CommandError):
    """An option given wrongly: exit code 2, as for any usage error."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class ProcedureCommand(EscalateCommand):
    """A command run as ``escalate procedure WORD`` (``shown``), named so in its help
    and in every message."""

    shown = ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # (An option of the command's own replaces Django's of the same name, such as
        # --version, which would print Django's version number.)
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, self.shown, **kwargs)

    def command_name(self) -> str:
        return self.shown


def add_partnership_argument(parser: CommandParser, option: str = "") -> None:
    """The partnership's slug: as ``option`` (required), or the first argument."""
    words = "the partnership's key, as in its web address (for example cheshire-east-sab)"
    if option:
        parser.add_argument(option, required=True, metavar="SLUG", help=words)
    else:
        parser.add_argument("partnership", metavar="SLUG", help=words)


def check_slug(slug: str, option: str) -> None:
    if not slug.strip():
        raise BadOption(f"{option} is empty: give the partnership's key.")


def find_partnership(slug: str) -> Partnership:
    found = Partnership.objects.filter(slug=slug.strip()).first()
    if found is None:
        known = ", ".join(Partnership.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"there is no partnership {slug!r} (known: {known}).")
    return found


def day(option: str, text: str) -> dt.date:
    """A YYYY-MM-DD date in ASCII digits, from :data:`EARLIEST` to :data:`LATEST`."""
    text = text.strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        found = dt.date.fromisoformat(text)
    except ValueError:
        raise BadOption(
            f"{option} {text!r} is not a date: write it as YYYY-MM-DD, like 2027-04-01."
        ) from None
    if not EARLIEST <= found <= LATEST:
        raise BadOption(f"{option} {text} is out of range: use a date from {EARLIEST} to {LATEST}.")
    return found


def spoken(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def described(version: ProcedureVersion) -> str:
    """ "version 3 (in force from 1 April 2026)", "version 4 (scheduled: in force from
    1 April 2027)", "version 2 (superseded: ...)", "version 5 (draft)": the status
    worked out for today by :func:`escalate.partnerships.versions.status_on`, as every
    page shows it."""
    if version.is_draft or version.effective_from is None:
        return f"version {version.sequence} (draft, not in force)"
    today = clock.today()
    shown = versions.status_on(
        version, today, versions.version_in_force(version.partnership, today)
    )
    day = spoken(version.effective_from)
    if shown is ShownStatus.SUPERSEDED:
        return (
            f"version {version.sequence} (superseded: effective from {day}, replaced by a "
            "version effective later)"
        )
    if shown is ShownStatus.SCHEDULED:
        return f"version {version.sequence} (scheduled: in force from {day})"
    return f"version {version.sequence} (published, in force from {day})"


def writable(option: str, text: str) -> Path:
    """The file ``--output`` names, if it can be written (its folder exists)."""
    if not text.strip():
        raise BadOption(f"{option} is empty: name the file to write.")
    if "\0" in text:
        raise BadOption(f"{option} is not a file name: it has a NUL byte in it.")
    path = Path(text)
    if path.is_dir():
        raise BadOption(f"{option} {text} is a folder: name a file.")
    if not path.parent.is_dir():
        raise BadOption(f"the folder {path.parent} does not exist.")
    return path
