from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "escalate.reports"
    label = "reports"

    def ready(self) -> None:
        from escalate.reports import figures_mark

        # After every migrate (and every flush that re-runs post_migrate): the report's
        # figures mark triggers, made again if a migration dropped them.
        post_migrate.connect(
            figures_mark.installed_after_migrate, sender=self, dispatch_uid="figures-mark"
        )
