"""Leaner outbox indexes, and a person's notification list indexed in its own order.

Each index an outbox or reminder row carries is written with it: the reminder sweep
writes 100,000 of each on its worst morning. Indexes another one already covers go
(``status``: first in ``notification_due``; a reminder's case: first in
``reminder_stage_lookup``); the optional links (the chronology entry, the invitation,
the agreed action) are indexed only where a row has one. A person's list of recent
notifications, newest first, reads ``notification_recent`` (theirs) and
``notification_recent_email`` (sent to their address before they had an account) in
that order instead of sorting everything they were ever sent.

The fields' own indexes are dropped by name rather than by altering the fields, which
on SQLite would copy each table once a field (and on PostgreSQL drop and check again
every foreign key): nothing but the indexes changes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

#: The indexes the fields made for themselves: (name, table, column), as Django named
#: them (on PostgreSQL a text field's index has a second one for LIKE, ``_like``).
FIELD_INDEXES = [
    ("cases_notification_status_6efbfb5b", "cases_notification", "status"),
    ("cases_notification_invitation_id_1e8c2126", "cases_notification", "invitation_id"),
    ("cases_notification_recipient_id_59a34e79", "cases_notification", "recipient_id"),
    ("cases_notification_source_event_id_dabd1927", "cases_notification", "source_event_id"),
    ("notifications_reminder_action_id_c63e0c64", "notifications_reminder", "action_id"),
    ("notifications_reminder_case_id_81b79c8d", "notifications_reminder", "case_id"),
]
LIKE = "cases_notification_status_6efbfb5b_like"


def drop_field_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name, _, _ in FIELD_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def make_field_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name, table, column in FIELD_INDEXES:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{LIKE}" ON "cases_notification" ("status" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_notification_moved_out"),
        ("notifications", "0003_notification_moved_here"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="notification",
            name="notification_recipient",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="invitation",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Set when the email must carry the invitation link.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="notifications",
                        to="cases.invitation",
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="source_event",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="notifications",
                        to="cases.event",
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="status",
                    field=models.CharField(
                        choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")],
                        default="pending",
                        max_length=10,
                    ),
                ),
                migrations.AlterField(
                    model_name="reminder",
                    name="action",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.agreedaction",
                    ),
                ),
                migrations.AlterField(
                    model_name="reminder",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminders",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_field_indexes, make_field_indexes)],
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("recipient__isnull", False)),
                fields=["recipient", "-created_at", "-id"],
                name="notification_recent",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("recipient__isnull", True)),
                fields=["email", "-created_at", "-id"],
                name="notification_recent_email",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("source_event__isnull", False)),
                fields=["source_event"],
                name="notification_source_event",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("invitation__isnull", False)),
                fields=["invitation"],
                name="notification_invitation",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("action__isnull", False)),
                fields=["action", "kind", "due_on"],
                name="reminder_action_lookup",
            ),
        ),
    ]
