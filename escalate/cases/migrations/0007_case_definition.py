"""Each procedure version is stored once (``partnerships.ProcedureVersion``) and cases
refer to it, instead of every case carrying its own copy of the snapshot.

Forwards: for each partnership and each distinct snapshot among its cases, one version
(reused if one with the same content is there already), numbered in the order its
cases were first raised; its effective date is the day its first case was raised (for
a partnership's first version, the definition's own ``effective`` date if earlier). The
version most recently in force is published, earlier ones superseded. Their source is
"cases" (they came from the library once, so they follow its later definitions). Then each case
points at its version and the snapshot column goes.

The column is made required, and the snapshot's dropped, in 0008: on PostgreSQL a
table cannot be altered in the transaction that just changed its rows' foreign keys.

Backwards: the column comes back, filled from each case's version (the versions stay).

Self-contained on purpose: nothing of Escalate's live code is imported, so this reads
the same however the code changes later. ``_content_hash`` must give what
``escalate.partnerships.versions.content_hash`` gives (a test checks it).
"""

import datetime as dt
import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models

#: How many case ids one UPDATE names.
CHUNK = 500


def _content_hash(data):
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _effective(data):
    try:
        return dt.date.fromisoformat(str(data.get("effective", "")))
    except ValueError:
        return None


def _now():
    from django.utils import timezone

    return timezone.now()


def forwards(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    version_model = apps.get_model("partnerships", "ProcedureVersion")
    # (partnership id, hash) -> what the version is made of, and its cases.
    groups = {}
    rows = (
        case_model.objects.filter(definition__isnull=True)
        .order_by("pk")
        .values_list("pk", "partnership_id", "raised_on", "raised_at", "procedure_snapshot")
    )
    for pk, partnership_id, raised_on, raised_at, data in rows.iterator(chunk_size=200):
        key = (partnership_id, _content_hash(data))
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"snapshot": data, "first": raised_on, "at": raised_at, "ids": []}
        group["first"] = min(group["first"], raised_on)
        group["at"] = min(group["at"], raised_at)
        group["ids"].append(pk)

    by_partnership = {}
    for (partnership_id, digest), group in groups.items():
        by_partnership.setdefault(partnership_id, []).append((digest, group))
    for partnership_id, found in by_partnership.items():
        found.sort(key=lambda item: (item[1]["first"], item[1]["at"], item[0]))
        existing = {
            v.content_hash: v for v in version_model.objects.filter(partnership_id=partnership_id)
        }
        last = max((v.sequence for v in existing.values()), default=0)
        made = []
        for n, (digest, group) in enumerate(found):
            version = existing.get(digest)
            if version is None:
                data = group["snapshot"]
                effective = group["first"]
                stated = _effective(data)
                if n == 0 and not existing and stated is not None and stated < effective:
                    effective = stated
                last += 1
                version = version_model.objects.create(
                    partnership_id=partnership_id,
                    sequence=last,
                    status="published",
                    effective_from=effective,
                    library_key=str(data.get("key", ""))[:60],
                    version_label=str(data.get("version", ""))[:100],
                    definition_text="",
                    snapshot=data,
                    content_hash=digest,
                    source="cases",
                    created_at=_now(),
                    published_at=group["at"],
                )
                made.append(version.pk)
            ids = group["ids"]
            for start in range(0, len(ids), CHUNK):
                case_model.objects.filter(pk__in=ids[start : start + CHUNK]).update(
                    definition=version
                )
        # Of the versions made here, all but the one most recently in force were
        # replaced by a later one.
        newest = (
            version_model.objects.filter(
                partnership_id=partnership_id, status__in=["published", "superseded"]
            )
            .order_by("-effective_from", "-published_at", "-sequence")
            .values_list("pk", flat=True)
            .first()
        )
        version_model.objects.filter(pk__in=[pk for pk in made if pk != newest]).update(
            status="superseded"
        )


def backwards(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    version_model = apps.get_model("partnerships", "ProcedureVersion")
    used = case_model.objects.values("definition_id")
    for version in version_model.objects.filter(pk__in=used).iterator(chunk_size=50):
        case_model.objects.filter(definition_id=version.pk).update(
            procedure_snapshot=version.snapshot
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_backfill_case_deadlines"),
        ("partnerships", "0004_procedure_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="definition",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="partnerships.procedureversion",
                verbose_name="procedure version",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="procedure_snapshot",
            field=models.JSONField(null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
