"""One running site per test session (per xdist worker), shared by every interop test.

Tests share the site, so each uses project names of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .site import Site, no_server_errors, running_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("site"), worker_id) as running:
        yield running


@pytest.fixture(scope="module")
def publisher(site: Site, request: pytest.FixtureRequest) -> str:
    """A publisher of the test module's own: new projects per user are rate-limited."""
    module = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    return site.user(module.replace("_", ""))


@pytest.fixture(scope="module")
def token(site: Site, publisher: str) -> str:
    """An account-wide API token of ``publisher``."""
    return site.token(publisher)


__all__ = ["no_server_errors"]  # autouse: a 5xx from the site fails the test
