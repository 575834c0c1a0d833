"""The case outbox (``Notification``) now belongs to the notifications app
(``notifications.0003_notification_moved_here``): forget the model here, keep its
table (``cases_notification``) and every row in it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_submission_token"),
        ("notifications", "0003_notification_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
