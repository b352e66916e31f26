"""No dead links: from the public pages, the Help page and every account page, follow each
same-site link (``<a href>``, ``<link href>``) and check that none answers 404 or 500, and that
each ``#fragment`` names an id on the page it points to.

Left alone: other sites, the admin, logging out, and the routes of the URL map that need a
parameter (they are reached only through the links that fill it in).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from packages.models import RoleName
from tests import uploads
from tests.accounts.conftest import log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp
from tests.packages.factories import RoleFactory

pytestmark = pytest.mark.django_db

SITE = "testserver"
SKIPPED = re.compile(r"^/admin/|logout")
ACCOUNT_PAGES = ("account/", "manage/account/")


@dataclass
class _Page(HTMLParser):
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if id_ := values.get("id"):
            self.ids.add(id_)
        if tag in ("a", "link") and (href := values.get("href")):
            self.links.append(href)


def account_pages() -> Iterator[str]:
    """Every route of the URL map under /account/ and /manage/account/ that needs no
    parameter."""

    def walk(patterns: list, prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not re.search(r"[<^(]", route):
                yield "/" + route

    for route in walk(get_resolver().url_patterns, ""):
        if route.lstrip("/").startswith(ACCOUNT_PAGES) and not SKIPPED.search(route):
            yield route


@dataclass
class Crawl:
    client: Client
    problems: list[str] = field(default_factory=list)
    seen: dict[str, _Page | None] = field(default_factory=dict)

    def run(self, starts: list[str]) -> list[str]:
        queue = deque((url, "(start)") for url in starts)
        wanted: list[tuple[str, str, str]] = []  # (url, fragment, linked from)
        while queue:
            url, source = queue.popleft()
            if url in self.seen:
                continue
            page = self.seen[url] = self._fetch(url, source)
            for target, fragment in self._links(url, page, source, queue):
                if fragment:
                    wanted.append((target, fragment, url))
        for target, fragment, source in wanted:
            page = self.seen.get(target)
            if page is not None and fragment not in page.ids:
                self.problems.append(f"{source} links to {target}#{fragment}: no such id")
        return self.problems

    def _fetch(self, url: str, source: str) -> _Page | None:
        response = self.client.get(url)
        # Read to the end: the test client closes a stream (a static file's) once it is read.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code in (404, 500):
            self.problems.append(f"{source} links to {url}: {response.status_code}")
            return None
        if response.status_code in (301, 302, 303, 307, 308):
            return _Page(links=[response["Location"]])
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return None
        page = _Page()
        page.feed(body.decode())
        return page

    def _links(
        self, url: str, page: _Page | None, source: str, queue: deque
    ) -> Iterator[tuple[str, str]]:
        for href in page.links if page is not None else []:
            target, fragment = urldefrag(urljoin(f"http://{SITE}{url}", href))
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != SITE:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIPPED.search(parts.path):
                continue
            queue.append((path, url))
            yield path, fragment


@pytest.fixture
def _no_login_confirmation(settings) -> None:
    # Logins from a new address wait for a mailed link (tests/accounts/test_login_confirmation).
    settings.LOGIN_CONFIRMATION_ENABLED = False


@pytest.fixture
def member(_no_login_confirmation) -> User:
    user = UserFactory(username="ann", name="Ann Example")
    EmailAddressFactory(user=user)
    add_totp(user, key=bytes(range(20)))
    return user


@pytest.fixture
def published(client, member, make_token) -> list[str]:
    """Sample-Pkg 1.0 and 2.0, a wheel and an sdist each, owned by ann and maintained by bob;
    the pages to start from."""
    token = make_token(member)
    for version in ("1.0", "2.0"):
        meta = {
            "description": "# Sample\n\n[up](#sample)",
            "description_content_type": "text/markdown",
        }
        for upload in (
            uploads.wheel_upload("Sample-Pkg", version, metadata=meta),
            uploads.sdist_upload("Sample-Pkg", version, metadata=meta),
        ):
            assert upload.post(client, token).status_code == 200
    project = member.roles.get().project
    RoleFactory(user=UserFactory(username="bob"), project=project, role_name=RoleName.MAINTAINER)
    return ["/", "/project/Sample-Pkg/", "/project/Sample-Pkg/1.0/", "/help/", "/user/ann/"]


def test_no_dead_links_for_visitors(published):
    assert Crawl(Client()).run([*published, *account_pages()]) == []


def test_no_dead_links_for_a_member(published, member):
    client = Client()
    log_in(client, "ann")
    crawl = Crawl(client)
    assert crawl.run([*published, *account_pages()]) == []
    # The crawl went through the account's pages logged in (and stayed logged in).
    assert "/manage/account/token/" in crawl.seen
    assert "_auth_user_id" in client.session
