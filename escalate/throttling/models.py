"""One counter per (what, who, time window)."""

from __future__ import annotations

from django.db import models


class Counter(models.Model):
    """How many times ``key`` (e.g. ``password-reset:address:9f2c…``) was counted in the
    window starting at ``window_start``. Written only by :mod:`escalate.throttling.limits`."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="counter_once_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.window_start:%Y-%m-%d %H:%M}: {self.count}"
