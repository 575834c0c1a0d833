"""Which characters typed text may hold, decided once for every form and every file
written (standard library only).

People paste text from Word, email and case records. Most of what comes with it is fine,
but a few characters cannot be stored everywhere (PostgreSQL refuses the NUL byte) or
written into a Word or Excel file (XML allows no control characters), so one pasted
character could break a register download for everyone. Each character is decided on:

* tab, new line and carriage return are ordinary text and are kept;
* line and page breaks other programs use are turned into a new line, since that is what
  the person meant: vertical tab ``\\x0b`` (Word's manual line break, Shift+Enter), form
  feed ``\\x0c`` (Word's page break), next line ``U+0085``, and the Unicode line and
  paragraph separators ``U+2028`` and ``U+2029``;
* every other control character (``\\x00`` to ``\\x1f``, delete ``\\x7f`` and ``\\x80``
  to ``\\x9f``), lone surrogates and the non-characters ``U+FFFE`` and ``U+FFFF`` are
  refused at input with "Remove the unusual characters from ...": they carry no meaning
  a person could have intended, and silently dropping them would change what was typed.

Files are written with :func:`printable`, which applies the same rules to text already
stored (rows saved before these rules, or written by other programs), dropping what
it would refuse, so stored text can never stop a file being made.
"""

from __future__ import annotations

import re

#: Breaks that are read as a new line.
LINE_BREAKS = str.maketrans(dict.fromkeys("\x0b\x0c\x85\u2028\u2029", "\n"))

#: Characters refused at input (after :data:`LINE_BREAKS` are turned into new lines).
UNUSUAL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def as_text(value: object) -> str:
    """Any value as text: ``None`` is empty, anything else (a number a caller or a stored
    session gave instead of text) its ``str``. Nothing here assumes it was given a string."""
    return "" if value is None else value if isinstance(value, str) else str(value)


def tidy(text: object) -> str:
    """Text with other programs' line and page breaks turned into new lines."""
    return as_text(text).translate(LINE_BREAKS)


def has_unusual_characters(text: object) -> bool:
    """Whether ``text`` (already :func:`tidy`) holds a character that is refused."""
    return UNUSUAL.search(as_text(text)) is not None


def printable(text: object) -> str:
    """``text`` as it can be written into any file: breaks made new lines, and every
    character input would refuse left out."""
    return UNUSUAL.sub("", tidy(text))


def is_number(text: str, *, longest: int = 9) -> bool:
    """Whether ``text`` is a whole number Python can read safely: ASCII digits only ("²"
    and other Unicode digits are ``isdigit()`` but not numbers ``int`` takes), and not so
    long that reading it is refused or slow."""
    return 0 < len(text) <= longest and text.isascii() and text.isdigit()


#: What a page number too long to be any page reads as: past the last page.
PAST_EVERY_PAGE = 10**9


def page_number(text: object) -> int | None:
    """A page number as pagination links write it: ASCII digits only (``int`` would read
    "٣" or "３" as 3); None when it is not one; 0 reads as the first page; a number
    too long to be any page reads as :data:`PAST_EVERY_PAGE`, so the list shows its
    last page."""
    # (Spaces a link or a person may add, only: str.strip would also take control
    # characters such as "\x1f" off, reading "\x1f2" as page 2.)
    found = text.strip(" \t\r\n") if isinstance(text, str) else ""
    if not (found.isascii() and found.isdigit()):
        return None
    return max(int(found), 1) if is_number(found) else PAST_EVERY_PAGE
