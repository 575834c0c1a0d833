"""Asking for a page as someone and counting the queries it took: for the tests that a
page's queries do not grow with what it lists."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def counted_get(who: Any, path: str) -> tuple[int, str, int]:
    """``path`` asked for by ``who`` (someone, signed in here, or a signed-in
    :class:`~django.test.Client`): its status, its HTML and how many queries it took."""
    if isinstance(who, Client):
        client = who
    else:
        client = Client()
        client.force_login(who)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, response.content.decode(), len(queries)
