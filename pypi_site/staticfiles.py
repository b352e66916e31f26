"""The static files storage: whitenoise's compressed, hashed names, read from the manifest
``collectstatic`` writes.

Without that manifest (``collectstatic`` not run on a deploy) whitenoise's storage raises for
every ``{% static %}``, so every page would answer 500 while the APIs work. This one logs the
error instead, once per file, and names the file unhashed: pages still answer (unstyled, as
nothing is collected), and ``manage.py check --deploy`` says what to run
(``pypi_site/checks.py``).
"""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]  # no type stubs

logger = logging.getLogger(__name__)


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names from the manifest; an unhashed name (and a logged error) for a file the
    manifest lacks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reported: set[str] = set()

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError as exc:
            if name not in self._reported:
                self._reported.add(name)
                logger.error(
                    "Static file %s is not in the collected files (%s): run "
                    "`python manage.py collectstatic --noinput` with the site's settings.",
                    name,
                    exc,
                )
            return name

    def has_manifest(self) -> bool:
        """True once ``collectstatic`` has written the manifest in ``STATIC_ROOT``."""
        return bool(self.manifest_storage.exists(self.manifest_name))
