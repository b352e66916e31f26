"""The real clients against the whole stack (``make stack``'s topology), through Varnish.

twine uploads, pip and uv install, bandersnatch mirrors and a person logs in with Chromium,
all at ``stack.url``; and what only the real parts can show: the files sit in the object store
(and nowhere on disk), and the mails and CDN purges are done by the Celery worker (with the
worker stopped, neither happens; once it is back, both do).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from deploy.stack import Stack
from tests.browser import flows
from tests.interop.clients import build, explain, imported_version, pip, run, sha256, succeeded
from tests.interop.clients import twine_upload as _twine_upload
from tests.interop.site import BIN
from tests.interop.test_bandersnatch import assert_mirrored, mirror_serial, write_config
from tests.interop.test_uv import Uv

from .conftest import StackSite

pytestmark = pytest.mark.interop

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
# The worker's deliveries: the outbox's task, or the tasks queued before the outbox existed.
WORKER_TASKS = re.compile(
    r"Task (outbox\.deliver|packages\.tasks\.purge_cdn|accounts\.tasks\.send_email)\["
)
# A purge is delivered by the worker within a second on an idle machine; this only fails a
# purge that never comes.
PURGE_DEADLINE = 20.0
_ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def publisher(stack_site: StackSite) -> str:
    return stack_site.user(f"interop{secrets.token_hex(3)}")


@pytest.fixture(scope="module")
def token(stack_site: StackSite, publisher: str) -> str:
    return stack_site.token(publisher)


@pytest.fixture(autouse=True)
def no_server_errors(stack: Stack) -> Iterator[None]:
    """A test during which a web node answered a 5xx fails, whatever the client made of it."""
    logs = [stack.logs / f"web-{n}.access.log" for n in range(1, len(stack.node_urls) + 1)]
    marks = {log: log.stat().st_size if log.exists() else 0 for log in logs}
    yield
    time.sleep(0.5)  # gunicorn writes the access line just after the response
    errors = []
    for log, mark in marks.items():
        with log.open("rb") as file:
            file.seek(mark)
            for line in file.read().decode("utf-8", "replace").splitlines():
                found = _ACCESS_LINE.search(line)
                if found and int(found["status"]) >= 500:
                    errors.append(line)
    assert not errors, "\n".join(errors)


@pytest.fixture
def worker_back(stack: Stack) -> Iterator[None]:
    """The worker runs again after the test, whatever the test did to it."""
    yield
    if not stack.part("worker").running():
        stack.part("worker").start()


# --- Helpers --------------------------------------------------------------------------------


def twine_upload(stack_site: StackSite, token: str, paths: list[Path]) -> None:
    succeeded(_twine_upload(stack_site, token, paths))


def log_mark(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def log_since(path: Path, mark: int) -> str:
    with path.open("rb") as file:
        file.seek(mark)
        return file.read().decode("utf-8", "replace")


def simple_page(stack: Stack, name: str) -> requests.Response:
    response = requests.get(
        f"{stack.url}/simple/{name}/", headers={"Accept": PIP_ACCEPT}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response


def versions_listed(response: requests.Response) -> set[str]:
    return set(response.json()["versions"])


def cached_simple_page(stack: Stack, name: str) -> requests.Response:
    """The project's Simple page (JSON) once it is a hit in Varnish."""
    simple_page(stack, name)
    response = simple_page(stack, name)
    assert response.headers["X-Cache"] == "HIT", response.headers
    return response


def wait_for(condition: Callable[[], bool], deadline: float, what: str) -> float:
    """Seconds until ``condition()`` held; fails after ``deadline`` seconds."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < deadline, f"{what}: not within {deadline} s"
        time.sleep(0.05)
    return time.monotonic() - began


def stored_keys(stack: Stack) -> set[str]:
    client = stack.s3_client()
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


# --- twine, the object store and the cache ----------------------------------------------------


def test_twine_uploads_into_the_object_store_and_files_come_back_through_the_cache(
    stack: Stack, stack_site: StackSite, token: str, tmp_path: Path
) -> None:
    name = f"stored-{secrets.token_hex(3)}"
    dists = build(tmp_path, name, "1.0")

    twine_upload(stack_site, token, dists)

    served = requests.get(f"{stack.url}/pypi/{name}/json", timeout=30).json()
    urls = {f["filename"]: f["url"] for f in served["urls"]}
    assert set(urls) == {d.name for d in dists}
    keys = stored_keys(stack)
    for dist in dists:
        url = urls[dist.name]
        assert url.startswith(f"{stack.url}/packages/"), url
        key = urlsplit(url).path.removeprefix("/packages/")
        # In the bucket, byte for byte ...
        assert key in keys
        body = stack.s3_client().get_object(Bucket=stack.bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha256(dist)
        # ... and nowhere on this machine's disk: not under the stack's state, not in var/.
        assert not list(stack.root.rglob(dist.name)), dist.name
        # Through Varnish: the bytes, immutable, kept by the cache after the first request.
        first = requests.get(url, timeout=30)
        again = requests.get(url, timeout=30)
        assert first.status_code == again.status_code == 200, first.text
        assert hashlib.sha256(again.content).hexdigest() == sha256(dist)
        assert "immutable" in again.headers["Cache-Control"]
        assert again.headers["X-Cache"] == "HIT", again.headers


def test_a_new_release_is_visible_through_the_cache_as_soon_as_the_worker_purged(
    stack: Stack, stack_site: StackSite, token: str, tmp_path: Path
) -> None:
    name = f"purged-{secrets.token_hex(3)}"
    twine_upload(stack_site, token, build(tmp_path / "v1", name, "1.0"))
    before = cached_simple_page(stack, name)
    assert versions_listed(before) == {"1.0"}
    worker_log = stack.part("worker").log
    mark = log_mark(worker_log)

    twine_upload(stack_site, token, build(tmp_path / "v2", name, "2.0"))
    took = wait_for(
        lambda: "2.0" in versions_listed(simple_page(stack, name)),
        PURGE_DEADLINE,
        "the new release through the cache",
    )

    fresh = simple_page(stack, name)
    assert versions_listed(fresh) == {"1.0", "2.0"}
    assert int(fresh.headers["X-PyPI-Last-Serial"]) > int(before.headers["X-PyPI-Last-Serial"])
    assert WORKER_TASKS.search(log_since(worker_log, mark)), log_since(worker_log, mark)
    print(f"new release visible through the cache {took * 1000:.0f} ms after twine returned")


def test_without_the_worker_the_cache_keeps_the_old_page_until_the_worker_is_back(
    stack: Stack, stack_site: StackSite, token: str, tmp_path: Path, worker_back: None
) -> None:
    """The purge is the worker's job: queued in Redis while no worker runs, done once one
    is back."""
    name = f"queued-{secrets.token_hex(3)}"
    twine_upload(stack_site, token, build(tmp_path / "v1", name, "1.0"))
    cached_simple_page(stack, name)
    stack.part("worker").stop()

    twine_upload(stack_site, token, build(tmp_path / "v2", name, "2.0"))
    time.sleep(3)
    stale = simple_page(stack, name)
    origin = requests.get(
        f"{stack.node_urls[0]}/simple/{name}/",
        headers={"Accept": PIP_ACCEPT, "Host": urlsplit(stack.url).netloc},
        timeout=30,
    )
    assert stale.headers["X-Cache"] == "HIT"
    assert versions_listed(stale) == {"1.0"}
    assert versions_listed(origin) == {"1.0", "2.0"}

    worker_log = stack.part("worker").log
    mark = log_mark(worker_log)
    stack.part("worker").start()
    wait_for(
        lambda: "2.0" in versions_listed(simple_page(stack, name)),
        PURGE_DEADLINE,
        "the purge once the worker is back",
    )
    assert WORKER_TASKS.search(log_since(worker_log, mark)), log_since(worker_log, mark)


# --- Installers and mirrors ----------------------------------------------------------------


@pytest.fixture(scope="module")
def installable(stack_site: StackSite, token: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A project with 1.0 (wheel and sdist) and 2.0 (wheel)."""
    name = f"installable{secrets.token_hex(3)}"
    directory = tmp_path_factory.mktemp("installable")
    dists = [*build(directory, name, "1.0"), *build(directory, name, "2.0", sdist=False)]
    twine_upload(stack_site, token, dists)
    return name


def module_name(project: str) -> str:
    return project.replace("-", "_")


def test_pip_installs_through_the_cache(stack: Stack, installable: str, tmp_path: Path) -> None:
    target = tmp_path / "target"

    proc = succeeded(
        pip("install", "--index-url", f"{stack.url}/simple/", "--target", target, installable)
    )

    assert imported_version(module_name(installable), path=target) == "2.0", explain(proc)
    pinned = tmp_path / "pinned"
    succeeded(
        pip(
            "install",
            "--index-url",
            f"{stack.url}/simple/",
            "--target",
            pinned,
            f"{installable}==1.0",
        )
    )
    assert imported_version(module_name(installable), path=pinned) == "1.0"


def test_uv_installs_through_the_cache(
    stack_site: StackSite, installable: str, tmp_path: Path
) -> None:
    uv = Uv(tmp_path)
    python = uv.venv()

    succeeded(uv.install(stack_site, python, f"{installable}==1.0"))

    assert imported_version(module_name(installable), python=python) == "1.0"


@pytest.mark.parametrize("api_method", ["simple", "xmlrpc"])
def test_bandersnatch_mirrors_through_the_cache(
    stack: Stack,
    stack_site: StackSite,
    token: str,
    tmp_path: Path,
    api_method: str,
) -> None:
    name = f"mirrored-{api_method}-{secrets.token_hex(3)}"
    dists = build(tmp_path / "v1", name, "1.0")
    twine_upload(stack_site, token, dists)
    mirror = tmp_path / "mirror"
    config = write_config(tmp_path / "bandersnatch.conf", stack_site, mirror, name, api_method)

    succeeded(run([BIN / "bandersnatch", "--config", config, "mirror"]))

    served = requests.get(f"{stack.url}/pypi/{name}/json", timeout=30).json()
    assert_mirrored(mirror, name, served, dists)
    assert mirror_serial(mirror) >= served["last_serial"]
    # The next release reaches the mirror through the cache: the purge made it visible.
    more = build(tmp_path / "v2", name, "2.0", sdist=False)
    twine_upload(stack_site, token, more)
    wait_for(
        lambda: (
            "2.0" in requests.get(f"{stack.url}/pypi/{name}/json", timeout=30).json()["releases"]
        ),
        PURGE_DEADLINE,
        "the new release in the JSON API through the cache",
    )
    succeeded(run([BIN / "bandersnatch", "--config", config, "mirror"]))
    served = requests.get(f"{stack.url}/pypi/{name}/json", timeout=30).json()
    assert_mirrored(mirror, name, served, dists + more)


# --- A person in a browser -------------------------------------------------------------------


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps (Debian's chromium)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def test_a_browser_login_is_confirmed_by_the_mail_the_worker_sends(
    stack: Stack, stack_site: StackSite, page: Page, worker_back: None
) -> None:
    """The login from an address the account never confirmed waits for a mailed link: with
    the worker stopped no mail is written; once it is back, it writes it, and the link logs
    the person in."""
    site = stack_site  # tests.browser.flows reads url, env and manage
    account = flows.operator_account(site, "stackbrowser")
    stack.part("worker").stop()

    flows.start_login(page, site, account)
    flows.enter_totp_code(page, account)
    expect(page).to_have_url(flows.url(site, flows.CONFIRM_LOGIN_PAGE))
    time.sleep(3)
    assert not flows.mail_to(site, account.email)

    worker_log = stack.part("worker").log
    mark = log_mark(worker_log)
    stack.part("worker").start()
    link = flows.mailed_link(site, account, flows.CONFIRM_LOGIN_PAGE, timeout=PURGE_DEADLINE)

    mails = list(stack.mail_dir.glob("*.log"))
    assert mails and all(path.parent == stack.mail_dir for path in mails)
    assert WORKER_TASKS.search(log_since(worker_log, mark)), log_since(worker_log, mark)
    page.goto(link)
    page.get_by_role("button", name="Confirm login").click()
    flows.expect_account_page(page, site, account)
    # Logged in: the account's pages are never served from the cache.
    response = page.request.get(flows.url(site, flows.ACCOUNT_PAGE))
    assert response.headers["x-cache"] == "MISS"
    assert account.username in response.text()


def test_the_stack_answers_on_its_own_url(stack: Stack) -> None:
    with urllib.request.urlopen(f"{stack.url}/_health/", timeout=30) as response:
        assert response.read() == b"OK\n"
