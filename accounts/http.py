"""The request type of the views that only a signed-in user reaches."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """What ``@login_required`` guarantees: ``request.user`` is a ``User``, never anonymous.

    For annotations only: Django still hands the view a plain ``HttpRequest``.
    """

    user: User
