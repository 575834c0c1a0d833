"""Per-account limits on the case pages that send email or accept an invitation.

Counted in the database by :mod:`escalate.throttling` (shared by every worker and app
server; the settings keep the counters there rather than in a cache). Over the limit,
the person sees a plain page (status 429) saying when they can try again, nothing is
done, and ``ratelimit.refused`` is logged to ``escalate.security`` with who and where.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from escalate import clock
from escalate.throttling import limits as counters

security_log = logging.getLogger("escalate.security")


@dataclass(frozen=True)
class Limit:
    group: str
    rate: str
    doing: str  # what the person was trying to do, for the page: "raise a challenge"


#: Raising sends the other professional their invitation.
RAISE = Limit("cases.raise", "30/h", "raise a challenge")
#: Sending the invitation again.
RESEND = Limit("cases.resend-invitation", "10/h", "send an invitation again")
#: Escalating or expediting, which email the person named as the next stage's owner
#: or counterpart at the address typed in.
NAMING = Limit("cases.name-someone", "30/h", "name someone for a stage")
#: Following an invitation link.
ACCEPT = Limit("cases.accept-invitation", "20/h", "use an invitation link")


def refused(request: HttpRequest, limit: Limit) -> HttpResponse | None:
    """Count this request against ``limit`` for the signed-in person: the 429 page when
    they are over it, else None."""
    if not request.user.is_authenticated:
        return None
    tries = counters.count(limit.group, f"user:{request.user.pk}", limit.rate)
    rate = counters.Rate.parse(limit.rate)
    if tries <= rate.limit:
        return None
    security_log.warning(
        "ratelimit.refused user=%s route=%s tries=%s",
        request.user.pk,
        _route(request),
        tries,
    )
    now = clock.now().timestamp()
    minutes = max(math.ceil((rate.seconds - now % rate.seconds) / 60), 1)
    return render(
        request,
        "cases/too_many_attempts.html",
        {"doing": limit.doing, "wait": f"{minutes} minute{'s' if minutes != 1 else ''}"},
        status=429,
    )


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else request.path_info
