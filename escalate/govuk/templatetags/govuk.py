"""``{% load govuk %}``: GOV.UK markup in page templates, drawn by the component templates
(``components/*.html``) rather than written out by hand.

Forms:

``{% govuk_error_list form anchor as errors %}`` gives the error summary's items (as
:func:`escalate.govuk.forms.error_list`), for ``components/error_summary.html``;
``{% govuk_field form.email type="email" autocomplete="email" spellcheck=False %}`` draws
one field's form group with options for this once.

Components, with the Nunjucks macro's option names:

``{% govuk "tag" text=status classes="govuk-tag--red" attr_id="case-status" %}`` draws one
component. ``attr_NAME=`` sets an HTML attribute (underscores become hyphens:
``attr_data_stage_status`` is ``data-stage-status``); ``a__b=`` sets a nested option
(``card__title__text="Stage 1"`` is ``{"card": {"title": {"text": "Stage 1"}}}``).
Options given as ``None`` or ``""`` are left out. Add ``as name`` to keep the HTML.

``{% govukblock "warning_text" %}...{% endgovukblock %}`` draws a component whose ``html``
is the block's content. Inside ``{% govukblock "summary_list" %}`` each
``{% govuk_row "Key" %}value{% endgovuk_row %}`` is a row; inside
``{% govukblock "table" %}`` each ``{% govuk_th %}Heading{% endgovuk_th %}`` is a column
heading and each ``{% govuk_tr %}`` a row of ``{% govuk_td %}cell{% endgovuk_td %}``;
inside ``{% govukblock "select" %}`` (or ``radios``, ``checkboxes``) each
``{% govuk_item value="x" %}label{% endgovuk_item %}`` is an option.

``{% govuk_capture as name %}...{% endgovuk_capture %}`` keeps what its content renders
(blocks of a parent template may sit inside it).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from html import unescape
from typing import Any

from django import forms, template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from escalate.govuk.forms import GovukBoundField, error_list

register = template.Library()

#: Context names under which a block collects what its inner tags add.
ROWS = "_govuk_rows"
HEAD = "_govuk_head"
CELLS = "_govuk_cells"
ITEMS = "_govuk_items"

#: Components whose inner tags give rows (and headings) or items rather than ``html``.
COLLECTS = {
    "summary_list": (ROWS,),
    "table": (HEAD, ROWS),
    "select": (ITEMS,),
    "radios": (ITEMS,),
    "checkboxes": (ITEMS,),
}


@register.simple_tag
def govuk_error_list(form: forms.BaseForm, anchor: str = "") -> list[dict[str, str]]:
    return error_list(form, anchor=anchor or "")


@register.simple_tag
def govuk_field(field: GovukBoundField, **options: Any) -> SafeString:
    return field.as_govuk(**options)


# ---------------------------------------------------------------- options


def _attribute_name(name: str) -> str:
    return name.replace("_", "-")


def options(given: dict[str, Any]) -> dict[str, Any]:
    """Tag arguments as a component's options: ``attr_x`` and ``a__b`` nested, blanks
    (``None`` and ``""``) left out."""
    result: dict[str, Any] = {}
    for key, value in given.items():
        # A blank is left out, except an item's value (a select's "Any agency" is "").
        blank = value is None or (isinstance(value, str) and value == "")
        if blank and not (key == "value" and value == ""):
            continue
        if key.startswith("attr_"):
            path = ["attributes", _attribute_name(key.removeprefix("attr_"))]
        else:
            parts = key.split("__")
            path = [
                _attribute_name(p) if i and parts[i - 1] == "attributes" else p
                for i, p in enumerate(parts)
            ]
        here = result
        for part in path[:-1]:
            here = here.setdefault(part, {})
        here[path[-1]] = value
    return result


def _prepared(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """What a component's template needs worked out beforehand, as
    :mod:`escalate.govuk.forms` does for form fields."""
    if name == "summary_list":
        params.setdefault(
            "anyRowHasActions",
            any((row or {}).get("actions", {}).get("items") for row in params.get("rows", [])),
        )
        params["rows"] = [_filled_row(row) for row in params.get("rows") or []]
    if name == "table" and params.get("responsive"):
        params["rows"] = _labelled_rows(params)
    if name == "date_input":
        params.setdefault(
            "anyItemHasError", any(item.get("error") for item in params.get("items", []))
        )
    return params


def _filled_row(row: Any) -> Any:
    """A summary list row with every option its template reads (empty where not given),
    so drawing it never looks for a missing key: each missing one costs the template
    engine several failed lookups, and a page draws hundreds."""
    if not isinstance(row, dict) or not row:
        return row
    return {
        **row,
        "classes": row.get("classes") or "",
        "key": {"classes": "", "html": "", "text": "", **(row.get("key") or {})},
        "value": {"classes": "", "html": "", "text": "", **(row.get("value") or {})},
        "actions": {"classes": "", "items": [], **(row.get("actions") or {})},
    }


def _labelled_rows(params: dict[str, Any]) -> list[Any]:
    """A responsive table's rows, each data cell carrying its column's heading as
    ``label`` (worked out once per table rather than once per cell in the template)."""
    head = params.get("head") or []
    labels = [govuk_column_label(head, i) for i in range(len(head))]
    header_first = bool(params.get("firstCellIsHeader"))
    rows: list[Any] = []
    for row in params.get("rows") or []:
        if not row:
            rows.append(row)
            continue
        cells = []
        for i, cell in enumerate(row):
            if (
                isinstance(cell, dict)
                and not cell.get("colspan")
                and not (i == 0 and header_first)
                and "label" not in cell
                and i < len(labels)
                and labels[i]
            ):
                cell = {**cell, "label": labels[i]}
            cells.append(cell)
        rows.append(cells)
    return rows


class _Unkept(Exception):
    """Options holding a value a drawing is not kept for (see :func:`_frozen`)."""


#: The values a drawn component is kept for, by exact type: each equal only to values
#: that are drawn the same (not floats: 0.0 and -0.0; not datetimes: equal instants in
#: other time zones; nor objects, which may change).
_KEPT_TYPES = frozenset({str, SafeString, int, bool, type(None), dt.date})


def _frozen(value: Any) -> Any:
    """``value`` as a key that is equal only for options drawn the same: each value
    with its type, dicts' keys in their order (attributes are drawn in it)."""
    kind = type(value)
    if kind is dict:
        return (dict, tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind, tuple(_frozen(v) for v in value))
    if kind in _KEPT_TYPES:
        return (kind, value)
    raise _Unkept


#: The components whose drawings are kept: the ones a page draws many times over with
#: the same options (a status tag on every row, the same buttons), whose options are
#: the service's own words. Never one that holds a case's details (a summary list, a
#: table, an inset), which would then stay in the process's memory after the request.
KEPT_COMPONENTS = frozenset({"tag", "button", "back_link"})

#: Components drawn, by name and options, most recently used last: a component's HTML
#: depends on nothing but them (its template has no request).
_drawn: OrderedDict[Any, SafeString] = OrderedDict()
_drawn_lock = threading.Lock()
#: How many drawings a process keeps, and the longest kept (a long one, like a table
#: of cases, is drawn for one person's page: kept, it would only take up memory).
KEEP_DRAWN = 512
KEEP_LONGEST = 6000


@receiver(setting_changed)
def forget_drawn(**_kwargs: Any) -> None:
    """Forget every drawing kept (a setting a template reads may have changed)."""
    with _drawn_lock:
        _drawn.clear()


_COMPONENT_NAME = re.compile(r"[a-z_]+")


def render_component(name: str, params: dict[str, Any]) -> SafeString:
    if not _COMPONENT_NAME.fullmatch(name):
        raise template.TemplateSyntaxError(f"No GOV.UK component called {name!r}")
    if name not in KEPT_COMPONENTS or settings.DEBUG:  # (DEBUG: templates may be edited)
        return _draw(name, params)
    try:
        key = (name, _frozen(params))
    except _Unkept:
        return _draw(name, params)
    with _drawn_lock:
        found = _drawn.get(key)
        if found is not None:
            _drawn.move_to_end(key)
            return found
    drawn = _draw(name, params)
    if len(drawn) > KEEP_LONGEST:
        return drawn
    with _drawn_lock:
        _drawn[key] = drawn
        while len(_drawn) > KEEP_DRAWN:
            _drawn.popitem(last=False)
    return drawn


def _draw(name: str, params: dict[str, Any]) -> SafeString:
    html = render_to_string(f"components/{name}.html", _prepared(name, params))
    return mark_safe(html.strip())  # noqa: S308 - our own component templates, escaped


@register.simple_tag
def govuk(component_name: str, **given: Any) -> SafeString:
    return render_component(component_name, options(given))


# ---------------------------------------------------------------- block tags


def _parse_arguments(parser: Parser, bits: list[str]) -> tuple[list[Any], dict[str, Any]]:
    args: list[FilterExpression] = []
    kwargs: dict[str, FilterExpression] = {}
    for bit in bits:
        match = re.fullmatch(r"(\w+)=(.+)", bit)
        if match:
            kwargs[match[1]] = parser.compile_filter(match[2])
        elif kwargs:
            raise template.TemplateSyntaxError(f"Positional argument after keywords: {bit}")
        else:
            args.append(parser.compile_filter(bit))
    return args, kwargs


class _BlockNode(template.Node):
    """A tag with content, arguments resolved at render time."""

    def __init__(
        self,
        nodelist: NodeList,
        args: list[FilterExpression],
        kwargs: dict[str, FilterExpression],
        target: str = "",
    ) -> None:
        self.nodelist = nodelist
        self.args = args
        self.kwargs = kwargs
        self.target = target

    def resolved(self, context: Context) -> tuple[list[Any], dict[str, Any]]:
        return (
            [a.resolve(context) for a in self.args],
            {k: v.resolve(context) for k, v in self.kwargs.items()},
        )

    def content(self, context: Context, **collectors: list[Any]) -> SafeString:
        with context.push(**collectors):
            return mark_safe(self.nodelist.render(context).strip())  # noqa: S308 - rendered


def _block(parser: Parser, token: Token, node_class: type[_BlockNode]) -> _BlockNode:
    bits = token.split_contents()
    name = bits.pop(0)
    target = ""
    if len(bits) >= 2 and bits[-2] == "as":
        target = bits[-1]
        bits = bits[:-2]
    nodelist = parser.parse((f"end{name}",))
    parser.delete_first_token()
    args, kwargs = _parse_arguments(parser, bits)
    return node_class(nodelist, args, kwargs, target)


def _collector(context: Context, key: str, tag: str) -> list[Any]:
    found = context.get(key)
    if not isinstance(found, list):
        raise template.TemplateSyntaxError(f"{{% {tag} %}} must be inside its component's block")
    return found


class ComponentNode(_BlockNode):
    def render(self, context: Context) -> str:
        args, kwargs = self.resolved(context)
        if len(args) != 1:
            raise template.TemplateSyntaxError("{% govukblock %} needs the component's name")
        name = str(args[0])
        params = options(kwargs)
        keys = COLLECTS.get(name, ())
        collected: dict[str, list[Any]] = {key: [] for key in keys}
        body = self.content(context, **collected)
        if ITEMS in collected:
            params["items"] = collected[ITEMS]
            if name == "select":  # an option's words are text, not HTML
                for item in params["items"]:
                    item["text"] = unescape(strip_tags(item.pop("html")))
        elif keys:
            if collected.get(HEAD):
                params["head"] = collected[HEAD]
            params["rows"] = collected[ROWS]
        elif body:
            params["html"] = body
        html = render_component(name, params)
        if self.target:
            context[self.target] = html
            return ""
        return html


class RowNode(_BlockNode):
    """A summary list row: the key as the first argument (or ``key_html=``), the value
    the content; ``action_href``, ``action_text`` and ``action_hidden`` give its link."""

    def render(self, context: Context) -> str:
        args, kwargs = self.resolved(context)
        rows = _collector(context, ROWS, "govuk_row")
        key_html = kwargs.pop("key_html", None)
        key = {"html": key_html} if key_html else {"text": "" if not args else args[0]}
        row: dict[str, Any] = {"key": key, "value": {"html": self.content(context)}}
        action = options(
            {
                "href": kwargs.pop("action_href", None),
                "text": kwargs.pop("action_text", None),
                "visuallyHiddenText": kwargs.pop("action_hidden", None),
            }
        )
        if action.get("href"):
            row["actions"] = {"items": [action]}
        row.update(options(kwargs))
        rows.append(row)
        return ""


class HeadNode(_BlockNode):
    def render(self, context: Context) -> str:
        _, kwargs = self.resolved(context)
        head = _collector(context, HEAD, "govuk_th")
        head.append({"html": self.content(context), **options(kwargs)})
        return ""


class TableRowNode(_BlockNode):
    def render(self, context: Context) -> str:
        rows = _collector(context, ROWS, "govuk_tr")
        cells: list[dict[str, Any]] = []
        self.content(context, **{CELLS: cells})
        rows.append(cells)
        return ""


class CellNode(_BlockNode):
    def render(self, context: Context) -> str:
        _, kwargs = self.resolved(context)
        cells = _collector(context, CELLS, "govuk_td")
        cells.append({"html": self.content(context), **options(kwargs)})
        return ""


class ItemNode(_BlockNode):
    """An option of a select, radios or checkboxes: its words are the content."""

    def render(self, context: Context) -> str:
        _, kwargs = self.resolved(context)
        items = _collector(context, ITEMS, "govuk_item")
        items.append({"html": self.content(context), **options(kwargs)})
        return ""


class CaptureNode(_BlockNode):
    def render(self, context: Context) -> str:
        context[self.target] = mark_safe(self.nodelist.render(context))  # noqa: S308
        return ""


@register.tag
def govukblock(parser: Parser, token: Token) -> _BlockNode:
    return _block(parser, token, ComponentNode)


@register.tag
def govuk_row(parser: Parser, token: Token) -> _BlockNode:
    return _block(parser, token, RowNode)


@register.tag
def govuk_th(parser: Parser, token: Token) -> _BlockNode:
    return _block(parser, token, HeadNode)


@register.tag
def govuk_tr(parser: Parser, token: Token) -> _BlockNode:
    return _block(parser, token, TableRowNode)


@register.tag
def govuk_td(parser: Parser, token: Token) -> _BlockNode:
    return _block(parser, token, CellNode)


@register.tag
def govuk_item(parser: Parser, token: Token) -> _BlockNode:
    return _block(parser, token, ItemNode)


@register.tag
def govuk_capture(parser: Parser, token: Token) -> _BlockNode:
    node = _block(parser, token, CaptureNode)
    if not node.target or node.args or node.kwargs:
        raise template.TemplateSyntaxError("Use {% govuk_capture as name %}")
    return node


# ---------------------------------------------------------------- filters


@register.filter
def govuk_column_label(head: Any, index: int) -> str:
    """The plain text of column ``index``'s heading (for a responsive table's cells)."""
    try:
        item = head[index]
    except (IndexError, KeyError, TypeError):
        return ""
    if not isinstance(item, dict):
        return ""
    if item.get("text"):
        return str(item["text"])
    return " ".join(strip_tags(str(item.get("html") or "")).split())


@register.filter
def govuk_date_items(typed: Any, id_prefix: str) -> list[dict[str, Any]]:
    """A date input's day, month and year boxes, filled from ``typed``: a date as
    ``year-month-day`` (each part as typed; any may be empty), ids ``<id_prefix>-day``..."""
    text = typed if isinstance(typed, str) else ""
    year, month, day = ([*text.split("-", 2), "", "", ""][:3]) if text else ("", "", "")
    # A day or month from a date ("07") shows as people type it ("7").
    values = {
        "day": day.lstrip("0") if re.fullmatch(r"0[1-9]", day) else day,
        "month": month.lstrip("0") if re.fullmatch(r"0[1-9]", month) else month,
        "year": year,
    }
    return [
        {
            "id": f"{id_prefix}-{part}",
            "name": part,
            "label": part.capitalize(),
            "value": values[part],
            "classes": "govuk-input--width-4" if part == "year" else "govuk-input--width-2",
        }
        for part in ("day", "month", "year")
    ]
