"""Trusted publishing end to end, with the real clients: a CI job's OIDC token (signed by a
local issuer on loopback, standing in for GitHub Actions) is exchanged at
``POST /_/oidc/mint-token`` for an upload token, with which twine uploads; and ``uv publish
--trusted-publishing always`` does the whole exchange itself, asking a stand-in for GitHub
Actions' token service for the CI token, as it does in a workflow.

The site runs in its own process (its own database), with ``OIDC_GITHUB_ISSUER`` pointing at
the local issuer; the publishers are registered with ``manage.py addpublisher``, as the README
tells operators. uv asks for the audience over HTTPS whatever the publish URL's scheme, so its
test reaches the site through a TLS proxy on loopback with a certificate made for the test
(``SSL_CERT_FILE`` makes uv trust it).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.oidc_issuer import LocalIssuer

from .clients import (
    BIN,
    build,
    client_env,
    explain,
    get_json,
    imported_version,
    output,
    pip,
    run,
    succeeded,
    twine_upload,
)
from .site import Site, running_site

OWNER = "octo-org"


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer() as running:
        yield running


@pytest.fixture(scope="module")
def tp_site(
    issuer: LocalIssuer, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Site]:
    """A site that trusts the local issuer as GitHub Actions."""
    with running_site(
        tmp_path_factory.mktemp("tp-site"),
        f"{worker_id}_tp",
        extra_env={"OIDC_GITHUB_ISSUER": issuer.url("github")},
    ) as running:
        yield running


def ci_token(site: Site, issuer: LocalIssuer, repository: str) -> str:
    """The CI token a job of ``repository``'s release workflow gets for this site."""
    audience = get_json(f"{site.url}/_/oidc/audience")["audience"]
    return issuer.github_token(repository=repository, aud=audience)


def mint(site: Site, token: str) -> dict:
    request = urllib.request.Request(
        f"{site.url}/_/oidc/mint-token",
        data=json.dumps({"token": token}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def pending_publisher(site: Site, project: str, repository: str) -> None:
    """A pending publisher of ``project`` for ``repository``'s release.yml, owned by a new
    publisher account: the project is created by its first trusted upload."""
    owner = site.user(project.replace("-", ""))
    site.manage(
        "addpublisher",
        project,
        "github",
        f"{OWNER}/{repository}",
        "release.yml",
        "--owner-id",
        "1234567",
        "--pending",
        "--user",
        owner,
    )


def test_twine_uploads_with_a_token_minted_from_a_ci_token(
    tp_site: Site, issuer: LocalIssuer, tmp_path: Path
) -> None:
    project = "tp-twine-demo"
    pending_publisher(tp_site, project, "twine-demo")

    answer = mint(tp_site, ci_token(tp_site, issuer, f"{OWNER}/twine-demo"))
    assert answer["success"] is True and answer["token"].startswith("pypi-"), answer

    succeeded(twine_upload(tp_site, answer["token"], build(tmp_path, project, "1.0")))
    succeeded(
        pip("install", "--index-url", f"{tp_site.url}/simple/", "--target", tmp_path / "t", project)
    )
    assert imported_version("tp_twine_demo", path=tmp_path / "t") == "1.0"
    # The project page names the publisher of its files.
    page = urllib.request.urlopen(f"{tp_site.url}/project/{project}/", timeout=30).read()
    assert f"{OWNER}/twine-demo".encode() in page


def test_a_ci_token_is_exchanged_once(tp_site: Site, issuer: LocalIssuer) -> None:
    pending_publisher(tp_site, "tp-replay-demo", "replay-demo")
    token = ci_token(tp_site, issuer, f"{OWNER}/replay-demo")
    mint(tp_site, token)

    with pytest.raises(urllib.error.HTTPError) as refused:
        mint(tp_site, token)

    assert refused.value.code == 422
    assert json.load(refused.value)["errors"] == [
        {"code": "invalid-reuse-token", "description": "invalid token: already used"}
    ]


class _ActionsTokenService(BaseHTTPRequestHandler):
    """GitHub Actions' token service as a job sees it: ``GET $ACTIONS_ID_TOKEN_REQUEST_URL
    &audience=…`` with the request token as a bearer, answering ``{"value": <JWT>}``."""

    issuer: LocalIssuer
    repository: str
    requests: list[str]

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        audience = parse_qs(urlsplit(self.path).query).get("audience", [""])[0]
        if self.headers.get("Authorization", "").lower() != "bearer request-token":
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps(
            {"value": self.issuer.github_token(repository=self.repository, aud=audience)}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_uv_publish_with_trusted_publishing(
    tp_site: Site, issuer: LocalIssuer, tmp_path: Path
) -> None:
    project = "tp-uv-demo"
    pending_publisher(tp_site, project, "uv-demo")
    handler = type(
        "Service",
        (_ActionsTokenService,),
        {"issuer": issuer, "repository": f"{OWNER}/uv-demo", "requests": []},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = TlsProxy(urlsplit(tp_site.url).port or 80, tmp_path)
    try:
        env = client_env(
            GITHUB_ACTIONS="true",
            ACTIONS_ID_TOKEN_REQUEST_URL=f"http://127.0.0.1:{server.server_port}/token?run=1",
            ACTIONS_ID_TOKEN_REQUEST_TOKEN="request-token",
            UV_CACHE_DIR=str(tmp_path / "uv-cache"),
            SSL_CERT_FILE=str(proxy.ca_file),
        )
        published = run(
            [
                BIN / "uv",
                "publish",
                "--trusted-publishing",
                "always",
                "--publish-url",
                f"https://127.0.0.1:{proxy.port}/legacy/",
                *build(tmp_path, project, "1.0"),
            ],
            env=env,
        )
    finally:
        server.shutdown()
        server.server_close()
        proxy.close()
    assert published.returncode == 0, explain(published)
    assert handler.requests, output(published)
    assert get_json(f"{tp_site.url}/pypi/{project}/json")["info"]["version"] == "1.0"


def _certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A certificate authority made for the test, and a server certificate for 127.0.0.1 it
    signed: (CA certificate, server certificate, server key), as PEM files."""
    now = datetime.datetime.now(datetime.UTC)

    def issue(subject: str, key, issuer: str, signer, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            ).add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = issue("test CA", ca_key, "test CA", ca_key, ca=True)
    server = issue("127.0.0.1", server_key, "test CA", ca_key, ca=False)
    files = directory / "ca.pem", directory / "server.pem", directory / "server-key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


class TlsProxy:
    """HTTPS on a loopback port, forwarded byte for byte to the site's plain HTTP port."""

    def __init__(self, backend_port: int, directory: Path) -> None:
        self.ca_file, cert_file, key_file = _certificate(directory)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_file, key_file)
        self.backend_port = backend_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            secure = self.context.wrap_socket(client, server_side=True)
            backend = socket.create_connection(("127.0.0.1", self.backend_port))
        except OSError:
            client.close()
            return
        back = threading.Thread(target=_pump, args=(backend, secure), daemon=True)
        back.start()
        _pump(secure, backend)
        back.join(timeout=30)
        secure.close()
        backend.close()

    def close(self) -> None:
        self.listener.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
