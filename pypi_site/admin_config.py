"""The admin site is ours (``pypi_site/admin_site.py``): django-otp's, so staff must have
passed a second factor to get in, with the index's dashboard on its front page.

Kept in its own module: an apps.py that also imports AdminConfig would declare two defaults.
"""

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    default_site = "pypi_site.admin_site.IndexAdminSite"

    def ready(self) -> None:
        super().ready()
        # The site's own system checks: pypi_site is not an app, and this is its one AppConfig.
        from . import checks  # noqa: F401 - registers on import
