"""Moderation's name rules as a client meets them: real uploads (check 8 of docs/upload.md)
after staff prohibit, remove, release or lift a name, and the order of the name checks.

tests/packages/upload/test_checks_project.py covers each check's message on its own; this file
covers what moderation changes about them. Each refusal is asserted with its exact status and
message, and shown to leave every table and the storage as they were.
"""

from __future__ import annotations

import pytest
from django.test import Client

from help.links import help_url
from moderation import prohibitions
from moderation.models import ProhibitedProjectName
from packages.models import Project, Role
from packages.names import ultranormalize_name
from packages.services.events import Actor
from tests import uploads
from tests.packages.factories import ProjectFactory
from tests.packages.upload.conftest import assert_error, snapshot
from tests.uploads import Upload

pytestmark = pytest.mark.django_db

SPEC = "https://packaging.python.org/specifications/core-metadata"
NAME_RULE = (
    "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'."
)


def prohibited(name: str) -> str:
    return f"The name '{name}' isn't allowed. See {help_url('project-name')} for more information."


def stdlib(name: str) -> str:
    return (
        f"The name '{name}' isn't allowed (conflict with Python Standard Library module name). "
        f"See {help_url('project-name')} for more information."
    )


def too_similar(name: str) -> str:
    return (
        f"The name '{name}' is too similar to an existing project. "
        f"See {help_url('project-name')} for more information."
    )


def refused(client: Client, upload: Upload, token: str, status: int, message: str) -> None:
    before = snapshot()
    assert_error(upload.post(client, token), status, message)
    assert snapshot() == before


@pytest.fixture
def actor(staff) -> Actor:
    return Actor(user=staff)


@pytest.fixture
def owned(client: Client, publisher, token: str) -> Project:
    """Project "sample" with release 1.0, uploaded by alice."""
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    return Project.objects.get()


# Invalid names and standard-library names ------------------------------------------------------


@pytest.mark.parametrize("name", ["_strptime", "os.", "-sys-", "__main__"])
def test_names_with_leading_or_trailing_separators_are_invalid(client, publisher, token, name):
    """Such a name never reaches the standard-library rule: the form refuses it first."""
    message = (
        f"'{name}' is an invalid value for Name. Error: {NAME_RULE} "
        f"See {SPEC} for more information."
    )
    refused(client, uploads.wheel_upload(name), token, 400, message)


@pytest.mark.parametrize(
    "name",
    ["strptime", "main", "pydecimal"],  # _strptime, __main__, _pydecimal
)
def test_module_names_count_without_their_leading_underscores(client, publisher, token, name):
    refused(client, uploads.wheel_upload(name), token, 400, stdlib(name))


@pytest.mark.parametrize(
    "name", ["email.mime.text", "Email-Mime_Text", "xml.etree", "concurrent.futures"]
)
def test_dotted_module_names_are_refused_in_any_spelling(client, publisher, token, name):
    refused(client, uploads.wheel_upload(name), token, 400, stdlib(name))


# Names staff prohibit ------------------------------------------------------------------------


def test_a_prohibited_name_is_refused_in_any_spelling(client, publisher, token, actor):
    prohibitions.prohibit_project_name("Forbidden.Fruit", actor=actor)
    for spelling in ("forbidden-fruit", "FORBIDDEN_fruit", "Forbidden..Fruit"):
        refused(client, uploads.wheel_upload(spelling), token, 400, prohibited(spelling))


def test_a_prohibition_does_not_stop_the_project_that_has_the_name(client, token, owned, actor):
    """Names are checked when a project is created, not on every upload."""
    prohibitions.prohibit_project_name("sample", actor=actor)
    assert uploads.wheel_upload("sample", "2.0").post(client, token).status_code == 200


def test_a_removed_project_cannot_come_back(client, token, owned, actor):
    prohibitions.prohibit_project_name("sample", actor=actor, remove_project=True)
    assert not Project.objects.exists()
    refused(client, uploads.wheel_upload("Sample", "2.0"), token, 400, prohibited("Sample"))


def test_bulk_prohibited_names_are_refused(client, publisher, token, actor):
    prohibitions.prohibit_project_names(["one", "two_three"], actor=actor)
    refused(client, uploads.wheel_upload("Two.Three"), token, 400, prohibited("Two.Three"))


def test_a_lifted_prohibition_lets_the_name_be_taken(client, publisher, token, actor):
    prohibition = prohibitions.prohibit_project_name("wanted", actor=actor)
    prohibitions.lift_prohibition(prohibition)
    assert uploads.wheel_upload("wanted").post(client, token).status_code == 200


def test_a_released_name_belongs_to_its_new_owner(
    client, publisher, token, make_publisher, make_token, actor
):
    prohibition = prohibitions.prohibit_project_name("wanted", actor=actor)
    prohibitions.release_project_name(prohibition, to=publisher, actor=actor)
    assert uploads.wheel_upload("Wanted").post(client, token).status_code == 200
    assert list(Role.objects.values_list("user__username", flat=True)) == ["alice"]
    assert Project.objects.get().name == "Wanted"
    bob = make_publisher(username="bob")
    message = (
        "The user 'bob' isn't allowed to upload to project 'Wanted'. "
        f"See {help_url('project-name')} for more information."
    )
    refused(client, uploads.wheel_upload("wanted", "2.0"), make_token(bob), 403, message)


# The order of the name checks ------------------------------------------------------------------


def test_a_confusable_name(client, publisher, token):
    ProjectFactory(name="foo-bar")
    assert ultranormalize_name("F0O_BAR") == ultranormalize_name("foo-bar")
    refused(client, uploads.wheel_upload("F0O_BAR"), token, 400, too_similar("F0O_BAR"))


def test_prohibited_comes_before_too_similar(client, publisher, token):
    ProjectFactory(name="f00")
    ProhibitedProjectName.objects.create(name="foo")
    refused(client, uploads.wheel_upload("foo"), token, 400, prohibited("foo"))


def test_standard_library_comes_before_too_similar(client, publisher, token):
    ProjectFactory(name="0s")
    assert ultranormalize_name("os") == ultranormalize_name("0s")
    refused(client, uploads.wheel_upload("os"), token, 400, stdlib("os"))
