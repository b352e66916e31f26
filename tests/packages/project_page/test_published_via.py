"""The project page's files say which trusted publisher published them ("Published via GitHub
Actions from OWNER/REPO", linking to the repository) and link to their provenance.

The GitHub case is a real upload: the real sdist of pypi-attestations with its real attestation,
and a wheel without one, both uploaded with a token minted for the GitHub publisher
(tests/packages/attested.py). The other providers' wordings are checked on files recorded
as their uploads record them.
"""

from __future__ import annotations

import pytest

from packages.models import File, Provenance
from packages.provenance import provenance_path
from tests import uploads
from tests.packages.attested import (
    PROJECT,
    SDIST,
    VERSION,
    WHEEL,
    Published,
    offline_sigstore,  # noqa: F401 - a fixture, used by name
    publish,
)
from tests.packages.factories import FileFactory

from .helpers import get, release, text
from .test_queries import QUERIES, build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_sigstore")]


@pytest.fixture
def published(client, publisher) -> Published:
    return publish(client, publisher)


def card(page, filename: str):
    """The file card of ``filename`` on a parsed page."""
    (link,) = [a for a in page.select(".file-card .filename a") if text(a) == filename]
    return link.find_parent("li")


def test_a_published_file_names_its_publisher_and_links_to_the_repository(client, published):
    sdist = card(get(client, f"/project/{PROJECT}/"), SDIST)

    line = sdist.select_one(".file-publisher")
    assert "Published via GitHub Actions from trailofbits/pypi-attestations" in text(line)
    repository = line.find("a", string="trailofbits/pypi-attestations")
    assert repository["href"] == "https://github.com/trailofbits/pypi-attestations"


def test_an_attested_file_links_to_its_provenance(client, published):
    sdist = card(get(client, f"/project/{PROJECT}/"), SDIST)

    link = sdist.select_one(".file-publisher").find("a", string="Provenance")
    assert link["href"] == provenance_path(PROJECT, VERSION, SDIST)
    response = client.get(link["href"])
    assert response.status_code == 200
    assert response.json() == published.sdist.provenance.document


def test_a_file_published_without_attestations_has_no_provenance_link(client, published):
    wheel = card(get(client, f"/project/{PROJECT}/"), WHEEL)

    line = wheel.select_one(".file-publisher")
    assert "Published via GitHub Actions from trailofbits/pypi-attestations" in text(line)
    assert line.find("a", string="Provenance") is None


def test_the_release_page_says_it_too(client, published):
    page = get(client, f"/project/{PROJECT}/{VERSION}/")

    assert "Published via GitHub Actions" in text(card(page, SDIST))
    assert card(page, SDIST).find("a", string="Provenance")


def test_a_file_uploaded_with_an_api_token_says_nothing_of_publishers(client, token):
    assert uploads.wheel_upload("plain", "1.0").post(client, token).status_code == 200

    page = get(client, "/project/plain/")

    assert page.select(".file-card")
    assert page.select(".file-publisher") == []
    assert "Published via" not in text(page)


@pytest.mark.parametrize(
    ("published_by", "words", "href"),
    [
        (
            {
                "provider": "gitlab",
                "repository": "group/sub/project",
                "url": "https://gitlab.com/group/sub/project",
            },
            "Published via GitLab CI/CD from group/sub/project",
            "https://gitlab.com/group/sub/project",
        ),
        (
            {"provider": "google", "repository": "ci@example.iam.gserviceaccount.com", "url": None},
            "Published via Google Cloud as ci@example.iam.gserviceaccount.com",
            None,
        ),
        (
            {
                "provider": "activestate",
                "repository": "org/project",
                "url": "https://platform.activestate.com/org/project",
            },
            "Published via ActiveState from org/project",
            "https://platform.activestate.com/org/project",
        ),
    ],
    ids=["gitlab", "google", "activestate"],
)
def test_each_provider_in_its_words(client, published_by, words, href):
    file = FileFactory(release=release("sample", "1.0"), published_by=published_by)

    line = card(get(client, "/project/sample/"), file.filename).select_one(".file-publisher")

    assert text(line) == words
    links = [a["href"] for a in line.find_all("a")]
    assert links == ([href] if href else [])


def test_the_page_makes_no_more_queries_for_publishers_and_provenance(
    client, django_assert_max_num_queries
):
    """Every file of every release published and attested: still the page's constant count."""
    build("bench", 20)
    published_by = {"provider": "github", "repository": "o/r", "url": "https://github.com/o/r"}
    File.objects.update(published_by=published_by)
    Provenance.objects.bulk_create(
        Provenance(file=file, document={"version": 1}) for file in File.objects.all()
    )

    with django_assert_max_num_queries(QUERIES):
        response = client.get("/project/bench/")

    page = response.content.decode()
    assert page.count('class="file-meta file-publisher"') == 4
    assert page.count(">Provenance</a>") == 4
