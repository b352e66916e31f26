"""Trusted publishers: the CI workflows allowed to publish a project without a stored secret.

One table holds every provider's publishers, with a column for each provider's fields (the
columns of the other providers stay empty): one lookup, one list and one foreign key serve
them all, and a check constraint keeps each row's own fields filled. A ``TrustedPublisher``
belongs to one project; the same workflow registered on several projects is one row per
project (``packages.oidc.publishers`` treats rows with the same configuration as one
publisher). A ``PendingPublisher`` is registered by a user for a project that does not exist
yet and creates it on first use; it expires after ``PENDING_PUBLISHER_DAYS``.

``UsedJti`` remembers the CI tokens already exchanged, until they expire (replay protection
without Redis; ``packages.oidc.replay``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .project import Project

PENDING_PUBLISHER_DAYS = 30


class Provider(models.TextChoices):
    """The CI platforms whose OIDC tokens this index accepts (product names, untranslated)."""

    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    GOOGLE = "google", "Google"
    ACTIVESTATE = "activestate", "ActiveState"


# The columns each provider fills; the rest of a row's provider columns stay "".
PROVIDER_FIELDS: dict[str, tuple[str, ...]] = {
    Provider.GITHUB: (
        "repository_owner",
        "repository_owner_id",
        "repository_name",
        "workflow_filename",
        "environment",
    ),
    Provider.GITLAB: ("namespace", "gitlab_project", "workflow_filepath", "environment"),
    Provider.GOOGLE: ("email", "sub"),
    Provider.ACTIVESTATE: ("organization", "activestate_project_name", "actor", "actor_id"),
}

# A provider's fields that must not be empty.
_COMPLETE = (
    Q(
        provider=Provider.GITHUB,
        repository_owner__gt="",
        repository_name__gt="",
        workflow_filename__gt="",
    )
    | Q(provider=Provider.GITLAB, namespace__gt="", gitlab_project__gt="", workflow_filepath__gt="")
    | Q(provider=Provider.GOOGLE, email__gt="")
    | Q(
        provider=Provider.ACTIVESTATE,
        organization__gt="",
        activestate_project_name__gt="",
        actor_id__gt="",
    )
)

# What makes two configurations of a provider the same publisher (names compared as the
# provider compares them: GitHub repository names and GitLab paths regardless of case).
CONFIG_KEYS: dict[str, tuple[F | Lower, ...]] = {
    Provider.GITHUB: (
        F("repository_owner"),
        Lower("repository_name"),
        F("workflow_filename"),
        F("environment"),
    ),
    Provider.GITLAB: (
        Lower("namespace"),
        Lower("gitlab_project"),
        F("workflow_filepath"),
        F("environment"),
    ),
    Provider.GOOGLE: (F("email"), F("sub")),
    Provider.ACTIVESTATE: (F("organization"), F("activestate_project_name"), F("actor_id")),
}


def _unique_per_provider(prefix: str, *scope: F) -> list[models.UniqueConstraint]:
    return [
        models.UniqueConstraint(
            *scope, *keys, name=f"{prefix}_unique_{provider}", condition=Q(provider=provider)
        )
        for provider, keys in CONFIG_KEYS.items()
    ]


class PublisherConfig(models.Model):
    """A provider and its fields: what a CI token's claims are matched against (§7.3)."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    # GitHub Actions. The owner's numeric id is optional: without it the owner's name must
    # match exactly (an index that cannot ask GitHub's API for the id registers without it).
    repository_owner = models.CharField(_("owner"), max_length=100, blank=True)
    repository_owner_id = models.CharField(_("owner's numeric ID"), max_length=40, blank=True)
    repository_name = models.CharField(_("repository"), max_length=100, blank=True)
    workflow_filename = models.CharField(_("workflow"), max_length=255, blank=True)
    # GitHub and GitLab: "" accepts any environment (GitHub's is stored in lower case).
    environment = models.CharField(_("environment"), max_length=255, blank=True)
    # GitLab CI/CD (the project's path is namespace/gitlab_project).
    namespace = models.CharField(_("namespace"), max_length=255, blank=True)
    gitlab_project = models.CharField(_("project"), max_length=255, blank=True)
    workflow_filepath = models.CharField(_("workflow file path"), max_length=255, blank=True)
    # Google Cloud: a service account's address, and optionally its subject ("" = any).
    email = models.CharField(_("e-mail address"), max_length=254, blank=True)
    sub = models.CharField(_("subject"), max_length=255, blank=True)
    # ActiveState.
    organization = models.CharField(_("organization"), max_length=40, blank=True)
    activestate_project_name = models.CharField(_("project"), max_length=40, blank=True)
    actor = models.CharField(_("actor"), max_length=40, blank=True)
    actor_id = models.CharField(_("actor's ID"), max_length=100, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=_COMPLETE, name="%(class)s_fields_complete"),
        ]

    def __str__(self) -> str:
        """What the publisher is within its provider's namespace (the public index's
        "specifier": a workflow, an address, an ActiveState project)."""
        match self.provider:
            case Provider.GITHUB:
                return self.workflow_filename
            case Provider.GITLAB:
                return self.workflow_filepath
            case Provider.GOOGLE:
                return self.email
            case _:
                return f"{self.organization}/{self.activestate_project_name}"

    def config(self) -> dict[str, str]:
        """The provider's fields of this row, by column name."""
        return {name: getattr(self, name) for name in PROVIDER_FIELDS[self.provider]}


class TrustedPublisher(PublisherConfig):
    """A CI workflow allowed to publish ``project``."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="trusted_publishers"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            *PublisherConfig.Meta.constraints,
            *_unique_per_provider("trustedpublisher", F("project")),
        ]


class PendingPublisherQuerySet(models.QuerySet["PendingPublisher"]):
    def live(self) -> PendingPublisherQuerySet:
        """Pending publishers younger than ``PENDING_PUBLISHER_DAYS`` (the others are expired,
        whether or not housekeeping removed them yet)."""
        return self.filter(created__gt=PendingPublisher.cutoff())

    def expired(self) -> PendingPublisherQuerySet:
        return self.filter(created__lte=PendingPublisher.cutoff())


class PendingPublisher(PublisherConfig):
    """A publisher for a project that does not exist yet: its first use creates the project,
    owned by ``added_by``. The same configuration can be pending only once (for one name)."""

    project_name = models.CharField(_("project name"), max_length=200)
    # PEP 503 form of project_name, to find every pending publisher of a name.
    normalized_name = models.CharField(max_length=200, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_publishers"
    )

    objects = PendingPublisherQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            *PublisherConfig.Meta.constraints,
            *_unique_per_provider("pendingpublisher"),
        ]

    @staticmethod
    def cutoff() -> datetime:
        return timezone.now() - timedelta(days=PENDING_PUBLISHER_DAYS)

    @property
    def expires(self) -> datetime:
        return self.created + timedelta(days=PENDING_PUBLISHER_DAYS)


class UsedJti(models.Model):
    """A CI token's ``jti`` claim, kept until the token expires: a token is exchanged once."""

    jti = models.CharField(max_length=255, unique=True)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.jti
