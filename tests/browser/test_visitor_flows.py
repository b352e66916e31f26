"""What a visitor does in a real Chromium: find a project, judge it, download a file and check
its hash; read the site in German; and axe-core's audit of every kind of page, in the light
and the dark colour scheme, at phone and desktop widths.

axe-core comes from npm (``make install-test`` puts it in ``.venv/node``); it is evaluated
through the DevTools protocol, so the site's Content-Security-Policy stays as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.interop.clients import build, publish
from tests.interop.site import Site

from .conftest import ARTIFACTS
from .flows import AXE, DESKTOP, PHONE, Account, audit, log_in, operator_account, url

pytestmark = pytest.mark.browser

Shot = Callable[[str], None]
README = """# Hash demo

A small library used by the browser tests.

## Usage

```python
import hashdemo
print(hashdemo.__version__)
```

| column | value |
| ------ | ----- |
| a      | 1     |
"""


@pytest.fixture(scope="module")
def published(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A project with a README, classifiers and two releases; (project name, its owner)."""
    owner = operator_account(site, "visited")
    name = f"{owner.username}-hashdemo"
    metadata = {
        "summary": "A library to demonstrate hashes",
        "description": README,
        "description_content_type": "text/markdown",
        "classifiers": [
            "Programming Language :: Python :: 3",
            "License :: OSI Approved :: MIT License",
            "Development Status :: 4 - Beta",
        ],
        "project_urls": ["Homepage, https://example.com/hashdemo"],
        "requires_python": ">=3.9",
    }
    directory = tmp_path_factory.mktemp("hashdemo")
    token = site.token(owner.username)
    for version in ("1.0", "1.1"):
        publish(site, token, build(directory / version, name, version, metadata=metadata))
    yield name, owner.username


def test_search_open_a_project_download_a_file_and_check_its_hash(
    page: Page, site: Site, shot: Shot, published: tuple[str, str], tmp_path: Path
) -> None:
    name, _ = published
    page.goto(url(site, "/"))
    search = page.get_by_role("search").first
    search.get_by_role("searchbox").fill(name)
    search.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(url(site, f"/search/?q={name}"))
    shot("1-results")
    page.get_by_role("link", name=name).first.click()
    title = page.locator("h1").first  # the README has a level-1 heading of its own
    expect(title).to_contain_text(name)
    expect(title).to_contain_text("1.1")
    shot("1-project")

    page.get_by_role("link", name="Download files").first.click()
    wheel = page.locator("#files li.file-card").filter(has_text=".whl").first
    filename = wheel.locator(".filename a").inner_text().strip()
    disclosure = wheel.locator("details.hashes")
    disclosure.locator("summary").click()
    shown = disclosure.inner_text()
    shot("1-hashes")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=filename).click()
    saved = tmp_path / filename
    download_info.value.save_as(saved)

    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert digest in shown


def test_a_visitor_reads_the_site_in_german(page: Page, site: Site, shot: Shot) -> None:
    page.goto(url(site, "/help/"))
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(url(site, "/help/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Hilfe").first).to_be_visible()
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    page.goto(url(site, "/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    shot("2-german-home")


def _pages(site: Site, name: str, owner: str) -> dict[str, str]:
    return {
        "home": "/",
        "search": f"/search/?q={name}",
        "project": f"/project/{name}/",
        "release": f"/project/{name}/1.0/",
        "profile": f"/user/{owner}/",
        "help": "/help/",
        "login": "/account/login/",
        "registration": "/account/register/",
        "stats": "/stats/",
        "classifiers": "/classifiers/",
    }


# Pages too long for a full-page screenshot (every trove classifier, every Help answer): the
# first screenful only.
LONG_PAGES = {"classifiers", "help"}
ACCOUNT_PAGES = {
    "account": "/manage/account/",
    "two-factor": "/manage/account/two-factor/",
    "history": "/manage/account/history/",
    "projects": "/manage/projects/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(
    page: Page,
    site: Site,
    shot: Shot,
    published: tuple[str, str],
    scheme: str,
    request: pytest.FixtureRequest,
) -> None:
    request_name = request.node.name
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make install-test (npm install axe-core)")
    name, owner = published
    page.emulate_media(color_scheme=scheme)
    found: dict[str, list[dict[str, Any]]] = {}

    def visit(label: str, path: str) -> None:
        for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            page.goto(url(site, path))
            violations = audit(page)
            if violations:
                found[f"{label} ({width})"] = violations
            if label in LONG_PAGES:
                page.screenshot(path=ARTIFACTS / f"{request_name}-{label}-{scheme}-{width}.png")
            else:
                shot(f"{label}-{scheme}-{width}")

    for label, path in _pages(site, name, owner).items():
        visit(label, path)

    account: Account = operator_account(site, f"axe{scheme}")
    log_in(page, site, account)
    for label, path in ACCOUNT_PAGES.items():
        visit(label, path)
    visit("manage-project-404", f"/manage/project/{name}/")

    assert found == {}, "\n".join(f"{page}: {v}" for page, v in found.items())
