"""A local OIDC issuer on loopback, standing in for GitHub Actions and GitLab CI in tests.

One tiny threaded HTTP server on 127.0.0.1 plays several issuers, one per path
(``http://127.0.0.1:PORT/github``, ``…/gitlab``): each serves its discovery document at
``<issuer>/.well-known/openid-configuration`` and its key set at ``<issuer>/jwks``, and keeps
the paths it was asked for, so tests can count fetches. Tokens are signed with real RSA keys:

- ``PRIMARY`` is published by default; ``SECOND`` is for rotation (publish it later, sign with
  it, and the index must fetch the keys again); ``ATTACKER`` is never published.
- ``github_token`` and ``gitlab_token`` sign tokens shaped like the platforms' own (claim names
  and formats from their documentation), overridable claim by claim; ``None`` removes a claim.

In a test, the ``oidc_issuer`` fixture starts it and points ``OIDC_GITHUB_ISSUER`` and
``OIDC_GITLAB_ISSUER`` at it (and the Google and ActiveState settings, at ``…/google`` and
``…/activestate``: sign their tokens with ``sign``). Elsewhere (a site running in another
process), use ``LocalIssuer`` as a context manager and give the site's environment
``url(provider)``; tokens then need ``aud=`` the site's audience.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

PROVIDERS = ("github", "gitlab", "google", "activestate")
_SETTINGS = {provider: f"OIDC_{provider.upper()}_ISSUER" for provider in PROVIDERS}


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair, named by its ``kid``; the private half is made on first use."""

    kid: str

    @cached_property
    def private(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        """The public key as an issuer publishes it in its JWKS."""
        data: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


PRIMARY = SigningKey("primary-key")
SECOND = SigningKey("rotated-key")
ATTACKER = SigningKey("attacker-key")


@dataclass
class _IssuerState:
    keys: list[SigningKey | dict[str, Any]]
    discovery: dict[str, Any] = field(default_factory=dict)  # fields replaced in the document


@dataclass
class LocalIssuer:
    """The server: ``start()``/``stop()`` or ``with LocalIssuer() as issuer:``."""

    requests: list[str] = field(default_factory=list)
    status: int = 200  # answer every request with this status (an issuer that is down)
    base: str = ""
    _issuers: dict[str, _IssuerState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for provider in PROVIDERS:
            self._issuers[provider] = _IssuerState(keys=[PRIMARY])

    # --- the issuers' keys -----------------------------------------------------------------

    def url(self, provider: str) -> str:
        """The issuer URL of ``provider`` (what its tokens carry as ``iss``)."""
        return f"{self.base}/{provider}"

    def publish(self, provider: str, *keys: SigningKey | dict[str, Any]) -> None:
        """Serve exactly ``keys`` in ``provider``'s JWKS from now on (a dict as it is)."""
        self._issuers[provider].keys = list(keys)

    def override_discovery(self, provider: str, **fields: Any) -> None:
        """Replace fields of ``provider``'s discovery document (a misconfigured issuer)."""
        self._issuers[provider].discovery.update(fields)

    def fetches(self, provider: str) -> int:
        """How many times ``provider``'s key set was requested."""
        return self.requests.count(f"/{provider}/jwks")

    # --- tokens ----------------------------------------------------------------------------

    def github_token(self, **claims: Any) -> str:
        """A token as GitHub Actions makes it for the ``release`` environment of a job of
        ``octo-org/sample``'s release workflow, for this site's audience.

        Keyword arguments replace claims (``None`` removes one); ``key``, ``headers`` and
        ``algorithm`` are as for ``sign``, ``now`` (Unix time) and ``lifetime`` (seconds) set
        ``iat``, ``nbf`` and ``exp``.
        """
        options = _sign_options(claims)
        now = options.get("now", int(time.time()))
        repository = claims.get("repository", "octo-org/sample")
        owner = repository.split("/")[0]
        environment = claims.get("environment", "release")
        subject = f"environment:{environment}" if environment else "ref:refs/tags/v1.0"
        workflow_ref = f"{repository}/.github/workflows/release.yml@refs/tags/v1.0"
        sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
        standard = {
            "jti": str(uuid.uuid4()),
            "sub": f"repo:{repository}:{subject}",
            "aud": _audience(),
            "ref": "refs/tags/v1.0",
            "sha": sha,
            "repository": repository,
            "repository_owner": owner,
            "repository_owner_id": "1234567",
            "repository_id": "7654321",
            "repository_visibility": "public",
            "run_id": "5550001",
            "run_number": "42",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
            "actor": "octocat",
            "actor_id": "583231",
            "workflow": "Release",
            "head_ref": "",
            "base_ref": "",
            "event_name": "push",
            "ref_type": "tag",
            "ref_protected": "false",
            "environment": environment,
            "job_workflow_ref": workflow_ref,
            "job_workflow_sha": sha,
            "workflow_ref": workflow_ref,
            "workflow_sha": sha,
            "iss": self.url("github"),
            "nbf": now - 5,
            "iat": now,
            "exp": now + options.get("lifetime", 300),
        }
        return self.sign(_merge(standard, claims), **options)

    def gitlab_token(self, **claims: Any) -> str:
        """A token as GitLab CI/CD makes it (``id_tokens:``) for a tag pipeline of
        ``octo-group/sample``; overrides as for ``github_token``."""
        options = _sign_options(claims)
        now = options.get("now", int(time.time()))
        project_path = claims.get("project_path", "octo-group/sample")
        namespace = project_path.rsplit("/", 1)[0]
        environment = claims.get("environment", "release")
        standard = {
            "namespace_id": "72",
            "namespace_path": namespace,
            "project_id": "20",
            "project_path": project_path,
            "user_id": "5",
            "user_login": "octocat",
            "user_email": "octocat@example.com",
            "user_access_level": "maintainer",
            "pipeline_id": "574",
            "pipeline_source": "push",
            "job_id": "302",
            "ref": "v1.0",
            "ref_type": "tag",
            "ref_path": "refs/tags/v1.0",
            "ref_protected": "true",
            "environment": environment,
            "environment_protected": "true",
            "deployment_tier": "production",
            "runner_id": "12",
            "runner_environment": "gitlab-hosted",
            "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
            "ci_config_ref_uri": f"gitlab.com/{project_path}//.gitlab-ci.yml@refs/tags/v1.0",
            "ci_config_sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
            "project_visibility": "public",
            "jti": str(uuid.uuid4()),
            "iss": self.url("gitlab"),
            "iat": now,
            "nbf": now - 5,
            "exp": now + options.get("lifetime", 300),
            "sub": f"project_path:{project_path}:ref_type:tag:ref:v1.0",
            "aud": _audience(),
        }
        return self.sign(_merge(standard, claims), **options)

    @staticmethod
    def sign(
        claims: dict[str, Any],
        *,
        key: SigningKey = PRIMARY,
        headers: dict[str, Any] | None = None,
        algorithm: str = "RS256",
        **_: Any,
    ) -> str:
        """``claims`` signed with ``key`` (its ``kid`` in the header unless ``headers`` say
        otherwise; ``"kid": None`` leaves it out)."""
        header = {"kid": key.kid, **(headers or {})}
        header = {name: value for name, value in header.items() if value is not None}
        if algorithm == "none":
            return compact({"alg": "none", "typ": "JWT", **header}, claims, lambda _: b"")
        return jwt.encode(claims, key.private, algorithm=algorithm, headers=header)

    # --- the server ------------------------------------------------------------------------

    def start(self) -> LocalIssuer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> LocalIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _document(self, path: str) -> dict[str, Any] | None:
        provider, _, rest = path.lstrip("/").partition("/")
        state = self._issuers.get(provider)
        if state is None:
            return None
        if rest == ".well-known/openid-configuration":
            issuer = self.url(provider)
            return {
                "issuer": issuer,
                "jwks_uri": f"{issuer}/jwks",
                "subject_types_supported": ["public", "pairwise"],
                "response_types_supported": ["id_token"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
                "scopes_supported": ["openid"],
                **state.discovery,
            }
        if rest == "jwks":
            return {"keys": [k.jwk() if isinstance(k, SigningKey) else k for k in state.keys]}
        return None


def forged_hs256(claims: dict[str, Any], secret: bytes, *, kid: str = PRIMARY.kid) -> str:
    """A token "signed" with HMAC-SHA256 under ``secret`` (the attack that hopes a verifier
    uses the issuer's public key as the HMAC secret)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    return compact(header, claims, lambda data: hmac.new(secret, data, hashlib.sha256).digest())


def compact(
    header: dict[str, Any], claims: dict[str, Any], signature: Callable[[bytes], bytes]
) -> str:
    """A JWT in compact form, however strange its header: ``signature`` signs the input."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(signature(signing_input.encode()))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _audience() -> str:
    return str(django_settings.OIDC_AUDIENCE)  # read when signing: tests change it


def _sign_options(claims: dict[str, Any]) -> dict[str, Any]:
    """Take the signing options out of ``claims`` (what is left are claim overrides)."""
    return {
        name: claims.pop(name)
        for name in ("key", "headers", "algorithm", "now", "lifetime")
        if name in claims
    }


def _merge(standard: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = {**standard, **overrides}
    return {name: value for name, value in merged.items() if value is not None}


def _handler(issuer: LocalIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer.requests.append(self.path)
            document = issuer._document(self.path)
            status = issuer.status if document is not None else 404
            body = json.dumps(document if status == 200 else {"error": "not found"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def oidc_issuer(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalIssuer]:
    """The local issuer, running, with every provider's issuer setting pointing at it."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with LocalIssuer() as issuer:
        for provider in PROVIDERS:
            setattr(settings, _SETTINGS[provider], issuer.url(provider))
        yield issuer
