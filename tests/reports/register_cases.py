"""Many cases for the register's tests: some raised and moved on through the services,
the rest copied in bulk (the register reads only the cases and their stages)."""

from __future__ import annotations

import factories

from escalate.cases import services
from escalate.cases.models import Case, StageRecord


def cases(w: factories.World, count: int) -> list[Case]:
    """``count`` cases: every third escalated to stage 2, every third withdrawn."""
    made = []
    for n in range(count):
        case = factories.raise_case(w)
        if n % 3 == 1:
            case = factories.escalate_to(w, case, 2)
        elif n % 3 == 2:
            case = services.withdraw(
                w.raiser, case, reason="Agreed after all.", expected_version=case.version
            )
        made.append(case)
    return made


def many_more(w: factories.World, count: int) -> None:
    """``count`` more open cases at stage 1, copied in bulk from one raised through the
    services (with its stage record): the register reads only the cases and stages.
    The partnership's reference counter is left alone: raise no more cases after."""
    model = factories.raise_case(w)
    case_values = {f.attname: getattr(model, f.attname) for f in Case._meta.fields}
    stage = model.stages.get()
    stage_values = {f.attname: getattr(stage, f.attname) for f in StageRecord._meta.fields}
    copies = [
        Case(
            **{
                **case_values,
                "id": None,
                "sequence": n,
                "reference": f"{w.partnership.reference_prefix}-{model.year}-{n:05d}",
            }
        )
        for n in range(model.sequence + 1, model.sequence + 1 + count)
    ]
    made = Case.objects.bulk_create(copies)
    StageRecord.objects.bulk_create(
        StageRecord(**{**stage_values, "id": None, "case_id": case.pk}) for case in made
    )
