"""Indexes for the lists of cases a role sees from a stage on (the business unit, the
independent chair, the statutory partners in a partnership; the board representatives
in an agency): each holds only the cases past that role's gate, so listing what such a
person sees reads those cases, not every case of the partnership or agency to test its
gate (:func:`escalate.cases.visibility.case_branches`)."""

from django.db import migrations, models
from django.db.models import F, Q

GATES = {
    "case_business_unit_sees": ("partnership", "business_unit_from"),
    "case_chair_sees": ("partnership", "independent_chair_from"),
    "case_statutory_partner_sees": ("partnership", "statutory_partner_from"),
    "case_board_rep_sees_raising": ("raising_agency", "board_representative_from"),
    "case_board_rep_sees_other": ("other_agency", "board_representative_from"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_case_kinds"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=[field], condition=Q(current_stage__gte=F(gate)), name=name),
        )
        for name, (field, gate) in GATES.items()
    ]
