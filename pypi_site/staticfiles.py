"""The static files storage: whitenoise's compressed, hashed names, read from the manifest
``collectstatic`` writes.

Without that manifest (``collectstatic`` not run on a deploy) whitenoise's storage raises for
every ``{% static %}``, so every page would answer 500 while the APIs work. This one logs the
error instead, once, and names files unhashed: pages still answer (unstyled, as
nothing is collected), and ``manage.py check --deploy`` says what to run
(``pypi_site/checks.py``).
"""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]  # no type stubs

logger = logging.getLogger(__name__)


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names from the manifest; without any manifest, unhashed names and one logged
    error.

    With a manifest, a name it lacks raises as in whitenoise: whitenoise itself asks for every
    file under ``STATIC_ROOT`` at start-up (source maps, unhashed copies) and expects the
    error, and a template naming a file that was never collected is a bug to see."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reported = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            if self.hashed_files or self.has_manifest():
                raise
            if not self._reported:
                self._reported = True
                logger.error(
                    "Static files are not collected (no manifest in STATIC_ROOT): pages name "
                    "them unhashed. Run `python manage.py collectstatic --noinput` with the "
                    "site's settings."
                )
            return name

    def has_manifest(self) -> bool:
        """True once ``collectstatic`` has written the manifest in ``STATIC_ROOT``."""
        return bool(self.manifest_storage.exists(self.manifest_name))
