"""The cache in front of the web nodes when they fail: a stack of this module's own (the tests
stop its parts), with two web nodes.

- one node down: Varnish sends every request to the other, no visitor sees a 5xx;
- every node down: a page the cache holds is still served, stale (grace), instead of 503, and
  once a node is back one request refreshes it while visitors keep getting answers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import requests

from deploy.stack import Stack, StackConfig

from . import visitors
from .visitors import PIP_ACCEPT, cached, get, is_hit, until

NODE_DETECTION_DEADLINE = 30.0  # Varnish's health probes notice a stopped node within this


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with visitors.stack_root("faults") as root:
        config = StackConfig(root=root, port=0, web_nodes=2, web_workers=2, beat=False, quiet=True)
        with Stack(config) as running:
            yield running


@pytest.fixture(scope="module")
def api_token(stack: Stack) -> str:
    return visitors.account(stack, "faulty").token


@pytest.fixture
def nodes_restored(stack: Stack) -> Iterator[list[str]]:
    """The web nodes' part names; every one of them running again after the test."""
    names = [f"web-{n}" for n in range(1, len(stack.node_urls) + 1)]
    yield names
    for name in names:
        if not stack.part(name).running():
            stack.part(name).start()


def new_project(stack: Stack, api_token: str, prefix: str) -> str:
    name = f"{prefix}-{secrets.token_hex(3)}"
    answer = visitors.upload(stack.url, api_token, name, "1.0")
    assert answer.status_code == 200, answer.text
    return name


def soft_purge(stack: Stack, key: str) -> None:
    """Mark the pages of ``key`` stale (kept for grace) rather than dropping them, as a CDN's
    soft purge does and as they are once their time to live has run out."""
    name, _, value = stack.env["CDN_PURGE_AUTH_HEADER"].partition(":")
    answer = requests.post(
        f"{stack.url}/_cdn/purge",
        headers={"Surrogate-Key": key, name.strip(): value.strip(), "Fastly-Soft-Purge": "1"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def test_with_one_node_down_every_read_is_answered(
    stack: Stack, api_token: str, nodes_restored: list[str]
) -> None:
    """From the moment a node dies (killed), before the health probes notice: Varnish retries
    a request the dead node refused on the other node."""
    name = new_project(stack, api_token, "onenode")
    pages = [f"/simple/{name}/", f"/pypi/{name}/json", f"/project/{name}/", "/simple/"]
    stack.part(nodes_restored[0]).kill()

    # Uncached each time (a new query string): every request has to reach a node.
    statuses = [
        get(f"{stack.url}{page}?n={secrets.token_hex(4)}").status_code
        for _ in range(10)
        for page in pages
    ]

    assert statuses == [200] * len(statuses)


def test_with_every_node_down_a_cached_page_is_served_stale_then_refreshed(
    stack: Stack, api_token: str, nodes_restored: list[str]
) -> None:
    name = new_project(stack, api_token, "grace")
    url = f"{stack.url}/simple/{name}/"
    before = cached(url, accept=PIP_ACCEPT)
    for node in nodes_restored:
        stack.part(node).stop()
    stack.part("worker").stop()  # so that the change below is not purged until it is back
    try:
        soft_purge(stack, f"project/{name}")

        stale = [get(url, accept=PIP_ACCEPT) for _ in range(3)]
        never_cached = get(f"{stack.url}/simple/{name}/?n=1", accept=PIP_ACCEPT)

        assert [answer.status_code for answer in stale] == [200, 200, 200]
        assert all(is_hit(answer) for answer in stale)
        assert all(answer.content == before.content for answer in stale)
        assert never_cached.status_code == 503  # nothing to fall back on: an honest error
        # A change while the nodes are down: the page refreshes once a node is back.
        stack.manage(
            "shell",
            "-c",
            "from packages.models import Project\n"
            "from packages.services.events import Actor\n"
            "from packages.services.releases import yank_release\n"
            f"project = Project.objects.get_by_name({name!r})\n"
            "yank_release(project.releases.find_by_version('1.0'), actor=Actor(user=None),"
            " reason='grace test')\n",
        )
        stack.part(nodes_restored[1]).start()
        # The first visitor after that still gets the stale copy at once (the change was not
        # purged: the worker is stopped); their request starts the refresh.
        first = get(url, accept=PIP_ACCEPT)
        assert first.status_code == 200 and is_hit(first)
        assert first.content == before.content

        def refreshed() -> requests.Response | None:
            answer = get(url, accept=PIP_ACCEPT)
            assert answer.status_code == 200  # stale until then, never an error
            return answer if answer.json()["files"][0]["yanked"] == "grace test" else None

        until(refreshed, deadline=NODE_DETECTION_DEADLINE, every=0.2)
    finally:
        stack.part("worker").start()
