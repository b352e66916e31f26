from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from packages import name_policy
        from pypi_site import switches

        from . import names
        from .models import AdminFlag

        switches.register(AdminFlag.objects.is_on)
        name_policy.register(names.stdlib_refusal)
        name_policy.register(names.prohibited_refusal)
