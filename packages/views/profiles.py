"""``/user/<username>/``: a user's public profile and the projects they have a role on."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import User

from .. import selectors
from ..models import Project

# How many accent colours avatars pick from (``.avatar-hue-0`` to ``-7`` in site.css).
AVATAR_HUES = 8


def profile_user(username: str) -> User:
    """The active user named ``username`` (usernames are case-insensitively unique); 404
    otherwise: an unknown user and a deactivated account look the same."""
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404(username)
    return user


def profile_projects(user: User) -> QuerySet[Project]:
    """The installable projects ``user`` has a role on that have an installable release, each
    with its latest release's ``latest_version``, ``latest_summary``, ``latest_created`` and
    ``latest_prerelease``; most recently released first."""
    projects = Project.objects.installable().filter(roles__user=user)  # one role per user
    return selectors.with_latest_release(projects).order_by("-latest_created", "normalized_name")


def initials(user: User) -> str:
    """One or two letters standing for ``user`` in an avatar: the first letters of the first
    two words of their name, or the first letter of their username."""
    words = [w for w in user.name.split() if w[:1].isalnum()]
    if words:
        return "".join(w[0] for w in words[:2]).upper()
    return user.username[:1].upper()


def avatar_hue(user: User) -> int:
    """A colour for ``user``'s avatar that stays the same on every page and every visit."""
    return hashlib.sha256(user.username.lower().encode()).digest()[0] % AVATAR_HUES


@require_safe
def user_profile(request: HttpRequest, username: str) -> HttpResponse:
    user = profile_user(username)
    if username != user.username:
        return HttpResponsePermanentRedirect(user.get_absolute_url())
    return render(
        request,
        "packages/profile.html",
        {
            "profile": user,
            "projects": list(profile_projects(user)),
            "initials": initials(user),
            "avatar_hue": avatar_hue(user),
        },
    )
