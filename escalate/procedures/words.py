"""Small pieces of plain English shared by the engine and the services. Pure Python."""

from __future__ import annotations


def article(words: str) -> str:
    """The article before ``words``: "An" or "A" (lower it for mid-sentence use)."""
    return "An" if words[:1].lower() in "aeiou" else "A"
