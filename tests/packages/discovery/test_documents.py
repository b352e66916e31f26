"""The Security page, ``/opensearch.xml`` and ``/robots.txt``."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as ET

from .conftest import page

pytestmark = pytest.mark.django_db


def test_security_page_names_the_security_contact(client, settings):
    settings.SECURITY_CONTACT = "security@index.example"
    settings.SUPPORT_EMAIL = "help@index.example"

    html = page(client, "/security/")

    assert '<a href="mailto:security@index.example">security@index.example</a>' in html
    assert "help@index.example" not in html
    for heading in [
        "A vulnerability in this index",
        "A malicious project",
        "A vulnerability in a project",
        "What to include",
    ]:
        assert f">{heading}</h2>" in html


def test_security_contact_may_be_a_url(client, settings):
    settings.SECURITY_CONTACT = "https://example.org/report"

    assert '<a href="https://example.org/report">https://example.org/report</a>' in page(
        client, "/security/"
    )


def test_security_page_falls_back_to_the_support_address(client, settings):
    settings.SECURITY_CONTACT = ""
    settings.SUPPORT_EMAIL = "help@index.example"

    assert '<a href="mailto:help@index.example">' in page(client, "/security/")


def test_security_page_without_any_address(client, settings):
    settings.SECURITY_CONTACT = settings.SUPPORT_EMAIL = settings.SUPPORT_URL = ""

    html = page(client, "/security/")

    assert "Write to the administrators of this index, privately" in html
    assert "mailto:" not in html


def test_opensearch_description(client, settings):
    settings.SITE_URL = "https://index.example.test"
    settings.SITE_NAME = "Example Package Index"

    response = client.get("/opensearch.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    root = ET.fromstring(response.content)
    ns = {"o": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    short_name = root.findtext("o:ShortName", namespaces=ns) or ""
    assert short_name.startswith("Example Pack")
    assert len(short_name) <= 16
    url = root.find("o:Url", ns)
    assert url is not None
    assert url.get("type") == "text/html"
    assert url.get("template") == "https://index.example.test/search/?q={searchTerms}"


def test_robots_txt(client, settings):
    settings.SITE_URL = "https://index.example.test"

    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    for path in ["/manage/", "/account/", "/admin/", "/legacy/", "/search/", "/simple/"]:
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines
    assert "Disallow: /project/" not in lines
    assert "Sitemap: https://index.example.test/sitemap.xml" in lines


def test_robots_txt_does_not_vary_by_language(client):
    assert "Accept-Language" not in client.get("/robots.txt").get("Vary", "")
