"""What the cache in front of the site keeps, for whom, and for how long, on the real stack.

Every request goes through Varnish (``stack.url``) unless it says otherwise: the origin's own
answer (``stack.node_urls``) is asked for with the same ``Host``, so that the two can be
compared byte for byte. Varnish says what it did in ``X-Cache`` (``HIT``/``MISS``).

The tests share the session's stack, so each uses projects and accounts of its own, and new
projects are few (the site limits new projects per address and hour).
"""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from . import visitors
from .visitors import BROWSER_ACCEPT, PIP_ACCEPT, SIMPLE_JSON, cached, get, is_hit, x_cache

# Far more than the purge needs (well under a second); only a hung purge fails it.
PURGE_DEADLINE = 15.0


@pytest.fixture(scope="module")
def publisher(stack) -> visitors.Account:
    return visitors.account(stack, "cacher")


@pytest.fixture(scope="module")
def api_token(stack, publisher: visitors.Account) -> str:
    return publisher.token


def new_project(stack, api_token: str, prefix: str, version: str = "1.0") -> str:
    name = f"{prefix}-{secrets.token_hex(3)}"
    answer = visitors.upload(stack.url, api_token, name, version)
    assert answer.status_code == 200, answer.text
    return name


@pytest.fixture(scope="module")
def project(stack, api_token: str) -> str:
    """A project with one wheel, for the tests that only read."""
    return new_project(stack, api_token, "cached")


def origin(stack, path: str, accept: str | None = None) -> requests.Response:
    """The first web node's own answer, asked for as Varnish asks (the public ``Host``)."""
    host = urlsplit(stack.url).netloc
    return get(f"{stack.node_urls[0]}{path}", accept=accept, headers={"Host": host})


def test_simple_pages_and_the_json_api_are_served_from_the_cache(stack, project: str) -> None:
    pages = [
        (f"/simple/{project}/", BROWSER_ACCEPT, "text/html"),
        (f"/simple/{project}/", PIP_ACCEPT, SIMPLE_JSON),
        (f"/pypi/{project}/json", None, "application/json"),
        (f"/pypi/{project}/1.0/json", None, "application/json"),
        ("/simple/", PIP_ACCEPT, SIMPLE_JSON),
    ]
    for path, accept, content_type in pages:
        hit = cached(f"{stack.url}{path}", accept=accept)
        own = origin(stack, path, accept)

        assert hit.headers["Content-Type"].startswith(content_type), path
        assert int(hit.headers["X-Cache-Hits"]) >= 1, path
        assert hit.content == own.content, path
        assert hit.headers["X-PyPI-Last-Serial"] == own.headers["X-PyPI-Last-Serial"], path
        # Browsers and clients get the origin's own browser caching.
        assert hit.headers["Cache-Control"] == own.headers["Cache-Control"], path
        assert own.headers["Cache-Control"].startswith("public, max-age="), path
        # The surrogate headers drive Varnish and stop there.
        assert "max-age=" in own.headers["Surrogate-Control"], path
        assert own.headers["Surrogate-Key"], path
        assert visitors.surrogate_headers(hit) == [], path


def test_html_and_json_of_one_address_are_kept_apart(stack, api_token: str) -> None:
    """``Vary: Accept``: a browser gets HTML and pip gets JSON, each from the cache, never the
    other's."""
    name = new_project(stack, api_token, "vary")
    url = f"{stack.url}/simple/{name}/"

    first_html = cached(url, accept=BROWSER_ACCEPT)
    first_json = cached(url, accept=PIP_ACCEPT)

    assert first_html.headers["Content-Type"].startswith("text/html")
    assert first_json.headers["Content-Type"] == SIMPLE_JSON
    assert "Accept" in first_html.headers["Vary"]
    for _ in range(3):
        html, data = get(url, accept=BROWSER_ACCEPT), get(url, accept=PIP_ACCEPT)
        assert (x_cache(html), x_cache(data)) == ("HIT", "HIT")
        assert html.content == first_html.content
        assert html.content.startswith(b"<!DOCTYPE html>")
        assert data.headers["Content-Type"] == SIMPLE_JSON
        assert json.loads(data.content)["name"] == name
    # Other clients' ways of asking get what they asked for, whatever is cached already.
    uv = get(url, accept="application/vnd.pypi.simple.v1+json, text/html;q=0.1")
    legacy = get(url, accept="text/html")
    anything = get(url)  # no Accept at all (an old mirror): HTML
    by_query = get(f"{url}?{urlencode({'format': SIMPLE_JSON})}", accept=BROWSER_ACCEPT)
    assert uv.headers["Content-Type"] == SIMPLE_JSON
    assert legacy.headers["Content-Type"].startswith("text/html")
    assert anything.headers["Content-Type"].startswith("text/html")
    assert by_query.headers["Content-Type"] == SIMPLE_JSON


def _shows(url: str, needle: str, accept: str | None = None):
    def check() -> requests.Response | None:
        response = get(url, accept=accept)
        return response if response.status_code == 200 and needle in response.text else None

    return check


def test_an_upload_purges_the_projects_pages_and_the_index(stack, api_token: str) -> None:
    name = new_project(stack, api_token, "purged")
    pages = {
        "html": (f"{stack.url}/simple/{name}/", BROWSER_ACCEPT),
        "json": (f"{stack.url}/simple/{name}/", PIP_ACCEPT),
        "api": (f"{stack.url}/pypi/{name}/json", None),
    }
    for url, accept in pages.values():
        cached(url, accept=accept)
    index = cached(f"{stack.url}/simple/", accept=PIP_ACCEPT)
    index_serial = int(index.headers["X-PyPI-Last-Serial"])

    uploaded = visitors.upload(stack.url, api_token, name, "2.0")
    assert uploaded.status_code == 200, uploaded.text
    started = time.monotonic()

    wheel = f"{name.replace('-', '_')}-2.0-py3-none-any.whl"
    seen = {
        page: visitors.until(_shows(url, wheel, accept), deadline=PURGE_DEADLINE)
        for page, (url, accept) in pages.items()
    }
    visible_after = time.monotonic() - started

    def index_moved() -> requests.Response | None:
        response = get(f"{stack.url}/simple/", accept=PIP_ACCEPT)
        moved = int(response.headers["X-PyPI-Last-Serial"]) > index_serial
        return response if moved else None

    visitors.until(index_moved, deadline=PURGE_DEADLINE)
    # Dropped, not kept stale: the new page was fetched from the origin, then cached again.
    assert all(not is_hit(response) for response in seen.values()), {
        page: x_cache(response) for page, response in seen.items()
    }
    assert cached(pages["api"][0]).json()["info"]["version"] == "2.0"
    print(f"new upload visible through the cache after {visible_after:.3f} s")


def test_a_new_project_appears_in_the_cached_index(stack, api_token: str) -> None:
    cached(f"{stack.url}/simple/", accept=BROWSER_ACCEPT)
    name = new_project(stack, api_token, "listed")

    visitors.until(
        _shows(f"{stack.url}/simple/", f">{name}<", BROWSER_ACCEPT), deadline=PURGE_DEADLINE
    )


def _purge(stack, key: str, headers: dict[str, str]) -> requests.Response:
    return requests.post(
        f"{stack.url}/_cdn/purge", headers={"Surrogate-Key": key, **headers}, timeout=30
    )


def test_the_purge_endpoint_needs_the_secret(stack, project: str) -> None:
    url = f"{stack.url}/pypi/{project}/json"
    cached(url)
    name, _, value = stack.env["CDN_PURGE_AUTH_HEADER"].partition(":")

    refused = [
        _purge(stack, f"project/{project}", {}),
        _purge(stack, f"project/{project}", {name.strip(): "not the secret"}),
        requests.request("PURGE", url, timeout=30),
        requests.request("BAN", url, timeout=30),
    ]

    assert [answer.status_code for answer in refused if answer.status_code < 400] == []
    assert is_hit(get(url)), "a refused purge dropped the page"
    done = _purge(stack, f"project/{project}", {name.strip(): value.strip()})
    assert done.status_code == 200, done.text
    assert x_cache(get(url)) == "MISS"


@pytest.fixture(scope="module")
def two_people(stack) -> tuple[visitors.Account, visitors.Account]:
    return visitors.account(stack, "ann"), visitors.account(stack, "bob")


def test_pages_of_a_session_are_never_cached_nor_shown_to_another(
    stack, project: str, two_people: tuple[visitors.Account, visitors.Account]
) -> None:
    ann, bob = two_people
    anonymous = [get(f"{stack.url}/project/{project}/") for _ in range(2)]
    ann_browser, bob_browser = visitors.Browser(stack.url), visitors.Browser(stack.url)
    ann_browser.log_in(ann)
    bob_browser.log_in(bob)

    for path in ("/manage/projects/", "/manage/account/", f"/project/{project}/"):
        for _ in range(2):
            for person, browser, other in ((ann, ann_browser, bob), (bob, bob_browser, ann)):
                page = browser.get(path)
                assert page.status_code == 200, (path, page.status_code)
                assert not is_hit(page), (path, person.username)
                assert person.username in page.text, path
                assert other.username not in page.text, path
    for path in ("/manage/projects/", "/manage/account/"):
        stranger = get(f"{stack.url}{path}", accept=BROWSER_ACCEPT)
        assert stranger.status_code == 302, path
        assert "/account/login/" in stranger.headers["Location"]
        assert not is_hit(stranger)
    after = get(f"{stack.url}/project/{project}/", accept=BROWSER_ACCEPT)
    for page in [*anonymous, after]:
        assert page.status_code == 200
        assert ann.username not in page.text and bob.username not in page.text


def test_a_response_that_sets_a_cookie_is_never_stored(stack) -> None:
    """/stats/ in JSON is cacheable (Surrogate-Control), but a request with a malformed CSRF
    cookie gets a new cookie with it: that answer is the requester's alone. A stored copy would
    hand the same cookie to the next visitor."""
    url = f"{stack.url}/stats/?visit={secrets.token_hex(4)}"  # a page nobody cached yet
    accept = "application/json"
    bad_cookie = {"Cookie": "csrftoken=malformed"}

    personal = [get(url, accept=accept, headers=bad_cookie) for _ in range(2)]
    plain = get(url, accept=accept)

    cookies = [answer.cookies.get("csrftoken") for answer in personal]
    assert all(cookies) and cookies[0] != cookies[1], cookies
    assert [x_cache(answer) for answer in personal] == ["MISS", "MISS"]
    assert origin(stack, "/stats/", accept).headers["Surrogate-Control"]
    assert "Set-Cookie" not in plain.headers
    assert "Set-Cookie" not in cached(url, accept=accept).headers
    # A page of its own for each visitor (the login form's CSRF cookie), never from the cache.
    logins = [get(f"{stack.url}/account/login/", accept=BROWSER_ACCEPT) for _ in range(3)]
    tokens = {answer.cookies.get("csrftoken") for answer in logins}
    assert len(tokens) == 3 and None not in tokens, tokens
    assert [x_cache(answer) for answer in logins] == ["MISS"] * 3


def test_clients_never_see_surrogate_headers(stack, project: str) -> None:
    paths = [
        "/",
        "/simple/",
        f"/simple/{project}/",
        f"/pypi/{project}/json",
        f"/project/{project}/",
        "/rss/updates.xml",
        "/search/?q=cached",
        "/simple/no-such-project-here/",
        "/account/login/",
    ]
    for path in paths:
        for _ in range(2):
            response = get(f"{stack.url}{path}", accept=BROWSER_ACCEPT)
            assert response.status_code < 500, path
            assert visitors.surrogate_headers(response) == [], path


def test_files_are_served_with_immutable_caching(stack, project: str) -> None:
    """Served by the site (proxied from the object store, then kept by Varnish) or redirected
    to the object store: either way the bytes carry a year of ``immutable`` caching."""
    listing = cached(f"{stack.url}/simple/{project}/", accept=PIP_ACCEPT).json()
    (wheel,) = listing["files"]
    url = wheel["url"]
    assert url.startswith(f"{stack.url}/packages/"), url

    answers = [get(url) for _ in range(2)]

    if stack.env["FILES_SERVE_MODE"] == "serve":  # proxied by the site and kept by Varnish
        assert answers[0].status_code == 200, answers[0].status_code
        assert "immutable" in answers[0].headers["Cache-Control"]
        assert is_hit(answers[1]), x_cache(answers[1])
        assert answers[1].content == answers[0].content
        stored = answers[0]
    else:  # redirected to the object store (a presigned address: the redirect is not kept)
        assert answers[0].status_code == 302, answers[0].status_code
        target = answers[0].headers["Location"]
        assert target.startswith(stack.s3_endpoint), target
        stored = requests.get(target, timeout=30)
        assert stored.status_code == 200
        assert "immutable" in stored.headers["Cache-Control"]
    assert visitors.sha256(stored.content) == wheel["hashes"]["sha256"]
    assert visitors.surrogate_headers(answers[0]) == []
