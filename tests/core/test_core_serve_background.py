"""`escalate serve` alone runs everything: a real server, with its background work on,
delivers an email to a real SMTP server and sweeps reminders."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from test_core_serve import ROOT, free_port, serve_env


class Inbox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    pytest.fail(f"{what} within {seconds:.0f} seconds")


def test_serve_sends_email_and_sweeps_reminders_in_the_background(tmp_path: Path) -> None:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = serve_env(tmp_path / "data")
    env.pop("DATABASE_URL", None)  # its own SQLite file, whatever the suite runs on
    env.update(
        {
            "ESCALATE_BACKGROUND_WORK": "true",
            "ESCALATE_WORKER_POLL_SECONDS": "1",
            "ESCALATE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "ESCALATE_EMAIL_HOST": "127.0.0.1",
            "ESCALATE_EMAIL_PORT": str(smtp.port),
            "ESCALATE_BASE_URL": f"http://127.0.0.1:{port}",
        }
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "escalate",
            "demo",
            "--no-cases",
            "--password",
            "a-demo-password-42",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "escalate", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"

        def reset_page() -> str:
            try:
                with browser.open(f"{base}/accounts/password_reset/", timeout=5) as response:
                    return str(response.read().decode())
            except OSError:
                return ""

        page = _wait_for(reset_page, 120, "escalate serve did not answer")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "email": "practitioner.ce@demo.escalate.test",
            }
        ).encode()
        with browser.open(f"{base}/accounts/password_reset/", data=form, timeout=10) as answer:
            assert "Check your email" in answer.read().decode()

        message = _wait_for(lambda: inbox.messages, 30, "no email arrived")[0]
        assert "practitioner.ce@demo.escalate.test" in message
        assert f"{base}/accounts/reset/" in message.replace("=\n", "")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        smtp.stop()
    assert "Reminder sweep:" in output, output


class FailingAtOnce:
    """A stand-in for ``escalate serve``'s background process that exits with code 3 as
    soon as it starts (a real, tiny process), on a clock the test moves."""

    def __init__(self) -> None:
        from escalate.notifications import background

        self.now = 1000.0
        self.process = background.Process()
        self.process.command = lambda: [sys.executable, "-c", "raise SystemExit(3)"]
        self.process.clock = lambda: self.now
        self.starts = 0
        start = self.process.start

        def counted_start() -> None:
            self.starts += 1
            start()

        self.process.start = counted_start

    def ended(self) -> None:
        """Wait for the process to end and reap it, as gunicorn's master reaps every
        child it has (``waitpid(-1)``), so Popen never learns its exit code."""
        child = self.process.child
        assert child is not None
        os.waitpid(child.pid, 0)

    def at(self, seconds: float) -> int:
        """Move the clock to ``seconds`` after the start, check it; how many starts so far."""
        self.now = 1000.0 + seconds
        self.process.keep_running()
        return self.starts


def test_background_work_ending_is_logged_without_a_made_up_exit_code(caplog) -> None:
    caplog.set_level("WARNING", logger="escalate.notifications.background")
    work = FailingAtOnce()
    assert work.at(0) == 1
    work.ended()
    work.at(1)
    logged = [r.getMessage() for r in caplog.records]
    assert logged and all("exit code" not in line for line in logged), logged
    assert "Background work ended" in logged[0]


def test_background_work_failing_at_once_is_started_again_less_and_less_often(caplog) -> None:
    caplog.set_level("WARNING", logger="escalate.notifications.background")
    work = FailingAtOnce()
    started, t = work.at(0), 0.0
    waits = []
    while len(waits) < 8:
        work.ended()
        ended_at = t + 1
        assert work.at(ended_at) == started  # not straight away
        t = ended_at
        while work.at(t) == started:
            t += 1
        started += 1
        waits.append(round(t - ended_at))
    # Doubling from 10 seconds, to five minutes at most.
    assert waits == [10, 20, 40, 80, 160, 300, 300, 300]
    logged = [r.getMessage() for r in caplog.records]
    assert "(8 times in a row; " in logged[-1], logged
    assert "starting it again in 5 minutes" in logged[-1], logged
    # Failing at once for days on end still waits five minutes, no more.
    work.process.quick_failures = 5000
    assert work.process.ended(1, 0) == 300


def test_background_work_that_ran_a_while_is_started_again_at_once() -> None:
    work = FailingAtOnce()
    assert work.at(0) == 1
    # Three failures at once: started again after 10, then 20, then 40 seconds.
    for ended_at, restarted_at, starts in ((1, 11, 2), (12, 32, 3), (33, 73, 4)):
        work.ended()
        assert work.at(ended_at) == starts - 1
        assert work.at(restarted_at - 1) == starts - 1
        assert work.at(restarted_at) == starts
    # This time it ran an hour before ending: started again at once, and the next
    # failure at once waits 10 seconds again.
    work.ended()
    assert work.at(3673) == 5
    work.ended()
    assert work.at(3674) == 5
    assert work.at(3683) == 5
    assert work.at(3684) == 6
