"""Registering trusted publishers: a project's (by its Owners) and pending ones (by any user
with a verified address, for a project that does not exist yet), and expiring pending ones.

Publishers are not visible to clients, so nothing here is journalled (no serial moves); a
project's publishers changing records a project event and mails its Owners. Every refusal is a
``Refused`` with the public index's words (§7.4); ``NameRefused`` marks the ones about the
pending publisher's project name, so that a form can show them next to that field.

The format of each field (a GitHub owner's name, a workflow's file name…) is the forms'
business (``packages.forms_publishing``), which the pages and ``manage.py addpublisher`` share;
these services take the fields as the forms clean them, and normalise what the provider
compares without regard to case or blanks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import events as account_events
from accounts import ports as account_ports
from accounts import ratelimit, readiness
from accounts.events import EventTag
from accounts.models import User
from help.links import help_url

from ..models import (
    PENDING_PUBLISHER_DAYS,
    PendingPublisher,
    Project,
    ProjectEventTag,
    Provider,
    TrustedPublisher,
)
from ..models.publishers import PROVIDER_FIELDS
from ..names import normalize_name
from ..oidc.publishers import event_details, publisher_label, publisher_url, recorded_label
from ..permissions import Permission, management_denial, role_of
from . import events, notify, projects
from .events import Actor
from .refusals import Refused

PENDING_LIMIT = 3
# Registrations a user (and an address) may attempt a day, project and pending ones alike.
REGISTRATION_LIMITS = [(100, 24 * 3600)]


class NameRefused(Refused):
    """A refusal of the project name a pending publisher would create."""


def normalized(provider: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """The provider's columns from ``fields``: stripped, "" for what is missing or blank, a
    GitHub environment in lower case (GitHub compares environments regardless of case)."""
    if provider not in PROVIDER_FIELDS:
        raise Refused(400, _("Unknown trusted publishing provider."))
    config = {name: str(fields.get(name) or "").strip() for name in PROVIDER_FIELDS[provider]}
    if provider == Provider.GITHUB:
        config["environment"] = config["environment"].lower()
    return config


def same_config(provider: str, config: Mapping[str, str]) -> Q:
    """The rows with this configuration (as the tables' uniqueness rules compare it)."""
    match provider:
        case Provider.GITHUB:
            return Q(
                provider=provider,
                repository_owner=config["repository_owner"],
                repository_name__iexact=config["repository_name"],
                workflow_filename=config["workflow_filename"],
                environment=config["environment"],
            )
        case Provider.GITLAB:
            return Q(
                provider=provider,
                namespace__iexact=config["namespace"],
                gitlab_project__iexact=config["gitlab_project"],
                workflow_filepath=config["workflow_filepath"],
                environment=config["environment"],
            )
        case Provider.GOOGLE:
            return Q(provider=provider, email=config["email"], sub=config["sub"])
        case _:
            return Q(
                provider=provider,
                organization=config["organization"],
                activestate_project_name=config["activestate_project_name"],
                actor_id=config["actor_id"],
            )


def _check_enabled(provider: str) -> None:
    """Refuse while the administrators have switched trusted publishing (or this provider's)
    off. The per-provider switches are asked for when ``Switch`` has them."""
    if account_ports.is_on(account_ports.Switch.DISALLOW_OIDC):
        raise Refused(
            403,
            _("Trusted publishing is temporarily disabled. See {url} for details.").format(
                url=help_url("admin-intervention")
            ),
        )
    switch = getattr(account_ports.Switch, f"DISALLOW_{provider.upper()}_OIDC", None)
    if switch is not None and account_ports.is_on(switch):
        raise Refused(
            403,
            _(
                "{provider}-based trusted publishing is temporarily disabled. "
                "See {url} for details."
            ).format(provider=Provider(provider).label, url=help_url("admin-intervention")),
        )


def _count_registration(actor: Actor) -> None:
    """Count one registration attempt of the actor (user and address); 429 past the limits.
    An operator's command (no user, no address) is not limited."""
    keys = [("oidc-register-user", str(actor.user.pk) if actor.user else None)]
    keys.append(("oidc-register-ip", actor.ip_address))
    counted = [(scope, key) for scope, key in keys if key]
    if any(ratelimit.exceeded(scope, key, REGISTRATION_LIMITS) for scope, key in counted):
        raise Refused(
            429,
            _(
                "There have been too many attempted trusted publisher registrations. "
                "Try again later."
            ),
        )
    for scope, key in counted:
        ratelimit.hit(scope, key, REGISTRATION_LIMITS)


def _check_may_write(project: Project, actor: Actor) -> None:
    """Owners change a project's publishers; an operator's command (no user) may too."""
    if actor.user is None:
        return
    denial = management_denial(role_of(actor.user, project), project, Permission.WRITE)
    if denial:
        raise Refused(403, denial)


def _mail_owners(project: Project, notice: str, publisher: TrustedPublisher, actor: Actor) -> None:
    notify.send(
        notify.owners(project),
        notice,
        project.name,
        actor,
        publisher=publisher_label(publisher),
        specifier=str(publisher),
        publisher_url=publisher_url(publisher) or "",
    )


# --- A project's publishers --------------------------------------------------------------------


def add_publisher(
    project: Project, provider: str, fields: Mapping[str, Any], *, actor: Actor
) -> TrustedPublisher:
    """Let the CI workflow described by ``fields`` publish ``project``.

    Refuses (403) anyone but an Owner and while trusted publishing is switched off, (429) past
    the registration limit, (409) a configuration the project already has.
    """
    config = normalized(provider, fields)
    _check_enabled(provider)
    _check_may_write(project, actor)
    _count_registration(actor)
    publisher = TrustedPublisher(project=project, provider=provider, added_by=actor.user, **config)
    duplicate = Refused(
        409,
        _("{publisher} is already registered with {project}").format(
            publisher=publisher, project=project.name
        ),
    )
    try:
        with transaction.atomic():
            mine = TrustedPublisher.objects.filter(project=project)
            if mine.filter(same_config(provider, config)).exists():
                raise duplicate
            publisher.save()
            events.record(
                project,
                ProjectEventTag.OIDC_PUBLISHER_ADD,
                actor,
                id=publisher.pk,
                reified_from_pending_publisher=False,
                **event_details(publisher),
            )
            _mail_owners(project, "trusted-publisher-added", publisher, actor)
    except IntegrityError:  # the same configuration added at the same time
        raise duplicate from None
    return publisher


@transaction.atomic
def remove_publisher(publisher: TrustedPublisher, *, actor: Actor, by_staff: bool = False) -> None:
    """Stop ``publisher`` from publishing its project (its upload tokens stop working too:
    they name the publisher). ``by_staff``: an administrator in the admin, who need not be
    one of the project's Owners."""
    project = publisher.project
    if not by_staff:
        _check_may_write(project, actor)
    details = {"id": publisher.pk, **event_details(publisher)}
    _mail_owners(project, "trusted-publisher-removed", publisher, actor)
    publisher.delete()
    events.record(project, ProjectEventTag.OIDC_PUBLISHER_REMOVE, actor, **details)


# --- Pending publishers ------------------------------------------------------------------------


def _check_project_name(name: str, user: User) -> None:
    """The name must be free and allowed, as for any new project (invalid, prohibited,
    standard-library and too-similar names are refused with the upload's words)."""
    existing = Project.objects.find_by_name(name)
    if existing is not None:
        if management_denial(role_of(user, existing), existing, Permission.WRITE) is None:
            raise NameRefused(
                409,
                _(
                    "This project already exists: use the project's publishing settings "
                    "to create a Trusted Publisher for it."
                ),
            )
        raise NameRefused(409, _("This project already exists."))
    try:
        projects.check_name_available(name)
    except Refused as refused:
        raise NameRefused(refused.status, refused.message) from None


def add_pending_publisher(
    user: User,
    project_name: str,
    provider: str,
    fields: Mapping[str, Any],
    *,
    actor: Actor,
) -> PendingPublisher:
    """Register a publisher that will create ``project_name``, owned by ``user``, on its first
    use (within ``PENDING_PUBLISHER_DAYS``).

    Refuses (403) without a verified primary address and while trusted publishing is off,
    (400) a fourth pending publisher, (429) past the registration limit, (``NameRefused``) a
    name no new project may take, (409) a configuration already pending.
    """
    config = normalized(provider, fields)
    _check_enabled(provider)
    if not readiness.has_verified_primary_email(user):
        raise Refused(
            403,
            _(
                "You must have a verified email in order to register a pending trusted "
                "publisher. See {url} for details."
            ).format(url=help_url("trusted-publishers")),
        )
    if PendingPublisher.objects.live().filter(added_by=user).count() >= PENDING_LIMIT:
        raise Refused(400, _("You can't register more than 3 pending trusted publishers at once."))
    _count_registration(actor)
    project_name = project_name.strip()
    _check_project_name(project_name, user)
    duplicate = Refused(
        409,
        _(
            "This trusted publisher has already been registered. "
            "Please contact the administrators if this wasn't intentional."
        ),
    )
    try:
        with transaction.atomic():
            # An expired one no longer counts: it goes now rather than at the next housekeeping.
            PendingPublisher.objects.expired().filter(same_config(provider, config)).delete()
            if PendingPublisher.objects.filter(same_config(provider, config)).exists():
                raise duplicate
            pending = PendingPublisher.objects.create(
                project_name=project_name,
                normalized_name=normalize_name(project_name),
                added_by=user,
                provider=provider,
                **config,
            )
            _record_pending(pending, EventTag.PENDING_PUBLISHER_ADDED, actor)
            return pending
    except IntegrityError:
        raise duplicate from None


def remove_pending_publisher(pending: PendingPublisher, *, actor: Actor) -> None:
    """Remove a pending publisher: only the user who registered it (or an operator) may."""
    if actor.user is not None and actor.user.pk != pending.added_by_id:
        raise Refused(404, _("Invalid publisher ID"))
    _record_pending(pending, EventTag.PENDING_PUBLISHER_REMOVED, actor)
    pending.delete()


def _record_pending(pending: PendingPublisher, tag: EventTag, actor: Actor) -> None:
    """The registering user's security history: which pending publisher, for which name, and
    who acted (the user, or an operator)."""
    account_events.record(
        pending.added_by,
        tag,
        project=pending.project_name,
        publisher=recorded_label(pending),
        submitted_by=actor.username,
    )


@transaction.atomic
def expire_pending(*, dry_run: bool = False) -> int:
    """Remove the pending publishers older than ``PENDING_PUBLISHER_DAYS``, mailing each user
    ``pending-trusted-publisher-expired`` (housekeeping); returns how many."""
    expired = list(PendingPublisher.objects.expired().select_related("added_by"))
    if dry_run:
        return len(expired)
    nobody = Actor(user=None)
    for pending in expired:
        notify.send(
            [pending.added_by],
            "pending-trusted-publisher-expired",
            pending.project_name,
            nobody,
            publisher=publisher_label(pending),
            days=PENDING_PUBLISHER_DAYS,
        )
    PendingPublisher.objects.filter(pk__in=[p.pk for p in expired]).delete()
    return len(expired)
