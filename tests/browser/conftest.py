"""Chromium, driven by Playwright, against the site as an operator runs it.

Each xdist worker starts one site with the interop suite's runner (gunicorn, a database of its
own), named ``localhost`` because WebAuthn needs a domain, with a password re-confirmation
window short enough to wait out. Each test gets a new Chromium with a new profile, so tests
share nothing but the site and can run on any worker in any order.

Screenshots go to ``test-artifacts/browser/<test>-<step>.png``, and ``<test>-failure.png``
(with the page's console and dialogs in ``<test>-failure.log``) when a test fails.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, Playwright, expect, sync_playwright

from tests.interop.site import REPO, Site, no_server_errors, running_site

SUDO_WINDOW_SECONDS = 6
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (scripts/system-deps)
# The machine's network is closed: without the background-networking switches Chromium's
# own connections (updates, sync, field trials) are refused by the dozen at every start.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

_REPORT = pytest.StashKey[pytest.TestReport]()

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    with running_site(
        tmp_path_factory.mktemp("site"),
        worker_id,
        host="localhost",
        extra_env={"SUDO_WINDOW_SECONDS": str(SUDO_WINDOW_SECONDS)},
    ) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps (Debian's chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the outcome where the ``page`` fixture's teardown can see it (for a screenshot)."""
    report = yield
    if report.when == "call" or report.failed:
        item.stash[_REPORT] = report
    return report


@pytest.fixture
def page(playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab of a new Chromium with a fresh profile; never a browser Playwright downloaded."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "chromium-profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.pages[0] if context.pages else context.new_page()
    log: list[str] = []
    tab.on("console", lambda message: _log_console(log, message))
    tab.on("pageerror", lambda error: log.append(f"uncaught: {error}"))
    tab.on("dialog", lambda dialog: _log_dialog(log, dialog))
    try:
        yield tab
    finally:
        report = request.node.stash.get(_REPORT, None)
        if report is not None and report.failed:
            name = request.node.name
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                tab.screenshot(path=ARTIFACTS / f"{name}-failure.png", full_page=True)
            finally:
                (ARTIFACTS / f"{name}-failure.log").write_text(
                    f"url: {tab.url}\n" + "\n".join(log) + "\n"
                )
        context.close()


def _log_console(log: list[str], message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        log.append(f"console {message.type}: {message.text}")


def _log_dialog(log: list[str], dialog: Dialog) -> None:
    # The security-key scripts report server refusals with alert().
    log.append(f"dialog {dialog.type}: {dialog.message}")
    dialog.dismiss()


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``shot("3-logged-in")`` saves a full-page screenshot for a person to look at."""
    name = request.node.name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{name}-*"):
        stale.unlink()

    def take(step: str) -> None:
        page.screenshot(path=ARTIFACTS / f"{name}-{step}.png", full_page=True)

    return take


__all__ = ["no_server_errors"]  # autouse: a 5xx from the site fails the test
