from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PackagesConfig(AppConfig):
    name = "packages"
    verbose_name = _("Packages")

    def ready(self) -> None:
        from accounts import ports

        from . import receivers, selectors  # noqa: F401 - receivers connect on import

        ports.answer_projects(
            projects_of=selectors.projects_of, sole_owned=selectors.sole_owned_projects
        )
