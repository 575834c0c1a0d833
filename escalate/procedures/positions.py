"""Where each value of a TOML definition is written: its line, for error messages.

``tomllib`` says nothing about positions, so this scans the text once, following table
headers (``[expedite]``, ``[[stages]]``, ``[stages.on_unresolved]``), dotted keys,
inline tables and arrays, and notes the line each path starts on: ``("stages", 1,
"conclude_by", "amount")`` is the line of ``amount = ...`` in the second ``[[stages]]``
table's ``conclude_by``. A path not written in the text (a missing field) is placed at
the nearest table that holds it. It reads text ``tomllib`` has already accepted; if
anything surprises it, it knows no lines rather than wrong ones. Pure Python.
"""

from __future__ import annotations

import bisect
import re

Path = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}#\n]")


class _Unsure(Exception):
    """Text the scanner does not follow: give no lines at all."""


class Lines:
    """The lines of a TOML text's values, by path."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]
        self._at: dict[Path, int] = {}
        self._tables: dict[Path, int] = {}  # arrays of tables: how many so far
        self._i = 0
        try:
            self._document()
        except (_Unsure, IndexError, RecursionError):
            self._at = {}

    def line_of(self, path: Path) -> int | None:
        """The line ``path`` is written on, or that of the nearest table or value that
        holds it; ``None`` when not even its first step is written down."""
        for end in range(len(path), 0, -1):
            found = self._at.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    # ------------------------------------------------------------ scanning

    def _line(self, i: int) -> int:
        return bisect.bisect_left(self._newlines, i) + 1

    def _peek(self, n: int = 1) -> str:
        return self._text[self._i : self._i + n]

    def _note(self, path: Path, start: int) -> None:
        self._at.setdefault(path, self._line(start))

    def _skip(self, newlines: bool) -> None:
        """Skip spaces (and newlines and comments, if ``newlines``)."""
        text, end = self._text, len(self._text)
        while self._i < end:
            c = text[self._i]
            if c in " \t\r" or (newlines and c == "\n"):
                self._i += 1
            elif c == "#":
                nl = text.find("\n", self._i)
                self._i = end if nl < 0 else nl
            else:
                return

    def _document(self) -> None:
        table: Path = ()
        while True:
            self._skip(newlines=True)
            if self._i >= len(self._text):
                return
            start = self._i
            if self._peek(2) == "[[":
                self._i += 2
                keys = self._key()
                self._expect("]]")
                parent = self._resolve(keys[:-1]) + (keys[-1],)
                index = self._tables.get(parent, 0)
                self._tables[parent] = index + 1
                table = parent + (index,)
                self._note(parent, start)
                self._note(table, start)
            elif self._peek() == "[":
                self._i += 1
                keys = self._key()
                self._expect("]")
                table = self._resolve(keys)
                for end in range(1, len(table) + 1):
                    self._note(table[:end], start)
            else:
                keys = self._key()
                self._expect("=")
                path = table + keys
                for end in range(len(table) + 1, len(path) + 1):
                    self._note(path[:end], start)
                self._value(path)

    def _resolve(self, keys: Path) -> Path:
        """A header's dotted keys as a path: an array of tables means its last table."""
        path: Path = ()
        for key in keys:
            path += (key,)
            count = self._tables.get(path)
            if count:
                path += (count - 1,)
        return path

    def _expect(self, what: str) -> None:
        self._skip(newlines=False)
        if self._peek(len(what)) != what:
            raise _Unsure(what)
        self._i += len(what)

    def _key(self) -> Path:
        keys: list[str] = []
        while True:
            self._skip(newlines=False)
            c = self._peek()
            if c in "\"'":
                keys.append(self._string())
            else:
                found = _BARE.match(self._text, self._i)
                if not found:
                    raise _Unsure("key")
                keys.append(found.group())
                self._i = found.end()
            self._skip(newlines=False)
            if self._peek() != ".":
                return tuple(keys)
            self._i += 1

    def _string(self) -> str:
        """Skip a string; return its contents (escapes left as written: keys seldom
        have any, and a key misread only loses its line)."""
        text = self._text
        quote = text[self._i]
        fence = quote * 3 if text.startswith(quote * 3, self._i) else quote
        self._i += len(fence)
        begin = self._i
        while not text.startswith(fence, self._i):
            if self._i >= len(text):
                raise _Unsure("string")
            if quote == '"' and text[self._i] == "\\":
                self._i += 1
            self._i += 1
        # A multi-line string may end in up to two extra quotes: """a "b"""".
        while len(fence) == 3 and text.startswith(quote, self._i + 3):
            self._i += 1
        value = text[begin : self._i]
        self._i += len(fence)
        return value

    def _value(self, path: Path) -> None:
        self._skip(newlines=False)
        c = self._peek()
        if c in "\"'":
            self._string()
        elif c == "[":
            self._i += 1
            index = 0
            while True:
                self._skip(newlines=True)
                if self._peek() == "]":
                    self._i += 1
                    return
                self._note(path + (index,), self._i)
                self._value(path + (index,))
                index += 1
                self._skip(newlines=True)
                if self._peek() == ",":
                    self._i += 1
        elif c == "{":
            self._i += 1
            while True:
                self._skip(newlines=False)
                if self._peek() == "}":
                    self._i += 1
                    return
                start = self._i
                keys = self._key()
                self._expect("=")
                for end in range(1, len(keys) + 1):
                    self._note(path + keys[:end], start)
                self._value(path + keys)
                self._skip(newlines=False)
                if self._peek() == ",":
                    self._i += 1
        else:
            found = _SCALAR_END.search(self._text, self._i)
            if found is None:
                self._i = len(self._text)
            elif found.start() == self._i:
                raise _Unsure("value")
            else:
                self._i = found.start()
