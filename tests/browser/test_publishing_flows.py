"""Trusted publishing's pages in a real Chromium: an Owner registers a GitHub Actions
publisher on the project's Publishing page, and a user registers a pending publisher for a
project that does not exist yet; both pages are audited with axe-core and photographed at
phone and desktop widths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.interop.clients import build, publish
from tests.interop.site import Site

from .flows import AXE, at_both_widths, confirm_password, log_in, operator_account

pytestmark = pytest.mark.browser

Shot = Callable[[str], None]


def test_owner_and_user_register_trusted_publishers(
    page: Page, site: Site, shot: Shot, tmp_path: Path
) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make install-test (npm install axe-core)")
    owner = operator_account(site, "tp")
    project = f"{owner.username}-pkg"
    publish(site, site.token(owner.username), build(tmp_path, project, "1.0"))
    log_in(page, site, owner)

    publishing = f"/manage/project/{project}/settings/publishing/"
    confirm_password(page, site, owner, publishing)
    github = page.get_by_role("region", name="GitHub Actions")
    github.get_by_label("Owner:", exact=True).fill("octo-org")
    github.get_by_label("Repository name").fill("widgets")
    github.get_by_label("Workflow name").fill("release.yml")
    github.get_by_role("button", name="Add").click()
    publishers = page.get_by_role("region", name="Trusted publishers")
    expect(publishers).to_contain_text("octo-org/widgets")
    expect(publishers).to_contain_text("release.yml")
    at_both_widths(page, shot, "1-project-publishing", audited=True)

    confirm_password(page, site, owner, "/manage/account/publishing/")
    github = page.get_by_role("region", name="GitHub Actions")
    github.get_by_label("Project name").fill(f"{owner.username}-next")
    github.get_by_label("Owner:", exact=True).fill("octo-org")
    github.get_by_label("Repository name").fill("next")
    github.get_by_label("Workflow name").fill("release.yml")
    github.get_by_role("button", name="Add").click()
    expect(page.get_by_text(f"{owner.username}-next").first).to_be_visible()
    at_both_widths(page, shot, "2-pending-publishing", audited=True)
