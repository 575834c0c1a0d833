"""What a definition may say about routes that depend on the case: a joint procedure's
forum for adults and for children (a stage's ``forum_for``), and kinds of case that go
to a named officer instead of up the stages (``[[routes]]``). Each mistake is refused in
plain English at the field."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from escalate.procedures import library
from escalate.procedures.library import DefinitionError
from escalate.procedures.model import Protects, Recipient

RIVERSIDE_FILE = Path(__file__).parent / "definitions" / "riverside.toml"
RIVERSIDE: dict[str, Any] = tomllib.loads(RIVERSIDE_FILE.read_text(encoding="utf-8"))


def data() -> dict[str, Any]:
    return copy.deepcopy(RIVERSIDE)


def problem(d: dict[str, Any]) -> str:
    with pytest.raises(DefinitionError) as caught:
        library.from_dict(d, "riverside.toml")
    (found,) = caught.value.problems
    assert "Value error" not in found and "pydantic" not in found, found
    return found


def test_the_riverside_routes_and_forums_are_read() -> None:
    p = library.load_file(RIVERSIDE_FILE)
    looked_after, conference, enquiry = p.routes
    assert looked_after.when == "looked_after_child"
    assert looked_after.go_to == "Named officer for looked-after children"
    assert looked_after.instead_of_ladder and looked_after.applies_to is Protects.CHILDREN
    assert looked_after.notify == (Recipient.BUSINESS_UNIT,)
    assert conference.instead_of_ladder
    assert not enquiry.instead_of_ladder and enquiry.applies_to is Protects.ADULTS
    forum = p.stage(4).forum_for
    assert forum is not None
    assert forum.adults == "Safeguarding Adults Board resolution panel"
    assert forum.children == "Children's Partnership executive"
    assert p.stage(3).forum_for is None


def test_a_forum_for_adults_and_children_needs_a_joint_procedure() -> None:
    d = data()
    d["protects"] = "children"
    d["routes"] = [r for r in d["routes"] if r.get("applies_to") != "adults"]
    found = problem(d)
    assert found.startswith("stages[3] (stage 4).forum_for"), found
    assert "protects children only, so every case goes to the same forum" in found


def test_a_forum_for_one_group_only_is_refused() -> None:
    d = data()
    d["stages"][3]["forum_for"] = {"adults": "The adults' panel"}
    found = problem(d)
    assert "forum_for.children" in found and "required" in found.lower(), found


def test_a_route_for_people_the_procedure_does_not_protect_is_refused() -> None:
    d = data()
    d["protects"] = "adults"
    del d["stages"][3]["forum_for"]
    found = problem(d)
    assert found.startswith("routes[0].applies_to"), found
    assert "applies to children, but this procedure protects adults only" in found


def test_routes_are_refused_in_plain_words() -> None:
    d = data()
    d["routes"][1]["when"] = "looked_after_child"
    found = problem(d)
    assert "routes[1].when" in found and "duplicate kind of case 'looked_after_child'" in found

    d = data()
    d["routes"][0]["applies_to"] = "both"
    assert "'both' is every case: leave applies_to out" in problem(d)

    d = data()
    d["routes"][0]["notify"] = ["business_unit", "business_unit"]
    assert "duplicate recipient 'business_unit'" in problem(d)

    d = data()
    del d["routes"][0]["go_to"]
    assert "routes[0].go_to" in problem(d)

    d = data()
    d["routes"][0]["when"] = "Looked after!"
    assert "routes[0].when" in problem(d)

    d = data()
    d["routes"][0]["instead_of_ladder"] = "sometimes"
    assert "routes[0].instead_of_ladder" in problem(d)
