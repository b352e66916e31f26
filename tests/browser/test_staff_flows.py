"""The staff's admin in a real Chromium, with real twine and pip: quarantine and its release.

A project is uploaded with twine; a superuser with an authenticator app logs in through the
site's own login page and its second step, finds the project in the admin and runs
"Quarantine the selected projects", giving a note on the confirmation page. ``pip install``
then finds nothing to install, twine's upload is refused with a message that points to the
Help, and the public page says why, without files (audited with axe-core). Released from
quarantine the same way, the project installs again. And the other way in: a signed-in
user reports a project from its page (the form audited with axe-core), the dashboard counts
the open report, and staff quarantine the project from the report with a verdict; the
reporter hears of it by mail.

The admin keeps Django's look: its pages are photographed at phone and desktop widths for a
person to look at, but not audited (axe-core audits our own pages, in test_visitor_flows).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from packages.names import wheel_name
from tests.interop.clients import (
    build,
    explain,
    imported_version,
    output,
    pip,
    publish,
    succeeded,
    twine_upload,
)
from tests.interop.site import Site

from .flows import (
    AXE,
    Account,
    at_both_widths,
    confirm_login,
    enter_totp_code,
    log_in,
    log_out,
    mail_to,
    operator_account,
    path_is,
    submit_password,
    url,
)

pytestmark = pytest.mark.browser

Shot = Callable[[str], None]
CHANGELIST = "/admin/packages/project/"
QUARANTINE = "Quarantine the selected projects"
RELEASE = "Release the selected projects from quarantine"
QUARANTINE_BANNER = "This project has been quarantined"


def staff_account(site: Site) -> Account:
    """A superuser with an authenticator app, made with ``createuser`` as an operator would."""
    return operator_account(site, "staff", "--staff", "--superuser")


def admin_log_in(page: Page, site: Site, staff: Account) -> None:
    """/admin/ sends a visitor to the site's login; password, code, and the admin opens."""
    page.goto(url(site, "/admin/"))
    expect(page).to_have_url(path_is(site, "/account/login/"))
    submit_password(page, staff)
    expect(page).to_have_url(path_is(site, "/account/two-factor/"))
    enter_totp_code(page, staff)
    second_step = url(site, "/account/two-factor/")
    page.wait_for_url(lambda address: not address.startswith(second_step))
    if page.url.startswith(url(site, "/account/confirm-login/")):
        # The first login from this address: confirmed from the mailed link.
        confirm_login(page, site, staff)
        page.goto(url(site, "/admin/"))
    expect(page).to_have_url(url(site, "/admin/"))


def run_action(
    page: Page, site: Site, shot: Shot, step: str, project: str, action: str, note: str
) -> None:
    """From the project changelist: search, tick the project, run ``action``, give the note
    (the confirmation page is ``<step>-note``) and confirm; back on the changelist, the admin
    says it is done."""
    page.goto(url(site, CHANGELIST))
    page.get_by_role("textbox", name="Search").fill(project)
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=project, exact=True))
    expect(row).to_have_count(1)
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_role("heading", name=action)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=project)).to_be_visible()
    page.get_by_role("textbox").fill(note)
    at_both_widths(page, shot, f"{step}-note")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(path_is(site, CHANGELIST))
    expect(page.get_by_text("1 object changed.")).to_be_visible()


def pip_install(site: Site, target: Path, project: str) -> subprocess.CompletedProcess[str]:
    """``pip install --isolated --index-url <site>/simple/ --target <target> <project>``."""
    return pip("install", "--index-url", f"{site.url}/simple/", "--target", target, project)


def test_staff_quarantine_a_project_and_release_it(
    page: Page, site: Site, shot: Shot, tmp_path: Path
) -> None:
    """Quarantined from the admin with a note, a project cannot be installed or uploaded to
    and its page says so; released from quarantine, it installs again."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make install-test (npm install axe-core)")
    owner = operator_account(site, "suspect")
    project = f"{owner.username}-pkg"
    token = site.token(owner.username)
    publish(site, token, build(tmp_path / "1.0", project, "1.0"))
    staff = staff_account(site)

    admin_log_in(page, site, staff)
    at_both_widths(page, shot, "1-dashboard")

    page.goto(url(site, CHANGELIST))
    expect(page.get_by_role("link", name=project, exact=True)).to_be_visible()
    at_both_widths(page, shot, "2-changelist")

    # Quarantine, with a note: the confirmation page is photographed before confirming.
    run_action(page, site, shot, "3-quarantine", project, QUARANTINE, "reported as malware")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=project, exact=True))
    expect(row).to_contain_text("quarantined")

    # Installers find no file; twine's upload is refused, pointing to the Help.
    refused = pip_install(site, tmp_path / "quarantined", project)
    assert refused.returncode != 0, explain(refused)
    assert f"No matching distribution found for {project}" in output(refused), explain(refused)
    upload = twine_upload(site, token, build(tmp_path / "2.0", project, "2.0", sdist=False))
    assert upload.returncode != 0, explain(upload)
    assert f"Project '{project}' is in quarantine and cannot accept uploads." in output(upload), (
        explain(upload)
    )
    assert "/help/#project_in_quarantine" in output(upload), explain(upload)

    # The public page: a banner, no files, no install command; no serious axe violation.
    page.goto(url(site, f"/project/{project}/"))
    expect(page.get_by_text(QUARANTINE_BANNER)).to_be_visible()
    expect(page.get_by_role("link", name="Download files")).to_have_count(0)
    expect(page.locator("#files")).to_have_count(0)
    expect(page.get_by_label("Install command")).to_have_count(0)
    at_both_widths(page, shot, "4-public-page", audited=True)
    page.get_by_text(QUARANTINE_BANNER).get_by_role("link", name="Learn more").click()
    expect(page).to_have_url(url(site, "/help/#project_in_quarantine"))
    expect(page.locator("#project_in_quarantine")).to_be_visible()

    # Released the same way: the project installs again.
    run_action(page, site, shot, "5-release", project, RELEASE, "false alarm")
    expect(row).not_to_contain_text("quarantined")
    succeeded(pip_install(site, tmp_path / "released", project))
    assert imported_version(wheel_name(project), path=tmp_path / "released") == "1.0"
    page.goto(url(site, f"/project/{project}/"))
    expect(page.get_by_text(QUARANTINE_BANNER)).to_have_count(0)
    page.get_by_role("navigation", name="Navigation").get_by_role(
        "link", name="Download files"
    ).click()
    expect(page.get_by_role("region", name="Download files")).to_contain_text(
        f"{wheel_name(project)}-1.0-py3-none-any.whl"
    )


def test_a_user_reports_a_project_and_staff_quarantine_it_from_the_report(
    page: Page, site: Site, shot: Shot, tmp_path: Path
) -> None:
    """A signed-in user reports a project from its page; the dashboard counts the open report;
    staff give the verdict "Quarantine the project" with a note; the project no longer installs
    and the reporter is told by mail."""
    owner = operator_account(site, "reported")
    project = f"{owner.username}-pkg"
    publish(site, site.token(owner.username), build(tmp_path / "1.0", project, "1.0"))
    reporter = operator_account(site, "reporter")

    log_in(page, site, reporter)
    page.goto(url(site, f"/project/{project}/"))
    page.get_by_role("link", name="Report project as malware").click()
    expect(page.get_by_role("heading", name=f"Report {project}")).to_be_visible()
    # Sent empty, the form says what is missing, on the field.
    page.get_by_role("button", name="Send report").click()
    summary = page.get_by_label("Summary")
    expect(summary).to_have_attribute("aria-invalid", "true")
    at_both_widths(page, shot, "1-report-form", audited=True)
    summary.fill("The setup script downloads and runs a remote payload.")
    page.get_by_label("Evidence (optional)").fill("setup.py, line 12")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(url(site, f"/project/{project}/"))
    expect(page.get_by_text(f"Thank you for your report about {project}.")).to_be_visible()
    log_out(page, site)

    admin_log_in(page, site, staff_account(site))
    expect(page.get_by_text("1 open malware report", exact=True)).to_be_visible()
    page.goto(url(site, "/admin/moderation/malwarereport/?status=open"))
    row = page.get_by_role("row").filter(has_text=project)
    expect(row).to_have_count(1)
    at_both_widths(page, shot, "2-open-reports")
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Quarantine the project")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("textbox").fill("confirmed: remote payload")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("1 report closed.")).to_be_visible()

    refused = pip_install(site, tmp_path / "quarantined", project)
    assert refused.returncode != 0, explain(refused)
    assert f"No matching distribution found for {project}" in output(refused), explain(refused)
    assert any(project in body for body in mail_to(site, reporter.email)), mail_to(
        site, reporter.email
    )
