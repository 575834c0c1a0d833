"""Stored deadlines follow the calendar: when an administrator adds or removes a day off
or a worked bank holiday, the open cases in that region have their deadlines worked out
again once the change is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from escalate.cases import deadlines
from escalate.partnerships.models import NonWorkingDay, WorkedBankHoliday


@receiver([post_save, post_delete], sender=NonWorkingDay)
@receiver([post_save, post_delete], sender=WorkedBankHoliday)
def working_days_changed(
    sender: Any, instance: NonWorkingDay | WorkedBankHoliday, **_: Any
) -> None:
    region = instance.region
    transaction.on_commit(lambda: deadlines.resync_region(region))
