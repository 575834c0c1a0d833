"""`escalate serve` really serves: migrations, static files, gunicorn's web workers and
one background process, plain-English errors."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(data_dir: Path) -> dict[str, str]:
    # DATABASE_URL passes through: on PostgreSQL it names the throwaway database
    # tests/conftest.py made for programs the suite starts, never the one it was given.
    env = {k: v for k, v in os.environ.items() if k not in ("ESCALATE_HOST", "ESCALATE_PORT")}
    env["ESCALATE_DATA_DIR"] = str(data_dir)
    env["ESCALATE_DEBUG"] = "false"
    # On PostgreSQL `escalate serve` needs the secret key every app server shares.
    env["ESCALATE_SECRET_KEY"] = "a-secret-key-for-the-servers-the-suite-starts-0123456789"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def run_serve(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "escalate", "serve", *args],
        cwd=ROOT,
        env=serve_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_serve_applies_migrations_and_serves_pages_and_static_files(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "escalate", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=serve_env(tmp_path / "data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"escalate serve stopped early ({process.returncode}):\n{out}\n{err}")
            try:
                status, login = get(f"{base}/accounts/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail("escalate serve did not answer within two minutes")
                time.sleep(0.25)

        assert status == 200
        assert '<form method="post"' in login
        assert 'name="username"' in login and 'autocomplete="username"' in login
        assert 'name="password"' in login and 'autocomplete="current-password"' in login

        status, admin_login = get(f"{base}/admin/login/")
        assert status == 200
        assert "Escalate administration" in admin_login

        status, css = get(f"{base}/static/escalate/app.css")
        assert status == 200
        assert ".app-link-button" in css

        status, _ = get(f"{base}/no-such-page/")
        assert status == 404
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert f"Escalate is running at {base}/ — press Ctrl+C to stop" in out
    assert "Traceback" not in err
    # Static files were collected into the data directory.
    assert (tmp_path / "data" / "static" / "escalate" / "app.css").is_file()


# "²" and "٣" are digits to str.isdigit() (int() refuses the first and reads the second as
# 3); Python refuses to read a number of more than 4,300 digits at all.
@pytest.mark.parametrize("port", ["abc", "0", "65536", "80.5", "", "²", "٣", "9" * 5000, "+80"])
def test_a_bad_port_gets_one_plain_line_and_no_traceback(tmp_path, port):
    result = run_serve(tmp_path, "--port", port)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "port number from 1 to 65535" in lines[0]
    assert repr(port) in lines[0]
    assert "Escalate is running" not in result.stdout


def test_a_port_in_use_gets_one_plain_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve(tmp_path, "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port} is already in use" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "a..b", "\u00e9" * 70])
def test_a_host_name_that_cannot_be_looked_up_gets_one_plain_line(tmp_path, host):
    result = run_serve(tmp_path, "--host", host, "--port", str(free_port()))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "unexpected error" not in lines[0] and "Traceback" not in result.stderr
    assert lines[0].startswith(f"escalate serve: cannot listen on host {host!r}: ")


def test_a_bad_port_in_the_environment_is_named(tmp_path):
    env = serve_env(tmp_path / "data") | {"ESCALATE_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "escalate serve: ESCALATE_PORT must be a port number from 1 to 65535 "
        "(for example 8000), not 'eighty'."
    ]


def test_programs_the_suite_starts_never_get_the_database_it_was_given():
    given = os.environ.get("ESCALATE_SUITE_GIVEN_DATABASE_URL")
    if given is None:
        assert not os.environ.get("DATABASE_URL", "").startswith("postgres")
        return
    passed_on = serve_env(Path("unused"))["DATABASE_URL"]
    assert passed_on != given
    assert passed_on.rsplit("/", 1)[1].startswith("escalate_subprocesses_")


def test_serve_has_a_place_to_start_background_work():
    from escalate.core.management.commands import serve

    assert serve.start_background_work() is None
    assert serve.url_for("::1", 8000) == "http://[::1]:8000/"


def test_an_unreachable_database_gets_one_plain_line(tmp_path):
    env = serve_env(tmp_path / "data") | {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/escalate"}
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("escalate serve: cannot use the database escalate:")
    assert "Traceback" not in result.stderr


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def wait_until_serving(process: subprocess.Popen, base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"escalate serve stopped early ({process.returncode}):\n{out}\n{err}")
        try:
            get(f"{base}/accounts/login/")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                pytest.fail("escalate serve did not answer within two minutes")
            time.sleep(0.25)


def children(pid: int) -> dict[int, str]:
    """The processes ``pid`` started that are still running: their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(stat.parent.name)] = command
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    pytest.fail(f"{what} within {seconds:.0f} seconds")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_serve_runs_the_web_workers_asked_for_and_one_background_process(tmp_path):
    port = free_port()
    env = serve_env(tmp_path / "data") | {
        "ESCALATE_WORKERS": "3",
        "ESCALATE_THREADS": "2",
        "ESCALATE_BACKGROUND_WORK": "true",
    }
    env.pop("DATABASE_URL", None)  # background work on its own SQLite file
    process = subprocess.Popen(
        [sys.executable, "-m", "escalate", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}")

        def started() -> dict[int, str]:
            found = children(process.pid)
            return found if len(found) == 4 else {}

        found = wait_for(started, 30, "three web workers and a background process did not run")
        background = [pid for pid, command in found.items() if "worker --remind" in command]
        assert len(background) == 1, found
        web = [pid for pid in found if pid not in background]
        assert all("escalate serve" in found[pid] for pid in web)

        # The background process is started again if it ends while the server runs.
        os.kill(background[0], signal.SIGKILL)

        def replaced() -> list[int]:
            return [
                pid
                for pid, command in children(process.pid).items()
                if "worker --remind" in command and pid != background[0]
            ]

        wait_for(replaced, 30, "the background process was not started again")
        every = list(children(process.pid))
        process.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "(3 web worker processes of 2 threads each; one background process" in out
    assert out.count("Escalate has stopped.") == 1
    assert "Traceback" not in err
    wait_for(lambda: not any(running(pid) for pid in every), 10, "a process was left running")


def test_serve_told_not_to_migrate_refuses_a_database_not_up_to_date(tmp_path):
    env = serve_env(tmp_path / "data") | {"ESCALATE_MIGRATE_ON_START": "false"}
    env.pop("DATABASE_URL", None)  # a fresh SQLite file, never migrated
    for args, extra in ((["serve"], env), (["serve", "--no-migrate"], serve_env(tmp_path / "d2"))):
        extra.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "escalate", *args, "--port", str(free_port())],
            cwd=ROOT,
            env=extra,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "is not up to date" in lines[0]
        assert "run `escalate migrate` first" in lines[0]
        assert "Escalate is running" not in result.stdout


@pytest.mark.parametrize("workers", ["none", "0", "65", "²", "٣", "9" * 5000, "+2", " "])
def test_a_bad_worker_count_gets_one_plain_line(tmp_path, workers):
    result = run_serve(tmp_path, "--workers", workers)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "escalate serve: --workers must be a whole number from 1 to 64 (for example 2), "
        f"not {workers!r}."
    ]


@pytest.mark.skipif(not on_postgresql(), reason="needs PostgreSQL (DATABASE_URL)")
def test_on_postgresql_serve_refuses_to_start_without_a_shared_secret_key(tmp_path):
    env = serve_env(tmp_path / "data")
    env.pop("ESCALATE_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "-m", "escalate", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "escalate serve: ESCALATE_SECRET_KEY is not set: on PostgreSQL every app server "
        "and background worker must use the same secret key (it signs sign-ins and password "
        "reset links), so set it (the same on each) before serving."
    ]


SENDING_COMMANDS = {
    "worker --remind": (["worker", "--remind"], "sending emails"),
    "worker": (["worker"], "sending emails"),
    "worker --once": (["worker", "--once"], "sending emails"),
    "remind": (["remind"], "sweeping reminders"),
    "digest": (["digest"], "sending digests"),
}


@pytest.mark.skipif(not on_postgresql(), reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.parametrize(("args", "doing"), SENDING_COMMANDS.values(), ids=SENDING_COMMANDS)
def test_on_postgresql_the_commands_sending_emails_refuse_to_run_without_the_shared_key(
    tmp_path, args, doing
):
    # A password reset link signed with a key of this process's own would not work on
    # the app servers: the command stops before sending anything.
    env = serve_env(tmp_path / "data")
    migrated = subprocess.run(
        [sys.executable, "-m", "escalate", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrated.returncode == 0, migrated.stderr
    env.pop("ESCALATE_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "-m", "escalate", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # `escalate worker` would otherwise run until stopped
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"escalate {args[0]}: ESCALATE_SECRET_KEY is not set: on PostgreSQL every app server "
        "and background worker must use the same secret key (it signs sign-ins and password "
        f"reset links), so set it (the same on each) before {doing}."
    ]
    assert result.stdout == ""
