"""Which publisher a verified CI token speaks for (§7.2 steps 3-4, §7.3's claim rules).

The interface for the token endpoint and the upload identity:

- ``find_publisher(provider, claims)``: the ``TrustedPublisher`` or ``PendingPublisher`` whose
  configuration the token's claims satisfy, or ``OIDCError("invalid-publisher", …)`` naming
  why none does. A pending publisher whose project does not exist yet comes first (its first
  use creates the project, as on the public index); otherwise a real publisher; a pending one
  whose project exists meanwhile only when no real one matches (``reify`` then refuses it).
- ``reify(pending, actor=…)``: create the pending publisher's project and turn it into a real
  publisher (``invalid-pending-publisher`` when the project exists).
- ``projects_for(publisher, claims)``: every project whose publisher accepts these claims with
  the same configuration (one workflow may publish several projects); the minted token is
  valid for all of them.
- ``publisher_label`` / ``publisher_url``: the publisher in words ("GitHub Actions from
  octo/repo") and its repository's address, for events, mail and the project page.

``claims`` are the token's verified claims (signature, issuer, audience, expiry and the
``jti``'s single use are ``packages.oidc.verify``'s and ``replay``'s business). Matching reads
only the database; ``reify`` is the one function here that writes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import ports as account_ports

from ..models import (
    PendingPublisher,
    Project,
    ProjectEventTag,
    Provider,
    PublisherConfig,
    TrustedPublisher,
)
from ..names import normalize_name
from ..services import events, notify, projects
from ..services.events import Actor
from ..services.refusals import Refused
from .errors import OIDCError

Claims = Mapping[str, Any]
P = TypeVar("P", bound=PublisherConfig)

NOT_FOUND = "Publisher with matching claims was not found"
PROJECT_EXISTS = "valid token, but project already exists"


class NoMatch(Exception):
    """Why no publisher accepts the claims (the "(<why>)" of ``invalid-publisher``)."""


# --- The claim rules of each provider --------------------------------------------------------


def _missing(claims: Claims, names: Iterable[str]) -> None:
    for name in names:
        if claims.get(name) is None:
            raise NoMatch(f"Missing claim {name!r}")


def _failed(name: str, *, optional: bool = False) -> NoMatch:
    kind = "optional" if optional else "required"
    return NoMatch(f"Check failed for {kind} claim {name!r}")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# A workflow file name inside a GitHub workflow ref ("owner/repo/.github/workflows/x.yml@ref"),
# or a file path inside a GitLab ci_config_ref_uri ("host/group/project//path/x.yml@ref"): the
# name itself may contain "@", so the match is anchored on the suffix and the "@" after it.
_GITHUB_WORKFLOW = re.compile(r"[^/]+\.(?:yml|yaml)(?=@)")
_GITLAB_WORKFLOW = re.compile(r"(?<=//).+[^/]\.(?:yml|yaml)(?=@)")


@dataclasses.dataclass(frozen=True)
class Rules:
    """One provider's §7.3 rules: the claims a token must carry, how to narrow the rows to the
    candidates (most specific first, as tiers), and the checks each candidate must pass."""

    required: tuple[str, ...]
    candidates: Callable[[QuerySet[Any], Claims], list[list[Any]]]
    verify: Callable[[PublisherConfig, Claims], None]


def _tiers(rows: Sequence[P], specific: Callable[[P], bool], generic: Callable[[P], bool]):
    """The rows constrained by the token's optional claim, then the unconstrained ones: a
    publisher bound to an environment (or a subject) beats one that accepts any."""
    return [[r for r in rows if specific(r)], [r for r in rows if generic(r)]]


def _github_candidates(rows: QuerySet[Any], claims: Claims) -> list[list[Any]]:
    owner, _sep, name = _text(claims["repository"]).partition("/")
    workflow = _GITHUB_WORKFLOW.search(_text(claims["job_workflow_ref"]))
    if workflow is None:
        raise NoMatch("Could not extract workflow filename from OIDC claims")
    if not (owner and name):
        raise NoMatch(NOT_FOUND)
    owner_id = _text(claims["repository_owner_id"])
    found = list(
        rows.filter(
            provider=Provider.GITHUB,
            repository_owner__iexact=owner,
            repository_name__iexact=name,
            workflow_filename=workflow.group(0),
        ).filter(repository_owner_id__in=("", owner_id))
    )
    environment = _text(claims.get("environment")).lower()
    return _tiers(
        found,
        lambda r: bool(environment) and r.environment == environment,
        lambda r: r.environment == "",
    )


def _github_verify(publisher: PublisherConfig, claims: Claims) -> None:
    repository = _text(claims["repository"])
    if repository.lower() != f"{publisher.repository_owner}/{publisher.repository_name}".lower():
        raise _failed("repository")
    # The owner's name exactly as GitHub spells it; its numeric id (when registered) too, so
    # that a deleted account re-registered under the same name cannot publish.
    if _text(claims["repository_owner"]) != publisher.repository_owner:
        raise _failed("repository_owner")
    if publisher.repository_owner_id and (
        _text(claims["repository_owner_id"]) != publisher.repository_owner_id
    ):
        raise _failed("repository_owner_id")
    refs = [r for r in (_text(claims["ref"]), _text(claims["sha"])) if r]
    if not refs:
        raise NoMatch("The ref and sha claims are empty")
    workflow = f"{repository}/.github/workflows/{publisher.workflow_filename}"
    expected = sorted(f"{workflow}@{ref}" for ref in refs)
    signed = _text(claims["job_workflow_ref"])
    if signed not in expected:
        raise NoMatch(
            "The job_workflow_ref claim does not match, expecting one of "
            f"{expected!r}, got {signed!r}"
        )
    if claims.get("event_name") == "pull_request_target":
        raise NoMatch(
            "Publishing from a workflow invoked via 'pull_request_target' is not supported"
        )
    environment = _text(claims.get("environment"))
    if publisher.environment and environment.lower() != publisher.environment.lower():
        raise _failed("environment", optional=True)


def _gitlab_candidates(rows: QuerySet[Any], claims: Claims) -> list[list[Any]]:
    namespace, _sep, project = _text(claims["project_path"]).rpartition("/")
    workflow = _GITLAB_WORKFLOW.search(_text(claims["ci_config_ref_uri"]))
    if workflow is None:
        raise NoMatch("Could not extract workflow filename from OIDC claims")
    if not (namespace and project):
        raise NoMatch(NOT_FOUND)
    found = list(
        rows.filter(
            provider=Provider.GITLAB,
            namespace__iexact=namespace,
            gitlab_project__iexact=project,
            workflow_filepath=workflow.group(0),
        )
    )
    # GitLab's environment names are case-sensitive.
    environment = _text(claims.get("environment"))
    return _tiers(
        found,
        lambda r: bool(environment) and r.environment == environment,
        lambda r: r.environment == "",
    )


def _gitlab_verify(publisher: PublisherConfig, claims: Claims) -> None:
    path = f"{publisher.namespace}/{publisher.gitlab_project}"
    sub = _text(claims["sub"]).split(":")
    if len(sub) < 2 or f"{sub[0]}:{sub[1]}".lower() != f"project_path:{path}".lower():
        raise _failed("sub")
    signed_path = _text(claims["project_path"])
    if signed_path.lower() != path.lower():
        raise _failed("project_path")
    ref_path, sha = _text(claims["ref_path"]), _text(claims["sha"])
    if not (ref_path and sha):
        raise NoMatch("The ref_path and sha claims are empty")
    # The URI starts with the GitLab instance's host: gitlab.com, or a self-managed one.
    host = urlsplit(_text(claims.get("iss")) or "https://gitlab.com").netloc
    config = f"{host}/{signed_path}//{publisher.workflow_filepath}"
    expected = sorted(f"{config}@{ref}" for ref in (ref_path, sha))
    signed = _text(claims["ci_config_ref_uri"])
    if signed not in expected:
        raise NoMatch(
            "The ci_config_ref_uri claim does not match, expecting one of "
            f"{expected!r}, got {signed!r}"
        )
    if publisher.environment and _text(claims.get("environment")) != publisher.environment:
        raise _failed("environment", optional=True)


def _google_candidates(rows: QuerySet[Any], claims: Claims) -> list[list[Any]]:
    found = list(rows.filter(provider=Provider.GOOGLE, email=_text(claims["email"])))
    sub = _text(claims.get("sub"))
    return _tiers(found, lambda r: bool(sub) and r.sub == sub, lambda r: r.sub == "")


def _google_verify(publisher: PublisherConfig, claims: Claims) -> None:
    if _text(claims["email"]) != publisher.email:
        raise _failed("email")
    if claims["email_verified"] is not True:
        raise _failed("email_verified")
    if publisher.sub and _text(claims.get("sub")) != publisher.sub:
        raise _failed("sub", optional=True)


def _activestate_candidates(rows: QuerySet[Any], claims: Claims) -> list[list[Any]]:
    found = rows.filter(
        provider=Provider.ACTIVESTATE,
        organization=_text(claims["organization"]),
        activestate_project_name=_text(claims["project"]),
        actor_id=_text(claims["actor_id"]),
    )
    return [list(found)]


def _activestate_verify(publisher: PublisherConfig, claims: Claims) -> None:
    sub = _text(claims["sub"]).split(":")
    if len(sub) < 4:
        raise NoMatch("Invalid 'subject' claim. Wrong format")
    expected = f"org:{publisher.organization}:project:{publisher.activestate_project_name}"
    if ":".join(sub[:4]) != expected:
        raise NoMatch("Invalid 'subject' claim")
    for claim, stored in (
        ("organization", publisher.organization),
        ("project", publisher.activestate_project_name),
        ("actor_id", publisher.actor_id),
    ):
        if _text(claims[claim]) != stored:
            raise _failed(claim)
    if claims["builder"] != "pypi-publisher":
        raise _failed("builder")


RULES: dict[str, Rules] = {
    Provider.GITHUB: Rules(
        required=(
            "repository",
            "repository_owner",
            "repository_owner_id",
            "job_workflow_ref",
            "jti",
            "ref",
            "sha",
        ),
        candidates=_github_candidates,
        verify=_github_verify,
    ),
    Provider.GITLAB: Rules(
        required=("sub", "project_path", "ci_config_ref_uri", "jti", "ref_path", "sha"),
        candidates=_gitlab_candidates,
        verify=_gitlab_verify,
    ),
    Provider.GOOGLE: Rules(
        required=("email", "email_verified"),
        candidates=_google_candidates,
        verify=_google_verify,
    ),
    Provider.ACTIVESTATE: Rules(
        required=("sub", "organization", "project", "actor_id", "builder"),
        candidates=_activestate_candidates,
        verify=_activestate_verify,
    ),
}


# --- Finding the publisher ---------------------------------------------------------------------


def matching(rows: QuerySet[P], provider: str, claims: Claims) -> list[P]:
    """Every row of ``rows`` that accepts ``claims``, from the most specific tier that has
    candidates (an environment-bound publisher hides the generic ones for that environment).

    Raises ``NoMatch`` with the public index's reason when none does.
    """
    rules = RULES.get(provider)
    if rules is None:
        raise NoMatch(f"Unknown trusted publishing provider {provider!r}")
    _missing(claims, rules.required)
    tier = next((t for t in rules.candidates(rows, claims) if t), None)
    if tier is None:
        raise NoMatch(NOT_FOUND)
    accepted, first_failure = [], None
    for row in tier:
        try:
            rules.verify(row, claims)
        except NoMatch as failure:
            first_failure = first_failure or failure
        else:
            accepted.append(row)
    if not accepted:
        assert first_failure is not None
        raise first_failure
    return accepted


def find_publisher(provider: str, claims: Claims) -> TrustedPublisher | PendingPublisher:
    """The publisher the token speaks for (see the module's docstring for the order).

    Raises ``OIDCError("invalid-publisher", "valid token, but no corresponding publisher
    (<why>)")`` when no publisher, pending or not, accepts the claims.
    """
    try:
        pending = matching(PendingPublisher.objects.live(), provider, claims)[0]
    except NoMatch:
        pending = None
    if pending is not None and not _project_exists(pending.project_name):
        return pending
    try:
        return matching(TrustedPublisher.objects.select_related("project"), provider, claims)[0]
    except NoMatch as why:
        if pending is not None:
            return pending
        raise OIDCError(
            "invalid-publisher", f"valid token, but no corresponding publisher ({why})"
        ) from None


def publishers_for(publisher: TrustedPublisher, claims: Claims) -> list[TrustedPublisher]:
    """Every publisher (of any project) with ``publisher``'s provider that accepts ``claims``:
    those a token minted for these claims speaks for."""
    try:
        return matching(
            TrustedPublisher.objects.select_related("project"), publisher.provider, claims
        )
    except NoMatch:
        return []


def projects_for(publisher: TrustedPublisher, claims: Claims) -> list[Project]:
    """The projects the token may publish: those of every publisher with ``publisher``'s
    configuration that accepts ``claims`` (by name)."""
    unique = {row.project.pk: row.project for row in publishers_for(publisher, claims)}
    return sorted(unique.values(), key=lambda p: p.normalized_name)


def _project_exists(name: str) -> bool:
    return Project.objects.filter(normalized_name=normalize_name(name)).exists()


# --- Words and addresses ----------------------------------------------------------------------


def repository_of(publisher: PublisherConfig) -> str:
    """Where the publisher publishes from: "OWNER/REPO", "NAMESPACE/PROJECT", the Google
    service account's address, "ORGANIZATION/PROJECT" on ActiveState."""
    match publisher.provider:
        case Provider.GITHUB:
            return f"{publisher.repository_owner}/{publisher.repository_name}"
        case Provider.GITLAB:
            return f"{publisher.namespace}/{publisher.gitlab_project}"
        case Provider.GOOGLE:
            return publisher.email
        case _:
            return f"{publisher.organization}/{publisher.activestate_project_name}"


def publisher_label(publisher: PublisherConfig) -> str:
    """The publisher in words, in the active language: "GitHub Actions from octo/repo"."""
    where = repository_of(publisher)
    match publisher.provider:
        case Provider.GITHUB:
            return _("GitHub Actions from {repository}").format(repository=where)
        case Provider.GITLAB:
            return _("GitLab CI/CD from {repository}").format(repository=where)
        case Provider.GOOGLE:
            return _("Google Cloud as {email}").format(email=where)
        case _:
            return _("ActiveState from {project}").format(project=where)


def recorded_label(publisher: PublisherConfig) -> str:
    """``publisher_label`` as records keep it (events): in the source language."""
    with translation.override(None):
        return publisher_label(publisher)


def publisher_url(publisher: PublisherConfig, claims: Claims | None = None) -> str | None:
    """The publisher's repository (with the commit the token was made for, given ``claims``
    with a ``sha``); None for Google, which has no repository."""
    sha = _text((claims or {}).get("sha"))
    match publisher.provider:
        case Provider.GITHUB:
            base = f"https://github.com/{publisher.repository_owner}/{publisher.repository_name}"
        case Provider.GITLAB:
            host = getattr(settings, "OIDC_GITLAB_ISSUER", "") or "https://gitlab.com"
            base = f"{host.rstrip('/')}/{publisher.namespace}/{publisher.gitlab_project}"
        case Provider.ACTIVESTATE:
            return (
                "https://platform.activestate.com/"
                f"{publisher.organization}/{publisher.activestate_project_name}"
            )
        case _:
            return None
    return f"{base}/commit/{sha}" if sha else base


def event_details(publisher: PublisherConfig) -> dict[str, Any]:
    """What a project event records about a publisher (the history shows ``publisher``)."""
    return {
        "publisher": recorded_label(publisher),
        "publisher_name": Provider(publisher.provider).label,
        "specifier": str(publisher),
        "url": publisher_url(publisher),
    }


# --- Turning a pending publisher into a real one -----------------------------------------------


def reify(pending: PendingPublisher, *, actor: Actor) -> TrustedPublisher:
    """Create ``pending``'s project, owned by the user who registered it, and make ``pending``
    its (real) trusted publisher.

    ``actor`` is the request (its address and user agent); the project is created in the name
    of ``pending.added_by``, without the new-project rate limit (the name was checked when the
    publisher was registered and is checked again here). Records ``project:create`` and
    ``project:oidc:publisher-added``, mails the user ``pending-trusted-publisher-reified``, and
    removes (mailing their owners) the other pending publishers for the same name.

    Raises ``OIDCError("invalid-pending-publisher", …)`` when the project exists meanwhile (or
    the name is no longer allowed); the pending publisher is then deleted. The deletion is kept
    only if the caller's transaction commits: call this outside ``transaction.atomic``.
    """
    owner = dataclasses.replace(actor, user=pending.added_by)
    refusal: OIDCError | None = None
    with transaction.atomic():
        current = PendingPublisher.objects.select_for_update().filter(pk=pending.pk).first()
        if current is None:  # used by a concurrent request, which created the project
            raise OIDCError("invalid-pending-publisher", PROJECT_EXISTS)
        refusal = _refusal(current)
        if refusal is None:
            publisher = _create(current, owner)
        elif refusal.code == "invalid-pending-publisher":
            current.delete()
    if refusal is not None:
        raise refusal
    return publisher


def _refusal(pending: PendingPublisher) -> OIDCError | None:
    if _project_exists(pending.project_name):
        return OIDCError("invalid-pending-publisher", PROJECT_EXISTS)
    if account_ports.is_on(account_ports.Switch.DISALLOW_NEW_PROJECT_REGISTRATION):
        # Not the publisher's fault: it stays, and works once registration is open again.
        return OIDCError(
            "not-enabled", "valid token, but new project registration is temporarily disabled"
        )
    try:
        projects.check_name_available(pending.project_name)
    except Refused as refused:
        return OIDCError(
            "invalid-pending-publisher",
            f"valid token, but the project name is not available ({refused.message})",
        )
    return None


def _create(pending: PendingPublisher, owner: Actor) -> TrustedPublisher:
    user = pending.added_by
    try:
        project = projects.create_project_for(user, pending.project_name, actor=owner)
    except Refused:  # created meanwhile under another spelling
        raise OIDCError("invalid-pending-publisher", PROJECT_EXISTS) from None
    publisher = TrustedPublisher.objects.create(
        project=project, provider=pending.provider, added_by=user, **pending.config()
    )
    events.record(
        project,
        ProjectEventTag.OIDC_PUBLISHER_ADD,
        owner,
        id=publisher.pk,
        reified_from_pending_publisher=True,
        **event_details(publisher),
    )
    stale = PendingPublisher.objects.filter(normalized_name=pending.normalized_name).exclude(
        pk=pending.pk
    )
    for other in stale.select_related("added_by"):
        notify.send(
            [other.added_by],
            "pending-trusted-publisher-invalidated",
            other.project_name,
            owner,
            publisher=publisher_label(other),
        )
    stale.delete()
    pending.delete()
    notify.send(
        [user],
        "pending-trusted-publisher-reified",
        project.name,
        owner,
        publisher=publisher_label(publisher),
        publisher_url=publisher_url(publisher) or "",
    )
    return publisher
