"""The forms that describe a trusted publisher, one per provider, with the public index's
messages; the pending variants add the name of the project to create.

The pages (``views/manage/publishing.py``) and ``manage.py addpublisher`` both validate with
these forms, so a publisher's fields follow one set of rules. ``config()`` gives the cleaned
fields by the publisher tables' column names, for ``services.publishers``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import Provider
from .names import is_valid_project_name

_GITHUB_OWNER = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\Z")
_GITHUB_REPOSITORY = re.compile(r"^[a-zA-Z0-9-_.]+\Z")
_GITLAB_NAMESPACE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9_.()\- /]*\Z")
_GITLAB_PROJECT = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9-_.+ ]*\Z")
_GITLAB_ENVIRONMENT = re.compile(r"^[a-zA-Z0-9\-_/${} ]+\Z")
_ACTIVESTATE_NAME = re.compile(r"^[a-zA-Z0-9-]{3,40}\Z")
_ACTIVESTATE_PROJECT = re.compile(r"^[.a-zA-Z0-9-]{3,40}\Z")
_DIGITS = re.compile(r"^[0-9]+\Z")


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


def _workflow_suffix(value: str, message: Any) -> None:
    if not value.endswith((".yml", ".yaml")):
        raise forms.ValidationError(message, code="suffix")


def _activestate_dashes(value: str) -> None:
    if "--" in value:
        raise forms.ValidationError(_("Double dashes are not allowed in the name"), code="dashes")
    if value.startswith("-") or value.endswith("-"):
        raise forms.ValidationError(
            _("Leading or trailing dashes are not allowed in the name"), code="dashes"
        )


class PublisherForm(forms.Form):
    """A provider's fields; ``COLUMNS`` maps each form field to its publisher column."""

    provider: ClassVar[str]
    COLUMNS: ClassVar[dict[str, str]]

    def config(self) -> dict[str, str]:
        return {column: self.cleaned_data.get(name) or "" for name, column in self.COLUMNS.items()}


class GitHubPublisherForm(PublisherForm):
    provider = Provider.GITHUB
    COLUMNS = {
        "owner": "repository_owner",
        "repository": "repository_name",
        "workflow_filename": "workflow_filename",
        "environment": "environment",
        "owner_id": "repository_owner_id",
    }

    owner = forms.CharField(
        label=_("Owner"),
        max_length=100,
        help_text=_(
            "The GitHub user or organization that owns the repository, spelled exactly as "
            "GitHub shows it."
        ),
        error_messages=_required(_("Specify GitHub repository owner (username or organization)")),
        validators=[RegexValidator(_GITHUB_OWNER, _("Invalid GitHub user or organization name."))],
    )
    repository = forms.CharField(
        label=_("Repository name"),
        max_length=100,
        error_messages=_required(_("Specify repository name")),
        validators=[RegexValidator(_GITHUB_REPOSITORY, _("Invalid repository name"))],
    )
    workflow_filename = forms.CharField(
        label=_("Workflow name"),
        max_length=255,
        help_text=_("The file name of the workflow that publishes, such as release.yml."),
        error_messages=_required(_("Specify workflow filename")),
    )
    environment = forms.CharField(
        label=_("Environment name (optional)"),
        max_length=255,
        required=False,
        help_text=_(
            "Only jobs in this GitHub environment may publish (names compare regardless of "
            "case). Leave empty to accept any."
        ),
    )
    owner_id = forms.CharField(
        label=_("Owner's numeric ID (optional)"),
        max_length=40,
        required=False,
        help_text=_(
            "GitHub's number for the owner account (the id field of "
            "https://api.github.com/users/OWNER). With it, an account that takes the owner's "
            "name after it is deleted cannot publish."
        ),
        validators=[RegexValidator(_DIGITS, _("The owner's ID is a number."))],
    )

    def clean_workflow_filename(self) -> str:
        value: str = self.cleaned_data["workflow_filename"]
        _workflow_suffix(value, _("Workflow name must end with .yml or .yaml"))
        if "/" in value:
            raise forms.ValidationError(
                _("Workflow filename must be a filename only, without directories"),
                code="directory",
            )
        return value


class GitLabPublisherForm(PublisherForm):
    provider = Provider.GITLAB
    COLUMNS = {
        "namespace": "namespace",
        "project": "gitlab_project",
        "workflow_filepath": "workflow_filepath",
        "environment": "environment",
    }

    namespace = forms.CharField(
        label=_("Namespace"),
        max_length=255,
        help_text=_("The GitLab user or group (with its subgroups) the project belongs to."),
        error_messages=_required(_("Specify GitLab namespace (username or group/subgroup)")),
        validators=[
            RegexValidator(_GITLAB_NAMESPACE, _("Invalid GitLab username or group/subgroup name."))
        ],
    )
    project = forms.CharField(
        label=_("Project name"),
        max_length=255,
        error_messages=_required(_("Specify project name")),
        validators=[RegexValidator(_GITLAB_PROJECT, _("Invalid project name"))],
    )
    workflow_filepath = forms.CharField(
        label=_("Top-level pipeline file path"),
        max_length=255,
        help_text=_("The path of the CI/CD file in the repository, such as .gitlab-ci.yml."),
        error_messages=_required(_("Specify workflow filepath")),
    )
    environment = forms.CharField(
        label=_("Environment name (optional)"),
        max_length=255,
        required=False,
        help_text=_(
            "Only jobs in this GitLab environment may publish (names are case-sensitive). "
            "Leave empty to accept any."
        ),
        validators=[RegexValidator(_GITLAB_ENVIRONMENT, _("Invalid environment name"))],
    )

    def clean_workflow_filepath(self) -> str:
        value: str = self.cleaned_data["workflow_filepath"]
        _workflow_suffix(value, _("Workflow file path must end with .yml or .yaml"))
        if value.startswith("/") or value.endswith("/"):
            raise forms.ValidationError(
                _("Workflow file path cannot start or end with /"), code="slash"
            )
        return value


class GooglePublisherForm(PublisherForm):
    provider = Provider.GOOGLE
    COLUMNS = {"email": "email", "sub": "sub"}

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("The address of the service account that publishes."),
    )
    sub = forms.CharField(
        label=_("Subject (optional)"),
        max_length=255,
        required=False,
        help_text=_("The account's unique ID: only this account may publish with the address."),
    )


class ActiveStatePublisherForm(PublisherForm):
    provider = Provider.ACTIVESTATE
    COLUMNS = {
        "organization": "organization",
        "project": "activestate_project_name",
        "actor": "actor",
        "actor_id": "actor_id",
    }

    organization = forms.CharField(
        label=_("Organization"),
        max_length=40,
        error_messages=_required(_("Specify ActiveState organization name")),
        validators=[
            RegexValidator(_ACTIVESTATE_NAME, _("Invalid ActiveState organization name")),
            _activestate_dashes,
        ],
    )
    project = forms.CharField(
        label=_("ActiveState project name"),
        max_length=40,
        error_messages=_required(_("Specify ActiveState project name")),
        validators=[
            RegexValidator(_ACTIVESTATE_PROJECT, _("Invalid ActiveState project name")),
            _activestate_dashes,
        ],
    )
    actor = forms.CharField(
        label=_("Actor username"),
        max_length=40,
        help_text=_("The ActiveState user whose builds publish."),
        error_messages=_required(_("Specify the ActiveState actor username")),
        validators=[
            RegexValidator(_ACTIVESTATE_NAME, _("Invalid ActiveState username")),
            _activestate_dashes,
        ],
    )
    actor_id = forms.CharField(
        label=_("Actor's user ID"),
        max_length=100,
        help_text=_("The user's ID on the ActiveState Platform (its tokens carry it)."),
        error_messages=_required(_("Specify the ActiveState actor's user ID")),
    )


class PendingMixin(forms.Form):
    """The name of the project a pending publisher creates, first on the form."""

    project_name = forms.CharField(
        label=_("Project name"),
        max_length=200,
        help_text=_("The project this publisher will create on its first upload."),
        error_messages=_required(_("Specify project name")),
    )

    def clean_project_name(self) -> str:
        value: str = self.cleaned_data["project_name"]
        if not is_valid_project_name(value):
            raise forms.ValidationError(_("Invalid project name"), code="invalid")
        return value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["project_name"])


class PendingGitHubPublisherForm(PendingMixin, GitHubPublisherForm):
    pass


class PendingGitLabPublisherForm(PendingMixin, GitLabPublisherForm):
    pass


class PendingGooglePublisherForm(PendingMixin, GooglePublisherForm):
    pass


class PendingActiveStatePublisherForm(PendingMixin, ActiveStatePublisherForm):
    pass


# The forms by provider, in the order the pages show them.
FORMS: dict[str, type[PublisherForm]] = {
    form.provider: form
    for form in (
        GitHubPublisherForm,
        GitLabPublisherForm,
        GooglePublisherForm,
        ActiveStatePublisherForm,
    )
}
PENDING_FORMS: dict[str, type[PublisherForm]] = {
    form.provider: form
    for form in (
        PendingGitHubPublisherForm,
        PendingGitLabPublisherForm,
        PendingGooglePublisherForm,
        PendingActiveStatePublisherForm,
    )
}
