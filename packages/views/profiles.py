"""``/user/<username>/``: a user's public profile and the projects they have a role on."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import User

from ..models import Project, Release


def profile_user(username: str) -> User:
    """The user named ``username`` (usernames are case-insensitively unique); 404 otherwise."""
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise Http404(username)
    return user


def profile_projects(user: User) -> QuerySet[Project]:
    """The installable projects ``user`` has a role on that have an installable release, each
    with its latest release's ``latest_version``, ``latest_summary`` and ``latest_created``;
    most recently released first."""
    latest = Release.objects.installable().filter(project=OuterRef("pk")).latest_first()
    return (
        Project.objects.installable()
        .filter(roles__user=user)
        .annotate(
            latest_version=Subquery(latest.values("version")[:1]),
            latest_summary=Subquery(latest.values("summary")[:1]),
            latest_created=Subquery(latest.values("created")[:1]),
        )
        .filter(latest_version__isnull=False)
        .order_by("-latest_created", "normalized_name")
    )


@require_safe
def user_profile(request: HttpRequest, username: str) -> HttpResponse:
    user = profile_user(username)
    if username != user.username:
        return HttpResponsePermanentRedirect(user.get_absolute_url())
    return render(
        request,
        "packages/profile.html",
        {"profile": user, "projects": list(profile_projects(user))},
    )
