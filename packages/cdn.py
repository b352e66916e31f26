"""Purging a CDN in front of the site when what it caches changes.

Pages carry ``Surrogate-Key`` headers (``project/<name>``, ``simple-index``); after a change
commits, one ``POST`` to ``CDN_PURGE_URL`` with the keys in a ``Surrogate-Key`` header asks the
CDN to drop them (the shape Fastly and Varnish xkey setups accept). Without the setting,
nothing is sent.

The request carries the purge API's credentials: ``CDN_PURGE_AUTH_HEADER`` ("Name: value",
e.g. Fastly's ``Fastly-Key``) and, for credentials written in the URL
(``https://user:password@host/...``), a Basic ``Authorization`` header; the URL itself goes
out without them. Neither is ever logged. A purge waits at most ``CDN_PURGE_TIMEOUT`` seconds
for each network step (connecting, each read) and follows no redirect (which could carry the
credentials elsewhere). It is tried once: the outbox (``packages.tasks``) retries it.
"""

from __future__ import annotations

import base64
import http.client
import urllib.error
import urllib.request
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings

from accounts import outbound


class PurgeFailed(Exception):
    """The CDN could not be asked, or did not accept the purge. The message names the CDN's
    host and the reason, nothing else (no credentials, no path)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx answer is then raised as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


# Journal actions after which a project's files must no longer be served from the CDN's copy.
_FILES_GONE = ("remove file ", "remove release", "remove project", "project quarantined")


def project_keys(normalized_name: str, actions: Iterable[str] = ()) -> list[str]:
    """The keys to purge after ``actions`` changed the project: its pages and the index, and
    its files (``files/<name>``, which are otherwise cached for a year) when one of the actions
    took files away."""
    keys = [f"project/{normalized_name}", "simple-index"]
    if any(action.startswith(_FILES_GONE) for action in actions):
        keys.append(f"files/{normalized_name}")
    return keys


def purge(keys: Iterable[str]) -> None:
    """Ask the CDN to drop ``keys`` now; PurgeFailed if it could not be asked or refused."""
    url = settings.CDN_PURGE_URL
    if not url:
        return
    target, headers = request_parts(url, settings.CDN_PURGE_AUTH_HEADER)
    headers["Surrogate-Key"] = " ".join(keys)
    headers["User-Agent"] = outbound.user_agent("CDN purge")
    # The settings refuse any CDN_PURGE_URL but http(s).
    request = urllib.request.Request(target, data=b"", method="POST", headers=headers)  # noqa: S310
    host = urlsplit(target).hostname or "CDN_PURGE_URL"
    try:
        with _opener.open(request, timeout=settings.CDN_PURGE_TIMEOUT) as response:
            if 200 <= response.status < 300:
                return
            reason = f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        reason = f"HTTP {exc.code}" + (" (redirects are not followed)" if exc.code < 400 else "")
    except (OSError, ValueError, http.client.HTTPException) as exc:
        reason = outbound.describe(exc)
    raise PurgeFailed(f"CDN purge failed ({host}: {reason})")


def request_parts(url: str, auth_header: str) -> tuple[str, dict[str, str]]:
    """The URL to send a purge to (credentials taken out) and the headers that carry them."""
    parts = urlsplit(url)
    headers: dict[str, str] = {}
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if at:
        user, _, password = userinfo.partition(":")
        pair = f"{unquote(user)}:{unquote(password)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        url = urlunsplit(parts._replace(netloc=hostport))
    if auth_header:
        name, _, value = auth_header.partition(":")
        headers[name.strip()] = value.strip()
    return url, headers
