"""The shape the README's Architecture section describes, checked on the source itself:
which layer may import which, no reaching into another module's private names, and no
module too long to read."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import escalate

PACKAGE = Path(escalate.__file__).parent
LONGEST = 500


def modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names]


def ours_imported_by(path: Path) -> set[str]:
    return {module for module, _ in imports(path) if module.split(".")[0] == "escalate"}


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = [
        f"{dotted(p)}: {n} lines"
        for p in modules()
        if (n := len(p.read_text().splitlines())) > LONGEST
    ]
    assert long == []


def test_no_module_takes_another_modules_private_names() -> None:
    reaching = []
    for path in modules():
        for module, names in imports(path):
            if module.split(".")[0] != "escalate":
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            hidden = [part for part in module.split(".") if part.startswith("_")]
            if private or hidden:
                reaching.append(f"{dotted(path)}: from {module} import {', '.join(names)}")
    assert reaching == []


def test_the_engine_imports_neither_django_nor_the_rest_of_escalate() -> None:
    found = []
    for path in (PACKAGE / "procedures").rglob("*.py"):
        for module, _ in imports(path):
            top = module.split(".")[0]
            if top == "django" or (
                top == "escalate" and not module.startswith("escalate.procedures")
            ):
                found.append(f"{dotted(path)}: {module}")
    assert found == []


def test_the_shared_errors_and_the_govuk_layer_import_nothing_of_ours() -> None:
    found = [f"errors: {m}" for m in ours_imported_by(PACKAGE / "errors.py")]
    for path in (PACKAGE / "govuk").rglob("*.py"):
        found += [
            f"{dotted(path)}: {m}"
            for m in ours_imported_by(path)
            if not m.startswith("escalate.govuk")
        ]
    assert found == []


def test_partnerships_do_not_depend_on_cases_except_to_make_demo_cases() -> None:
    found = []
    for path in (PACKAGE / "partnerships").rglob("*.py"):
        if path.name.startswith("demo") or "migrations" in path.parts:
            continue
        found += [
            f"{dotted(path)}: {m}" for m in ours_imported_by(path) if m.startswith("escalate.cases")
        ]
    assert found == []
