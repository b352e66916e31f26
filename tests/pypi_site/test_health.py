"""``/_health/``: the probe Varnish sends each web node (deploy/varnish/default.vcl)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_node_that_reaches_its_database_is_healthy(client: Client) -> None:
    response = client.get("/_health/")

    assert response.status_code == 200
    assert response.content == b"OK\n"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_probes_may_use_head_but_nothing_else(client: Client) -> None:
    assert client.head("/_health/").status_code == 200
    assert client.post("/_health/").status_code == 405
