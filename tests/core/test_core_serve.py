"""`escalate serve` really serves: migrations, static files, waitress, plain-English errors."""

import os
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


@pytest.mark.parametrize("port", ["abc", "0", "65536", "80.5", ""])
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
