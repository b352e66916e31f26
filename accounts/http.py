"""The request types of the views that only a signed-in user reaches (for annotations)."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """What ``@login_required`` guarantees: ``request.user`` is a ``User``, never anonymous.

    For annotations only: Django still hands the view a plain ``HttpRequest``.
    """

    user: User


class AuthenticatedRequest(Request):
    """The DRF request of an API view whose permission admits signed-in users only."""

    user: User
