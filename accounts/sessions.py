"""Ending an account's web sessions at once, in whichever session store the site uses.

Sessions are kept by ``SESSION_ENGINE`` (Django's database store unless configured). The
database stores (``db``, ``cached_db``) and the ``file`` store can be searched, so the
account's sessions are deleted from them. The ``cache`` and ``signed_cookies`` stores cannot
be searched by account: there a frozen account's sessions end on their next request instead,
because ``User.get_session_auth_hash`` gives a frozen account no hash for a session to match.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from .models import User


def _store() -> type[SessionBase]:
    return import_module(settings.SESSION_ENGINE).SessionStore


def _sessions(store: type[SessionBase]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(key, data)`` of every live session the store can list (none for a store that
    cannot)."""
    get_model_class = getattr(store, "get_model_class", None)
    if get_model_class is not None:  # db, cached_db: one query, decoded here
        decoder = store()
        rows = get_model_class().objects.filter(expire_date__gt=timezone.now())
        for key, data in rows.values_list("session_key", "session_data").iterator():
            yield key, decoder.decode(data)
        return
    get_storage_path = getattr(store, "_get_storage_path", None)
    if get_storage_path is not None:  # file
        prefix = settings.SESSION_COOKIE_NAME
        for name in os.listdir(get_storage_path()):
            if name.startswith(prefix):
                key = name.removeprefix(prefix)
                yield key, store(session_key=key).load()


def end_sessions(user: User) -> int:
    """Delete ``user``'s sessions from the session store; how many there were."""
    store = _store()
    ended = [key for key, data in _sessions(store) if data.get(SESSION_KEY) == str(user.pk)]
    for key in ended:
        store(session_key=key).delete()
    return len(ended)
