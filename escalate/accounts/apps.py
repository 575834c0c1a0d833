from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "escalate.accounts"
    label = "accounts"
    verbose_name = "People"

    def ready(self) -> None:
        from escalate.accounts import signing_in

        signing_in.connect()
