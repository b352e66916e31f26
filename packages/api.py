"""The project management API: the maintainer actions of the web UI for automation (DRF).

``/api/projects/<name>/...`` reads a project's releases and collaborators, yanks and un-yanks
releases, deletes releases and files, and invites, changes and removes collaborators.

Authentication: an API token only (``Authorization: Bearer pypi-…``, ``Token pypi-…`` or Basic
with ``__token__``), never a session or a password, so no CSRF token is needed. Every request
then passes, in this order (docs/manage-api.md):

1. the project exists (404 otherwise);
2. the token's caveats (expiry, project scope, user) allow the project (403);
3. the token was created with the "upload and manage" permission (403);
4. the permission table (``packages.permissions``): no role answers 404, as an unknown project
   does, so that the API does not tell who works on which project; a Maintainer's write and any
   write to a quarantined project answer 403.

Changes go through the services (``packages/services/``), which journal, record the project
event naming the token, purge the CDN and mail collaborators; their ``Refused`` becomes the
answer's status and ``{"detail": message}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import ports as account_ports
from accounts import tokens
from accounts.identity import Identity, PasswordAuthRefused, identity_from_request
from accounts.models import User
from help.links import help_url

from .models import File, Project, Release, Role, RoleInvitation, RoleName
from .permissions import Permission, management_denial, role_of
from .services import invitations, releases, roles
from .services.events import Actor
from .services.refusals import Refused

PUBLISHER_TOKEN = gettext_lazy(
    "This is a trusted publisher's token: it uploads files and can do nothing else."
)
UPLOAD_ONLY = gettext_lazy(
    'This API token may only upload. Create a token with the "upload and manage" permission '
    "to manage projects."
)


class ReadOnly(exceptions.APIException):
    """The administrators' ``read-only`` switch is on: a temporary refusal (503, Retry-After)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("Read-only mode: project changes are temporarily disabled.")
    default_code = "read_only"
    wait = 300  # seconds; DRF's exception handler sends it as Retry-After


# Authentication -------------------------------------------------------------------------------


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """An API token and nothing else: no session, no password.

    ``request.user`` is the token's user and ``request.auth`` its ``Identity``. Every failure
    is a 401 with ``WWW-Authenticate: Bearer``.
    """

    def authenticate(self, request: Request) -> tuple[User, Identity]:
        django_request: HttpRequest = request._request
        if not django_request.META.get("HTTP_AUTHORIZATION", "").strip():
            raise exceptions.NotAuthenticated(
                _(
                    "Authentication credentials were not provided: send an API token in the "
                    "Authorization header (Bearer pypi-…). See {url}"
                ).format(url=help_url("apitoken"))
            )
        try:
            identity = identity_from_request(django_request)
        except PasswordAuthRefused:
            raise exceptions.AuthenticationFailed(
                _(
                    "Passwords are not accepted by this API: use an API token (Bearer pypi-…, "
                    "or the username __token__ with the token as the password). See {url}"
                ).format(url=help_url("apitoken"))
            ) from None
        if identity is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "Invalid or non-existent authentication information. "
                    "See {url} for more information."
                ).format(url=help_url("invalid-auth"))
            )
        if identity.user is None:
            raise exceptions.PermissionDenied(PUBLISHER_TOKEN)
        return identity.user, identity

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


# Lookups --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Managed:
    """A request that passed every check for a project: who acts, on what, with which role."""

    identity: Identity
    project: Project
    role: Role
    actor: Actor


def authorize(request: Request, name: str, permission: Permission) -> Managed:
    """The project ``name`` if this request's token and its user may ``permission`` on it.

    Raises the API's answer otherwise (see the module's docstring for the order).
    """
    identity = request.auth
    if not isinstance(identity, Identity):  # the authentication class admits nothing else
        raise exceptions.NotAuthenticated()
    project = Project.objects.find_by_name(name)
    if project is None:
        raise exceptions.NotFound()
    denial = identity.denial(project)
    if denial:
        raise exceptions.PermissionDenied(denial)
    if not identity.token.row.can_manage:
        raise exceptions.PermissionDenied(UPLOAD_ONLY)
    assert identity.user is not None  # ApiTokenAuthentication admits users' tokens only
    role = role_of(identity.user, project)
    if role is None:
        raise exceptions.NotFound()  # the same answer as an unknown project
    refusal = management_denial(role, project, permission)
    if refusal:
        raise exceptions.PermissionDenied(refusal)
    if permission is Permission.WRITE and account_ports.is_on(account_ports.Switch.READ_ONLY):
        raise ReadOnly()
    tokens.record_use(identity.token)
    actor = Actor.from_request(request._request, identity.user, token=identity.token_label)
    return Managed(identity=identity, project=project, role=role, actor=actor)


def release_of(project: Project, version: str) -> Release:
    release = project.releases.find_by_version(version)
    if release is None:
        raise exceptions.NotFound(
            _("Project '{project}' has no release {version}.").format(
                project=project.name, version=version
            )
        )
    return release


def file_of(project: Project, filename: str) -> File:
    file = (
        File.objects.filter(release__project=project, filename=filename)
        .select_related("release__project")
        .first()
    )
    if file is None:
        raise exceptions.NotFound(
            _("Project '{project}' has no file {filename}.").format(
                project=project.name, filename=filename
            )
        )
    return file


def user_named(username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise exceptions.NotFound(_("No user found"))
    return user


def role_named(project: Project, username: str) -> Role | None:
    return project.roles.select_related("user").filter(user__username__iexact=username).first()


def pending_invitation_of(project: Project, username: str) -> RoleInvitation | None:
    return (
        RoleInvitation.objects.pending()
        .filter(project=project, user__username__iexact=username)
        .first()
    )


# Documents ------------------------------------------------------------------------------------

_datetime = serializers.DateTimeField()


def release_document(release: Release) -> dict[str, Any]:
    return {
        "version": release.version,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason,
        "files": sorted(f.filename for f in release.files.all()),
    }


def project_document(project: Project, role: Role) -> dict[str, Any]:
    """The project, its releases (highest version first) and their files."""
    rows = (
        Release.objects.filter(project=project)
        .order_by("-sort_key")
        .prefetch_related(Prefetch("files", queryset=File.objects.only("filename", "release")))
    )
    return {
        "name": project.name,
        "lifecycle_status": project.status,
        "your_role": role.role_name,
        "releases": [release_document(r) for r in rows],
    }


def invitation_document(invitation: RoleInvitation) -> dict[str, Any]:
    return {
        "username": invitation.user.username,
        "role": invitation.role_name,
        "expires": _datetime.to_representation(invitation.expires),
    }


def collaborators_document(project: Project) -> dict[str, Any]:
    people = project.roles.select_related("user").order_by("user__username")
    pending = (
        RoleInvitation.objects.pending()
        .filter(project=project)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "collaborators": [{"username": r.user.username, "role": r.role_name} for r in people],
        "invitations": [invitation_document(i) for i in pending],
    }


# Request bodies -------------------------------------------------------------------------------


class YankSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=RoleName.choices)


class InviteSerializer(RoleSerializer):
    username = serializers.CharField(max_length=100)


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The request's body as ``serializer_class`` validates it (400 with its field errors)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# Views ----------------------------------------------------------------------------------------


class ManageView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Refused):
            return Response({"detail": exc.message}, status=exc.status)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class ProjectDetail(ManageView):
    """``GET /api/projects/<name>/``"""

    def get(self, request: Request, name: str) -> Response:
        managed = authorize(request, name, Permission.READ)
        return Response(project_document(managed.project, managed.role))


class ReleaseDetail(ManageView):
    """``DELETE /api/projects/<name>/releases/<version>/``"""

    def delete(self, request: Request, name: str, version: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        releases.delete_release(release_of(managed.project, version), actor=managed.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class YankRelease(ManageView):
    """``POST /api/projects/<name>/releases/<version>/yank/`` with ``{"reason": "…"}``"""

    def post(self, request: Request, name: str, version: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        release = release_of(managed.project, version)
        body = valid(YankSerializer, request)
        releases.yank_release(release, actor=managed.actor, reason=body["reason"])
        return Response(release_document(release))


class UnyankRelease(ManageView):
    """``POST /api/projects/<name>/releases/<version>/unyank/``"""

    def post(self, request: Request, name: str, version: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        release = release_of(managed.project, version)
        releases.unyank_release(release, actor=managed.actor)
        return Response(release_document(release))


class FileDetail(ManageView):
    """``DELETE /api/projects/<name>/files/<filename>/``"""

    def delete(self, request: Request, name: str, filename: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        releases.delete_file(file_of(managed.project, filename), actor=managed.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Collaborators(ManageView):
    """``GET`` the roles and pending invitations; ``POST {"username", "role"}`` invites."""

    def get(self, request: Request, name: str) -> Response:
        managed = authorize(request, name, Permission.READ)
        return Response(collaborators_document(managed.project))

    def post(self, request: Request, name: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        body = valid(InviteSerializer, request)
        user = user_named(body["username"])
        invitation = invitations.invite(
            managed.project, user, RoleName(body["role"]), actor=managed.actor
        )
        return Response(invitation_document(invitation), status=status.HTTP_201_CREATED)


class Collaborator(ManageView):
    """``PATCH {"role"}`` changes a role; ``DELETE`` removes it, or revokes the invitation of a
    user who has no role yet."""

    def patch(self, request: Request, name: str, username: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        role = role_named(managed.project, username)
        if role is None:
            raise exceptions.NotFound(_("No collaborator found"))
        body = valid(RoleSerializer, request)
        roles.change_role(role, RoleName(body["role"]), actor=managed.actor)
        return Response({"username": role.user.username, "role": role.role_name})

    def delete(self, request: Request, name: str, username: str) -> Response:
        managed = authorize(request, name, Permission.WRITE)
        role = role_named(managed.project, username)
        if role is not None:
            roles.remove_role(role, actor=managed.actor)
            return Response(status=status.HTTP_204_NO_CONTENT)
        invitation = pending_invitation_of(managed.project, username)
        if invitation is None:
            raise exceptions.NotFound(_("No collaborator or pending invitation found"))
        invitations.revoke(invitation, actor=managed.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
