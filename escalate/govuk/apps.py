from django.apps import AppConfig


class GovukConfig(AppConfig):
    name = "escalate.govuk"
    label = "govuk"
    verbose_name = "GOV.UK Design System"
