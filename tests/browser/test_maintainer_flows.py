"""The maintainers' pages under ``/manage/`` in a real Chromium, with real twine and pip.

Owners yank and un-yank releases, delete files, archive projects and invite collaborators
through the pages; what that does is then checked the way people meet it: ``pip install``
against ``/simple/``, ``twine upload`` to ``/legacy/``, the JSON and Simple APIs, and the mail.
An invitee answers in a browser of their own (a second Chromium profile), so that the owner's
and the invitee's sessions never mix.

Changes (yank, deletion, archiving, invitations) need the password confirmed within the suite's
short window: each is preceded by ``confirm_password``, which lands on the page of the action.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Playwright, expect

from packages.names import wheel_name
from tests.interop.clients import (
    build,
    explain,
    imported_version,
    output,
    pip,
    project_json,
    publish,
    succeeded,
    twine_upload,
)
from tests.interop.site import Site

from .conftest import _REPORT, ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from .flows import (
    DESKTOP,
    PHONE,
    Account,
    confirm_password,
    log_in,
    mail_to,
    mailed_link,
    operator_account,
    path_is,
    url,
)

pytestmark = pytest.mark.browser

Shot = Callable[[str], None]
TabShot = Callable[[Page, str], None]
INVITATION_LINK = "/account/verify-project-role/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


# Fixtures: a second person's browser, screenshots of any tab ---------------------------------


@pytest.fixture
def other_page(
    playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A tab of a second Chromium with a profile of its own: the other person's browser
    (``<test>-failure-other.png`` when the test fails)."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "other-chromium-profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport=DESKTOP,
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.pages[0] if context.pages else context.new_page()
    try:
        yield tab
    finally:
        report = request.node.stash.get(_REPORT, None)
        try:
            if report is not None and report.failed:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                failure = ARTIFACTS / f"{request.node.name}-failure-other.png"
                tab.screenshot(path=failure, full_page=True)
        finally:
            context.close()


@pytest.fixture
def tab_shot(shot: Shot, request: pytest.FixtureRequest) -> TabShot:
    """``tab_shot(other_page, "2-accepted")``: like ``shot``, of any tab (``shot`` first
    clears the test's old screenshots)."""
    name = request.node.name

    def take(tab: Page, step: str) -> None:
        tab.screenshot(path=ARTIFACTS / f"{name}-{step}.png", full_page=True)

    return take


def phone_shot(tab_shot: TabShot, tab: Page, step: str) -> None:
    """The same page at a phone's width (``<step>-phone.png``), then back at a desktop's."""
    tab.set_viewport_size(PHONE)
    try:
        tab_shot(tab, f"{step}-phone")
    finally:
        tab.set_viewport_size(DESKTOP)


# Steps on the pages ---------------------------------------------------------------------------


def manage_path(project: str, *rest: str) -> str:
    return "/".join(["/manage/project", project, *rest]) + "/"


def status_message(page: Page) -> Locator:
    """The messages the site shows after a change (``role=status``)."""
    return page.get_by_role("status")


def yank_box(page: Page) -> Locator:
    return page.get_by_role("region", name="Yank this release")


def unyank_box(page: Page) -> Locator:
    return page.get_by_role("region", name="Un-yank this release")


def files_table(page: Page) -> Locator:
    return page.get_by_role("table", name="Files")


def invite(page: Page, site: Site, owner: Account, project: str, username: str) -> None:
    """The owner invites ``username`` as Maintainer from the collaborators page."""
    confirm_password(page, site, owner, manage_path(project, "collaboration"))
    form = page.get_by_role("region", name="Invite a collaborator")
    form.get_by_label("Username:", exact=True).fill(username)
    form.get_by_role("radio", name="Maintainer").check()
    form.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_url(url(site, manage_path(project, "collaboration")))
    expect(status_message(page)).to_contain_text(f"Invitation sent to '{username}'.")


def project_card(page: Page, project: str) -> Locator:
    """The card of ``project`` in "Your projects"."""
    return (
        page.get_by_role("region", name=re.compile(r"^\d+ projects?$"))
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=project, exact=True))
    )


def history_rows(page: Page, site: Site, project: str) -> list[str]:
    """The project history's rows, newest first: the event, then its details."""
    page.goto(url(site, manage_path(project, "history")))
    rows = page.get_by_role("table", name="Project history").locator("tbody tr")
    expect(rows.first).to_be_visible()
    return [" ".join(row.locator("td").first.inner_text().split()) for row in rows.all()]


def new_mail(site: Site, account: Account, text: str, *, timeout: float = 10) -> str:
    """The newest mail to ``account`` containing ``text`` (sent after the request commits)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [body for body in mail_to(site, account.email) if text in " ".join(body.split())]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, f"no mail with {text!r} to {account.email}"
        time.sleep(0.2)


# Steps of the clients -------------------------------------------------------------------------


def pip_install(site: Site, target: Path, requirement: str) -> subprocess.CompletedProcess[str]:
    """``pip install --isolated --index-url <site>/simple/ --no-cache-dir --target``."""
    return pip("install", "--index-url", f"{site.url}/simple/", "--target", target, requirement)


def installed(site: Site, target: Path, project: str, requirement: str | None = None) -> str:
    """The version pip installs for ``requirement`` (the bare project name by default)."""
    succeeded(pip_install(site, target, requirement or project))
    return imported_version(wheel_name(project), path=target)


def simple_json(site: Site, project: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{site.url}/simple/{project}/", headers={"Accept": SIMPLE_JSON}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"].startswith(SIMPLE_JSON)
        return json.load(response)


# 1. Yank ----------------------------------------------------------------------------------------


def test_owner_yanks_and_unyanks_a_release(
    page: Page, site: Site, shot: Shot, tab_shot: TabShot, tmp_path: Path
) -> None:
    """The owner yanks 2.0 with a reason: pip then installs 1.0 unless 2.0 is pinned, the JSON
    API and the history carry the reason; un-yanked, pip installs 2.0 again."""
    owner = operator_account(site, "yanker")
    project = f"{owner.username}-kit"
    token = site.token(owner.username)
    publish(site, token, build(tmp_path / "1.0", project, "1.0", sdist=False))
    publish(site, token, build(tmp_path / "2.0", project, "2.0", sdist=False))
    assert installed(site, tmp_path / "before", project) == "2.0"

    # Your projects, the project's releases, then release 2.0.
    log_in(page, site, owner)
    page.get_by_role("banner").get_by_role("link", name="Your projects").click()
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    expect(project_card(page, project)).to_contain_text("Owner")
    expect(project_card(page, project)).to_contain_text("Newest version 2.0")
    shot("1-your-projects")
    phone_shot(tab_shot, page, "1-your-projects")

    project_card(page, project).get_by_role("link", name=f"Manage {project}").click()
    expect(page).to_have_url(url(site, manage_path(project)))
    releases = page.get_by_role("table", name="Releases")
    expect(releases.get_by_role("row")).to_have_count(3)  # the header, 2.0, 1.0
    shot("1-releases")
    phone_shot(tab_shot, page, "1-releases")

    releases.get_by_role("link", name="2.0", exact=True).click()
    release_path = manage_path(project, "release", "2.0")
    expect(page).to_have_url(url(site, release_path))
    expect(files_table(page)).to_contain_text(f"{wheel_name(project)}-2.0-py3-none-any.whl")
    shot("1-release")
    phone_shot(tab_shot, page, "1-release")

    # Yank 2.0: the version must be typed; the reason is optional.
    confirm_password(page, site, owner, release_path)
    yank_box(page).get_by_label("Reason (optional)").fill("broken build")
    yank_box(page).get_by_label("Type the version to confirm").fill("2.0")
    shot("1-yank-filled")
    yank_box(page).get_by_role("button", name="Yank release").click()
    expect(page).to_have_url(url(site, release_path))
    expect(status_message(page)).to_contain_text("Yanked release 2.0.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("yanked")
    expect(page.get_by_text("Reason: “broken build”")).to_be_visible()
    expect(unyank_box(page)).to_be_visible()
    shot("1-yanked")

    # pip skips the yanked release unless it is pinned exactly (PEP 592).
    assert installed(site, tmp_path / "after", project) == "1.0"
    assert installed(site, tmp_path / "pinned", project, f"{project}==2.0") == "2.0"
    files = project_json(site, project)["releases"]
    assert {(f["yanked"], f["yanked_reason"]) for f in files["2.0"]} == {(True, "broken build")}
    assert {(f["yanked"], f["yanked_reason"]) for f in files["1.0"]} == {(False, None)}

    page.goto(url(site, manage_path(project)))
    row = page.get_by_role("table", name="Releases").get_by_role("row").filter(has_text="2.0")
    expect(row).to_contain_text("yanked")
    expect(row).to_contain_text("broken build")
    shot("1-releases-yanked")

    rows = history_rows(page, site, project)
    assert any(
        r.startswith("Release yanked") and "Version: 2.0" in r and "Reason: broken build" in r
        for r in rows
    ), rows
    shot("1-history")
    phone_shot(tab_shot, page, "1-history")

    # Un-yank: installers consider 2.0 again.
    confirm_password(page, site, owner, release_path)
    unyank_box(page).get_by_label("Type the version to confirm").fill("2.0")
    unyank_box(page).get_by_role("button", name="Un-yank release").click()
    expect(status_message(page)).to_contain_text("Un-yanked release 2.0.")
    expect(yank_box(page)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("yanked")
    shot("1-unyanked")

    assert installed(site, tmp_path / "unyanked", project) == "2.0"
    assert {f["yanked"] for f in project_json(site, project)["releases"]["2.0"]} == {False}
    rows = history_rows(page, site, project)
    assert rows[0].startswith("Release un-yanked"), rows


# 2. A maintainer joins ------------------------------------------------------------------------


def test_invited_maintainer_accepts_from_the_mail_and_uploads(
    page: Page,
    other_page: Page,
    site: Site,
    shot: Shot,
    tab_shot: TabShot,
    tmp_path: Path,
) -> None:
    """The owner invites a Maintainer, who accepts from the mailed link, uploads with twine,
    sees the release pages without the owners' controls and is refused the owners' actions."""
    owner = operator_account(site, "inviter")
    invitee = operator_account(site, "invitee")
    project = f"{owner.username}-team"
    publish(site, site.token(owner.username), build(tmp_path / "1.0", project, "1.0"))

    log_in(page, site, owner)
    invite(page, site, owner, project, invitee.username)
    pending = page.get_by_role("table", name="Pending invitations")
    expect(pending.get_by_role("row").filter(has_text=invitee.username)).to_contain_text(
        "Maintainer"
    )
    shot("2-invited")
    phone_shot(tab_shot, page, "2-collaborators-pending")

    # The invitee, in a browser of their own, opens the mailed link and accepts.
    link = mailed_link(site, invitee, INVITATION_LINK)
    assert f"invited you to collaborate on the project {project} as Maintainer" in " ".join(
        new_mail(site, invitee, link).split()
    )
    log_in(other_page, site, invitee)
    other_page.goto(link)
    expect(
        other_page.get_by_role("heading", name=f"Invitation to {project}", level=1)
    ).to_be_visible()
    expect(other_page.get_by_text(f"{owner.username} invites you to be Maintainer")).to_be_visible()
    tab_shot(other_page, "2-invitation")
    phone_shot(tab_shot, other_page, "2-invitation")
    other_page.get_by_role("button", name="Accept invitation").click()
    expect(other_page).to_have_url(url(site, manage_path(project)))
    expect(status_message(other_page)).to_contain_text(f"You are now Maintainer of “{project}”.")
    tab_shot(other_page, "2-accepted")

    other_page.goto(url(site, "/manage/projects/"))
    card = project_card(other_page, project)
    expect(card.locator(".badge")).to_have_text("Maintainer")
    expect(other_page.get_by_role("region", name="Pending invitations")).to_have_count(0)
    tab_shot(other_page, "2-invitee-projects")

    # The owner sees the new collaborator and has been told by mail.
    page.goto(url(site, manage_path(project, "collaboration")))
    collaborators = page.get_by_role("table", name="Collaborators")
    expect(collaborators.get_by_label(f"Role of {invitee.username}")).to_have_value("Maintainer")
    expect(page.get_by_role("table", name="Pending invitations")).to_have_count(0)
    shot("2-collaborators")
    phone_shot(tab_shot, page, "2-collaborators")
    new_mail(site, owner, f"{invitee.username} joined the project {project} as Maintainer.")

    # The Maintainer uploads 3.0 with a token of their own.
    uploaded = twine_upload(
        site, site.token(invitee.username), build(tmp_path / "3.0", project, "3.0", sdist=False)
    )
    assert uploaded.returncode == 0, explain(uploaded)
    assert "3.0" in project_json(site, project)["releases"]
    assert installed(site, tmp_path / "latest", project) == "3.0"

    # A Maintainer reads the release page, without the controls only Owners may use.
    other_page.goto(url(site, manage_path(project)))
    other_page.get_by_role("table", name="Releases").get_by_role("link", name="3.0").click()
    expect(files_table(other_page)).to_contain_text(f"{wheel_name(project)}-3.0-py3-none-any.whl")
    expect(yank_box(other_page)).to_have_count(0)
    expect(other_page.get_by_role("region", name="Delete this release")).to_have_count(0)
    expect(files_table(other_page).get_by_role("link", name=re.compile("^Delete"))).to_have_count(0)
    expect(other_page.get_by_text("Only the project's Owners can do this.")).to_be_visible()
    tab_shot(other_page, "2-maintainer-release")
    phone_shot(tab_shot, other_page, "2-maintainer-release")

    # ... and is refused them when going to their addresses anyway.
    page.goto(url(site, manage_path(project, "release", "1.0")))
    delete_link = files_table(page).get_by_role("link", name=re.compile("^Delete")).first
    delete_path = delete_link.get_attribute("href")
    assert delete_path
    confirm_password(other_page, site, invitee, manage_path(project))
    refused = other_page.goto(url(site, delete_path))
    assert refused is not None
    assert refused.status == 403
    tab_shot(other_page, "2-maintainer-refused")
    phone_shot(tab_shot, other_page, "2-maintainer-refused")
    csrf = other_page.locator("input[name=csrfmiddlewaretoken]")
    other_page.goto(url(site, manage_path(project, "release", "3.0")))
    yanked = other_page.request.post(
        url(site, manage_path(project, "release", "3.0", "yank")),
        form={
            "csrfmiddlewaretoken": csrf.first.input_value(),
            "yank-reason": "not mine to yank",
            "yank-confirm": "3.0",
        },
        max_redirects=0,
    )
    assert yanked.status == 403, (yanked.status, yanked.text()[:500])
    assert {f["yanked"] for f in project_json(site, project)["releases"]["3.0"]} == {False}

    # A Maintainer sees the history, with their upload and their joining in it.
    rows = history_rows(other_page, site, project)
    assert any(r.startswith("Release published") and "Version: 3.0" in r for r in rows), rows
    assert any(
        r.startswith("Collaborator added") and f"Collaborator: {invitee.username}" in r
        for r in rows
    ), rows
    tab_shot(other_page, "2-maintainer-history")


def test_refused_action_says_why(page: Page, site: Site, shot: Shot, tmp_path: Path) -> None:
    """A Maintainer who opens an Owner's action (a file's delete page) reads why not."""
    owner = operator_account(site, "refuser")
    maintainer = operator_account(site, "refused")
    project = f"{owner.username}-why"
    publish(site, site.token(owner.username), build(tmp_path, project, "1.0", sdist=False))
    # The role an accepted invitation gives (the test above goes through the pages for it).
    site.manage(
        "shell",
        "-c",
        "from accounts.models import User\n"
        "from packages.models import Project, RoleName\n"
        "from packages.services.events import Actor\n"
        "from packages.services.roles import add_role\n"
        f"project = Project.objects.get_by_name({project!r})\n"
        f"user = User.objects.get(username={maintainer.username!r})\n"
        "add_role(project, user, RoleName.MAINTAINER, actor=Actor(user=None))\n",
    )
    file_id = site.manage(
        "shell",
        "-c",
        "from packages.models import File\n"
        f"print(File.objects.get(release__project__name={project!r}).pk)\n",
    ).splitlines()[-1]  # after the shell's own lines (its automatic imports)
    delete_path = manage_path(project, "release", "1.0", "file", file_id, "delete")

    log_in(page, site, maintainer)
    confirm_password(page, site, maintainer, manage_path(project))
    refused = page.goto(url(site, delete_path))
    assert refused is not None
    assert refused.status == 403
    shot("refused")
    expect(page.get_by_text("Only the project's Owners can do this.")).to_be_visible(timeout=2000)
    expect(page.get_by_role("banner").get_by_role("link", name="Your projects")).to_be_visible(
        timeout=2000
    )


# 3. Deleting a file -----------------------------------------------------------------------------


def test_deleted_file_name_cannot_be_uploaded_again(
    page: Page, site: Site, shot: Shot, tab_shot: TabShot, tmp_path: Path
) -> None:
    """The owner deletes a release's wheel on its confirmation page (a wrong name is refused
    first); the wheel is gone, and twine cannot upload that file name again."""
    owner = operator_account(site, "deleter")
    project = f"{owner.username}-lib"
    token = site.token(owner.username)
    wheel, sdist = build(tmp_path, project, "1.0")
    publish(site, token, [wheel, sdist])
    release_path = manage_path(project, "release", "1.0")

    log_in(page, site, owner)
    page.goto(url(site, release_path))
    expect(files_table(page).get_by_role("row")).to_have_count(3)
    confirm_password(page, site, owner, release_path)
    files_table(page).get_by_role("link", name=f"Delete {wheel.name}").click()
    expect(page.get_by_role("heading", name="Delete a file", level=1)).to_be_visible()
    expect(page.get_by_text(wheel.name, exact=True)).to_be_visible()
    delete_path = page.url.removeprefix(site.url)
    shot("3-delete-confirm")
    phone_shot(tab_shot, page, "3-delete-confirm")

    # A name other than the file's is refused, and nothing is deleted.
    page.get_by_label("Type the file name to confirm").fill(sdist.name)
    page.get_by_role("button", name="Delete file").click()
    expect(page.get_by_text(f"Type “{wheel.name}” exactly to confirm.")).to_be_visible()
    expect(page).to_have_url(url(site, delete_path))
    shot("3-wrong-name")
    phone_shot(tab_shot, page, "3-wrong-name")
    assert len(project_json(site, project)["releases"]["1.0"]) == 2

    confirm_password(page, site, owner, delete_path)
    page.get_by_label("Type the file name to confirm").fill(wheel.name)
    page.get_by_role("button", name="Delete file").click()
    expect(page).to_have_url(url(site, release_path))
    expect(status_message(page)).to_contain_text(f"Deleted file {wheel.name}.")
    expect(files_table(page)).not_to_contain_text(wheel.name)
    expect(files_table(page)).to_contain_text(sdist.name)
    shot("3-deleted")
    assert [f["filename"] for f in project_json(site, project)["releases"]["1.0"]] == [sdist.name]

    # The very same wheel again: the name is used up for good.
    refused = twine_upload(site, token, [wheel])
    assert refused.returncode != 0, explain(refused)
    assert "400 Bad Request" in output(refused), explain(refused)
    assert "This filename was previously used by a file that has since been deleted." in output(
        refused
    ), explain(refused)
    assert [f["filename"] for f in project_json(site, project)["releases"]["1.0"]] == [sdist.name]

    rows = history_rows(page, site, project)
    assert rows[0].startswith("File deleted") and f"File: {wheel.name}" in rows[0], rows
    shot("3-history")


# 4. Archiving -----------------------------------------------------------------------------------


def test_archived_project_takes_no_uploads(
    page: Page, site: Site, shot: Shot, tab_shot: TabShot, tmp_path: Path
) -> None:
    """Archived in the settings, a project refuses twine's uploads, says so on its pages and in
    the Simple API, and stays installable; unarchived, it takes uploads again."""
    owner = operator_account(site, "archiver")
    project = f"{owner.username}-old"
    token = site.token(owner.username)
    publish(site, token, build(tmp_path / "1.0", project, "1.0", sdist=False))
    settings_path = manage_path(project, "settings")

    log_in(page, site, owner)
    page.goto(url(site, settings_path))
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    shot("4-settings")
    phone_shot(tab_shot, page, "4-settings")

    confirm_password(page, site, owner, settings_path)
    page.get_by_role("button", name="Archive project").click()
    expect(page).to_have_url(url(site, settings_path))
    expect(status_message(page)).to_contain_text("The project is archived.")
    expect(page.get_by_text("This project is archived: it takes no new uploads")).to_be_visible()
    expect(page.get_by_role("complementary")).to_contain_text("Archived")
    expect(page.get_by_role("button", name="Unarchive project")).to_be_visible()
    shot("4-archived")
    phone_shot(tab_shot, page, "4-archived")

    page.goto(url(site, "/manage/projects/"))
    expect(project_card(page, project)).to_contain_text("Archived")
    page.goto(url(site, f"/project/{project}/"))
    expect(page.get_by_text("This project has been archived.")).to_be_visible()
    shot("4-public-page")

    refused = twine_upload(site, token, build(tmp_path / "2.0", project, "2.0", sdist=False))
    assert refused.returncode != 0, explain(refused)
    assert f"Project '{project}' is archived and cannot accept uploads." in output(refused), (
        explain(refused)
    )
    assert "2.0" not in project_json(site, project)["releases"]
    assert installed(site, tmp_path / "archived", project) == "1.0"
    assert simple_json(site, project)["project-status"] == {"status": "archived"}

    confirm_password(page, site, owner, settings_path)
    page.get_by_role("button", name="Unarchive project").click()
    expect(status_message(page)).to_contain_text("The project is no longer archived.")
    expect(page.get_by_role("button", name="Archive project")).to_be_visible()
    expect(page.get_by_text("This project is archived: it takes no new uploads")).to_have_count(0)
    shot("4-unarchived")

    succeeded(twine_upload(site, token, build(tmp_path / "2.0", project, "2.0", sdist=False)))
    assert simple_json(site, project)["project-status"] == {"status": "active"}
    assert installed(site, tmp_path / "unarchived", project) == "2.0"
    labels = [row.split(" Version:")[0] for row in history_rows(page, site, project)]
    assert labels.index("Project unarchived") < labels.index("Project archived"), labels
    shot("4-history")


# 5. Revoked and declined invitations ----------------------------------------------------------


def test_revoked_link_and_declined_invitation(
    page: Page, other_page: Page, site: Site, shot: Shot, tab_shot: TabShot, tmp_path: Path
) -> None:
    """A revoked invitation's link no longer works; a new one is declined from Your projects."""
    owner = operator_account(site, "revoker")
    invitee = operator_account(site, "decliner")
    project = f"{owner.username}-solo"
    publish(site, site.token(owner.username), build(tmp_path, project, "1.0", sdist=False))

    log_in(page, site, owner)
    invite(page, site, owner, project, invitee.username)
    first_link = mailed_link(site, invitee, INVITATION_LINK)
    confirm_password(page, site, owner, manage_path(project, "collaboration"))
    page.get_by_role("button", name=f"Revoke {invitee.username}").click()
    expect(status_message(page)).to_contain_text(f"Invitation for '{invitee.username}' revoked.")
    expect(page.get_by_role("table", name="Pending invitations")).to_have_count(0)
    shot("5-revoked")

    log_in(other_page, site, invitee)
    answer = other_page.goto(first_link)
    assert answer is not None
    assert answer.status == 400
    expect(other_page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    expect(other_page.get_by_text("has expired or was withdrawn")).to_be_visible()
    expect(other_page.get_by_role("button", name="Accept invitation")).to_have_count(0)
    tab_shot(other_page, "5-link-revoked")
    phone_shot(tab_shot, other_page, "5-link-revoked")

    # Invited again: the invitee declines on Your projects, without the link.
    invite(page, site, owner, project, invitee.username)
    deadline = time.monotonic() + 10
    while mailed_link(site, invitee, INVITATION_LINK) == first_link:
        assert time.monotonic() < deadline, "no second invitation mailed"
        time.sleep(0.2)
    other_page.goto(url(site, "/manage/projects/"))
    invitations = other_page.get_by_role("region", name="Pending invitations")
    card = invitations.get_by_role("listitem").filter(has_text=f"Become Maintainer of {project}")
    expect(card).to_contain_text(f"Invited by {owner.username}")
    tab_shot(other_page, "5-pending")
    phone_shot(tab_shot, other_page, "5-pending")
    card.get_by_role("button", name="Decline").click()
    expect(status_message(other_page)).to_contain_text(f"Invitation to “{project}” declined.")
    expect(invitations).to_have_count(0)
    expect(project_card(other_page, project)).to_have_count(0)
    tab_shot(other_page, "5-declined")

    page.goto(url(site, manage_path(project, "collaboration")))
    expect(page.get_by_role("table", name="Pending invitations")).to_have_count(0)
    expect(page.get_by_role("table", name="Collaborators")).not_to_contain_text(invitee.username)
    rows = history_rows(page, site, project)
    assert rows[0].startswith("Invitation declined"), rows
    assert any(r.startswith("Invitation revoked") for r in rows), rows
    page_after = other_page.goto(mailed_link(site, invitee, INVITATION_LINK))
    assert page_after is not None
    assert page_after.status == 400
    assert path_is(site, INVITATION_LINK).match(other_page.url)
