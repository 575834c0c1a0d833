from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "escalate.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from escalate.cases import signals  # noqa: F401  (connects the receivers)
