from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import receivers, security_store  # noqa: F401 - receivers connects allauth's signals

        security_store.use_for_allauth()
        post_migrate.connect(security_store.create_table, sender=self)
