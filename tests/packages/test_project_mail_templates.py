"""The notices about a project's collaborators, releases and life: each renders a one-line
subject, a plain-text part and an HTML part that name the project and what happened to it, says
who acted (or "an administrator"), and ends with a link the recipient can follow."""

from __future__ import annotations

import re

import pytest
from django.utils.html import escape

from accounts import mail
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://index.example"
MANAGE = f"{SITE_URL}/manage/project/o-brien/"
HISTORY = f"{MANAGE}history/"
PROJECTS = f"{SITE_URL}/manage/projects/"
ACCEPT_URL = f"{SITE_URL}/account/invitation/?token=a.b&next=1"

# Every project notice, the context it is sent with besides project_name and submitter, and
# the link its body ends with (the project's history, or the recipient's projects when they may
# no longer see the project).
NOTICES = [
    (
        "verify-project-role",
        {"role_name": "Owner", "accept_url": ACCEPT_URL, "valid_hours": 72},
        PROJECTS,
    ),
    ("collaborator-added", {"username": "maya", "role_name": "Maintainer"}, HISTORY),
    ("added-as-collaborator", {"role_name": "Maintainer"}, HISTORY),
    ("collaborator-removed", {"username": "maya"}, HISTORY),
    ("removed-as-collaborator", {}, PROJECTS),
    ("collaborator-role-changed", {"username": "maya", "role_name": "Owner"}, HISTORY),
    ("role-changed-as-collaborator", {"role_name": "Owner"}, HISTORY),
    ("role-invitation-declined", {"username": "maya", "role_name": "Maintainer"}, HISTORY),
    ("role-invitation-revoked", {"role_name": "Maintainer"}, PROJECTS),
    ("yanked-project-release", {"version": "1.0rc1", "yanked_reason": ""}, HISTORY),
    ("unyanked-project-release", {"version": "1.0rc1"}, HISTORY),
    ("removed-project-release", {"version": "1.0rc1"}, HISTORY),
    (
        "removed-project-release-file",
        {"version": "1.0rc1", "filename": "o_brien-1.0rc1-py3-none-any.whl"},
        HISTORY,
    ),
    ("removed-project", {}, PROJECTS),
    ("archived-project", {}, HISTORY),
    ("unarchived-project", {}, HISTORY),
]
NAMES = [name for name, _context, _link in NOTICES]
# The one notice about something the person named in it did themselves.
NO_SUBMITTER = {"role-invitation-declined"}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def zoe():
    return UserFactory(username="zoe", name="Zoë")


def render(user, name, context, *, submitter="O'Brien"):
    return mail.render(
        name, {"user": user, "project_name": "o-brien", "submitter": submitter, **context}
    )


def content(text):
    """The text part without the greeting and the footer every notice shares."""
    body, _sep, _footer = text.partition("\n\n-- \n")
    return body.split("\n\n", 1)[1]


@pytest.mark.parametrize(("name", "context", "last_link"), NOTICES, ids=NAMES)
def test_every_notice_names_the_project_and_what_happened(zoe, name, context, last_link):
    subject, text, html = render(zoe, name, context)

    assert subject and "\n" not in subject
    assert "o-brien" in subject
    assert text.startswith("Hello Zoë,\n\n")
    assert html.startswith("<!DOCTYPE html>")
    for part in (text, html):
        assert "o-brien" in part
        assert "{{" not in part and "{%" not in part
    for value in context.values():
        if value != "":
            assert str(value) in text
            assert escape(str(value)) in html
    # The text part is plain text: nothing in it is HTML-escaped.
    assert "&#x27;" not in text and "&amp;" not in text and "&lt;" not in text
    if name not in NO_SUBMITTER:
        assert "O'Brien" in text
        assert "O&#x27;Brien" in html and "O'Brien" not in html
    # It ends with a link the recipient can follow; the HTML part links it too.
    assert content(text).rstrip().endswith(last_link)
    assert f'<a href="{last_link}">{last_link}</a></p>' in html
    # Every link is absolute.
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(SITE_URL + "/")


@pytest.mark.parametrize(
    ("name", "context"),
    [(name, context) for name, context, _ in NOTICES if name not in NO_SUBMITTER],
    ids=[name for name in NAMES if name not in NO_SUBMITTER],
)
def test_without_a_submitter_an_administrator_acted(zoe, name, context):
    _subject, text, html = render(zoe, name, context, submitter="")
    assert "An administrator " in content(text)
    assert "An administrator " in html
    assert "  " not in content(text)
    assert "None" not in text


def test_a_yank_without_a_reason_prints_no_reason_line(zoe):
    _subject, text, html = render(
        zoe, "yanked-project-release", {"version": "2.0", "yanked_reason": ""}
    )
    assert "Reason" not in text and "Reason" not in html
    assert "\n\n\n" not in text
    assert "PEP 592" in text
    assert "o-brien==2.0" in text
    assert f"{MANAGE}release/2.0/" in text
    assert f'<a href="{MANAGE}release/2.0/">' in html


def test_a_yank_with_a_reason_prints_it(zoe):
    context = {"version": "2.0", "yanked_reason": "Broken <wheel> & metadata"}
    _subject, text, html = render(zoe, "yanked-project-release", context)
    assert "\nReason: Broken <wheel> & metadata\n\n" in text
    assert "<p>Reason: Broken &lt;wheel&gt; &amp; metadata</p>" in html
    assert "\n\n\n" not in text


def test_the_invitation_gives_its_link_and_how_long_it_lasts(zoe):
    context = {"role_name": "Owner", "accept_url": ACCEPT_URL, "valid_hours": 72}
    subject, text, html = render(zoe, "verify-project-role", context)
    assert subject == "Invitation to collaborate on o-brien"
    assert "O'Brien invited you to collaborate on the project o-brien as Owner." in text
    assert f"accept or decline the invitation: {ACCEPT_URL}\n" in text
    assert "The link is valid for 72 hours." in text
    assert "If you do not know O'Brien, ignore this message." in text
    assert f'<a href="{escape(ACCEPT_URL)}">' in html

    _subject, text, _html = render(zoe, "verify-project-role", {**context, "valid_hours": 1})
    assert "The link is valid for 1 hour." in text

    _subject, text, _html = render(zoe, "verify-project-role", context, submitter="")
    assert "An administrator invited you" in text
    assert "If you did not expect this invitation, ignore this message." in text


def test_joining_and_leaving_are_told_as_such(zoe):
    # Accepting an invitation, or leaving a project, is done by the collaborator concerned.
    context = {"username": "maya", "role_name": "Maintainer"}
    _s, text, _h = render(zoe, "collaborator-added", context, submitter="maya")
    assert "maya joined the project o-brien as Maintainer." in text
    _s, text, _h = render(zoe, "added-as-collaborator", context, submitter="zoe")
    assert "You joined the project o-brien as Maintainer." in text
    _s, text, _h = render(zoe, "collaborator-removed", {"username": "maya"}, submitter="maya")
    assert "maya left the project o-brien." in text
    _s, text, _h = render(zoe, "removed-as-collaborator", {}, submitter="zoe")
    assert "You left the project o-brien." in text

    _s, text, _h = render(zoe, "collaborator-added", context, submitter="ann")
    assert "ann added maya to the project o-brien as Maintainer." in text
    _s, text, _h = render(zoe, "removed-as-collaborator", {}, submitter="ann")
    assert "ann removed you from the project o-brien." in text


def test_deleted_files_keep_their_names_reserved(zoe):
    _s, text, _h = render(zoe, "removed-project-release", {"version": "1.0"})
    assert "can never be uploaded again" in text
    context = {"version": "1.0", "filename": "o_brien-1.0.tar.gz"}
    _s, text, _h = render(zoe, "removed-project-release-file", context)
    assert "can never be uploaded again" in text
    _s, text, _h = render(zoe, "removed-project", {})
    assert "all its releases and files" in text
    assert "can never be uploaded again" in text


def test_an_archived_project_says_how_to_unarchive_it(zoe):
    _s, text, html = render(zoe, "archived-project", {})
    assert "no new uploads" in text and "available to install" in text
    assert f"unarchive it from the project's settings: {MANAGE}settings/" in text
    assert f'<a href="{MANAGE}settings/">' in html


def test_owners_are_pointed_at_the_collaborators_page(zoe):
    for name, context in [
        ("collaborator-added", {"username": "maya", "role_name": "Owner"}),
        ("collaborator-removed", {"username": "maya"}),
        ("collaborator-role-changed", {"username": "maya", "role_name": "Owner"}),
        ("role-invitation-declined", {"username": "maya", "role_name": "Owner"}),
    ]:
        _s, text, html = render(zoe, name, context)
        assert f"{MANAGE}collaboration/" in text
        assert f'<a href="{MANAGE}collaboration/">' in html
