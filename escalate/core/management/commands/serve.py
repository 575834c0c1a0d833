"""``escalate serve``: bring the database up to date and serve Escalate with waitress."""

from __future__ import annotations

import errno
import logging
import os
import socket
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from escalate.core.management.commands import EscalateCommand, database_problem

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
THREADS = 8


class ServeError(Exception):
    """A problem the person running ``escalate serve`` can fix; the message says how."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_port(value: str, source: str = "--port") -> int:
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ServeError(
            f"{source} must be a port number from 1 to 65535 (for example 8000), not {value!r}.",
            exit_code=2,
        )
    return int(text)


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def address(host_option: str | None = None, port_option: str | None = None) -> tuple[str, int]:
    """The host and port ``escalate serve`` listens on: the options, else ESCALATE_HOST
    and ESCALATE_PORT, else 127.0.0.1 port 8000. A bad port raises :class:`ServeError`."""
    host = (host_option or os.environ.get("ESCALATE_HOST", "") or DEFAULT_HOST).strip()
    if port_option is not None:
        return host, parse_port(port_option)
    if os.environ.get("ESCALATE_PORT", "").strip():
        return host, parse_port(os.environ["ESCALATE_PORT"], source="ESCALATE_PORT")
    return host, DEFAULT_PORT


def browser_url(host: str, port: int) -> str:
    """Where a browser on this computer reaches ``escalate serve``: a server listening
    on every network (0.0.0.0, ::) is reached at 127.0.0.1 (an allowed host)."""
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1" if host != "::" else "::1"
    return url_for(host, port)


def check_port_free(host: str, port: int) -> None:
    """Fail now, before touching the database, if the address cannot be listened on."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ServeError(
            f"cannot listen on host {host!r}: no such address on this computer. "
            "Use an address such as 127.0.0.1 (this computer only) or 0.0.0.0 (every network)."
        ) from None
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise _listen_error(host, port, exc) from None


def _listen_error(host: str, port: int, exc: OSError) -> ServeError:
    if exc.errno == errno.EADDRINUSE:
        return ServeError(
            f"port {port} is already in use on {host}: stop the program using it, "
            "or choose another port with --port."
        )
    if exc.errno == errno.EACCES:
        return ServeError(
            f"not allowed to use port {port}: ports below 1024 need administrator rights. "
            "Choose a higher port with --port, such as 8000."
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return ServeError(f"cannot listen on {host}: it is not an address of this computer.")
    return ServeError(f"cannot listen on {host} port {port}: {exc.strerror or exc}.")


def start_background_work() -> None:
    """Start the work beside the web server: a thread that sends the notification
    outbox (retrying failures) and sweeps deadline reminders and daily digests every
    few minutes, so ``escalate serve`` alone runs everything. It stops cleanly when the
    server stops (set ESCALATE_BACKGROUND_WORK=false to run ``escalate worker`` and
    ``escalate remind`` separately instead)."""
    from escalate.notifications import background

    background.start()


class Command(EscalateCommand):
    help = (
        "Serve Escalate: apply database migrations, collect static files, then serve with "
        "waitress. Press Ctrl+C to stop."
    )
    needs_migrated_database = False  # it applies them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=None,
            help=f"address to listen on (default ESCALATE_HOST or {DEFAULT_HOST}; "
            "0.0.0.0 for every network)",
        )
        # A string, checked in handle(), so a bad value gets one plain line, not usage text.
        parser.add_argument(
            "--port",
            default=None,
            help=f"port to listen on (default ESCALATE_PORT or {DEFAULT_PORT})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.serve(options["host"], options["port"])
        except ServeError as exc:
            self.fail(str(exc), exc.exit_code)

    def serve(self, host_option: str | None, port_option: str | None) -> None:
        host, port = address(host_option, port_option)
        check_port_free(host, port)

        self.migrate()
        call_command("collectstatic", interactive=False, verbosity=0)

        # Imported late: WhiteNoise indexes STATIC_ROOT when the application is created.
        from django.core.wsgi import get_wsgi_application
        from waitress import create_server

        application = get_wsgi_application()
        logging.getLogger("waitress").setLevel(logging.WARNING)
        try:
            server = create_server(
                application, host=host, port=port, threads=THREADS, ident="Escalate"
            )
        except OSError as exc:
            raise _listen_error(host, port, exc) from None

        start_background_work()

        self.stdout.write(f"Escalate is running at {url_for(host, port)} — press Ctrl+C to stop")
        if host not in ("127.0.0.1", "localhost", "::1"):
            self.stdout.write(
                "Other computers can reach it: add the name they use for this computer to "
                "ESCALATE_ALLOWED_HOSTS."
            )
        try:
            server.run()  # returns on Ctrl+C (waitress handles KeyboardInterrupt)
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        self.stdout.write("Escalate has stopped.")

    def migrate(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                self.stdout.write(f"Updating the database ({len(plan)} changes)…")
                call_command("migrate", interactive=False, verbosity=0)
        except DatabaseError as exc:
            raise ServeError(database_problem(exc)) from None
