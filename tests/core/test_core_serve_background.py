"""`escalate serve` alone runs everything: a real server, with its background work on,
delivers an email to a real SMTP server and sweeps reminders."""

from __future__ import annotations

import http.cookiejar
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
