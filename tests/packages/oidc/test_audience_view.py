"""``GET /_/oidc/audience``: what clients ask before requesting a token from their CI."""

from __future__ import annotations

import pytest

from moderation.models import AdminFlag

pytestmark = pytest.mark.django_db


def test_the_audience_is_the_setting(client, settings):
    settings.OIDC_AUDIENCE = "index.example"

    response = client.get("/_/oidc/audience")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"audience": "index.example"}
    assert "no-store" in response["Cache-Control"]


def test_the_audience_is_refused_while_trusted_publishing_is_switched_off(client):
    AdminFlag.objects.update_or_create(
        id="disallow-oidc", defaults={"enabled": True, "description": "x"}
    )

    response = client.get("/_/oidc/audience")

    assert response.status_code == 403
    assert response.json() == {"message": "Trusted publishing functionality not enabled"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_is_answered(client, method):
    assert getattr(client, method)("/_/oidc/audience").status_code == 405
