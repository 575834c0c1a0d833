"""Headings and cells for the GOV.UK table component, made in Python for the board's
tables of many rows (the register's page, the report's charts).

Each carries every option the component reads: a missing one is a failed lookup for
the template engine, which is slow when repeated for every cell. A heading carries its
plain words as ``text`` even when it is a link (``html``), so a responsive table's
``data-label`` is read rather than worked out from the heading's HTML.
"""

from __future__ import annotations

from typing import Any


def item(html: str = "", text: str = "", **extra: Any) -> dict[str, Any]:
    """A heading or cell with every option the table component reads."""
    found: dict[str, Any] = {
        "html": html,
        "text": text,
        "format": "",
        "classes": "",
        "colspan": "",
        "rowspan": "",
        "attributes": {},
    }
    found.update(extra)
    return found


def number(text: str) -> dict[str, Any]:
    """A count, right-aligned as GOV.UK numeric cells are (``num``: the print style)."""
    return item(text=text, format="numeric", classes="num")
