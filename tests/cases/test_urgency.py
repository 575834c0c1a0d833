"""How urgent something waiting is: the rule behind the dashboard's tags."""

from __future__ import annotations

import datetime as dt

from escalate.cases.selectors import DUE_SOON_DAYS, ActionItem

TODAY = dt.date(2026, 12, 23)


def item(due: dt.date | None, overdue: bool = False) -> ActionItem:
    return ActionItem("stage", None, "Resolve or escalate stage 1", due, overdue)  # type: ignore[arg-type]


def test_urgency_runs_from_no_timescale_to_overdue() -> None:
    assert item(None).urgency(TODAY) == "none"
    assert item(TODAY - dt.timedelta(days=1), overdue=True).urgency(TODAY) == "overdue"
    assert item(TODAY).urgency(TODAY) == "due_soon"
    assert item(TODAY + dt.timedelta(days=DUE_SOON_DAYS)).urgency(TODAY) == "due_soon"
    assert item(TODAY + dt.timedelta(days=DUE_SOON_DAYS + 1)).urgency(TODAY) == "on_time"


def test_a_where_possible_target_passed_is_its_own_urgency_never_overdue() -> None:
    from escalate.core.views import URGENCY_TAGS

    passed = ActionItem(
        "stage",
        None,
        "Resolve or escalate stage 2",
        TODAY - dt.timedelta(days=5),
        False,  # type: ignore[arg-type]
        target_passed=True,
    )
    assert passed.urgency(TODAY) == "target_passed"
    assert URGENCY_TAGS["target_passed"]["text"] == "Target passed"
    assert "red" not in URGENCY_TAGS["target_passed"]["classes"]
