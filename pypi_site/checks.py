"""System checks of the site's own deployment (registered by ``pypi_site.admin_config``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.files.storage import storages

from .staticfiles import ManifestStaticFilesStorage


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: the static files were collected. Without the manifest, pages name
    their style sheets and scripts unhashed and nothing serves them.

    Deploy-only: ``migrate`` (which runs the other checks) comes before ``collectstatic`` in a
    deploy, and ``collectstatic`` itself does not run deployment checks.
    """
    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestStaticFilesStorage):
        return []
    if storage.has_manifest():
        return []
    return [
        Error(
            f"The static files have not been collected: STATIC_ROOT ({settings.STATIC_ROOT}) "
            "has no staticfiles.json, so pages would refer to style sheets and scripts that "
            "nothing serves.",
            hint="Run `python manage.py collectstatic --noinput` with the production settings, "
            "on every deploy (after migrate, before starting the site).",
            id="pypi_site.E001",
        )
    ]
