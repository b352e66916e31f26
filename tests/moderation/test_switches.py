"""The administrators' switches on every surface that changes something, and their banners.

Covered where the surface is tested, not here:

* the upload's checks 1 and 2 (``read-only`` 503, ``disallow-new-upload`` 403, before the
  credentials): tests/packages/upload/test_checks_auth.py and test_hostile_requests.py;
* ``disallow-new-project-registration`` (a new project refused, an existing one fine):
  tests/packages/upload/test_checks_project.py and tests/packages/services/test_projects.py;
* ``disallow-new-user-registration`` (the register page closed, GET and POST, nobody created):
  tests/accounts/views/test_login.py;
* ``disallow-deletion`` on the web pages (tests/packages/views/manage/test_releases.py), the
  management API (tests/packages/test_api_manage.py), the admin (tests/packages/test_admin.py)
  and the services; ``read-only`` on the management API (test_api_manage.py).

Here: read-only mode on the web site (every form refused, reads, login and the admin still
working), the one disallow-new-upload case not covered above, and the banners.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import ports, services
from accounts.models import ApiToken, User
from help.links import help_url
from moderation.models import AdminFlag
from packages.models import RoleInvitation
from tests import uploads
from tests.accounts.conftest import KEY, PASSWORD, log_in
from tests.accounts.views.test_login import signup_data
from tests.packages.test_admin import change_form
from tests.packages.views.manage.conftest import Site, logged_in, member, state, text_of
from tests.packages.views.manage.conftest import site as site  # a fixture
from tests.packages.views.manage.pages import ACTIONS

pytestmark = pytest.mark.django_db

READ_ONLY_PAGE = (
    "This index is in read-only mode: changes are temporarily disabled. Browsing, searching "
    "and installing still work."
)
BANNER = "Uploads are paused for maintenance until 14:00 UTC."


@pytest.fixture(autouse=True)
def _addresses_already_confirmed(settings) -> None:
    settings.LOGIN_CONFIRMATION_ENABLED = False


def set_switch(
    switch: ports.Switch, *, enabled: bool = True, notify: bool = False, description: str = ""
) -> None:
    """Change a switch the way the admin does (``save()``, so its receivers run)."""
    flag = AdminFlag.objects.get(id=switch.value)
    flag.enabled = enabled
    flag.notify = notify
    flag.description = description or flag.description
    flag.save()


def assert_read_only_refusal(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert READ_ONLY_PAGE in text_of(response)


# Read-only: every form of the site is refused --------------------------------------------------


@pytest.mark.parametrize("name", list(ACTIONS))
def test_read_only_refuses_every_project_form(site: Site, name: str):
    """Each of an Owner's changes is refused and changes nothing; off again, it goes through
    (so the refusal was the switch's, not the request's)."""
    action = ACTIONS[name]
    if action.prepare:
        action.prepare(site)
    owner = logged_in(site.owner)
    path, data = action.path(site), action.data(site)
    set_switch(ports.Switch.READ_ONLY)
    before = state()

    assert_read_only_refusal(owner.post(path, data))
    assert state() == before

    set_switch(ports.Switch.READ_ONLY, enabled=False)
    assert owner.post(path, data).status_code in (200, 302)
    assert state() != before


def accounts_state() -> dict[str, Any]:
    return {
        "users": sorted(User.objects.values_list("username", "password", "is_active")),
        "addresses": sorted(EmailAddress.objects.values_list("email", "verified", "primary")),
        "tokens": sorted(ApiToken.objects.values_list("pk", flat=True)),
        "invitations": sorted(RoleInvitation.objects.values_list("pk", "invite_status")),
        "projects": state(),
    }


@dataclass(frozen=True)
class AccountForm:
    """A POST that changes an account: who sends it (None: a visitor), where, with what."""

    who: Callable[[Site], User | None]
    path: Callable[[Site], str]
    data: Callable[[Site], dict[str, str]]


def _token_of(user: User) -> ApiToken:
    services.create_api_token(user, description="old")
    return user.api_tokens.get()


NEW_PASSWORD = "an entirely new one 7"
ACCOUNT_FORMS: dict[str, AccountForm] = {
    "register": AccountForm(
        lambda s: None, lambda s: "/account/register/", lambda s: signup_data()
    ),
    "create-token": AccountForm(
        lambda s: s.bob,
        lambda s: "/manage/account/token/",
        lambda s: {"description": "ci", "token_scope": "scope:user", "expires_in_days": ""},
    ),
    "delete-token": AccountForm(
        lambda s: s.bob,
        lambda s: f"/manage/account/token/{_token_of(s.bob).pk}/delete/",
        lambda s: {"password": PASSWORD},
    ),
    "add-email": AccountForm(
        lambda s: s.bob,
        lambda s: "/manage/account/email/",
        lambda s: {"action_add": "", "email": "bob.work@example.com"},
    ),
    "change-password": AccountForm(
        lambda s: s.bob,
        lambda s: "/manage/account/password/",
        lambda s: {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    ),
    "delete-account": AccountForm(
        lambda s: s.bob,
        lambda s: "/manage/account/delete/",
        lambda s: {"confirm_username": "bob", "password": PASSWORD},
    ),
    "accept-invitation": AccountForm(
        lambda s: s.ivy,
        lambda s: f"/manage/projects/invitation/{s.invitation.pk}/",
        lambda s: {},
    ),
}


@pytest.mark.parametrize("name", list(ACCOUNT_FORMS))
def test_read_only_refuses_every_account_form(site: Site, name: str):
    form = ACCOUNT_FORMS[name]
    user = form.who(site)
    browser = logged_in(user) if user else Client()
    path, data = form.path(site), form.data(site)
    set_switch(ports.Switch.READ_ONLY)
    before = accounts_state()

    assert_read_only_refusal(browser.post(path, data))
    assert accounts_state() == before

    set_switch(ports.Switch.READ_ONLY, enabled=False)
    assert browser.post(path, data).status_code in (200, 302)
    assert accounts_state() != before


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_read_only_refuses_every_unsafe_method(site: Site, method: str):
    set_switch(ports.Switch.READ_ONLY)
    response = logged_in(site.bob).generic(method, "/manage/account/token/")
    assert_read_only_refusal(response)


@pytest.mark.parametrize(
    "path", ["/api/account/tokens/", "/danger-api/projects/sample/observations"]
)
def test_read_only_answers_the_apis_in_json(site: Site, path: str):
    """The token API and the observers' API (the management API answers on its own)."""
    set_switch(ports.Switch.READ_ONLY)
    before = accounts_state()
    response = logged_in(site.bob).post(path, {"kind": "x"}, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert response.json() == {"detail": "Read-only mode: changes are temporarily disabled."}
    assert accounts_state() == before


def test_read_only_defers_leak_reports(client: Client):
    """Reporters send a report again after a 503 (a leaked token can do nothing meanwhile)."""
    set_switch(ports.Switch.READ_ONLY)
    response = client.post("/_/secrets/disclose-token", "[]", content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "300"


# Read-only: what keeps working ----------------------------------------------------------------


def test_read_only_keeps_every_read_working(client: Client, make_token):
    alice = member("alice")
    assert uploads.wheel_upload("sample", "1.0").post(client, make_token(alice)).status_code == 200
    set_switch(ports.Switch.READ_ONLY)
    browser = logged_in(alice)

    for path in (
        "/",
        "/project/sample/",
        "/project/sample/1.0/",
        "/search/?q=sample",
        "/simple/",
        "/simple/sample/",
        "/rss/updates.xml",
        "/manage/projects/",
        "/manage/project/sample/",
        "/manage/account/token/",
    ):
        assert browser.get(path).status_code == 200, path
    [url] = [u["url"] for u in client.get("/pypi/sample/json").json()["urls"]]
    download = client.get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")  # a wheel is a zip
    body = xmlrpc.client.dumps((), methodname="list_packages")
    answer = client.generic("POST", "/pypi", body, content_type="text/xml")
    assert xmlrpc.client.loads(answer.content)[0] == (["sample"],)


def test_read_only_keeps_login_the_language_switcher_and_logout(site: Site):
    set_switch(ports.Switch.READ_ONLY)
    browser = Client()
    log_in(browser, "bob", key=KEY)  # the password step and the second step
    assert browser.session["_auth_user_id"] == str(site.bob.pk)

    switched = browser.post("/locale/", {"language": "de", "next": "/"})
    assert switched.status_code == 302
    assert browser.cookies["django_language"].value == "de"

    assert browser.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in browser.session


def test_staff_turn_read_only_off_in_the_admin(staff_client: Client, client: Client):
    set_switch(ports.Switch.READ_ONLY, notify=True, description=BANNER)
    assert BANNER in client.get("/").content.decode()
    url = "/admin/moderation/adminflag/read-only/change/"
    form = change_form(staff_client, url)
    del form["enabled"]  # untick

    assert staff_client.post(url, form).status_code == 302

    assert not ports.is_on(ports.Switch.READ_ONLY)
    assert BANNER not in client.get("/").content.decode()
    assert client.post("/account/register/", signup_data()).status_code == 302


# disallow-new-upload: existing projects too ---------------------------------------------------


def test_disallow_new_upload_refuses_new_versions_of_existing_projects(client: Client, token):
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    set_switch(ports.Switch.DISALLOW_NEW_UPLOAD)
    response = uploads.wheel_upload("sample", "2.0").post(client, token)
    assert response.status_code == 403
    assert response.content.decode() == (
        f"New uploads are temporarily disabled. See {help_url('admin-intervention')} "
        "for more information."
    )


# Banners --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enabled", "notify"),
    [(True, True), (True, False), (False, True), (False, False)],
    ids=["on-notifying", "on-silent", "off-notifying", "off-silent"],
)
@pytest.mark.parametrize("switch", list(ports.Switch), ids=lambda s: s.value)
def test_a_banner_shows_while_its_switch_is_on_and_notifies(
    client: Client, switch: ports.Switch, enabled: bool, notify: bool
):
    set_switch(switch, enabled=enabled, notify=notify, description=BANNER)
    for path in ("/", "/account/login/", "/help/", "/no-such-page/"):
        assert (BANNER in client.get(path).content.decode()) is (enabled and notify), path


def test_banners_are_a_labelled_region_of_escaped_warnings(client: Client):
    set_switch(ports.Switch.DISALLOW_NEW_UPLOAD, notify=True, description="Uploads <b>paused</b>")
    set_switch(ports.Switch.DISALLOW_DELETION, notify=True, description="No deletions")
    page = client.get("/").content.decode()
    region = page[page.index('<section class="switch-banners"') : page.index("</section>")]
    assert 'aria-label="Notices from the administrators"' in region
    assert region.count('class="banner banner-warning"') == 2
    assert "Uploads &lt;b&gt;paused&lt;/b&gt;" in region
    assert region.index("No deletions") < region.index("Uploads")  # the switches' order


def test_a_saved_switch_shows_or_hides_its_banner_at_once(client: Client):
    assert BANNER not in client.get("/").content.decode()  # the answer is now kept
    set_switch(ports.Switch.DISALLOW_NEW_UPLOAD, notify=True, description=BANNER)
    assert BANNER in client.get("/").content.decode()
    set_switch(ports.Switch.DISALLOW_NEW_UPLOAD, enabled=False, notify=True)
    assert BANNER not in client.get("/").content.decode()


def flag_queries(client: Client, method: str, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.generic(method, path)
    return sum("moderation_adminflag" in q["sql"] for q in queries.captured_queries)


def test_the_switches_cost_a_page_at_most_one_query_every_few_seconds(site: Site):
    set_switch(ports.Switch.READ_ONLY, notify=True, description=BANNER)
    browser = logged_in(site.bob)
    assert flag_queries(browser, "GET", "/") == 1  # the banners, then kept
    for path in ("/", "/project/sample/", "/manage/account/token/", "/simple/sample/"):
        assert flag_queries(browser, "GET", path) == 0, path
    # An unsafe method asks about read-only mode exactly (one query), and only then.
    assert flag_queries(browser, "POST", "/manage/account/token/") == 1
