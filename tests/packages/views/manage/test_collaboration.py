"""Collaborators from the Owner's page: inviting (and the invitee's answer, from the mailed link
or from their list of projects), revoking, changing a role, removing one, leaving a project."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client

from packages.models import ProjectEventTag, Role, RoleInvitation, RoleName
from tests.accounts.factories import EmailAddressFactory, UserFactory

from .conftest import (
    BASE,
    NAME,
    Site,
    assert_on_newest_serial,
    logged_in,
    newest_entry,
    newest_event,
    project_json,
    state,
    text_of,
)

pytestmark = pytest.mark.django_db

COLLABORATION = f"{BASE}collaboration/"
VERIFY = "/account/verify-project-role/"


def recipients() -> list[list[str]]:
    return sorted(m.to for m in mail.outbox)


def assert_entry(action: str) -> None:
    entry = newest_entry()
    assert (entry.name, entry.version, entry.action) == (NAME, None, action)
    assert_on_newest_serial()


def assert_event(tag: ProjectEventTag, user, **additional: str) -> None:
    event = newest_event()
    assert event.tag == tag
    assert event.user == user
    assert event.additional["submitted_by"] == user.username
    for key, value in additional.items():
        assert event.additional[key] == value


def ownership(client: Client) -> list[tuple[str, str]]:
    return [(r["user"], r["role"]) for r in project_json(client)["ownership"]["roles"]]


def invite(owner: Client, username: str, role_name: str = "Maintainer", **kwargs):
    return owner.post(COLLABORATION, {"username": username, "role_name": role_name}, **kwargs)


def link_in(message) -> str:
    """The path and query of the invitation link in a mail (text and HTML parts agree)."""
    (url,) = set(
        re.findall(r"https?://\S+/account/verify-project-role/\?token=[^\s\"<]+", message.body)
    )
    html = message.alternatives[0][0]
    assert url in html
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# The page -------------------------------------------------------------------------------------


def test_the_page_lists_collaborators_and_pending_invitations(site: Site, owner: Client):
    response = owner.get(COLLABORATION)
    assert response.status_code == 200
    assert [r.user.username for r in response.context["roles"]] == ["olivia", "max", "mia"]
    assert [i.user.username for i in response.context["invitations"]] == ["ivy"]
    page = text_of(response)
    assert "olivia (you)" in page
    assert "Pending invitations" in page
    assert "Invite a collaborator" in page
    body = response.content.decode()
    assert f"{COLLABORATION}{site.mia_role.pk}/remove/" in body
    assert f"{COLLABORATION}{site.mia_role.pk}/change/" in body
    assert f"{COLLABORATION}invitation/{site.invitation.pk}/revoke/" in body
    # An Owner does not get a control to demote themselves; the only Owner cannot leave.
    assert f"{COLLABORATION}{site.owner_role.pk}/change/" not in body
    assert f"{COLLABORATION}{site.owner_role.pk}/remove/" not in body
    assert "The only Owner cannot leave." in page
    assert "Leave project" not in page


def test_an_owner_may_leave_when_another_owner_stays(site: Site, owner: Client):
    Role.objects.filter(pk=site.mia_role.pk).update(role_name=RoleName.OWNER)
    response = owner.get(COLLABORATION)
    assert "Leave project" in text_of(response)
    assert "The only Owner cannot leave." not in text_of(response)
    assert f"{COLLABORATION}{site.owner_role.pk}/remove/" in response.content.decode()


def test_a_maintainer_sees_the_collaborators_without_controls(site: Site, maintainer: Client):
    response = maintainer.get(COLLABORATION)
    assert response.status_code == 200
    page = text_of(response)
    assert "Invite a collaborator" not in page
    assert "Only the project's Owners can do this." in page
    body = response.content.decode()
    assert "/change/" not in body
    assert "/revoke/" not in body
    assert f"{COLLABORATION}{site.mia_role.pk}/remove/" not in body
    # Only their own role has a link: to leave.
    assert f"{COLLABORATION}{site.maintainer_role.pk}/remove/" in body


# Inviting -------------------------------------------------------------------------------------


def test_invite_by_username_in_any_case(site: Site, owner: Client, committed):
    with committed():
        response = invite(owner, "  BoB ", follow=True)

    assert response.redirect_chain == [(COLLABORATION, 302)]
    assert "Invitation sent to 'bob'." in text_of(response)
    invitation = RoleInvitation.objects.get(project=site.project, user=site.bob)
    assert invitation.role_name == RoleName.MAINTAINER
    assert invitation.invited_by == site.owner
    assert invitation.is_pending
    assert "bob" in [i.user.username for i in response.context["invitations"]]
    assert_entry("invite Maintainer bob")
    assert_event(ProjectEventTag.ROLE_INVITE, site.owner, target_user="bob", role_name="Maintainer")
    assert not Role.objects.filter(project=site.project, user=site.bob).exists()

    (message,) = mail.outbox
    assert message.to == ["bob@example.com"]
    assert "sample" in message.subject
    assert "olivia invited you to collaborate on the project sample as Maintainer" in message.body
    path = link_in(message)
    assert path.startswith(f"{VERIFY}?token=")


def test_invite_as_owner(site: Site, owner: Client):
    invite(owner, "bob", "Owner")
    assert RoleInvitation.objects.get(user=site.bob).role_name == RoleName.OWNER
    assert_entry("invite Owner bob")


def test_inviting_an_unknown_user(site: Site, owner: Client):
    before = state()
    response = invite(owner, "nobody")
    assert response.status_code == 400
    assert response.context["form"].errors == {"username": ["No user found"]}
    assert 'id="id_username_error"' in response.content.decode()
    assert state() == before
    assert mail.outbox == []


def test_inviting_an_inactive_user(site: Site, owner: Client):
    UserFactory(username="gone", is_active=False)
    response = invite(owner, "gone")
    assert response.status_code == 400
    assert response.context["form"].errors == {"username": ["No user found"]}


def test_inviting_a_user_without_a_verified_address(site: Site, owner: Client):
    user = UserFactory(username="uma")
    EmailAddressFactory(user=user, verified=False)
    before = state()
    response = invite(owner, "uma")
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": [
            "User 'uma' does not have a verified primary email address and cannot be added "
            "as a Maintainer for project"
        ]
    }
    assert state() == before
    assert mail.outbox == []


def test_inviting_a_collaborator(site: Site, owner: Client):
    before = state()
    response = invite(owner, "MIA", "Owner")
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["User 'mia' already has Maintainer role for project"]
    }
    assert state() == before


def test_inviting_a_user_with_an_active_invitation(site: Site, owner: Client):
    before = state()
    response = invite(owner, "ivy")
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["User 'ivy' already has an active invite. Please try again later."]
    }
    assert state() == before
    assert mail.outbox == []


def test_inviting_without_a_role_name(site: Site, owner: Client):
    before = state()
    response = owner.post(COLLABORATION, {"username": "bob"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["role_name"]
    assert state() == before


# The invitee's answer, from the mailed link ---------------------------------------------------


@pytest.fixture
def link(site: Site, owner: Client, committed) -> str:
    """The path of the link mailed to bob, invited as Maintainer by olivia."""
    with committed():
        invite(owner, "bob")
    (message,) = mail.outbox
    mail.outbox.clear()
    return link_in(message)


@pytest.fixture
def bob(site: Site) -> Client:
    return logged_in(site.bob)


def test_the_link_shows_the_invitation(site: Site, link: str, bob: Client):
    response = bob.get(link)
    assert response.status_code == 200
    page = text_of(response)
    assert "Invitation to sample" in page
    assert "olivia invites you to be Maintainer of sample." in page
    assert "Accept invitation" in page
    assert "Decline" in page


def test_accepting_from_the_link(site: Site, link: str, bob: Client, client: Client, committed):
    project_json(client)
    with committed():
        response = bob.post(link, {"accept": ""}, follow=True)

    assert response.redirect_chain == [(BASE, 302)]
    assert "You are now Maintainer of “sample”." in text_of(response)
    assert Role.objects.get(project=site.project, user=site.bob).role_name == RoleName.MAINTAINER
    assert not RoleInvitation.objects.filter(user=site.bob).exists()
    assert_entry("add Maintainer bob")
    assert_event(
        ProjectEventTag.ROLE_ADD,
        site.bob,
        target_user="bob",
        role_name="Maintainer",
        invited_by="olivia",
    )
    assert ("bob", "Maintainer") in ownership(client)
    # The owner hears of it, bob gets a welcome.
    assert recipients() == [["bob@example.com"], ["olivia@example.com"]]
    # The link is used up.
    assert bob.get(link).status_code == 400


def test_declining_from_the_link(site: Site, link: str, bob: Client, committed):
    with committed():
        response = bob.post(link, {"decline": ""}, follow=True)

    assert response.redirect_chain == [("/manage/projects/", 302)]
    assert "Invitation to “sample” declined." in text_of(response)
    assert not Role.objects.filter(project=site.project, user=site.bob).exists()
    assert not RoleInvitation.objects.filter(user=site.bob).exists()
    assert_entry("decline_invite Maintainer bob")
    assert_event(ProjectEventTag.ROLE_DECLINE_INVITE, site.bob, target_user="bob")
    assert recipients() == [["olivia@example.com"]]


def test_the_link_opened_by_another_user(site: Site, link: str):
    before = state()
    mia = logged_in(site.mia)
    response = mia.get(link)
    assert response.status_code == 403
    assert "This invitation is for another account" in text_of(response)
    assert mia.post(link, {"accept": ""}).status_code == 403
    assert state() == before


def test_a_tampered_link(site: Site, link: str, bob: Client):
    token = parse_qs(urlsplit(link).query)["token"][0]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    before = state()
    response = bob.get(f"{VERIFY}?token={tampered}")
    assert response.status_code == 400
    assert "This invitation link is not valid." in text_of(response)
    assert bob.post(f"{VERIFY}?token={tampered}", {"accept": ""}).status_code == 400
    assert state() == before


def test_the_link_of_a_revoked_invitation(site: Site, link: str, owner: Client, bob: Client):
    invitation = RoleInvitation.objects.get(user=site.bob)
    owner.post(f"{COLLABORATION}invitation/{invitation.pk}/revoke/")
    response = bob.get(link)
    assert response.status_code == 400
    assert "This invitation has expired or was withdrawn" in text_of(response)


def test_the_link_needs_a_login(site: Site, link: str, client: Client):
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


# Revoking -------------------------------------------------------------------------------------


def test_revoke(site: Site, owner: Client, committed):
    with committed():
        response = owner.post(
            f"{COLLABORATION}invitation/{site.invitation.pk}/revoke/", follow=True
        )

    assert response.redirect_chain == [(COLLABORATION, 302)]
    assert "Invitation for 'ivy' revoked." in text_of(response)
    assert not RoleInvitation.objects.filter(pk=site.invitation.pk).exists()
    assert response.context["invitations"].count() == 0
    assert_entry("revoke_invite Maintainer ivy")
    assert_event(ProjectEventTag.ROLE_REVOKE_INVITE, site.owner, target_user="ivy")
    assert recipients() == [["ivy@example.com"]]


# Answering from /manage/projects/ --------------------------------------------------------------


@pytest.fixture
def ivy(site: Site) -> Client:
    return logged_in(site.ivy)


def test_accept_from_the_projects_page(site: Site, ivy: Client, client: Client, committed):
    page = ivy.get("/manage/projects/")
    assert f"/manage/projects/invitation/{site.invitation.pk}/" in page.content.decode()
    with committed():
        response = ivy.post(
            f"/manage/projects/invitation/{site.invitation.pk}/", {"accept": ""}, follow=True
        )

    assert response.redirect_chain == [("/manage/projects/", 302)]
    assert "You are now Maintainer of “sample”." in text_of(response)
    assert Role.objects.get(project=site.project, user=site.ivy).role_name == RoleName.MAINTAINER
    assert not RoleInvitation.objects.filter(pk=site.invitation.pk).exists()
    assert [r.project.name for r in response.context["roles"]] == ["sample"]
    assert_entry("add Maintainer ivy")
    assert_event(ProjectEventTag.ROLE_ADD, site.ivy, target_user="ivy", invited_by="olivia")
    assert ("ivy", "Maintainer") in ownership(client)
    assert recipients() == [["ivy@example.com"], ["olivia@example.com"]]


def test_decline_from_the_projects_page(site: Site, ivy: Client, committed):
    with committed():
        response = ivy.post(
            f"/manage/projects/invitation/{site.invitation.pk}/", {"decline": ""}, follow=True
        )

    assert response.redirect_chain == [("/manage/projects/", 302)]
    assert "Invitation to “sample” declined." in text_of(response)
    assert not Role.objects.filter(project=site.project, user=site.ivy).exists()
    assert not RoleInvitation.objects.filter(pk=site.invitation.pk).exists()
    assert_entry("decline_invite Maintainer ivy")
    assert recipients() == [["olivia@example.com"]]


def test_an_expired_invitation_cannot_be_answered(site: Site, ivy: Client, settings):
    settings.ROLE_INVITATION_HOURS = 0
    before = state()
    response = ivy.post(f"/manage/projects/invitation/{site.invitation.pk}/", {"accept": ""})
    assert response.status_code == 404
    assert state() == before


def test_answering_needs_a_post(site: Site, ivy: Client):
    assert ivy.get(f"/manage/projects/invitation/{site.invitation.pk}/").status_code == 405


# Changing a role ------------------------------------------------------------------------------


def test_make_a_maintainer_an_owner(site: Site, owner: Client, client: Client, committed):
    project_json(client)
    with committed():
        response = owner.post(
            f"{COLLABORATION}{site.mia_role.pk}/change/", {"role_name": "Owner"}, follow=True
        )

    assert response.redirect_chain == [(COLLABORATION, 302)]
    assert "'mia' is now Owner." in text_of(response)
    site.mia_role.refresh_from_db()
    assert site.mia_role.role_name == RoleName.OWNER
    assert_entry("change Maintainer mia to Owner")
    assert_event(
        ProjectEventTag.ROLE_CHANGE,
        site.owner,
        target_user="mia",
        role_name="Owner",
        previous_role_name="Maintainer",
    )
    assert ("mia", "Owner") in ownership(client)
    assert recipients() == [["mia@example.com"], ["olivia@example.com"]]


def test_make_another_owner_a_maintainer(site: Site, owner: Client, client: Client):
    Role.objects.filter(pk=site.mia_role.pk).update(role_name=RoleName.OWNER)
    response = owner.post(
        f"{COLLABORATION}{site.mia_role.pk}/change/", {"role_name": "Maintainer"}, follow=True
    )
    assert "'mia' is now Maintainer." in text_of(response)
    site.mia_role.refresh_from_db()
    assert site.mia_role.role_name == RoleName.MAINTAINER
    assert_entry("change Owner mia to Maintainer")
    assert ("mia", "Maintainer") in ownership(client)


def test_an_owner_cannot_demote_themselves(site: Site, owner: Client):
    Role.objects.filter(pk=site.mia_role.pk).update(role_name=RoleName.OWNER)
    before = state()
    response = owner.post(
        f"{COLLABORATION}{site.owner_role.pk}/change/", {"role_name": "Maintainer"}, follow=True
    )
    assert response.redirect_chain == [(COLLABORATION, 302)]
    assert "Cannot remove yourself as Owner" in text_of(response)
    assert state() == before


def test_changing_to_the_same_role_changes_nothing(site: Site, owner: Client):
    before = state()
    owner.post(f"{COLLABORATION}{site.mia_role.pk}/change/", {"role_name": "Maintainer"})
    assert state() == before


def test_changing_to_an_unknown_role_changes_nothing(site: Site, owner: Client):
    before = state()
    response = owner.post(f"{COLLABORATION}{site.mia_role.pk}/change/", {"role_name": "God"})
    assert response.status_code == 302
    assert state() == before


# Removing a collaborator ----------------------------------------------------------------------


def test_the_removal_page(site: Site, owner: Client):
    response = owner.get(f"{COLLABORATION}{site.mia_role.pk}/remove/")
    assert response.status_code == 200
    assert response.context["leaving"] is False
    page = text_of(response)
    assert "Remove mia" in page
    assert "mia will no longer be Maintainer of this project" in page
    assert response.context["form"].fields["confirm"].label == "Type the username to confirm"


def test_remove_a_collaborator(site: Site, owner: Client, client: Client, committed):
    project_json(client)
    with committed():
        response = owner.post(
            f"{COLLABORATION}{site.mia_role.pk}/remove/", {"confirm": "mia"}, follow=True
        )

    assert response.redirect_chain == [(COLLABORATION, 302)]
    assert "Removed 'mia' from the project." in text_of(response)
    assert not Role.objects.filter(project=site.project, user=site.mia).exists()
    assert_entry("remove Maintainer mia")
    assert_event(ProjectEventTag.ROLE_REMOVE, site.owner, target_user="mia", role_name="Maintainer")
    assert "mia" not in [user for user, _ in ownership(client)]
    assert recipients() == [["mia@example.com"], ["olivia@example.com"]]


@pytest.mark.parametrize("typed", ["", "MIA", "max", "olivia"])
def test_remove_a_collaborator_with_the_wrong_confirmation(site: Site, owner: Client, typed: str):
    before = state()
    response = owner.post(f"{COLLABORATION}{site.mia_role.pk}/remove/", {"confirm": typed})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["confirm"]
    assert 'id="id_confirm_error"' in response.content.decode()
    assert state() == before


# Leaving --------------------------------------------------------------------------------------


def test_a_maintainer_leaves(site: Site, maintainer: Client, committed):
    with committed():
        response = maintainer.post(
            f"{COLLABORATION}{site.maintainer_role.pk}/remove/", {"confirm": "max"}, follow=True
        )

    assert response.redirect_chain == [("/manage/projects/", 302)]
    assert "You left “sample”." in text_of(response)
    assert not Role.objects.filter(project=site.project, user=site.maintainer).exists()
    assert_entry("remove Maintainer max")
    assert_event(ProjectEventTag.ROLE_REMOVE, site.maintainer, target_user="max")
    # Their project pages are now as closed to them as to anyone.
    assert maintainer.get(BASE).status_code == 404


def test_the_sole_owner_cannot_leave(site: Site, owner: Client):
    before = state()
    response = owner.post(f"{COLLABORATION}{site.owner_role.pk}/remove/", {"confirm": "olivia"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Cannot remove yourself as Sole Owner"]
    assert "Cannot remove yourself as Sole Owner" in text_of(response)
    assert state() == before


def test_an_owner_leaves_when_another_owner_stays(site: Site, owner: Client):
    Role.objects.filter(pk=site.mia_role.pk).update(role_name=RoleName.OWNER)
    response = owner.post(
        f"{COLLABORATION}{site.owner_role.pk}/remove/", {"confirm": "olivia"}, follow=True
    )
    assert response.redirect_chain == [("/manage/projects/", 302)]
    assert "You left “sample”." in text_of(response)
    assert not Role.objects.filter(project=site.project, user=site.owner).exists()
    assert_entry("remove Owner olivia")


def test_a_maintainer_cannot_remove_another(site: Site, maintainer: Client):
    before = state()
    response = maintainer.post(f"{COLLABORATION}{site.mia_role.pk}/remove/", {"confirm": "mia"})
    assert response.status_code == 403
    assert state() == before
