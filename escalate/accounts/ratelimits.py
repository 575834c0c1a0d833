"""Rate limits on forms anyone can send, counted in the database (escalate.throttling).

An over-limit request is answered exactly as an allowed one (the person sees the same
page), so a limit never tells anyone whether an address has an account; the refusal is
logged to ``escalate.security`` with a short keyed hash of the address, never the
address itself.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from escalate.throttling import limits

security_log = logging.getLogger("escalate.security")

#: Reset-email requests allowed, per address asked about and per client address.
RESET_RATE_PER_ADDRESS = "5/h"
RESET_RATE_PER_IP = "20/h"


def address_hash(email: str) -> str:
    """A short keyed hash of an email address: the same address gives the same hash in
    one installation (so log lines can be matched up), and it cannot be looked up."""
    value = (email or "").strip().lower()
    return salted_hmac("escalate.ratelimits.address", value).hexdigest()[:12]


def refused(
    request: HttpRequest,
    *,
    form: str,
    email: str,
    per_address: str,
    per_ip: str,
) -> bool:
    """Count one request of ``form`` for ``email`` and the client address; True (and a
    ``ratelimit.refused`` log line) when either is over its limit."""
    address = address_hash(email)
    client = limits.client_address(request)
    over = [
        name
        for name, key, rate in (
            ("address", f"email:{address}", per_address),
            ("ip", limits.address_key(request), per_ip),
        )
        if limits.count(f"{form}.{name}", key, rate) > limits.Rate.parse(rate).limit
    ]
    if over:
        security_log.warning(
            "ratelimit.refused form=%s limit=%s address_hash=%s ip=%s",
            form,
            "+".join(over),
            address,
            client,
        )
    return bool(over)


def password_reset_refused(request: HttpRequest, email: str) -> bool:
    """Whether to quietly drop a request for a password-reset email (5 an hour per
    address, 20 an hour per client, unless settings say otherwise)."""
    return refused(
        request,
        form="password_reset",
        email=email,
        per_address=getattr(settings, "RESET_RATE_PER_ADDRESS", RESET_RATE_PER_ADDRESS),
        per_ip=getattr(settings, "RESET_RATE_PER_IP", RESET_RATE_PER_IP),
    )
