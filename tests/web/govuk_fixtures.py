"""Render our component templates with the options of govuk-frontend's own fixtures, and
compare the HTML with the fixture's reference HTML, ignoring whitespace and the order of
attributes and classes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "components"

VOID = {"input", "br", "img", "hr", "meta", "link", "path"}
SPACE_SEPARATED = {"class", "aria-describedby", "rel"}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Any] = []
        self.stack: list[list[Any]] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        normal = []
        for key, value in attrs:
            value = value or ""
            if key in SPACE_SEPARATED:
                value = " ".join(sorted(value.split()))
            normal.append((key, value))
        node: list[Any] = [tag, tuple(sorted(normal)), []]
        self.stack[-1].append(node)
        if tag not in VOID:
            self.stack.append(node[2])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text:
            return
        siblings = self.stack[-1]
        if siblings and isinstance(siblings[-1], str):
            siblings[-1] = siblings[-1] + " " + text
        else:
            siblings.append(text)


def normalise(html: str) -> list[Any]:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def fixtures(component: str) -> dict[str, dict[str, Any]]:
    data = json.loads((COMPONENTS / component / "fixtures.json").read_text())
    return {f["name"]: f for f in data["fixtures"]}


def _safe(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _safe(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, str) and key.lower().endswith("html"):
        return mark_safe(value)
    return value


def _context(component: str, options: dict[str, Any]) -> dict[str, Any]:
    """The fixture's options as our template's context (the same names)."""
    context = _safe(options)
    if component == "date-input" and not context.get("items"):
        values = context.get("values") or {}
        context["items"] = [
            context.get(part) or {"name": part, "value": values.get(part)}
            for part in ("day", "month", "year")
        ]
    if component == "date-input":
        context["anyItemHasError"] = any(
            i.get("error") or "govuk-input--error" in (i.get("classes") or "")
            for i in context["items"]
        )
    if component == "summary-list":
        context["anyRowHasActions"] = any(
            (row or {}).get("actions", {}).get("items") for row in context.get("rows", [])
        )
    return context


def render(component: str, options: dict[str, Any]) -> str:
    template = f"components/{component.replace('-', '_')}.html"
    return render_to_string(template, _context(component, options))


def compare(component: str, name: str) -> tuple[list[Any], list[Any]]:
    fixture = fixtures(component)[name]
    return normalise(render(component, fixture["options"])), normalise(fixture["html"])
