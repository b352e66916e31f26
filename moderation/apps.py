from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from accounts import ports as account_ports
        from packages import ports as package_ports

        from . import names, receivers  # noqa: F401  (receivers connect on import)
        from .models import AdminFlag

        account_ports.answer_switches(AdminFlag.objects.is_on)
        account_ports.answer_account_rules(
            username_refusal=names.username_refusal, email_refusal=names.email_refusal
        )
        package_ports.answer_name_checks(names.stdlib_refusal, names.prohibited_refusal)
