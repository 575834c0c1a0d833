"""Stored deadlines (``CaseDeadline``) for the open cases there already are: every
deadline of the stages each has reached, and the next stage's start-by, worked out from
the procedure kept with the case (:func:`escalate.cases.deadlines.sync_from_records`,
given this migration's historical models). Closed cases keep none: nothing is chased
on them. Undoing it keeps the rows (the table goes with 0005)."""

from django.db import migrations


def _kept_snapshot(case):
    """The procedure kept with the case: its own column at this migration; its stored
    version's (cases/0007 on) when the test runs this on today's models."""
    if hasattr(case, "procedure_snapshot"):
        return case.procedure_snapshot
    return case.definition.snapshot


def backfill(apps, schema_editor):
    from escalate.cases.deadlines import sync_from_records
    from escalate.procedures import library
    from escalate.procedures.calendar import WorkingCalendar

    case_model = apps.get_model("cases", "Case")
    stage_model = apps.get_model("cases", "StageRecord")
    deadline_model = apps.get_model("cases", "CaseDeadline")
    non_working = apps.get_model("partnerships", "NonWorkingDay")
    calendars = {}
    have = deadline_model.objects.values("case_id")
    open_cases = case_model.objects.filter(status="open").exclude(pk__in=have)
    for case in open_cases.select_related("partnership").order_by("pk"):
        region = case.partnership.region
        if region not in calendars:
            days = non_working.objects.filter(region=region).values_list("date", flat=True)
            calendars[region] = WorkingCalendar.for_region(region, days)
        records = list(stage_model.objects.filter(case=case))
        procedure = library.from_dict(
            _kept_snapshot(case), f"the procedure kept with case {case.reference}"
        )
        sync_from_records(deadline_model, case, records, procedure, calendars[region])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_casedeadline"),
        ("partnerships", "0002_role_grants"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
