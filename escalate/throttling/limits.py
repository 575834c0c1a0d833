"""Rate limits: fixed windows counted atomically in the database.

A rate is "N/s", "N/m", "N/h" or "N/d" (N times a second, minute, hour or day), or with
a number of units: "5/15m". Keys never hold what a person typed: an email address is
hashed first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from escalate import clock
from escalate.throttling.models import Counter

security_log = logging.getLogger("escalate.security")

_RATE = re.compile(r"^([0-9]{1,6})/([0-9]{0,4})([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = _RATE.match(text.strip())
        if not match:
            raise ValueError(f"a rate is like 5/h or 20/15m, not {text!r}")
        count, units, unit = match.groups()
        seconds = int(units or 1) * _UNIT_SECONDS[unit]
        if int(count) < 1 or seconds < 1:
            raise ValueError(f"a rate needs at least one try in at least a second: {text!r}")
        return cls(int(count), seconds)


def _window(seconds: int) -> dt.datetime:
    now = clock.now().timestamp()
    return dt.datetime.fromtimestamp(now - now % seconds, tz=dt.UTC)


def count(group: str, key: str, rate: str) -> int:
    """Counts one more try and returns how many there have been in this window."""
    parsed = Rate.parse(rate)
    full_key = f"{group}:{key}"[:200]
    window = _window(parsed.seconds)
    for _ in range(3):
        try:
            with transaction.atomic():
                updated = Counter.objects.filter(key=full_key, window_start=window).update(
                    count=F("count") + 1
                )
                if not updated:
                    Counter.objects.create(key=full_key, window_start=window, count=1)
                return int(
                    Counter.objects.filter(key=full_key, window_start=window)
                    .values_list("count", flat=True)
                    .get()
                )
        except IntegrityError:
            continue  # another request created the row first: count again
    return parsed.limit + 1  # could not count: refuse rather than allow without limit


def exceeded(group: str, key: str, rate: str, *, request: HttpRequest | None = None) -> bool:
    """Counts a try; True (and a log line) when it is more than the rate allows."""
    tries = count(group, key, rate)
    over = tries > Rate.parse(rate).limit
    if over:
        who: int | str = "anonymous"
        if request is not None and getattr(request, "user", None) is not None:
            who = request.user.pk if request.user.is_authenticated else "anonymous"
        security_log.warning(
            "ratelimit.refused group=%s user=%s key=%s tries=%s", group, who, _safe(key), tries
        )
    return over


def user_key(request: HttpRequest) -> str:
    user = request.user
    return f"user:{user.pk}" if user.is_authenticated else address_key(request)


def client_address(request: HttpRequest | None) -> str:
    """The address of the person's computer. Behind ``TRUSTED_PROXY_HOPS`` proxies (each
    adding the address it saw to X-Forwarded-For), the address the outermost trusted
    proxy saw; never an address a client could make up."""
    if request is None:
        return ""
    seen = [str(request.META.get("REMOTE_ADDR", "")).strip()]
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0))
    if hops:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))[:2000]
        seen = [part.strip() for part in forwarded.split(",") if part.strip()] + seen
        seen = seen[-(hops + 1) :]
    for candidate in seen[:1]:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            break
    return str(request.META.get("REMOTE_ADDR", ""))


def address_key(request: HttpRequest) -> str:
    """The client's address for counting: an IPv6 address by its /64 network, as one
    computer may hold the whole of one."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"address:{address[:60]}"
    if parsed.version == 6:
        return f"address:{ipaddress.ip_network(f'{parsed}/64', strict=False)}"
    return f"address:{parsed}"


def email_key(email: str) -> str:
    """A key for an email address that does not keep the address."""
    digest = hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()
    return f"email:{digest[:16]}"


def clear_old(older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    deleted, _ = Counter.objects.filter(window_start__lt=clock.now() - older_than).delete()
    return deleted


def _safe(key: str) -> str:
    return key.encode("unicode_escape").decode("ascii")[:120]
