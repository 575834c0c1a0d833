"""A "where possible" target (tests/procedures/definitions/riverside.toml,
stage 2's conclusion) is chased like any deadline but never counted as missed: not in
the board report's timescales missed or overdue now, not in the register's timeliness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import factories
import pytest
from django.db.models import F

from escalate.cases import services
from escalate.cases.models import ContactKind
from escalate.cases.models.deadlines import CONCLUDE_BY, CaseDeadline
from escalate.procedures import library
from escalate.procedures.model import Role
from escalate.reports import register, report_data
from escalate.reports.common import parse_period

pytestmark = pytest.mark.django_db
FrozenClock = Callable[[dt.date | dt.datetime], dt.datetime]
KEY = "riverside"
RIVERSIDE = library.load_file(
    Path(__file__).parents[1] / "procedures" / "definitions" / f"{KEY}.toml"
)


@pytest.fixture(autouse=True)
def riverside_in_the_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(library.load_library(), KEY, RIVERSIDE)
    yield


def test_a_soft_target_passed_unmet_is_not_reported_as_missed(
    frozen_clock: FrozenClock,
) -> None:
    w = factories.world(KEY)
    frozen_clock(dt.datetime(2026, 12, 1, 9, 0))
    case = factories.escalate_to(
        w, factories.raise_case(w, concern_arose_on=dt.date(2026, 12, 1)), 2
    )
    owner = case.stages.get(number=2).owner
    frozen_clock(dt.datetime(2026, 12, 3, 10, 0))
    services.record_contact(
        owner,
        case,
        kind=ContactKind.MEETING,
        text="Spoke with the other line manager.",
        occurred_on=dt.date(2026, 12, 3),
        expected_version=case.version,
    )
    target = CaseDeadline.objects.get(case=case, stage=2, key=CONCLUDE_BY)
    assert target.soft and target.due == dt.date(2026, 12, 10)
    # Every hard deadline of stage 2 met, so only the soft target is left unmet.
    CaseDeadline.objects.filter(case=case, soft=False).update(met_on=F("due"))

    frozen_clock(dt.datetime(2026, 12, 21, 9, 0))  # well past the target
    report = report_data.build_report(w.partnership, parse_period("2026"))

    assert report.overdue_now == 0
    assert all(n == 0 for _stage, n in report.missed_by_stage)

    # Nor in the register: its page, its downloads and its sort by timeliness.
    business_unit = w.person(Role.BUSINESS_UNIT)
    every = register.RegisterFilters(reached="all")
    (on_page,) = register.register_page(business_unit, w.partnership, every).rows
    (downloaded,) = list(register.iter_register(business_unit, w.partnership, every))
    for row in (on_page, downloaded):
        stage_2 = next(s for s in row.stages if s.number == 2)
        assert stage_2.act_by is not None and stage_2.soft
        assert row.timeliness != "Timescale missed"
    first_missed = register.RegisterFilters(reached="all", sort="timeliness")
    (ranked,) = register.register_page(business_unit, w.partnership, first_missed).rows
    assert ranked.timeliness == on_page.timeliness
