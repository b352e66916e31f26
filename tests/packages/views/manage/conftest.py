"""Fixtures for the maintainers' pages (``/manage/...``): a project with releases and files,
its collaborators, and browsers logged in through the real two-step login.

``sample`` (all built by factories, no stored bytes):

* 0.9, yanked ("old"), one wheel;
* 1.0, a wheel and an sdist;
* 2.0, one wheel (the newest version);
* olivia is its Owner, max and mia are Maintainers;
* ivy has a pending invitation (Maintainer), sent by olivia;
* bob has a verified address and 2FA but no role (the one to invite).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client

from accounts import sudo
from accounts.models import User
from moderation.models import AdminFlag
from packages.models import (
    File,
    JournalEntry,
    LifecycleStatus,
    Project,
    ProjectEvent,
    Release,
    Role,
    RoleInvitation,
    RoleName,
)
from packages.services import journal
from tests.accounts.conftest import KEY, PASSWORD, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

NAME = "sample"
BASE = f"/manage/project/{NAME}/"
LOGIN = "/account/login/"
CONFIRM_PASSWORD = "/account/confirm-password/"
TWO_FACTOR_SETUP = "/manage/account/two-factor/"
V1_JSON = "application/vnd.pypi.simple.v1+json"
WHEEL_09 = "sample-0.9-py3-none-any.whl"
WHEEL_1 = "sample-1.0-py3-none-any.whl"
SDIST_1 = "sample-1.0.tar.gz"
WHEEL_2 = "sample-2.0-py3-none-any.whl"
QUARANTINE_BANNER = "This project is in quarantine"
OWNERS_ONLY = "Only the project&#x27;s Owners can do this."
QUARANTINED = "This project is in quarantine and cannot be modified."


@dataclass
class Site:
    """The ``sample`` project and the people around it."""

    project: Project
    owner: User
    maintainer: User
    mia: User
    bob: User
    ivy: User
    owner_role: Role
    maintainer_role: Role
    mia_role: Role
    invitation: RoleInvitation

    def file(self, filename: str) -> File:
        return File.objects.get(filename=filename)

    def refresh(self) -> Project:
        self.project.refresh_from_db()
        return self.project


# People ---------------------------------------------------------------------------------------


def member(username: str, *, two_factor: bool = True, verified: bool = True) -> User:
    """A user with a primary address (verified or not) and, unless told, an app with ``KEY``."""
    user = UserFactory(username=username)
    EmailAddressFactory(user=user, verified=verified)
    if two_factor:
        add_totp(user, key=KEY)
    return user


def logged_in(user: User, *, second_factor: bool = True) -> Client:
    """A new browser logged in as ``user`` through the login form (and its second step)."""
    client = Client()
    log_in(client, user.username, key=KEY if second_factor else None)
    return client


def password_only(user: User) -> Client:
    """A browser that passed the login form's password step and stopped at the second."""
    client = Client()
    response = client.post(LOGIN, {"login": user.username, "password": PASSWORD})
    assert response["Location"] == "/account/two-factor/"
    return client


def without_second_factor(user: User) -> Client:
    """A session logged in as ``user`` that never passed the second factor (as a session
    opened some other way than the two-step login would be)."""
    client = Client()
    client.force_login(user)
    return client


# Reading responses ----------------------------------------------------------------------------


def plain(markup: str) -> str:
    """``markup``'s text without tags, entities decoded and whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def text_of(response) -> str:
    """The page's text (see ``plain``)."""
    return plain(response.content.decode())


def login_redirect(path: str) -> str:
    """Where ``redirect_to_login`` sends a visitor (it leaves the slashes of ``next`` as is)."""
    return f"{LOGIN}?{urlencode({'next': path}, safe='/')}"


def confirm_redirect(path: str) -> str:
    return f"{CONFIRM_PASSWORD}?{urlencode({'next': path})}"


def assert_never_cached(response) -> None:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"max-age=0", "no-cache", "no-store", "private"} <= directives, response["Cache-Control"]


def simple_json(client: Client, name: str = NAME):
    return client.get(f"/simple/{name}/", HTTP_ACCEPT=V1_JSON)


def simple_files(client: Client, name: str = NAME) -> dict[str, Any]:
    """``{filename: yanked}`` as the Simple API's JSON shows them."""
    response = simple_json(client, name)
    assert response.status_code == 200, response.content
    return {f["filename"]: f["yanked"] for f in response.json()["files"]}


def project_json(client: Client, name: str = NAME) -> dict[str, Any]:
    response = client.get(f"/pypi/{name}/json")
    assert response.status_code == 200, response.content
    return response.json()


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True, "description": "x"})


def newest_entry() -> JournalEntry:
    return JournalEntry.objects.latest("id")


def assert_on_newest_serial(name: str = NAME) -> None:
    newest = newest_entry().id
    assert Project.objects.get(name=name).last_serial == newest == journal.last_serial()


def newest_event() -> ProjectEvent:
    return ProjectEvent.objects.order_by("-id").first()


def state() -> dict[str, Any]:
    """Everything an action on the project could change, to compare before and after."""
    return {
        "projects": sorted(
            Project.objects.values_list("name", "lifecycle_status", "last_serial", "total_size")
        ),
        "releases": sorted(
            Release.objects.values_list("project__name", "version", "yanked", "yanked_reason")
        ),
        "files": sorted(File.objects.values_list("filename", flat=True)),
        "roles": sorted(Role.objects.values_list("project__name", "user__username", "role_name")),
        "invitations": sorted(
            RoleInvitation.objects.values_list("project__name", "user__username", "role_name")
        ),
        "journal": JournalEntry.objects.count(),
        "events": ProjectEvent.objects.count(),
    }


# Fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _addresses_already_confirmed(settings) -> None:
    """Logins from a new address wait for a mailed link (tests/accounts tests that); here the
    browsers log in as from a known device."""
    settings.LOGIN_CONFIRMATION_ENABLED = False


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable[[], AbstractContextManager]:
    """``with committed():`` runs the on-commit callbacks (mail) of what happens inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def site(db: None) -> Site:
    owner = member("olivia")
    maintainer = member("max")
    mia = member("mia")
    bob = member("bob")
    ivy = member("ivy")
    project = ProjectFactory(name=NAME)
    old = ReleaseFactory(
        project=project, version="0.9", yanked=True, yanked_reason="old", uploader=owner
    )
    one = ReleaseFactory(project=project, version="1.0", uploader=owner)
    two = ReleaseFactory(project=project, version="2.0", uploader=owner)
    FileFactory(release=old)
    FileFactory(release=one)
    FileFactory(
        release=one, filename=SDIST_1, packagetype="sdist", python_version="source", size=2048
    )
    FileFactory(release=two)
    Project.objects.filter(pk=project.pk).update(total_size=1024 * 3 + 2048)
    project.refresh_from_db()
    journal.record(project, journal.Entry("create"), by=owner)
    roles = {
        user: RoleFactory(project=project, user=user, role_name=name)
        for user, name in (
            (owner, RoleName.OWNER),
            (maintainer, RoleName.MAINTAINER),
            (mia, RoleName.MAINTAINER),
        )
    }
    invitation = RoleInvitation.objects.create(
        project=project, user=ivy, role_name=RoleName.MAINTAINER, invited_by=owner
    )
    assert set(File.objects.values_list("filename", flat=True)) == {
        WHEEL_09,
        WHEEL_1,
        SDIST_1,
        WHEEL_2,
    }
    mail.outbox.clear()
    return Site(
        project=project,
        owner=owner,
        maintainer=maintainer,
        mia=mia,
        bob=bob,
        ivy=ivy,
        owner_role=roles[owner],
        maintainer_role=roles[maintainer],
        mia_role=roles[mia],
        invitation=invitation,
    )


@pytest.fixture
def owner(site: Site) -> Client:
    """olivia's browser: both factors passed, so the password is freshly confirmed."""
    return logged_in(site.owner)


@pytest.fixture
def maintainer(site: Site) -> Client:
    return logged_in(site.maintainer)


@pytest.fixture
def quarantined(site: Site) -> Project:
    Project.objects.filter(pk=site.project.pk).update(
        lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
    )
    return site.refresh()


def age_password_confirmation(client: Client, seconds: int = 7200) -> None:
    """Make the password confirmation of ``client``'s session ``seconds`` old."""
    session = client.session
    session[sudo.SESSION_KEY] = session[sudo.SESSION_KEY] - seconds
    session.save()


# Every kind of visitor, as a browser made for the test: "other" has 2FA and a verified
# address but no role on ``sample``; "no-2fa" has no second factor at all; "password-only"
# stopped at the login's second step; "unverified-session" is olivia's session that never
# passed the second factor.
ROLE_CLIENTS: dict[str, Callable[[Site], Client]] = {
    "owner": lambda site: logged_in(site.owner),
    "maintainer": lambda site: logged_in(site.maintainer),
    "other": lambda site: logged_in(member("oscar")),
    "anonymous": lambda site: Client(),
    "no-2fa": lambda site: logged_in(member("nina", two_factor=False), second_factor=False),
    "password-only": lambda site: password_only(site.owner),
    "unverified-session": lambda site: without_second_factor(site.owner),
}
