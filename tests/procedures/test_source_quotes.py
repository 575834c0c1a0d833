"""Every ``source`` quote in every procedure definition is in the published document the
definition encodes, as published.

A quote matches its document modulo whitespace, the kind of quotation marks, dashes and
ellipses, and the documents' own extraction artefacts: markup left in the plain-text
copies (headings' ``#``, ``**``, list bullets, HTML tags and entities), ligatures, words
hyphenated across lines and running page headers (such as "OFFICIAL"). Letters, their
case, words and punctuation must be the document's. A quote of separate passages (a
heading and the line under it) joins them with "; "; "..." marks words left out, and
the passages must then come in the document's order.

The documents are at ``../shared/seeds/`` from the project root (plain text; PDF and
Word copies are read too, with pypdf and python-docx). Without them these tests skip.
"""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "escalate" / "procedures" / "library"
SEEDS = ROOT / ".." / "shared" / "seeds"

# ---------------------------------------------------------------- reading the documents


def document_text(path: Path) -> str:
    """A document's text, whatever it is published as."""
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if path.suffix.lower() == ".docx":
        import docx

        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return path.read_text(encoding="utf-8")


def document_for(name: str) -> Path | None:
    """The document a definition names, or a copy of it in another format."""
    named = SEEDS / name
    if named.is_file():
        return named
    stem = Path(name).stem
    return next(
        (
            SEEDS / f"{stem}{ext}"
            for ext in (".pdf", ".docx", ".txt", ".md")
            if (SEEDS / f"{stem}{ext}").is_file()
        ),
        None,
    )


# ---------------------------------------------------------------- what "the same" means

QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
    }
)
#: Markup at the start of a line of a plain-text copy: headings, quotes, list bullets.
LINE_MARKS = re.compile(r"^[ \t]*(?:#+|>|[-*\u2022\u2713\u2714]|\\checkmark)(?=\s)[ \t]*", re.M)
TAGS = re.compile(r"<[^>\n]*>")
EMPHASIS = re.compile(r"\*\*|__")
LINKS = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
HYPHENATED = re.compile(r"(\w)-[ \t]*\n\s*(\w)")


def same_marks(text: str) -> str:
    """Text with one kind of quotation mark, dash and ellipsis, ligatures as letters and
    whitespace as single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    text = text.replace("\u2026", "...")
    return re.sub(r"\s+", " ", text).strip()


def without_markup(text: str) -> str:
    text = LINKS.sub(r"\1", text)
    text = TAGS.sub(" ", html.unescape(text))
    return EMPHASIS.sub("", LINE_MARKS.sub("", text))


def without_running_headers(text: str) -> str:
    """Short lines repeated through the document (page headers and footers) left out."""
    lines = [line.strip() for line in text.splitlines()]
    counts = Counter(line for line in lines if line)
    running = {line for line, n in counts.items() if n >= 3 and len(line.split()) <= 4}
    return "\n".join(line for line in lines if line not in running)


def readings(text: str) -> list[str]:
    """The document as it may be read: as published, without running headers, with
    words hyphenated across lines joined, and both."""
    plain = without_markup(text)
    variants = [plain, without_running_headers(plain)]
    variants += [HYPHENATED.sub(r"\1\2", v) for v in variants]
    return list(dict.fromkeys(same_marks(v) for v in variants))


def passages(quote: str) -> list[list[str]]:
    """The quote's passages ("; " between them), each as its pieces ("..." between)."""
    return [
        [piece.strip() for piece in re.split(r"\.\.\.", same_marks(p)) if piece.strip()]
        for p in quote.split("; ")
    ]


def in_order(pieces: list[str], text: str) -> bool:
    at = 0
    for piece in pieces:
        found = text.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def quoted_in(quote: str, texts: list[str]) -> bool:
    whole = same_marks(quote)
    return any(
        whole in text or all(in_order(pieces, text) for pieces in passages(quote)) for text in texts
    )


# ---------------------------------------------------------------- the quotes


def source_quotes(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every ``source = "..."`` in a definition, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else key
            if key == "source" and isinstance(value, str):
                yield here, value
            else:
                yield from source_quotes(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from source_quotes(value, f"{where}[{index}]")


DEFINITIONS = {
    path.stem: tomllib.loads(path.read_text()) for path in sorted(LIBRARY.glob("*.toml"))
}
QUOTED = [
    (key, where, quote) for key, data in DEFINITIONS.items() for where, quote in source_quotes(data)
]


@pytest.fixture(scope="module")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(
            f"The published procedure documents are not here: expected in {SEEDS.resolve()} "
            "(../shared/seeds/ from the project root)."
        )
    return SEEDS


@cache
def document_readings(key: str) -> list[str]:
    path = document_for(DEFINITIONS[key]["source"]["file"])
    assert path is not None, f"{key}: no document {DEFINITIONS[key]['source']['file']} in {SEEDS}"
    return readings(document_text(path))


def test_every_definition_quotes_its_document() -> None:
    assert set(DEFINITIONS) == {
        "cheshire-east-sab",
        "hammersmith-fulham-sab",
        "pan-cheshire-children",
        "shropshire-sscp",
        "warrington-sab",
    }
    for key, data in DEFINITIONS.items():
        assert sum(1 for k, _, _ in QUOTED if k == key) >= 10, f"{key} quotes too little"
        assert data["source"]["file"], key


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_each_definition_names_a_document_that_is_published(seeds: Path, key: str) -> None:
    assert document_for(DEFINITIONS[key]["source"]["file"]) is not None


@pytest.mark.parametrize(("key", "where", "quote"), QUOTED, ids=[f"{k}:{w}" for k, w, _ in QUOTED])
def test_every_source_quote_is_in_its_document(
    seeds: Path, key: str, where: str, quote: str
) -> None:
    assert quote.strip(), f"{key} {where} is empty"
    assert quoted_in(quote, document_readings(key)), (
        f"{key}.toml {where}: {quote!r} is not in {DEFINITIONS[key]['source']['file']}"
    )


# ---------------------------------------------------------------- the matching itself

PUBLISHED = """OFFICIAL

#### Stage 1

The worker should **raise** the issue with the other agency “within one working day” – and
record it. The Line Manager should ﬁnd a resolu-
tion.

OFFICIAL

Senior managers meet <p>within one working week</p> &amp; record the outcome…

OFFICIAL
"""


@pytest.mark.parametrize(
    "quote",
    [
        'The worker should raise the issue with the other agency "within one working day" - '
        "and record it.",
        "should find a resolution.",
        "resolution. Senior managers meet within one working week & record the outcome...",
        "Stage 1; The worker should raise the issue",
        "The worker should ... record it.",
    ],
)
def test_quotes_match_despite_the_documents_artefacts(quote: str) -> None:
    assert quoted_in(quote, readings(PUBLISHED))


@pytest.mark.parametrize(
    "quote",
    [
        "The worker must raise the issue",  # a word changed
        "the worker should raise the issue",  # a letter's case changed
        "Stage 1: The worker should raise the issue",  # a colon the document has not
        "record it. ... The worker should",  # passages out of order
        "within two working days",
    ],
)
def test_a_misquote_is_found(quote: str) -> None:
    assert not quoted_in(quote, readings(PUBLISHED))
