"""``{% recent_notifications as recent %}``: the signed-in person's latest notifications,
for ``notifications/_recent.html`` (included on the home page)."""

from __future__ import annotations

from typing import Any

from django import template

from escalate.notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def recent_notifications(context: dict[str, Any], count: int = 5) -> list[selectors.Item]:
    person = context.get("user")
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    return selectors.recent_for(person, count)
