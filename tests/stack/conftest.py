"""One whole stack (deploy/stack.py) for the session, shared by every test in tests/stack.

PostgreSQL, Redis, moto's S3 server, a Celery worker and beat, two gunicorn nodes and Varnish
in front, started as ``make stack`` starts them, in a temporary directory. Tests reach the
site through ``stack.url`` (Varnish) or each node directly (``stack.node_urls``), and share it:
each uses project and user names of its own. The suite runs without xdist (one stack).
"""

from __future__ import annotations

import base64
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy.stack import Stack, StackConfig
from tests.oidc_issuer import LocalIssuer


@pytest.fixture(scope="session")
def issuer() -> Iterator[LocalIssuer]:
    """A local OIDC issuer the stack trusts as GitHub Actions (tokens need ``aud=`` the
    stack's audience, ``GET /_/oidc/audience``)."""
    with LocalIssuer() as running:
        yield running


@pytest.fixture(scope="session")
def stack(issuer: LocalIssuer) -> Iterator[Stack]:
    # Not pytest's tmp_path: as root, PostgreSQL runs as the postgres user, which must be able
    # to reach the directory (pytest's are private to their owner).
    root = Path(tempfile.mkdtemp(prefix="pypi-stack-"))
    root.chmod(0o755)
    config = StackConfig(
        root=root,
        port=0,
        web_nodes=2,
        web_workers=2,
        env={"OIDC_GITHUB_ISSUER": issuer.url("github")},
    )
    try:
        with Stack(config) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class StackSite:
    """The stack as tests/interop's and tests/browser's helpers expect a site: ``url``,
    ``env`` and ``manage`` (its stdout), plus accounts and tokens made with the operator
    commands, as the README tells operators."""

    stack: Stack
    _users: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.stack.url

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env

    def manage(self, *args: str, input: str | None = None) -> str:
        return self.stack.manage(*args, input=input).stdout

    def user(self, name: str, *, email: str | None = None) -> str:
        """A publisher (verified e-mail, authenticator app) named ``name``, created once."""
        if name not in self._users:
            create_user(self.stack, name, email=email)
            self._users.add(name)
        return name

    def token(self, user: str, projects: tuple[str, ...] = ()) -> str:
        return create_token(self.stack, user, projects)


def create_user(stack: Stack, name: str, *, email: str | None = None) -> str:
    """``manage.py createuser NAME`` (verified address, authenticator app); its password."""
    password = secrets.token_urlsafe(16)
    totp_secret = base64.b32encode(secrets.token_bytes(20)).decode()
    stack.manage(
        "createuser",
        name,
        "--email",
        email or f"{name}@example.com",
        "--password-stdin",
        "--verified",
        "--totp-secret",
        totp_secret,
        input=password + "\n",
    )
    return password


def create_token(stack: Stack, user: str, projects: tuple[str, ...] = ()) -> str:
    """``manage.py createtoken USER [--project P]…``: a new API token of ``user``."""
    args = ["createtoken", user]
    for project in projects:
        args += ["--project", project]
    return stack.manage(*args).stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def stack_site(stack: Stack) -> StackSite:
    return StackSite(stack)
