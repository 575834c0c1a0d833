"""``escalate serve``: bring the database up to date and serve Escalate with gunicorn.

Several web worker processes (ESCALATE_WORKERS, by default one per CPU, eight at most),
each with a few threads (ESCALATE_THREADS), so every core is used; static files come
from WhiteNoise inside each. Beside them one background process (``escalate worker
--remind``) sends the outboxes and sweeps reminders and digests: one per server, never
one per web worker, and each email and reminder goes once however many servers run
(claims are conditional updates or unique inserts). With several app servers on one
PostgreSQL, every one needs the same ESCALATE_SECRET_KEY, and migrations are applied
under an advisory lock (or not at all, with ESCALATE_MIGRATE_ON_START=false).

gunicorn runs on Linux and macOS; on Windows, Escalate runs under WSL.
"""

from __future__ import annotations

import errno
import os
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from escalate.core.management.commands import (
    EscalateCommand,
    check_secret_key,
    database_problem,
    describe_database,
    on_postgresql,
    pending_migrations,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Any number, the same in every Escalate: the PostgreSQL advisory lock held while
#: ``escalate serve`` migrates, so servers starting together take turns.
MIGRATE_LOCK = 0x45534341  # "ESCA"
#: Seconds a web worker may go without reporting in before gunicorn replaces it (its
#: threads report in while they answer, so a long export is not cut short).
WORKER_TIMEOUT = 60
#: Seconds to finish the requests in hand when asked to stop.
GRACEFUL_SECONDS = 10


class ServeError(Exception):
    """A problem the person running ``escalate serve`` can fix; the message says how."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def whole_number(text: str, largest: int) -> int | None:
    """``text`` (spaces round it aside) as a number from 1 to ``largest``, else None.
    Only the digits 0 to 9: str.isdigit() also passes "²" (which int() refuses) and
    "٣" (which it reads as 3), and int() refuses a number of over 4,300 digits."""
    digits = text.strip()
    if not re.fullmatch(rf"[0-9]{{1,{len(str(largest))}}}", digits, re.ASCII):
        return None
    number = int(digits)
    return number if 1 <= number <= largest else None


def parse_port(value: str, source: str = "--port") -> int:
    port = whole_number(value, 65535)
    if port is None:
        raise ServeError(
            f"{source} must be a port number from 1 to 65535 (for example 8000), not {value!r}.",
            exit_code=2,
        )
    return port


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


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def browser_url(host: str, port: int) -> str:
    """Where a browser on this computer reaches ``escalate serve``: a server listening
    on every network (0.0.0.0, ::) is reached at 127.0.0.1 (an allowed host)."""
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1" if host != "::" else "::1"
    return url_for(host, port)


USE_AN_ADDRESS = "Use an address such as 127.0.0.1 (this computer only) or 0.0.0.0 (every network)."


def check_port_free(host: str, port: int) -> None:
    """Fail now, before touching the database, if the address cannot be listened on."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ServeError(
            f"cannot listen on host {host!r}: no such address on this computer. {USE_AN_ADDRESS}"
        ) from None
    except (UnicodeError, ValueError):
        # A part of the name over 63 characters, or empty ("a..b"): it cannot be looked up.
        raise ServeError(
            f"cannot listen on host {host!r}: it is not a valid host name. {USE_AN_ADDRESS}"
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


@contextmanager
def migration_lock() -> Iterator[None]:
    """On PostgreSQL, one server at a time looks for and applies migrations."""
    if not on_postgresql():
        yield
        return
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        yield
    finally:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])


def start_background_work() -> Any:
    """The background process of this server (see :mod:`escalate.notifications.
    background`), not yet started; None when ESCALATE_BACKGROUND_WORK is off (then
    ``escalate worker --remind``, or ``escalate worker`` and ``escalate remind``, run
    elsewhere)."""
    from escalate.notifications import background

    return background.process()


def worker_count(option: str | None) -> int:
    if option is None:
        return int(settings.WORKERS)
    workers = whole_number(option, 64)
    if workers is None:
        raise ServeError(
            f"--workers must be a whole number from 1 to 64 (for example 2), not {option!r}.",
            exit_code=2,
        )
    return workers


def run_gunicorn(
    application: Any,
    options: dict[str, Any],
    *,
    background: Any,
    ready: Callable[[], None],
) -> int:
    """Serve ``application`` with gunicorn until stopped (Ctrl+C, SIGTERM); return the
    exit code (0 when stopped, not 0 when a web worker could not start). This process
    is gunicorn's master: it forks the web workers and keeps ``background`` (a
    :class:`escalate.notifications.background.Process`) running beside them."""
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
    from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]

    class EscalateArbiter(Arbiter):  # type: ignore[misc]
        def start(self) -> None:
            super().start()
            ready()

        def manage_workers(self) -> None:
            super().manage_workers()
            if background is not None:
                background.keep_running()

        def stop(self, graceful: bool = True) -> None:
            if background is not None:
                background.ask_to_stop()
            super().stop(graceful)
            if background is not None:
                background.wait()

    class EscalateServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings_ = {
                **options,
                "proc_name": "escalate",
                # Messages from gunicorn itself: problems only (no access log).
                "loglevel": "warning",
                "errorlog": "-",
                "accesslog": None,
                # No control socket: two servers on one computer would share its path.
                "control_socket_disable": True,
            }
            for name, value in settings_.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            return application

        def run(self) -> None:
            EscalateArbiter(self).run()

    master = os.getpid()
    try:
        EscalateServer().run()
    except SystemExit as stopped:
        if os.getpid() != master:
            raise  # a web worker (forked from here) ending: it exits, and says nothing
        return stopped.code if isinstance(stopped.code, int) else 0
    return 0


class Command(EscalateCommand):
    help = (
        "Serve Escalate: apply database migrations, collect static files, then serve with "
        "gunicorn: ESCALATE_WORKERS web worker processes (one per CPU, at most 8, unless "
        "set) and one background process sending emails and sweeping reminders. Press "
        "Ctrl+C to stop."
    )
    needs_migrated_database = False  # it applies them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=None,
            help=f"address to listen on (default ESCALATE_HOST or {DEFAULT_HOST}; "
            "0.0.0.0 for every network)",
        )
        # Strings, checked in handle(), so a bad value gets one plain line, not usage text.
        parser.add_argument(
            "--port",
            default=None,
            help=f"port to listen on (default ESCALATE_PORT or {DEFAULT_PORT})",
        )
        parser.add_argument(
            "--workers",
            default=None,
            help="web worker processes (default ESCALATE_WORKERS, or one per CPU, at most 8)",
        )
        parser.add_argument(
            "--no-background",
            action="store_true",
            help="do not send emails or sweep reminders here (as ESCALATE_BACKGROUND_WORK="
            "false): for app servers beside one running 'escalate worker --remind'",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not apply migrations (as ESCALATE_MIGRATE_ON_START=false): refuse to "
            "start until 'escalate migrate' has",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.serve(options)
        except ServeError as exc:
            self.fail(str(exc), exc.exit_code)

    def serve(self, options: dict[str, Any]) -> None:
        host, port = address(options["host"], options["port"])
        workers = worker_count(options["workers"])
        check_port_free(host, port)
        try:
            import gunicorn.app.base  # type: ignore[import-untyped]  # noqa: F401 - needs fork()
        except ImportError:
            raise ServeError(
                "escalate serve runs on Linux and macOS; on Windows, run Escalate under "
                "WSL (Windows Subsystem for Linux)."
            ) from None

        try:
            connections[DEFAULT_DB_ALIAS].ensure_connection()
            check_secret_key("serving")
            migrate = settings.MIGRATE_ON_START and not options["no_migrate"]
            self.migrate() if migrate else self.require_migrated()
        except DatabaseError as exc:
            raise ServeError(database_problem(exc)) from None
        call_command("collectstatic", interactive=False, verbosity=0)

        # Made here, once, before the web workers are forked from this process: WhiteNoise
        # indexes STATIC_ROOT when the application is created, and a mistake shows now.
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        # No connection may be shared with the forked workers.
        connections.close_all()

        background = None if options["no_background"] else start_background_work()
        code = run_gunicorn(
            application,
            {
                "bind": [bind_address(host, port)],
                "workers": workers,
                "worker_class": "gthread",
                "threads": int(settings.THREADS),
                "timeout": WORKER_TIMEOUT,
                "graceful_timeout": GRACEFUL_SECONDS,
            },
            background=background,
            ready=lambda: self.say_running(host, port, workers, background is not None),
        )
        if code:
            raise ServeError(
                "the web server stopped: a web worker could not start (the lines above say why)."
            )
        self.stdout.write("Escalate has stopped.")

    def say_running(self, host: str, port: int, workers: int, background: bool) -> None:
        self.stdout.write(f"Escalate is running at {url_for(host, port)} — press Ctrl+C to stop")
        processes = f"{workers} web worker process{'es' if workers != 1 else ''}"
        threads = int(settings.THREADS)
        beside = (
            "one background process sending emails and sweeping reminders"
            if background
            else "no background work here (run 'escalate worker --remind' once elsewhere)"
        )
        self.stdout.write(f"({processes} of {threads} threads each; {beside})")
        if host not in ("127.0.0.1", "localhost", "::1"):
            self.stdout.write(
                "Other computers can reach it: add the name they use for this computer to "
                "ESCALATE_ALLOWED_HOSTS."
            )
        self.stdout.flush()

    def migrate(self) -> None:
        with migration_lock():
            waiting, _ = pending_migrations()
            if waiting:
                self.stdout.write(f"Updating the database ({waiting} changes)…")
                self.stdout.flush()
                call_command("migrate", interactive=False, verbosity=0)

    def require_migrated(self) -> None:
        waiting, _ = pending_migrations()
        if waiting:
            name, place = describe_database()
            plural = "s" if waiting != 1 else ""
            raise ServeError(
                f"the database {name} ({place}) is not up to date ({waiting} change{plural} "
                "to apply) and ESCALATE_MIGRATE_ON_START is false: run `escalate migrate` "
                "first."
            )
