"""Migration cases/0010: cases whose policy issue was flagged before board
representatives were involved by it keep them involved from the stage it was flagged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import factories
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from escalate import clock
from escalate.cases.models import Case, PolicyIssue
from escalate.reports import figures_mark

BEFORE = [("cases", "0009_list_indexes")]
AFTER = [("cases", "0010_policy_issue_involvement")]


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    # (The executor sends no pre_migrate or post_migrate: do what they do, as migrate
    # would, with the report's figures mark triggers.)
    figures_mark.dropped_before_migrate()
    found = MigrationExecutor(connection)
    yield found
    found.loader.build_graph()
    found.migrate(found.loader.graph.leaf_nodes())
    figures_mark.installed_after_migrate()


def _flagged_the_old_way(key: str) -> Case:
    w = factories.world(key)
    case = factories.raise_case(w)
    PolicyIssue.objects.create(
        case=case, stage=1, text="No shared contact list.", raised_by=w.raiser,
        raised_at=clock.now(),
    )  # fmt: skip
    return case


@pytest.mark.django_db(transaction=True)
def test_flagged_warrington_cases_involve_representatives_from_the_issues_stage(
    executor: MigrationExecutor, frozen_clock: Callable[[dt.date], object]
) -> None:
    frozen_clock(dt.date(2026, 12, 23))
    warrington = _flagged_the_old_way("warrington-sab")
    # Cheshire East sends policy issues to the chair, not to representatives.
    cheshire = _flagged_the_old_way("cheshire-east-sab")
    quiet = factories.raise_case(factories.world("warrington-sab", label="quiet"))
    before = {c.pk: c.board_representative_from for c in (warrington, cheshire, quiet)}
    assert before == {warrington.pk: 3, cheshire.pk: 3, quiet.pk: 3}

    executor.migrate(BEFORE)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    after = dict(Case.objects.values_list("pk", "board_representative_from"))
    assert after == {warrington.pk: 1, cheshire.pk: 3, quiet.pk: 3}
