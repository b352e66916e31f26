"""Invitations: an Owner invites a user, who accepts or declines through a mailed link valid
``ROLE_INVITATION_HOURS``; an Owner may revoke it. Each step is journalled, recorded in the
project's history and mailed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail, signing
from django.db.models import F
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.events import EventTag
from accounts.models import User, UserEvent
from packages.models import (
    InviteStatus,
    JournalEntry,
    Project,
    ProjectEvent,
    ProjectEventTag,
    RoleInvitation,
    RoleName,
)
from packages.services import invitations, journal
from packages.services.events import Actor
from packages.services.invitations import (
    accept,
    decline,
    expire_stale,
    from_token,
    invite,
    revoke,
)
from packages.services.refusals import Refused
from tests.accounts.factories import EmailAddressFactory, UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory
from tests.packages.services.test_roles import assert_on_newest_serial, entries, roles

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"
AGENT = "tests/1.0"
EXPIRED = "This invitation has expired or was withdrawn: ask an Owner to invite you again."
NOT_VALID = "This invitation link is not valid."
ANOTHER_ACCOUNT = "This invitation is for another account: log in as the user invited."
ROUTE = "packages:verify-project-role"


def with_address(user: User) -> User:
    EmailAddressFactory(user=user)
    return user


@pytest.fixture
def alice() -> User:
    return with_address(UserFactory(username="alice"))


@pytest.fixture
def actor(alice: User) -> Actor:
    return Actor(user=alice, ip_address=IP, user_agent=AGENT)


@pytest.fixture
def bob() -> User:
    return with_address(UserFactory(username="bob"))


@pytest.fixture
def as_bob(bob: User) -> Actor:
    return Actor(user=bob, ip_address="198.51.100.4", user_agent=AGENT)


@pytest.fixture
def project(alice: User) -> Project:
    project = ProjectFactory(name="sample")
    RoleFactory(project=project, user=alice, role_name=RoleName.OWNER)
    return project


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the on-commit callbacks (mail) of what happens inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sent() -> list[tuple[str, str]]:
    """(notice, recipient) of each mail, from the recipients' security histories, in order."""
    return list(
        UserEvent.objects.filter(tag=EventTag.EMAIL_SENT)
        .order_by("id")
        .values_list("additional__notice", "user__username")
    )


def outbox() -> list[tuple[list[str], str]]:
    return sorted((m.to, m.subject) for m in mail.outbox)


def forget_mail() -> None:
    mail.outbox.clear()
    UserEvent.objects.filter(tag=EventTag.EMAIL_SENT).delete()


def link_in(message: mail.EmailMessage) -> str:
    [link] = re.findall(r"\S+\?token=\S+", message.body)
    return link


def token_in(message: mail.EmailMessage) -> str:
    return parse_qs(urlsplit(link_in(message)).query)["token"][0]


def age(hours: float) -> None:
    """Make every invitation ``hours`` older."""
    RoleInvitation.objects.update(created=F("created") - timedelta(hours=hours))


def mailed_at(moment: datetime, invitation: RoleInvitation, monkeypatch) -> str:
    """The token of ``invitation``'s link as a mail sent at ``moment`` carried it."""
    with monkeypatch.context() as patch:
        signed = signing.b62_encode(int(moment.timestamp()))
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: signed)
        return invitations.token_for(invitation)


def refusal(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        call(*args, **kwargs)
    return refused.value.status, refused.value.message


# invite


def test_invite(alice, actor, bob, project, committed, settings):
    with committed():
        invitation = invite(project, bob, RoleName.MAINTAINER, actor=actor)

    assert RoleInvitation.objects.pending().get() == invitation
    stored = RoleInvitation.objects.get()
    assert (
        stored.project,
        stored.user,
        stored.role_name,
        stored.invited_by,
        stored.invite_status,
    ) == (project, bob, "Maintainer", alice, InviteStatus.PENDING)
    assert stored.is_pending
    assert stored.expires == stored.created + timedelta(hours=settings.ROLE_INVITATION_HOURS)
    assert roles() == [("sample", "alice", "Owner")]
    assert entries() == [("sample", None, "invite Maintainer bob", "alice")]
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.get()
    assert (event.project, event.tag, event.user, event.ip_address, event.user_agent) == (
        project,
        ProjectEventTag.ROLE_INVITE,
        alice,
        IP,
        AGENT,
    )
    assert event.additional == {
        "submitted_by": "alice",
        "role_name": "Maintainer",
        "target_user": "bob",
    }
    assert sent() == [("verify-project-role", "bob")]
    [message] = mail.outbox
    assert (message.to, message.subject) == (
        ["bob@example.com"],
        "Invitation to collaborate on sample",
    )
    assert "alice invited you to collaborate on the project sample as Maintainer." in message.body


def test_the_mailed_token_names_the_invitation(actor, bob, project, committed, settings):
    with committed():
        invitation = invite(project, bob, RoleName.OWNER, actor=actor)

    [message] = mail.outbox
    link = link_in(message)
    assert link.startswith(f"{settings.SITE_URL.rstrip('/')}/")
    assert from_token(token_in(message), bob) == invitation
    assert f"valid for {settings.ROLE_INVITATION_HOURS} hours" in message.body


def test_the_mailed_link_opens_the_invitation_page(actor, bob, project, committed, monkeypatch):
    monkeypatch.setattr(invitations, "reverse", reverse)  # the site's own URLs, no stand-in
    with committed():
        invite(project, bob, RoleName.MAINTAINER, actor=actor)

    [message] = mail.outbox
    assert resolve(urlsplit(link_in(message)).path).view_name == ROUTE


def test_inviting_a_user_who_has_a_role_is_refused(actor, bob, project, committed):
    RoleFactory(project=project, user=bob, role_name=RoleName.MAINTAINER)

    with committed():
        assert refusal(invite, project, bob, RoleName.OWNER, actor=actor) == (
            409,
            "User 'bob' already has Maintainer role for project",
        )

    assert not RoleInvitation.objects.exists()
    assert entries() == []
    assert not ProjectEvent.objects.exists()
    assert mail.outbox == []
    assert sent() == []


UNVERIFIED = [
    pytest.param({}, id="no-address"),
    pytest.param({"verified": False}, id="unverified"),
    pytest.param({"primary": False}, id="verified-but-not-primary"),
]


@pytest.mark.parametrize("address", UNVERIFIED)
def test_inviting_a_user_without_a_verified_primary_address_is_refused(
    actor, project, committed, address
):
    carol = UserFactory(username="carol")
    if address:
        EmailAddressFactory(user=carol, **address)

    with committed():
        assert refusal(invite, project, carol, RoleName.MAINTAINER, actor=actor) == (
            400,
            "User 'carol' does not have a verified primary email address and cannot be "
            "added as a Maintainer for project",
        )

    assert not RoleInvitation.objects.exists()
    assert entries() == []
    assert not ProjectEvent.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("field", ["is_frozen", "is_active"])
def test_inviting_a_frozen_or_inactive_user_is_refused(actor, bob, project, committed, field):
    User.objects.filter(pk=bob.pk).update(**{field: field == "is_frozen"})
    bob.refresh_from_db()

    with committed():
        assert refusal(invite, project, bob, RoleName.OWNER, actor=actor) == (
            400,
            "User 'bob' does not have a verified primary email address and cannot be "
            "added as a Owner for project",
        )

    assert not RoleInvitation.objects.exists()
    assert entries() == []
    assert mail.outbox == []


def test_inviting_a_user_with_an_active_invite_is_refused(actor, bob, project, committed):
    invite(project, bob, RoleName.MAINTAINER, actor=actor)
    before = (entries(), ProjectEvent.objects.count(), sent())

    with committed():
        assert refusal(invite, project, bob, RoleName.OWNER, actor=actor) == (
            409,
            "User 'bob' already has an active invite. Please try again later.",
        )

    assert RoleInvitation.objects.get().role_name == "Maintainer"
    assert (entries(), ProjectEvent.objects.count(), sent()) == before
    assert mail.outbox == []


def test_the_same_user_may_be_invited_to_two_projects(actor, alice, bob, project):
    other = ProjectFactory(name="other")
    RoleFactory(project=other, user=alice, role_name=RoleName.OWNER)

    invite(project, bob, RoleName.MAINTAINER, actor=actor)
    invite(other, bob, RoleName.OWNER, actor=actor)

    assert sorted(RoleInvitation.objects.pending().values_list("project__name", "role_name")) == [
        ("other", "Owner"),
        ("sample", "Maintainer"),
    ]


@pytest.mark.parametrize("housekept", [False, True], ids=["stale", "marked-expired"])
def test_inviting_again_after_the_window_renews_the_invitation(
    actor, bob, project, committed, settings, monkeypatch, housekept
):
    with committed():
        first = invite(project, bob, RoleName.MAINTAINER, actor=actor)
    age(settings.ROLE_INVITATION_HOURS + 0.01)
    first.refresh_from_db()
    old_token = mailed_at(first.created, first, monkeypatch)
    if housekept:
        assert expire_stale() == 1
    assert not RoleInvitation.objects.pending().exists()
    mail.outbox.clear()

    with committed():
        second = invite(project, bob, RoleName.OWNER, actor=actor)

    assert second.pk == first.pk
    assert RoleInvitation.objects.pending().get() == second
    stored = RoleInvitation.objects.get()
    assert (stored.role_name, stored.invite_status, stored.is_pending) == (
        "Owner",
        InviteStatus.PENDING,
        True,
    )
    assert [action for _, _, action, _ in entries()] == [
        "invite Maintainer bob",
        "invite Owner bob",
    ]
    assert_on_newest_serial(project)
    [message] = mail.outbox
    assert from_token(token_in(message), bob) == second
    # Only the newest link works: the first one names the first sending.
    assert refusal(from_token, old_token, bob) == (400, EXPIRED)


# from_token


@pytest.fixture
def invitation(actor, bob, project, committed) -> RoleInvitation:
    with committed():
        invitation = invite(project, bob, RoleName.MAINTAINER, actor=actor)
    return invitation


@pytest.fixture
def token(invitation) -> str:
    [message] = mail.outbox
    return token_in(message)


@pytest.mark.parametrize(
    "garbage",
    ["", "nonsense", "a:b:c", "eyJpIjoxfQ:1tXyZ:forged"],
    ids=["empty", "word", "colons", "forged"],
)
def test_from_token_refuses_garbage(bob, token, garbage):
    assert refusal(from_token, garbage, bob) == (400, NOT_VALID)


def test_from_token_refuses_a_tampered_token(bob, token):
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert refusal(from_token, tampered, bob) == (400, NOT_VALID)


def test_from_token_refuses_a_token_signed_for_something_else(bob, invitation):
    other = signing.dumps({"i": invitation.pk, "u": bob.pk, "t": invitation.created.timestamp()})

    assert refusal(from_token, other, bob) == (400, NOT_VALID)


def test_from_token_refuses_another_users_token(token):
    carol = with_address(UserFactory(username="carol"))

    assert refusal(from_token, token, carol) == (403, ANOTHER_ACCOUNT)


def test_from_token_refuses_a_link_older_than_the_window(bob, invitation, monkeypatch, settings):
    # A link signed (sent) longer ago than the window, for an invitation still pending.
    then = timezone.now() - timedelta(hours=settings.ROLE_INVITATION_HOURS, minutes=1)
    old = mailed_at(then, invitation, monkeypatch)

    assert RoleInvitation.objects.pending().get() == invitation
    assert refusal(from_token, old, bob) == (400, EXPIRED)


def test_from_token_refuses_a_link_from_an_earlier_sending(bob, invitation, monkeypatch):
    # Signed within the window, but naming a sending before the invitation's latest one.
    invitation.created -= timedelta(seconds=5)
    earlier = mailed_at(timezone.now(), invitation, monkeypatch)

    assert refusal(from_token, earlier, bob) == (400, EXPIRED)


def test_from_token_refuses_an_invitation_past_its_window(bob, token, settings):
    age(settings.ROLE_INVITATION_HOURS + 0.01)

    assert refusal(from_token, token, bob) == (400, EXPIRED)


def test_a_zero_hour_window_lets_no_link_work(bob, token, settings):
    settings.ROLE_INVITATION_HOURS = 0

    assert refusal(from_token, token, bob) == (400, EXPIRED)


def test_from_token_refuses_a_revoked_invitation(actor, bob, invitation, token):
    revoke(invitation, actor=actor)

    assert refusal(from_token, token, bob) == (400, EXPIRED)


def test_from_token_refuses_an_accepted_invitation(as_bob, bob, invitation, token):
    accept(invitation, actor=as_bob)

    assert refusal(from_token, token, bob) == (400, EXPIRED)


def test_from_token_refuses_a_declined_invitation(as_bob, bob, invitation, token):
    decline(invitation, actor=as_bob)

    assert refusal(from_token, token, bob) == (400, EXPIRED)


def test_from_token_refuses_an_invitation_marked_expired(bob, token):
    RoleInvitation.objects.update(invite_status=InviteStatus.EXPIRED)

    assert refusal(from_token, token, bob) == (400, EXPIRED)


# accept


def test_accept(alice, as_bob, bob, project, invitation, committed):
    dora = with_address(UserFactory(username="dora"))
    RoleFactory(project=project, user=dora, role_name=RoleName.OWNER)
    RoleFactory(project=project, role_name=RoleName.MAINTAINER, user__username="mia")
    serial = journal.last_serial()
    forget_mail()

    with committed():
        role = accept(invitation, actor=as_bob)

    assert (role.project, role.user, role.role_name) == (project, bob, RoleName.MAINTAINER)
    assert roles() == [
        ("sample", "alice", "Owner"),
        ("sample", "bob", "Maintainer"),
        ("sample", "dora", "Owner"),
        ("sample", "mia", "Maintainer"),
    ]
    assert not RoleInvitation.objects.exists()
    assert [e for e in entries() if e[2] != "invite Maintainer bob"] == [
        ("sample", None, "add Maintainer bob", "bob")
    ]
    assert JournalEntry.objects.filter(id__gt=serial).count() == 1
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.latest("id")
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_ADD, bob)
    assert event.additional == {
        "submitted_by": "bob",
        "role_name": "Maintainer",
        "target_user": "bob",
        "invited_by": "alice",
    }
    assert sorted(sent()) == [
        ("added-as-collaborator", "bob"),
        ("collaborator-added", "alice"),
        ("collaborator-added", "dora"),
    ]
    assert outbox() == [
        (["alice@example.com"], "bob is now a collaborator on sample"),
        (["bob@example.com"], "You are now a collaborator on sample"),
        (["dora@example.com"], "bob is now a collaborator on sample"),
    ]


def test_accepting_an_owner_invitation_tells_the_other_owners_only(
    actor, as_bob, bob, project, committed
):
    invitation = invite(project, bob, RoleName.OWNER, actor=actor)
    forget_mail()

    with committed():
        accept(invitation, actor=as_bob)

    assert roles() == [("sample", "alice", "Owner"), ("sample", "bob", "Owner")]
    assert sorted(sent()) == [("added-as-collaborator", "bob"), ("collaborator-added", "alice")]


def test_accepting_twice_is_refused(as_bob, invitation, committed):
    accept(invitation, actor=as_bob)
    before = (roles(), entries(), ProjectEvent.objects.count(), sent())

    with committed():
        assert refusal(accept, invitation, actor=as_bob) == (409, EXPIRED)

    assert (roles(), entries(), ProjectEvent.objects.count(), sent()) == before


@pytest.mark.parametrize("how", ["stale", "revoked", "declined"])
def test_an_invitation_no_longer_pending_cannot_be_accepted(
    actor, as_bob, invitation, settings, how
):
    if how == "stale":
        age(settings.ROLE_INVITATION_HOURS + 0.01)
    elif how == "revoked":
        revoke(invitation, actor=actor)
    else:
        decline(invitation, actor=as_bob)
    before = entries()

    assert refusal(accept, invitation, actor=as_bob) == (409, EXPIRED)

    assert roles() == [("sample", "alice", "Owner")]
    assert entries() == before


def test_accepting_after_the_inviter_left_names_nobody(as_bob, alice, invitation):
    alice.delete()

    accept(invitation, actor=as_bob)

    assert ProjectEvent.objects.latest("id").additional["invited_by"] == ""


# decline


def test_decline(alice, as_bob, bob, project, invitation, committed):
    dora = with_address(UserFactory(username="dora"))
    RoleFactory(project=project, user=dora, role_name=RoleName.OWNER)
    forget_mail()

    with committed():
        decline(invitation, actor=as_bob)

    assert not RoleInvitation.objects.exists()
    assert roles() == [("sample", "alice", "Owner"), ("sample", "dora", "Owner")]
    assert entries() == [
        ("sample", None, "invite Maintainer bob", "alice"),
        ("sample", None, "decline_invite Maintainer bob", "bob"),
    ]
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.latest("id")
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_DECLINE_INVITE, bob)
    assert event.additional == {
        "submitted_by": "bob",
        "role_name": "Maintainer",
        "target_user": "bob",
    }
    assert sorted(sent()) == [
        ("role-invitation-declined", "alice"),
        ("role-invitation-declined", "dora"),
    ]
    assert outbox() == [
        (["alice@example.com"], "Invitation to sample declined by bob"),
        (["dora@example.com"], "Invitation to sample declined by bob"),
    ]


def test_declining_twice_is_refused(as_bob, invitation):
    decline(invitation, actor=as_bob)
    before = (entries(), ProjectEvent.objects.count(), sent())

    assert refusal(decline, invitation, actor=as_bob) == (409, EXPIRED)

    assert (entries(), ProjectEvent.objects.count(), sent()) == before


# revoke


def test_revoke(alice, actor, project, invitation, committed):
    forget_mail()

    with committed():
        revoke(invitation, actor=actor)

    assert not RoleInvitation.objects.exists()
    assert roles() == [("sample", "alice", "Owner")]
    assert entries() == [
        ("sample", None, "invite Maintainer bob", "alice"),
        ("sample", None, "revoke_invite Maintainer bob", "alice"),
    ]
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.latest("id")
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_REVOKE_INVITE, alice)
    assert event.additional == {
        "submitted_by": "alice",
        "role_name": "Maintainer",
        "target_user": "bob",
    }
    assert sent() == [("role-invitation-revoked", "bob")]
    assert outbox() == [
        (["bob@example.com"], "Invitation to collaborate on sample revoked"),
    ]


@pytest.mark.parametrize("housekept", [False, True], ids=["stale", "marked-expired"])
def test_revoking_an_expired_invitation_mails_nobody(
    actor, invitation, committed, settings, housekept
):
    age(settings.ROLE_INVITATION_HOURS + 0.01)
    if housekept:
        expire_stale()
    forget_mail()

    with committed():
        revoke(invitation, actor=actor)

    assert not RoleInvitation.objects.exists()
    assert entries()[-1] == ("sample", None, "revoke_invite Maintainer bob", "alice")
    assert ProjectEvent.objects.latest("id").tag == ProjectEventTag.ROLE_REVOKE_INVITE
    assert sent() == []
    assert mail.outbox == []


def test_revoking_twice_is_refused(actor, invitation):
    revoke(invitation, actor=actor)
    before = (entries(), ProjectEvent.objects.count())

    assert refusal(revoke, invitation, actor=actor) == (404, "There is no such invitation.")

    assert (entries(), ProjectEvent.objects.count()) == before


# The window


def invitation_aged(project: Project, username: str, hours: float, status: str) -> RoleInvitation:
    invitation = RoleInvitation.objects.create(
        project=project,
        user=UserFactory(username=username),
        role_name=RoleName.MAINTAINER,
        invite_status=status,
    )
    RoleInvitation.objects.filter(pk=invitation.pk).update(
        created=F("created") - timedelta(hours=hours)
    )
    return invitation


def test_expire_stale_marks_only_stale_pending_invitations(project, settings):
    window = settings.ROLE_INVITATION_HOURS
    invitation_aged(project, "fresh", 1, InviteStatus.PENDING)
    invitation_aged(project, "nearly", window - 0.01, InviteStatus.PENDING)
    invitation_aged(project, "stale", window + 0.01, InviteStatus.PENDING)
    invitation_aged(project, "ancient", 10 * window, InviteStatus.PENDING)
    invitation_aged(project, "gone", window + 1, InviteStatus.EXPIRED)

    assert expire_stale() == 2

    assert dict(RoleInvitation.objects.values_list("user__username", "invite_status")) == {
        "fresh": "pending",
        "nearly": "pending",
        "stale": "expired",
        "ancient": "expired",
        "gone": "expired",
    }
    assert expire_stale() == 0


def test_pending_excludes_stale_and_expired_invitations(project, settings):
    window = settings.ROLE_INVITATION_HOURS
    invitation_aged(project, "fresh", 1, InviteStatus.PENDING)
    invitation_aged(project, "nearly", window - 0.01, InviteStatus.PENDING)
    invitation_aged(project, "stale", window + 0.01, InviteStatus.PENDING)
    invitation_aged(project, "expired", window + 1, InviteStatus.EXPIRED)
    invitation_aged(project, "marked", 1, InviteStatus.EXPIRED)

    pending = RoleInvitation.objects.pending()

    assert sorted(pending.values_list("user__username", flat=True)) == ["fresh", "nearly"]
    assert {i.user.username: i.is_pending for i in RoleInvitation.objects.all()} == {
        "fresh": True,
        "nearly": True,
        "stale": False,
        "expired": False,
        "marked": False,
    }
