"""The stack's visitors, for the cache and web-node tests: plain requests that show what the
cache did with them, a person logged in through the forms (cookies, CSRF token, the second
factor), a publisher's account and token made with the operator commands, and uploads posted
as twine posts them.

Everything goes over HTTP to processes of the stack: nothing here touches the database.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from django_otp.oath import TOTP

from tests import uploads

if TYPE_CHECKING:
    from deploy.stack import Stack

TIMEOUT = 30
# What pip 24 sends for the Simple API (PEP 691), and what a browser sends for a page.
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_TOTP_STEP = 30


def get(
    url: str,
    *,
    accept: str | None = None,
    headers: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """One GET, redirects not followed (a redirect is an answer the cache may keep too)."""
    sent = dict(headers or {})
    if accept is not None:
        sent["Accept"] = accept
    return (session or requests).get(url, headers=sent, allow_redirects=False, timeout=TIMEOUT)


def x_cache(response: requests.Response) -> str:
    """``HIT`` or ``MISS`` (Varnish's answer for this response), ``""`` without the header."""
    return response.headers.get("X-Cache", "").split(",")[0].strip().upper()


def is_hit(response: requests.Response) -> bool:
    return x_cache(response) == "HIT"


def surrogate_headers(response: requests.Response) -> list[str]:
    return [name for name in response.headers if name.lower().startswith("surrogate-")]


def until(
    check: Callable[[], requests.Response | None], *, deadline: float = 15.0, every: float = 0.05
) -> requests.Response:
    """Call ``check`` until it returns a response (not None); fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        answer = check()
        if answer is not None:
            return answer
        if time.monotonic() > end:
            raise AssertionError(f"not true within {deadline} s")
        time.sleep(every)


def cached(url: str, *, accept: str | None = None, deadline: float = 15.0) -> requests.Response:
    """GET ``url`` until the cache answers it (a HIT); the HIT.

    Normally the second request. A purge the worker delivers late (of a write just before)
    can drop the page between the two, so the pair is retried until the deadline.
    """

    def hit() -> requests.Response | None:
        response = get(url, accept=accept)
        assert response.status_code == 200, (url, response.status_code)
        return response if is_hit(response) else None

    return until(hit, deadline=deadline)


@dataclass
class AuthenticatorApp:
    """The person's authentication app: each code from a 30 s step the site has not yet
    accepted (it refuses a step at or before the last one), the current or the next."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(20))
    last_step: int = -1

    @property
    def secret(self) -> str:
        return base64.b32encode(self.key).decode()

    def code(self) -> str:
        while True:
            now = int(time.time()) // _TOTP_STEP
            step = max(now, self.last_step + 1)
            if step <= now + 1:
                break
            time.sleep((now + 1) * _TOTP_STEP - time.time() + 0.1)
        self.last_step = step
        totp = TOTP(self.key, step=_TOTP_STEP)
        totp.time = step * _TOTP_STEP
        return f"{totp.token():06d}"


@dataclass
class Account:
    username: str
    password: str
    app: AuthenticatorApp
    token: str  # an account-wide API token


_MAKE_ACCOUNT = """
from accounts import services
from accounts.models import LoginStatus, UniqueLogin
user = services.create_user(
    {username!r}, email={username!r} + "@example.com", password={password!r}, verified=True
)
services.add_authenticator_app(user, key=bytes.fromhex({key!r}), confirmed=True)
for ip in ("127.0.0.1", "::1"):
    UniqueLogin.objects.create(user=user, ip_address=ip, status=LoginStatus.CONFIRMED)
token, _ = services.create_api_token(user, description="stack tests", projects=[])
print(token)
"""


def account(stack: Stack, prefix: str) -> Account:
    """A publisher (verified address, authenticator app) and an API token of theirs.

    The services ``createuser`` and ``createtoken`` call, in one ``manage.py shell`` (each
    command is a Django start, seconds on a busy machine). Logins from a new address wait for
    a mailed link; the loopback addresses the tests come from are confirmed beforehand, as a
    first login would have (that step has its own tests), so a login is the password and code.
    """
    username = f"{prefix}{secrets.token_hex(3)}"
    password, app = secrets.token_urlsafe(16), AuthenticatorApp()
    code = _MAKE_ACCOUNT.format(username=username, password=password, key=app.key.hex())
    made = stack.manage("shell", "-c", code)
    return Account(username, password, app, made.stdout.strip().splitlines()[-1])


def upload(base_url: str, api_token: str, name: str, version: str) -> requests.Response:
    """Upload a wheel of ``name`` ``version`` to ``base_url``'s upload endpoint, as twine does."""
    body, content_type = uploads.wheel_upload(name, version).encode()
    return requests.post(
        f"{base_url}/legacy/",
        data=body,
        headers={
            "Content-Type": content_type,
            "Authorization": uploads.basic_auth("__token__", api_token),
        },
        timeout=TIMEOUT,
    )


@contextmanager
def stack_root(prefix: str) -> Iterator[Path]:
    """A state directory for a stack of a test module's own, which every user may traverse
    (as root the stack's PostgreSQL runs as the ``postgres`` user); removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=f"stack-{prefix}-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Browser:
    """A person at a browser: a cookie jar, the forms' CSRF tokens, the login's two steps.

    ``base`` is where requests go (Varnish, or one web node); ``headers`` are sent with each.
    """

    def __init__(self, base: str, headers: Mapping[str, str] | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update({"Accept": BROWSER_ACCEPT, **(headers or {})})

    def at(self, base: str) -> Browser:
        """The same browser (same cookies) talking to another address."""
        other = Browser(base)
        other.session = self.session
        return other

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.base}{path}", allow_redirects=False, timeout=TIMEOUT)

    def post_form(self, path: str, data: Mapping[str, str]) -> requests.Response:
        """Post the form of the page at ``path`` (its CSRF token added), no redirect followed."""
        page = self.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no form at {path}: {page.status_code}"
        return self.session.post(
            f"{self.base}{path}",
            data={**data, "csrfmiddlewaretoken": found[1]},
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def log_in(self, person: Account) -> None:
        first = self.post_form(
            "/account/login/", {"login": person.username, "password": person.password}
        )
        assert first.status_code == 302, (first.status_code, first.text[-2000:])
        assert first.headers["Location"].endswith("/account/two-factor/"), first.headers["Location"]
        second = self.post_form("/account/two-factor/", {"code": person.app.code()})
        assert second.status_code == 302, (second.status_code, second.text[-2000:])
        assert "/account/confirm-login/" not in second.headers["Location"]

    def log_out(self) -> None:
        answer = self.post_form("/account/logout/", {})
        assert answer.status_code == 302, answer.status_code

    def logged_in_as(self, person: Account) -> bool:
        """Whether the account settings page opens for ``person`` (not a redirect to log in)."""
        page = self.get("/manage/account/")
        return page.status_code == 200 and person.username in page.text
