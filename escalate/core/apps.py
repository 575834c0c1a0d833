from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "escalate.core"
    label = "core"
    verbose_name = "Escalate"
