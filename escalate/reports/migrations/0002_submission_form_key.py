"""A case may have several forms (any stage's, and the outcome form): each submission
says which it answers. Rows stored before, all of them a stage's form, answer their
stage's ("stage-4")."""

from django.db import migrations, models
from django.db.models.functions import Cast, Concat


def stage_keys(apps, schema_editor):
    submission = apps.get_model("reports", "ReferralSubmission")
    submission.objects.filter(form_key="").update(
        form_key=Concat(models.Value("stage-"), Cast("stage", models.CharField(max_length=5)))
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="referralsubmission",
            name="form_key",
            field=models.CharField(
                default="",
                help_text='Which of the case\'s forms: "stage-3", or "outcome".',
                max_length=40,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(stage_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="referralsubmission",
            name="submit_to",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddIndex(
            model_name="referralsubmission",
            index=models.Index(
                fields=["case", "form_key", "submitted_at"], name="referral_case_form_submitted"
            ),
        ),
    ]
