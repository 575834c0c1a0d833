"""Every case has its procedure version (0007 pointed each at one); the copy of the
snapshot each case carried goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_definition"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="definition",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="partnerships.procedureversion",
                verbose_name="procedure version",
            ),
        ),
        migrations.RemoveField(
            model_name="case",
            name="procedure_snapshot",
        ),
    ]
