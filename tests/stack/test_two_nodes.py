"""Two web nodes give the same answers: what one node remembers, the other knows.

The session's stack runs two gunicorn nodes, and these tests talk to each directly
(``stack.node_urls``, no cache in between), alternating: sessions, rate limits, the rendered
page cache and the record of exchanged CI tokens live in PostgreSQL or Redis, never in a
node's memory. The nodes trust one proxy's ``X-Forwarded-For`` (Varnish's), so that a test
talking to them directly can be a client address of its own and count its limits from zero.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from deploy.stack import Stack
from tests.oidc_issuer import LocalIssuer

from . import visitors

# pypi_site/settings/base.py, ACCOUNT_RATE_LIMITS["login_failed"]: per address and per account.
FAILED_LOGIN_LIMIT = 10
LOCKED = "Too many failed login attempts. Try again later."
# packages/views/search.py, RATE_LIMITS: searches per client address and second.
SEARCHES_PER_SECOND = 5
OWNER = "octo-org"


_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def alternating(stack: Stack) -> Iterator[str]:
    """Node 1, node 2, node 1, …"""
    return itertools.cycle(stack.node_urls)


def test_a_login_on_one_node_is_a_login_on_the_other(stack: Stack) -> None:
    person = visitors.account(stack, "roamer")
    first, second = stack.node_urls
    on_first = visitors.Browser(first)
    on_second = on_first.at(second)  # the same browser (cookie jar), the other node

    on_first.log_in(person)

    assert on_second.logged_in_as(person)
    assert on_first.logged_in_as(person)
    on_second.log_out()
    assert not on_first.logged_in_as(person)
    assert not on_second.logged_in_as(person)
    assert on_first.get("/manage/account/").status_code == 302


class FailedLogins:
    """Wrong passwords for one account from one address (``X-Forwarded-For``)."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.address = next(_addresses)

    def attempt(self, node: str) -> bool:
        """One wrong password at ``node``; whether the site still checked it (not locked)."""
        browser = visitors.Browser(node, headers={"X-Forwarded-For": self.address})
        page = browser.post_form(
            "/account/login/", {"login": self.username, "password": "not the password"}
        )
        assert page.status_code in (200, 400, 429), page.status_code
        return LOCKED not in page.text


def checked_until_locked(attempts: FailedLogins, nodes: Iterator[str]) -> int:
    checked = 0
    while checked <= 3 * FAILED_LOGIN_LIMIT and attempts.attempt(next(nodes)):
        checked += 1
    return checked


def test_the_failed_login_limit_counts_both_nodes_together(stack: Stack) -> None:
    """One node alone locks after FAILED_LOGIN_LIMIT attempts (tests/interop/test_rate_limits.py);
    two nodes, taking turns, lock after as many, not twice as many."""
    across = FailedLogins(visitors.account(stack, "locked").username)

    assert checked_until_locked(across, alternating(stack)) == FAILED_LOGIN_LIMIT
    # Locked on both nodes.
    assert not across.attempt(stack.node_urls[0])
    assert not across.attempt(stack.node_urls[1])


def _search_burst(nodes: Iterator[str], address: str, count: int) -> list[int] | None:
    """``count`` searches from ``address`` inside one second of the clock (the limit's
    window); None if the burst crossed into the next second."""
    while time.time() % 1 > 0.2:  # start early in a second
        time.sleep(0.01)
    started = int(time.time())
    statuses = [
        requests.get(
            f"{next(nodes)}/search/",
            params={"q": "anything"},
            headers={"X-Forwarded-For": address},
            timeout=30,
        ).status_code
        for _ in range(count)
    ]
    return statuses if int(time.time()) == started else None


def test_the_search_limit_counts_both_nodes_together(stack: Stack) -> None:
    """The search throttle counts in the shared cache (``CACHE_URL``, Redis)."""
    for node in stack.node_urls:  # warm both nodes up: the burst must fit in a second
        requests.get(f"{node}/search/", params={"q": "warm"}, timeout=30)
    for _ in range(10):
        statuses = _search_burst(alternating(stack), next(_addresses), SEARCHES_PER_SECOND + 2)
        if statuses is not None:
            break
    else:
        pytest.skip("no burst of searches fitted in one second on this machine")

    assert statuses == [200] * SEARCHES_PER_SECOND + [429, 429]


def test_a_page_one_node_rendered_is_served_by_the_other_from_the_shared_cache(
    stack: Stack,
) -> None:
    """The Simple page is cached under the project's serial: node 2 answers with the page node
    1 rendered, even after a change made behind the cache's back (which moves no serial and so
    is never seen by clients; here it only shows where the page came from)."""
    person = visitors.account(stack, "sharer")
    name = f"shared-{person.username[-6:]}"
    assert visitors.upload(stack.node_urls[0], person.token, name, "1.0").status_code == 200
    host = {"Host": urlsplit(stack.url).netloc}  # as Varnish asks: one cache key
    first, second = stack.node_urls

    rendered = visitors.get(f"{first}/simple/{name}/", accept=visitors.PIP_ACCEPT, headers=host)
    stack.manage(
        "shell",
        "-c",
        "from packages.models import File\n"
        f"File.objects.filter(release__project__name={name!r}).update(requires_python='>=3.99')\n",
    )
    shared = visitors.get(f"{second}/simple/{name}/", accept=visitors.PIP_ACCEPT, headers=host)
    fresh = visitors.get(  # another Host is another cache key: rendered now, from the database
        f"{second}/simple/{name}/", accept=visitors.PIP_ACCEPT, headers={"Host": "localhost"}
    )

    assert rendered.status_code == shared.status_code == fresh.status_code == 200
    assert shared.content == rendered.content
    assert shared.headers["X-PyPI-Last-Serial"] == rendered.headers["X-PyPI-Last-Serial"]
    assert rendered.json()["files"][0]["requires-python"] is None
    assert fresh.json()["files"][0]["requires-python"] == ">=3.99"


def _mint(node: str, ci_token: str) -> requests.Response:
    return requests.post(
        f"{node}/_/oidc/mint-token", data=json.dumps({"token": ci_token}), timeout=30
    )


def test_a_ci_token_exchanged_on_one_node_is_refused_on_the_other(
    stack: Stack, issuer: LocalIssuer
) -> None:
    owner = visitors.account(stack, "ciowner")
    project = f"ci-{owner.username[-6:]}"
    stack.manage(
        "addpublisher",
        project,
        "github",
        f"{OWNER}/replayed",
        "release.yml",
        "--owner-id",
        "1234567",
        "--pending",
        "--user",
        owner.username,
    )
    first, second = stack.node_urls
    audience = requests.get(f"{first}/_/oidc/audience", timeout=30).json()["audience"]
    ci_token = issuer.github_token(repository=f"{OWNER}/replayed", aud=audience)

    minted = _mint(first, ci_token)
    replayed = _mint(second, ci_token)

    assert minted.status_code == 200, minted.text
    assert minted.json()["token"].startswith("pypi-")
    assert replayed.status_code == 422
    assert replayed.json()["errors"] == [
        {"code": "invalid-reuse-token", "description": "invalid token: already used"}
    ]
