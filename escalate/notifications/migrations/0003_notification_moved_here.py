"""The case outbox (``Notification``) moves here from the cases app.

Only Django's record of the models changes: the table keeps its name
(``cases_notification``), its rows, indexes, constraints and the foreign keys to it, so
nothing is copied and nothing is lost. ``cases.0004_notification_moved_out`` then
forgets the old model.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

RECIPIENT_KINDS = [
    ("stage_owner", "Stage owner"),
    ("raising_practitioner", "Raising practitioner"),
    ("other_professional", "Other professional"),
    ("counterpart", "Counterpart in the other agency"),
    ("owner_line_manager", "Stage owner's line manager"),
    ("safeguarding_leads", "Safeguarding leads"),
    ("senior_managers", "Senior managers"),
    ("board_representatives", "Board representatives"),
    ("business_unit", "Business unit"),
    ("independent_chair", "Independent chair"),
    ("statutory_partners", "Statutory partners"),
    ("all_involved", "Everyone involved"),
    ("person", "A named person"),
]

notification = migrations.CreateModel(
    name="Notification",
    fields=[
        (
            "id",
            models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        ("email", models.EmailField(max_length=254)),
        ("recipient_kind", models.CharField(choices=RECIPIENT_KINDS, max_length=30)),
        (
            "event",
            models.CharField(help_text="What happened, e.g. case.escalated.", max_length=60),
        ),
        ("stage", models.PositiveSmallIntegerField(blank=True, null=True)),
        ("why", models.TextField(max_length=1000)),
        ("created_at", models.DateTimeField()),
        (
            "status",
            models.CharField(
                choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")],
                db_index=True,
                default="pending",
                max_length=10,
            ),
        ),
        ("attempts", models.PositiveIntegerField(default=0)),
        ("sent_at", models.DateTimeField(blank=True, null=True)),
        ("last_error", models.TextField(blank=True)),
        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
        (
            "due_on",
            models.DateField(
                blank=True, help_text="For a reminder: the deadline or due date.", null=True
            ),
        ),
        ("claimed_at", models.DateTimeField(blank=True, null=True)),
        ("claimed_by", models.CharField(blank=True, max_length=40)),
        (
            "case",
            models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to="cases.case",
            ),
        ),
        (
            "invitation",
            models.ForeignKey(
                blank=True,
                help_text="Set when the email must carry the invitation link.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to="cases.invitation",
            ),
        ),
        (
            "recipient",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        (
            "source_event",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to="cases.event",
            ),
        ),
    ],
    options={
        "db_table": "cases_notification",
        "ordering": ["created_at", "id"],
        "indexes": [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["recipient", "created_at"], name="notification_recipient"),
        ],
        "constraints": [
            models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "sent", "failed"])),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(("recipient_kind__in", [k for k, _ in RECIPIENT_KINDS])),
                name="notification_recipient_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(("email", ""), _negated=True),
                name="notification_has_address",
            ),
            models.CheckConstraint(
                condition=models.Q(("event__regex", "^[a-z_]+(\\.[a-z_]+)+$")),
                name="notification_event_is_dotted",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "sent"), ("sent_at__isnull", False)),
                    models.Q(
                        models.Q(("status", "sent"), _negated=True), ("sent_at__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="notification_sent_at_when_sent",
            ),
            models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("why"), 1000
                ),
                name="notification_why_at_most_1000_characters",
            ),
        ],
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_submission_token"),
        ("notifications", "0002_account_emails"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                notification,
                migrations.AlterField(
                    model_name="deliveryattempt",
                    name="notification",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="delivery_attempts",
                        to="notifications.notification",
                    ),
                ),
                migrations.DeleteModel(name="FailedNotification"),
                migrations.CreateModel(
                    name="FailedNotification",
                    fields=[],
                    options={
                        "verbose_name": "failed notification",
                        "verbose_name_plural": "failed notifications",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("notifications.notification",),
                ),
            ],
            database_operations=[],
        ),
    ]
