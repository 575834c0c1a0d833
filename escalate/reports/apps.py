from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ReportsConfig(AppConfig):
    name = "escalate.reports"
    label = "reports"

    def ready(self) -> None:
        from escalate.reports import figures_mark

        # The report's figures mark triggers: dropped on SQLite while migrations run,
        # made again where missing after every migrate (and every flush that re-runs
        # post_migrate).
        pre_migrate.connect(
            figures_mark.dropped_before_migrate, sender=self, dispatch_uid="figures-mark-pre"
        )
        post_migrate.connect(
            figures_mark.installed_after_migrate, sender=self, dispatch_uid="figures-mark"
        )
