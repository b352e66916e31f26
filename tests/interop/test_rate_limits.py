"""Login limits on the site served as ``make run`` serves it, by two worker processes: the
failed-login limit holds for the site as a whole, not once per worker, and the token API
counts against the same limit as the login form."""

from __future__ import annotations

import base64
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from .site import Site, running_site

# pypi_site/settings/base.py, ACCOUNT_RATE_LIMITS["login_failed"]: per address and per account.
LIMIT = 10
LOCKED = "Too many failed login attempts. Try again later."
TOKENS = "/api/account/tokens/"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    """A site of this module's own, trusting one proxy so that each test can be its own
    client address (``X-Forwarded-For``) and count from zero."""
    root = tmp_path_factory.mktemp("rate-limit-site")
    extra = {"TRUSTED_PROXY_COUNT": "1"}
    with running_site(root, f"{worker_id}-rate-limits", extra_env=extra) as running:
        yield running


class Browser:
    """The login form, posted as a browser would (cookies, CSRF token), one connection per
    request so that the requests spread over the site's worker processes."""

    def __init__(self, site: Site, address: str) -> None:
        self.site = site
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _open(self, path: str, data: bytes | None = None) -> str:
        request = urllib.request.Request(
            f"{self.site.url}{path}", data=data, headers={"X-Forwarded-For": self.address}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            return error.read().decode()

    def failed_login(self, login: str) -> bool:
        """Log in with a wrong password; whether the site still checked it (not locked)."""
        # Every form of the page carries the same token (the login form, the language switcher).
        token = _CSRF.findall(self._open("/account/login/"))[0]
        form = {"login": login, "password": "not the password", "csrfmiddlewaretoken": token}
        page = self._open("/account/login/", urllib.parse.urlencode(form).encode())
        return LOCKED not in page


def api_status(site: Site, address: str, login: str) -> int:
    """The token API's answer to a wrong password (with some code)."""
    credentials = base64.b64encode(f"{login}:not the password".encode()).decode()
    request = urllib.request.Request(
        f"{site.url}{TOKENS}",
        headers={
            "Authorization": f"Basic {credentials}",
            "X-OTP-Code": "123456",
            "X-Forwarded-For": address,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_failed_login_limit_holds_across_worker_processes(site):
    user = site.user("lockedout")
    browser = Browser(site, "198.51.100.1")

    checked = 0
    while checked <= 3 * LIMIT and browser.failed_login(user):
        checked += 1

    assert checked == LIMIT


def test_the_token_api_and_the_login_form_share_one_limit(site):
    user = site.user("sharedlimit")
    browser = Browser(site, "198.51.100.2")

    for attempt in range(LIMIT):
        if attempt % 2:
            assert browser.failed_login(user), attempt
        else:
            assert api_status(site, "198.51.100.2", user) == 403, attempt

    assert not browser.failed_login(user)
    assert api_status(site, "198.51.100.2", user) == 429
    # The account is locked, from another address too.
    assert api_status(site, "198.51.100.3", user) == 429
    assert not Browser(site, "198.51.100.3").failed_login(user)
