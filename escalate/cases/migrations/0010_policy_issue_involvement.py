"""Board representatives told of a policy issue are involved in its case from the stage
it was flagged at (:func:`escalate.cases.facts.involved_by_policy_issue`): cases flagged
before that rule keep the lower stage too. Reads only this migration's historical models
and the stored procedure versions' JSON; undoing it changes nothing back (nobody should
lose sight of an issue they were told of)."""

from django.db import migrations
from django.db.models import Min


def lower_for_flagged_issues(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    issue_model = apps.get_model("cases", "PolicyIssue")
    firsts = issue_model.objects.values("case_id").annotate(first=Min("stage")).order_by("case_id")
    for row in firsts.iterator():
        case = case_model.objects.select_related("definition").get(pk=row["case_id"])
        notify = (case.definition.snapshot.get("policy_issues") or {}).get("notify") or []
        if "board_representatives" not in notify:
            continue
        now = case.board_representative_from
        if now is None or now > row["first"]:
            case_model.objects.filter(pk=case.pk).update(board_representative_from=row["first"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_list_indexes")]

    operations = [migrations.RunPython(lower_for_flagged_issues, migrations.RunPython.noop)]
