"""The ``escalate`` command (also ``python -m escalate``).

``escalate procedure …`` needs nothing but the engine. Everything else (serve, demo,
worker, remind, report and Django's own management commands such as migrate) goes
through Django's command machinery, so one command name serves both.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: escalate COMMAND [options]

Commands:
  procedure list|show|validate|deadlines|schema   work with procedure definitions
  serve [--host H] [--port P]                     serve Escalate (applies migrations first)
  demo                                            create demo partnerships and people
  migrate, createsuperuser, ...                   Django management commands

'escalate help' lists every command; 'escalate COMMAND --help' explains one.
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if args[0] == "procedure":
        from escalate.procedures.cli import main as procedure_main

        return procedure_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalate.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError:  # pragma: no cover - Django is a declared dependency
        print("escalate: Django is not installed; run the set-up command in the README.")
        return 1
    from django.core.exceptions import ImproperlyConfigured

    try:
        execute_from_command_line(["escalate", *args])
    except ImproperlyConfigured as exc:
        print(f"escalate: the configuration is not valid: {exc}", file=sys.stderr)
        return 2
    return 0
