"""deploy/varnish/default.vcl alone: Varnish, as ``make stack`` runs it, in front of a small
origin of the test's own whose answers and health the test sets, with lifetimes of seconds.

What the site's own pages show (tests/stack/) needs the whole stack; what the rules do with
any ``Surrogate-Control`` (grace while healthy, stale-if-error while not), cookies, credentials
and purges is shown here in seconds.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from deploy.stack import PURGE_HEADER, Stack, StackConfig

pytestmark = pytest.mark.skipif(
    not shutil.which("varnishd") and not Path("/usr/sbin/varnishd").exists(),
    reason="Varnish is not installed (scripts/system-deps)",
)

FRESH, STALE_WHILE_REVALIDATE = 2, 3
SURROGATE = f"max-age={FRESH}, stale-while-revalidate={STALE_WHILE_REVALIDATE}, stale-if-error=600"


@dataclass
class Origin:
    """What the origin answers: a counter per path (each fetch a new body), its health."""

    healthy: bool = True
    # Answers its probes but drops every other request unanswered (a node dying right now).
    broken: bool = False
    fetches: dict[str, int] = field(default_factory=dict)
    seen: list[dict[str, str]] = field(default_factory=list)

    def count(self, path: str) -> int:
        self.fetches[path] = self.fetches.get(path, 0) + 1
        return self.fetches[path]


def handler(origin: Origin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def answer(self, status: int, body: str, headers: dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/_health/":
                self.answer(200 if origin.healthy else 503, "health", {})
                return
            origin.seen.append({k.lower(): v for k, v in self.headers.items()})
            if origin.broken:
                origin.count("dropped")
                self.close_connection = True
                return
            if not origin.healthy:
                self.answer(500, "down", {})
                return
            n = origin.count(self.path)
            headers = {"Surrogate-Control": SURROGATE, "Surrogate-Key": f"key{path}"}
            if path.startswith("/cookie"):
                headers["Set-Cookie"] = "csrftoken=x; Path=/"
            elif path.startswith("/plain"):
                headers = {"Cache-Control": "public, max-age=600"}
            elif path.startswith("/packages/"):
                headers = {"Cache-Control": "public, max-age=31536000, immutable"}
            elif path.startswith("/simple/"):
                headers["Vary"] = "Accept"
            self.answer(200, f"{n} {self.headers.get('Accept', '')}", headers)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            self.answer(200, f"posted {origin.count('POST ' + self.path)}", {})

    return Handler


@contextmanager
def serving(state: Origin) -> Iterator[tuple[Origin, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def varnish_over(root: Path, *ports: int) -> Iterator[Stack]:
    """Varnish alone over ``ports`` (a Stack used only for its Varnish part)."""
    stack = Stack(StackConfig(root=root, port=0, web_nodes=len(ports)))
    stack.node_ports = list(ports)
    part = stack.varnish_part()
    part.start()
    try:
        yield stack
    finally:
        part.stop()


@pytest.fixture(scope="module")
def origin() -> Iterator[tuple[Origin, int]]:
    with serving(Origin()) as running:
        yield running


@pytest.fixture(scope="module")
def varnish(
    origin: tuple[Origin, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with varnish_over(tmp_path_factory.mktemp("varnish"), origin[1]) as stack:
        yield stack


@pytest.fixture
def fresh_origin(origin: tuple[Origin, int], varnish: Stack) -> Iterator[Origin]:
    """The origin, healthy again (in Varnish's probes too) after the test."""
    state = origin[0]
    yield state
    state.healthy = True
    wait_until(
        lambda: requests.get(f"{varnish.url}{unique('probe')}", timeout=10).status_code == 200
    )


def get(stack: Stack, path: str, **headers: str) -> requests.Response:
    response = requests.get(f"{stack.url}{path}", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response


def body(response: requests.Response) -> int:
    return int(response.text.split()[0])


def wait_until(condition: object, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)


def unique(name: str) -> str:
    return f"/{name}-{time.monotonic_ns()}"


def purge(stack: Stack, keys: str, secret: str | None = None) -> requests.Response:
    headers = {"Surrogate-Key": keys}
    if secret is not None:
        headers[PURGE_HEADER] = secret
    return requests.post(f"{stack.url}/_cdn/purge", headers=headers, timeout=10)


def test_fresh_then_stale_while_revalidating_then_fetched_again(
    varnish: Stack, fresh_origin: Origin
) -> None:
    path = unique("page")
    first = get(varnish, path)
    assert (first.headers["X-Cache"], body(first)) == ("MISS", 1)
    again = get(varnish, path)
    assert (again.headers["X-Cache"], again.headers["X-Cache-Hits"], body(again)) == ("HIT", "1", 1)
    for name in ("Surrogate-Control", "Surrogate-Key", "xkey", "X-Stale-While-Revalidate"):
        assert name not in again.headers

    # Past max-age, within stale-while-revalidate: the stale copy at once, one refresh behind.
    time.sleep(FRESH + 0.5)
    stale = get(varnish, path)
    assert (stale.headers["X-Cache"], body(stale)) == ("HIT", 1)
    wait_until(lambda: body(get(varnish, path)) == 2)
    assert fresh_origin.fetches[path] == 2

    # Past stale-while-revalidate too, with the origin healthy: never the stale copy.
    time.sleep(FRESH + STALE_WHILE_REVALIDATE + 0.5)
    refreshed = get(varnish, path)
    assert (refreshed.headers["X-Cache"], body(refreshed)) == ("MISS", 3)


def test_with_the_origin_down_the_stale_copy_is_served_within_stale_if_error(
    varnish: Stack, fresh_origin: Origin
) -> None:
    path = unique("page")
    assert body(get(varnish, path)) == 1
    fresh_origin.healthy = False
    # The probes notice (2 failures of the last 3, one a second); past max-age and
    # stale-while-revalidate the copy is still served.
    time.sleep(FRESH + STALE_WHILE_REVALIDATE + 1)

    stale = get(varnish, path)

    assert (stale.headers["X-Cache"], body(stale)) == ("HIT", 1)
    never_cached = requests.get(f"{varnish.url}{unique('page')}", timeout=10)
    assert never_cached.status_code == 503


def test_a_purge_needs_post_this_machine_and_the_secret_and_drops_the_keys(
    varnish: Stack, fresh_origin: Origin
) -> None:
    path = unique("page")
    get(varnish, path)
    assert get(varnish, path).headers["X-Cache"] == "HIT"

    assert requests.get(f"{varnish.url}/_cdn/purge", timeout=10).status_code == 405
    assert purge(varnish, f"key{path}").status_code == 403
    assert purge(varnish, f"key{path}", "wrong").status_code == 403
    forged = requests.post(
        f"{varnish.url}/_cdn/purge",
        headers={"Surrogate-Key": f"key{path}", "X-Purge-Allowed": "yes"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert get(varnish, path).headers["X-Cache"] == "HIT"

    done = purge(varnish, f"other key{path}", varnish.purge_secret)

    assert done.status_code == 200, done.text
    after = get(varnish, path)
    assert (after.headers["X-Cache"], body(after)) == ("MISS", 2)


def test_a_soft_purge_marks_the_pages_stale_and_they_are_refreshed_behind_them(
    varnish: Stack, fresh_origin: Origin
) -> None:
    path = unique("page")
    get(varnish, path)
    answer = requests.post(
        f"{varnish.url}/_cdn/purge",
        headers={
            "Surrogate-Key": f"key{path}",
            PURGE_HEADER: varnish.purge_secret,
            "Fastly-Soft-Purge": "1",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text

    stale = get(varnish, path)

    assert (stale.headers["X-Cache"], body(stale)) == ("HIT", 1)
    wait_until(lambda: body(get(varnish, path)) == 2)


def test_a_read_a_dying_node_drops_is_answered_by_the_next_node(
    origin: tuple[Origin, int], tmp_path: Path
) -> None:
    """Before the probes notice (this node still answers them), Varnish tries the next node."""
    with (
        serving(Origin(broken=True)) as (dying, dying_port),
        varnish_over(tmp_path, dying_port, origin[1]) as stack,
    ):
        answers = [requests.get(f"{stack.url}{unique('p')}", timeout=10) for _ in range(6)]

    # Round robin sent every other first try to the dying node; each was tried again.
    assert dying.fetches["dropped"] >= 3
    assert [a.status_code for a in answers] == [200] * 6


def test_what_is_never_stored(varnish: Stack, fresh_origin: Origin) -> None:
    # A response that sets a cookie; one without Surrogate-Control (not a file).
    for name in ("cookie", "plain"):
        path = unique(name)
        answers = [get(varnish, path) for _ in range(3)]
        assert [a.headers["X-Cache"] for a in answers] == ["MISS"] * 3
        assert [body(a) for a in answers] == [1, 2, 3]
    # Requests with credentials, or a session cookie: always the origin's own answer.
    path = unique("page")
    get(varnish, path)
    assert get(varnish, path).headers["X-Cache"] == "HIT"
    personal = [
        get(varnish, path, Authorization="Basic eDp5"),
        get(varnish, path, Cookie="sessionid=abc"),
        get(varnish, path, Cookie="csrftoken=1; sessionid=abc"),
    ]
    assert [p.headers["X-Cache"] for p in personal] == ["MISS"] * 3
    assert fresh_origin.seen[-1]["cookie"] == "csrftoken=1; sessionid=abc"
    # A POST goes to the origin, every time.
    posts = [requests.post(f"{varnish.url}{path}", data=b"x", timeout=10) for _ in range(2)]
    assert [p.text for p in posts] == ["posted 1", "posted 2"]


def test_machine_paths_drop_cookies_and_files_are_kept_by_cache_control(
    varnish: Stack, fresh_origin: Origin
) -> None:
    simple = f"/simple/{unique('p').lstrip('/')}/"
    get(varnish, simple, Cookie="sessionid=abc")
    hit = get(varnish, simple, Cookie="sessionid=other")
    assert hit.headers["X-Cache"] == "HIT"
    assert "cookie" not in fresh_origin.seen[-1]

    package = f"/packages/{unique('f').lstrip('/')}.whl"
    get(varnish, package)
    again = get(varnish, package)
    assert (again.headers["X-Cache"], body(again)) == ("HIT", 1)
    assert "immutable" in again.headers["Cache-Control"]


def test_vary_accept_keeps_html_and_json_apart_and_equivalent_headers_together(
    varnish: Stack, fresh_origin: Origin
) -> None:
    path = f"/simple/{unique('v').lstrip('/')}/"
    pip = "application/vnd.pypi.simple.v1+json, text/html; q=0.01"
    browser = "text/html,application/xhtml+xml"

    json_first = get(varnish, path, Accept=pip)
    html_first = get(varnish, path, Accept=browser)
    json_again = get(varnish, path, Accept="Application/vnd.pypi.simple.v1+json,text/html;q=0.01")
    html_again = get(varnish, path, Accept=browser)

    assert [json_first.headers["X-Cache"], html_first.headers["X-Cache"]] == ["MISS", "MISS"]
    assert [json_again.headers["X-Cache"], html_again.headers["X-Cache"]] == ["HIT", "HIT"]
    assert (body(json_again), body(html_again)) == (1, 2)
    assert (
        json_again.text.split(" ", 1)[1] == "application/vnd.pypi.simple.v1+json,text/html;q=0.01"
    )
    assert html_again.text.split(" ", 1)[1] == browser
