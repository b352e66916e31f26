"""Administrators' switches, prohibited names, trusted reporters and malware reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from packages.names import PROJECT_NAME_PATTERN


class AdminFlagQuerySet(models.QuerySet["AdminFlag"]):
    def is_on(self, flag_id: str) -> bool:
        return self.filter(id=flag_id, enabled=True).exists()


class AdminFlag(models.Model):
    """A site-wide switch (read-only mode, no new users/projects/uploads, ...)."""

    id = models.CharField(max_length=100, primary_key=True)
    description = models.TextField()
    enabled = models.BooleanField(default=False)
    notify = models.BooleanField(
        default=False, help_text=_("Show a banner on every page while the switch is on.")
    )

    objects = AdminFlagQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id


class Prohibition(models.Model):
    """What every prohibition records: when, by whom, and the staff's comment."""

    created = models.DateTimeField(auto_now_add=True)
    prohibited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(blank=True)

    class Meta:
        abstract = True


class ProhibitedProjectName(Prohibition):
    """A name no new project may take (stored PEP 503-normalised)."""

    name = models.CharField(max_length=200, unique=True)
    # The report whose verdict prohibited the name, if one did.
    report = models.ForeignKey(
        "MalwareReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(name__regex=PROJECT_NAME_PATTERN),
                name="prohibited_name_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProhibitedUserName(Prohibition):
    """A username no new account may take (stored lower-case; compared case-insensitively)."""

    name = models.CharField(max_length=150, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProhibitedEmailDomain(Prohibition):
    """A mail domain no account may register or add an address at (its subdomains included)."""

    domain = models.CharField(max_length=255, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class Observer(models.Model):
    """A trusted reporter: their malware reports weigh more (auto-quarantine) and they may
    report through the JSON API with an API token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observer"
    )
    created = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(blank=True)

    def __str__(self) -> str:
        return str(self.user)


class ReportKind(models.TextChoices):
    MALWARE = "is_malware", _("Malware")
    SPAM = "is_spam", _("Spam")
    DEPENDENCY_CONFUSION = "is_dependency_confusion", _("Dependency confusion")
    TYPOSQUATTING = "is_typosquatting", _("Typosquatting")
    SOMETHING_ELSE = "something_else", _("Something else")


class Verdict(models.TextChoices):
    OPEN = "", _("Open")
    NOT_MALWARE = "not_malware", _("Not malware")
    QUARANTINED = "quarantined", _("Project quarantined")
    REMOVED = "removed", _("Project removed and its name prohibited")


class MalwareReportQuerySet(models.QuerySet["MalwareReport"]):
    def open(self) -> MalwareReportQuerySet:
        return self.filter(verdict=Verdict.OPEN)


class MalwareReport(models.Model):
    """A report that a project is malicious (or spam, ...), by a user or a trusted observer.

    ``project_name`` keeps the name the report was about after the project is removed.
    """

    project = models.ForeignKey(
        "packages.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="malware_reports",
    )
    project_name = models.CharField(max_length=200, db_index=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="malware_reports",
    )
    by_observer = models.BooleanField(
        default=False, help_text=_("The reporter was a trusted observer when reporting.")
    )
    kind = models.CharField(max_length=40, choices=ReportKind.choices)
    summary = models.TextField()
    evidence = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    verdict = models.CharField(
        max_length=20, choices=Verdict.choices, default=Verdict.OPEN, blank=True, db_index=True
    )
    verdict_note = models.TextField(blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verdict_at = models.DateTimeField(null=True, blank=True)

    objects = MalwareReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.project_name}: {self.get_kind_display()} ({self.created:%Y-%m-%d})"
