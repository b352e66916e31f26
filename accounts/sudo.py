"""Re-confirming the password before sensitive actions (the Help page's one-hour rule).

Entering the password, at login or on the confirmation page, opens a window of
``SUDO_WINDOW_SECONDS``; sensitive views decorated with ``sudo_required`` send the user to
confirm it again once the window has closed, then back to where they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

SESSION_KEY = "accounts.password_confirmed_at"


def confirmed_now(request: HttpRequest) -> None:
    """Record that the user just entered their password."""
    request.session[SESSION_KEY] = time.time()


def recently_confirmed(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    return confirmed_at is not None and time.time() - confirmed_at < settings.SUDO_WINDOW_SECONDS


def confirm_url(next_url: str) -> str:
    return f"{reverse('accounts:confirm-password')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def sudo_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send the user to confirm their password first when the window has closed.

    After confirming they come back to the page (for a refused POST, to the page it was
    posted from: the form must be sent again).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not recently_confirmed(request):
            return HttpResponseRedirect(confirm_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
