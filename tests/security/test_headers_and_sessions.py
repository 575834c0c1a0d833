"""Headers on every page, sessions that end, sign-in lockout and the log of who did what.

Each test reproduces a finding of the security probe (issue "Locked doors").
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from escalate import clock
from escalate.accounts.models import SignedInSession, User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-enough-password-1"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    clock.freeze(dt.datetime(2026, 12, 23, 10, 0, tzinfo=dt.UTC))
    try:
        yield
    finally:
        clock.unfreeze()


def _person(email: str = "sam@example.org") -> User:
    return User.objects.create_user(email=email, full_name="Sam Jones", password=PASSWORD)


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


# ---------------------------------------------------------------- headers


def _pages_with_personal_data(client: Client) -> list[str]:
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client.force_login(w.raiser)
    return [
        reverse("home"),
        reverse("cases:case", args=[case.reference]),
        reverse("cases:record", args=[case.reference]),
        reverse("cases:raise"),
        reverse("directory"),
        reverse("your_sessions"),
    ]


def test_every_page_sends_a_strict_content_security_policy_and_permissions_policy(client):
    for url in [*_pages_with_personal_data(client), reverse("login")]:
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ):
            assert directive in policy, (url, policy)
        assert "unsafe-inline" not in policy
        assert "camera=()" in response.headers.get("Permissions-Policy", ""), url


def test_pages_carry_no_inline_script_or_style_the_policy_would_block(client):
    for url in _pages_with_personal_data(client):
        html = client.get(url).content.decode()
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"<style", html), url
        for script in re.findall(r"<script[^>]*>", html):
            assert "src=" in script, (url, script)
        assert not re.search(r"\son[a-z]+=", html), url


def test_no_page_that_can_show_personal_data_is_cached(client):
    for url in _pages_with_personal_data(client):
        cache = client.get(url).headers.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, (url, cache)


def test_signing_out_tells_the_browser_to_forget_the_pages(client):
    _person()
    _sign_in(client, "sam@example.org")
    response = client.post(reverse("logout"))
    assert '"cache"' in response.headers.get("Clear-Site-Data", "")
    assert '"storage"' in response.headers["Clear-Site-Data"]
    # Not "cookies": that would sign people out of other services on the same domain.
    assert "cookies" not in response.headers["Clear-Site-Data"]
    assert client.get(reverse("home")).status_code == 302


def test_a_nul_byte_in_a_case_address_is_not_found_not_a_server_error(client):
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    client.force_login(w.raiser)
    for path in (f"/cases/{case.reference}%00/", f"/cases/{case.reference}%01/", "/%00"):
        response = client.get(path)
        assert response.status_code == 404, path


def _deploy_check(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ESCALATE_")
        and key not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        {
            "ESCALATE_DATA_DIR": str(Path(os.environ.get("ESCALATE_DATA_DIR", "/tmp")) / "deploy"),
            "ESCALATE_SECRET_KEY": "k" * 20 + "a-long-random-production-secret-key-0123456789",
            "ESCALATE_ALLOWED_HOSTS": "escalate.example.gov.uk",
            "DJANGO_SETTINGS_MODULE": "escalate.settings",
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readmes_production_settings_pass_djangos_deployment_check():
    result = _deploy_check({"ESCALATE_HTTPS": "true"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_without_https_the_deployment_check_warns_about_hsts_and_redirects():
    result = _deploy_check({})
    output = result.stdout + result.stderr
    assert "security.W004" in output and "security.W008" in output


# ---------------------------------------------------------------- sessions


def test_a_session_ends_after_thirty_minutes_without_activity(client):
    _person()
    _sign_in(client, "sam@example.org")
    assert client.get(reverse("home")).status_code == 200
    clock.advance(minutes=29)
    assert client.get(reverse("home")).status_code == 200  # activity restarts the clock
    clock.advance(minutes=29)
    assert client.get(reverse("home")).status_code == 200
    clock.advance(minutes=31)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "signed_out=idle" in response.url
    assert client.get(reverse("home")).status_code == 302  # really signed out
    page = client.get(response.url).content.decode()
    assert "you had not done anything for 30 minutes" in page


def test_a_session_ends_twelve_hours_after_signing_in_however_busy(client):
    _person()
    _sign_in(client, "sam@example.org")
    for _ in range(12 * 4 + 1):
        clock.advance(minutes=15)
        response = client.get(reverse("home"))
        if response.status_code == 302:
            break
    assert response.status_code == 302 and "signed_out=limit" in response.url
    assert clock.now() - dt.datetime(2026, 12, 23, 10, 0, tzinfo=dt.UTC) <= dt.timedelta(
        hours=12, minutes=15
    )


def test_asking_how_long_is_left_does_not_keep_the_session_alive(client):
    _person()
    _sign_in(client, "sam@example.org")
    clock.advance(minutes=20)
    status = client.get(reverse("session_status")).json()
    assert status["seconds_left"] == 10 * 60
    clock.advance(minutes=11)
    assert client.get(reverse("session_status")).status_code == 401


def test_stay_signed_in_starts_the_idle_time_again(client):
    _person()
    _sign_in(client, "sam@example.org")
    clock.advance(minutes=28)
    assert client.post(reverse("session_status")).json()["seconds_left"] == 30 * 60


def test_pages_tell_the_timeout_warning_how_long_the_idle_time_is(client):
    _person()
    _sign_in(client, "sam@example.org")
    html = client.get(reverse("home")).content.decode()
    assert 'data-session-idle-seconds="1800"' in html
    assert 'id="session-timeout-warning"' in html
    assert "session-timeout.js" in html


def test_a_person_sees_their_sessions_and_can_sign_out_of_the_others(client):
    _person()
    _sign_in(client, "sam@example.org")
    other = Client()
    _sign_in(other, "sam@example.org")
    assert other.get(reverse("home")).status_code == 200

    page = client.get(reverse("your_sessions")).content.decode()
    assert page.count('<tr class="govuk-table__row">') == 3  # heading and two sessions
    assert "This session" in page

    client.post(reverse("your_sessions"), {"end": "others"})
    assert other.get(reverse("home")).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert SignedInSession.objects.count() == 1


def test_sign_out_everywhere_ends_this_session_too(client):
    _person()
    _sign_in(client, "sam@example.org")
    other = Client()
    _sign_in(other, "sam@example.org")
    response = client.post(reverse("your_sessions"), {"end": "all"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
    assert other.get(reverse("home")).status_code == 302
    assert not SignedInSession.objects.exists()


def test_someone_else_cannot_end_a_persons_sessions():
    from django.core.exceptions import PermissionDenied

    from escalate.accounts import sessions

    sam, alex = _person(), _person("alex@example.org")
    with pytest.raises(PermissionDenied):
        sessions.end_all_sessions(alex, sam)


def test_expired_sessions_and_their_journey_answers_are_cleared_from_the_store(client):
    from escalate.accounts import sessions

    _person()
    _sign_in(client, "sam@example.org")
    session = client.session
    session["raise"] = {"person_name": "Ada Lovelace"}
    session.save()
    assert Session.objects.count() == 1
    clock.advance(minutes=31)
    sessions.clear_expired()
    assert Session.objects.count() == 0
    assert not SignedInSession.objects.exists()


# ---------------------------------------------------------------- sign-in throttling


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, caplog):
    _person()
    for _ in range(4):
        assert _sign_in(client, "sam@example.org", "wrong-password").status_code == 200
    with caplog.at_level(logging.INFO, logger="escalate.security"):
        fifth = _sign_in(client, "Sam@Example.org", "wrong-password")
        locked = _sign_in(client, "SAM@example.org", PASSWORD)
    assert fifth.status_code == 429
    assert locked.status_code == 429
    assert "You cannot sign in for 15 minutes" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302
    user = User.objects.get(email="sam@example.org")
    assert any(f"signin.locked_out user={user.pk}" in line for line in caplog.messages)

    # django-axes keeps real time: age the attempts instead of moving the clock.
    from axes.models import AccessAttempt
    from django.db.models import F

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    assert _sign_in(client, "sam@example.org", PASSWORD).status_code == 302


def test_the_administration_sign_in_is_locked_too(client):
    User.objects.create_superuser(email="admin@example.org", full_name="Admin", password=PASSWORD)
    for _ in range(5):
        client.post(
            "/admin/login/", {"username": "admin@example.org", "password": "wrong-password"}
        )
    locked = client.post("/admin/login/", {"username": "admin@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_many_sign_in_attempts_from_one_address_are_refused(client, monkeypatch):
    from escalate.core import views

    monkeypatch.setattr(views, "SIGN_IN_RATE_PER_ADDRESS", "3/h")
    for n in range(3):
        _sign_in(client, f"nobody{n}@example.org", "x")
    assert _sign_in(client, "nobody9@example.org", "x").status_code == 429


# ---------------------------------------------------------------- passwords


@pytest.mark.parametrize("password", [" " * 10, " " * 20, "\t" * 14, "aaaaaaaaaaaaaa"])
def test_blank_or_repetitive_passwords_are_refused(client, password):
    _person()
    _sign_in(client, "sam@example.org")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    assert Client().login(request=HttpRequest(), username="sam@example.org", password=PASSWORD)


# ---------------------------------------------------------------- the security log


def test_sign_ins_failures_and_refusals_are_logged_with_who(client, caplog):
    sam = _person()
    w = factories.world("cheshire-east-sab")
    case = factories.raise_case(w)
    with caplog.at_level(logging.INFO, logger="escalate.security"):
        _sign_in(client, "sam@example.org", "wrong-password")
        _sign_in(client, "nobody@example.org", "wrong-password")
        _sign_in(client, "sam@example.org")
        client.get(reverse("cases:case", args=[case.reference]))
        client.post(reverse("logout"))
    lines = caplog.messages
    assert f"signin.failed user={sam.pk}" in " ".join(lines)
    assert any(line.startswith("signin.failed unknown_account=") for line in lines)
    assert any(line.startswith(f"signin.succeeded user={sam.pk}") for line in lines)
    assert f"signout user={sam.pk}" in lines
    assert not any("nobody@example.org" in line or PASSWORD in line for line in lines)


def test_log_lines_carry_time_level_and_logger():
    from django.conf import settings

    fmt = settings.LOGGING["formatters"]["line"]["format"]
    record = logging.LogRecord("escalate.security", logging.INFO, __file__, 1, "x", (), None)
    line = logging.Formatter(fmt, settings.LOGGING["formatters"]["line"]["datefmt"]).format(record)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} level=INFO logger=escalate", line)


def test_the_reminder_sweep_forgets_sessions_that_have_run_out(client):
    from io import StringIO

    from django.core.management import call_command

    _person()
    _sign_in(client, "sam@example.org")
    clock.advance(minutes=31)
    out = StringIO()
    call_command("remind", "--no-digest", stdout=out)
    assert "Expired sessions forgotten: 1." in out.getvalue()
    assert not Session.objects.exists()


# ---------------------------------------------------------------- found in review


def test_sign_out_everywhere_works_when_the_session_was_just_refreshed(client):
    _person()
    _sign_in(client, "sam@example.org")
    clock.advance(seconds=45)  # the next request refreshes the session as it ends it
    response = client.post(reverse("your_sessions"), {"end": "all"})
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_a_session_with_no_start_time_is_signed_out(client):
    from escalate.accounts import sessions

    _person()
    _sign_in(client, "sam@example.org")
    session = client.session
    del session[sessions.STARTED]
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "signed_out=idle" in response.url


def test_the_session_cookie_goes_when_the_browser_closes(client):
    _person()
    _sign_in(client, "sam@example.org")
    clock.advance(minutes=1)
    client.get(reverse("home"))
    assert not client.cookies["escalate-session"]["max-age"]


def test_changing_the_password_keeps_the_session_in_the_list(client):
    _person()
    _sign_in(client, "sam@example.org")
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-password-2",
            "new_password2": "another-long-password-2",
        },
    )
    clock.advance(minutes=1)
    assert client.get(reverse("home")).status_code == 200
    assert list(SignedInSession.objects.values_list("session_key", flat=True)) == [
        client.session.session_key
    ]


def test_someone_elsewhere_cannot_lock_a_person_out(client):
    _person()
    for _ in range(6):
        client.post(
            reverse("login"),
            {"username": "sam@example.org", "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.9",
        )
    assert _sign_in(client, "sam@example.org").status_code == 302  # from 127.0.0.1


def test_behind_trusted_proxies_limits_count_the_persons_address(rf, settings):
    from escalate.throttling import limits

    settings.TRUSTED_PROXY_HOPS = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert limits.client_address(request) == "198.51.100.7"  # not the made-up 9.9.9.9
    settings.TRUSTED_PROXY_HOPS = 0
    assert limits.client_address(request) == "10.0.0.1"
    ipv6 = rf.get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert limits.address_key(ipv6) == "address:2001:db8:1:2::/64"


def test_the_administration_sign_in_is_limited_per_address(client, monkeypatch):
    from escalate.core import views

    monkeypatch.setattr(views, "SIGN_IN_RATE_PER_ADDRESS", "3/h")
    for n in range(3):
        client.post("/admin/login/", {"username": f"nobody{n}@example.org", "password": "x"})
    response = client.post("/admin/login/", {"username": "nobody9@example.org", "password": "x"})
    assert response.status_code == 429


def test_an_unknown_sign_in_address_is_logged_as_a_keyed_hash(client, caplog):
    import hashlib

    with caplog.at_level(logging.INFO, logger="escalate.security"):
        _sign_in(client, "nobody@example.org", "wrong-password")
    plain = hashlib.sha256(b"nobody@example.org").hexdigest()[:12]
    (line,) = [m for m in caplog.messages if m.startswith("signin.failed")]
    assert "unknown_account=" in line and plain not in line


def test_refusals_are_logged_without_the_secret_part_of_a_link(client, caplog):
    from escalate.core.middleware import _loggable

    assert _loggable("/cases/invitation/s3cr3t-token-value/") == "/cases/invitation/[link]/"
    assert _loggable("/accounts/reset/MQ/abc-123/") == "/accounts/reset/[link]/"
    assert _loggable("/cases/CE-2026-0001/") == "/cases/CE-2026-0001/"
