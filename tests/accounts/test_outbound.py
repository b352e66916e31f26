"""What the site's own outgoing requests carry, and how their failures are logged."""

from __future__ import annotations

import logging
import urllib.error

import pytest

from accounts import outbound


def test_user_agent_names_the_site_in_ascii(settings):
    settings.SITE_NAME = "Índex"
    settings.SITE_URL = "https://index.example"
    assert outbound.user_agent("a check") == "?ndex a check (https://index.example)"


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (urllib.error.HTTPError("http://x/", 503, "Unavailable", {}, None), "HTTP 503"),
        (urllib.error.URLError(ConnectionRefusedError("refused")), "refused"),
        (TimeoutError("timed out"), "TimeoutError: timed out"),
        (TimeoutError(), "TimeoutError"),
    ],
)
def test_describe(exc, words):
    assert outbound.describe(exc) == words


@pytest.mark.parametrize(
    ("url", "where"),
    [("https://keys.example/path?secret=1", "keys.example"), ("/relative/", "A_SETTING")],
)
def test_warn_names_the_host_only(caplog, url, where):
    logger = logging.getLogger("tests.outbound")
    with caplog.at_level(logging.WARNING, logger="tests.outbound"):
        outbound.warn(logger, "Fetching things", url, "HTTP 500", setting="A_SETTING")
    [record] = caplog.records
    assert record.name == "tests.outbound"
    assert record.getMessage() == f"Fetching things failed ({where}: HTTP 500)"
