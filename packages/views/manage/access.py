"""Who reaches a project's management pages, and with what role.

Anyone without a role on the project gets a 404, as if it did not exist: the pages do not tell
who works on which project. Collaborators see every page; actions that change the project need
``Permission.WRITE`` (Owners), and a refused one answers 403 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache

from accounts.gates import two_factor_required
from accounts.http import AuthenticatedHttpRequest
from accounts.sudo import confirm_url, recently_confirmed

from ...models import Project, Role
from ...permissions import Permission, management_denial, role_of
from ...services.events import Actor


@dataclass(frozen=True)
class Access:
    project: Project
    role: Role

    def may(self, permission: Permission) -> bool:
        return management_denial(self.role, self.project, permission) is None

    @property
    def can_write(self) -> bool:
        return self.may(Permission.WRITE)

    @property
    def write_denial(self) -> str | None:
        return management_denial(self.role, self.project, Permission.WRITE)


def project_access(
    request: AuthenticatedHttpRequest, name: str, permission: Permission = Permission.READ
) -> Access:
    """The project named and the user's role on it; 404 without a role, 403 without the
    permission."""
    project = Project.objects.find_by_name(name)
    role = role_of(request.user, project) if project is not None else None
    if project is None or role is None:
        raise Http404(name)
    denial = management_denial(role, project, permission)
    if denial:
        raise PermissionDenied(denial)
    return Access(project=project, role=role)


def actor(request: AuthenticatedHttpRequest) -> Actor:
    return Actor.from_request(request, request.user)


def management_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login with a second factor and a verified address; never cached, refusals included
    (a 404 or 403 raised inside is answered here, so that it carries the same headers)."""

    @wraps(view)
    def answered(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (Http404, PermissionDenied) as refusal:
            return response_for_exception(request, refusal)

    return never_cache(two_factor_required(answered))


def sudo_for_changes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like ``sudo_required``, for a page that is read freely and changes on POST: only a POST
    needs a recent password (the user confirms it and comes back to the page)."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not recently_confirmed(request):
            return HttpResponseRedirect(confirm_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
