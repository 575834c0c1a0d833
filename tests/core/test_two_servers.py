"""Two `escalate serve` on one PostgreSQL, as two app servers behind a load balancer:
they start together (migrating once, in turn), a session signed in on one works on the
other, and a burst of changes and sweeps on both sends each email exactly once."""

from __future__ import annotations

import collections
import email
import http.cookiejar
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from test_core_serve import ROOT, free_port, on_postgresql, serve_env, wait_for, wait_until_serving

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="needs PostgreSQL (DATABASE_URL)")

PASSWORD = "two-servers-password-42"

#: Run in a process of its own on the servers' database: ``setup`` makes a partnership
#: and its people; ``burst LABEL N`` raises N cases through the services and makes
#: their first stage due today; ``report`` says what the outbox holds.
SCRIPT = r"""
import datetime as dt, json, os, sys
sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escalate.settings")
import django
django.setup()
from escalate import clock
from escalate.cases.models import Case, StageRecord
from escalate.notifications import services
from escalate.notifications.models import AttemptOutcome, DeliveryAttempt, Notification
from escalate.partnerships.models import Partnership
from escalate.procedures.model import Role
import factories

what = sys.argv[1]
if what == "setup":
    w = factories.world(label="TWO")
    w.raiser.set_password(sys.argv[2])
    w.raiser.save()
    today = clock.today()
    working = services.calendar_for_region(w.partnership.region).is_working_day(today)
    print(json.dumps({"email": w.raiser.email, "slug": w.partnership.slug,
                      "name": w.raiser.full_name, "working_day": working}))
elif what == "burst":
    p = Partnership.objects.get(slug=sys.argv[2])
    raising, other = p.agencies.order_by("pk")[:2]
    w = factories.World(p, raising, other)
    for role, people, agency in ((Role.PRACTITIONER, w.raising_people, raising),
                                 (Role.PRACTITIONER, w.other_people, other)):
        people[role] = agency.memberships.filter(role=role).get().person
    yesterday = clock.today() - dt.timedelta(days=1)
    made = [factories.raise_case(w, concern_arose_on=yesterday) for _ in range(int(sys.argv[3]))]
    StageRecord.objects.filter(case__in=made).update(act_by=clock.today())
    print(json.dumps({"cases": len(made)}))
else:
    rows = Notification.objects.all()
    sent = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENT)
    print(json.dumps({
        "total": rows.count(),
        "pending": rows.filter(status="pending").count(),
        "emails": sorted(rows.values_list("email", flat=True)),
        "reminders": rows.filter(event="reminder.due_today").count(),
        "sent_attempts": sent.count(),
        "sent_rows": rows.filter(status="sent").count(),
        "cases": Case.objects.count(),
    }))
"""


class Inbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content)
        self.recipients.append(str(message["To"]).strip().lower())
        return "250 OK"


@pytest.fixture
def database() -> str:
    """A throwaway PostgreSQL database of the two servers' own, dropped afterwards."""
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    admin = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    name = f"escalate_two_servers_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlunsplit(url._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def run_script(env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def sign_in(browser, base: str, username: str) -> None:
    with browser.open(f"{base}/accounts/login/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
    )
    with browser.open(request, timeout=30) as response:
        assert "/accounts/login/" not in response.url, "signing in failed"


def page(browser, url: str) -> tuple[str, str]:
    with browser.open(url, timeout=30) as response:
        return response.url, response.read().decode()


def test_two_servers_share_sessions_and_send_each_email_once(tmp_path: Path, database: str):
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    ports = [free_port(), free_port()]
    envs = []
    for n, port in enumerate(ports):
        env = serve_env(tmp_path / f"server{n}")  # each its own data directory
        env.update(
            {
                "DATABASE_URL": database,
                "ESCALATE_WORKERS": "2",
                "ESCALATE_BACKGROUND_WORK": "true",
                "ESCALATE_WORKER_POLL_SECONDS": "1",
                "ESCALATE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "ESCALATE_EMAIL_HOST": "127.0.0.1",
                "ESCALATE_EMAIL_PORT": str(smtp.port),
                "ESCALATE_BASE_URL": f"http://127.0.0.1:{port}",
            }
        )
        envs.append(env)
    # Both start at once on an empty database: one migrates, the other waits its turn.
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "escalate", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for port, env in zip(ports, envs, strict=True)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for server, base in zip(servers, bases, strict=True):
            wait_until_serving(server, base, seconds=180)
        world = run_script(envs[0], "setup", PASSWORD)

        # Signed in on one server, still signed in on the other.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        sign_in(browser, bases[0], world["email"])
        url, home = page(browser, f"{bases[1]}/")
        assert "/accounts/login/" not in url
        assert world["name"] in home

        # A burst of changes from two processes at once, while both servers' background
        # processes send; then a sweep on each server at once, each also sending.
        bursts = [
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT, "burst", world["slug"], "6"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for env in envs
        ]
        for burst in bursts:
            _, err = burst.communicate(timeout=300)
            assert burst.returncode == 0, err
        sweeps = [
            subprocess.Popen(
                [sys.executable, "-m", "escalate", "remind", "--send"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for env in envs
        ]
        for sweep in sweeps:
            _, err = sweep.communicate(timeout=300)
            assert sweep.returncode == 0, err

        def all_sent() -> dict:
            report = run_script(envs[1], "report")
            return report if report["total"] and not report["pending"] else {}

        report = wait_for(all_sent, 120, "the emails were not all sent")
        time.sleep(3)  # time for any second sending to show
        report = run_script(envs[1], "report")
        wait_for(lambda: len(inbox.recipients) >= report["total"], 30, "emails did not arrive")
        time.sleep(2)
    finally:
        for server in servers:
            server.terminate()
        outputs = [server.communicate(timeout=60)[0] for server in servers]
        smtp.stop()

    assert report["cases"] == 12
    assert report["sent_rows"] == report["total"] == report["sent_attempts"]
    assert collections.Counter(inbox.recipients) == collections.Counter(report["emails"])
    if world["working_day"]:  # reminders go out on working days only
        assert report["reminders"] == 12
    for output in outputs:
        assert "Traceback" not in output, output
        assert "Escalate has stopped." in output
