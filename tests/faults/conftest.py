"""Fault tests: the production parts (Redis, an S3 server, ...) run for real, are stopped or
paused while the site serves, and started again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.servers import Server, new_moto_server, new_redis_server


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Server]:
    """A running ``redis-server`` of this test's own (stopped at the end)."""
    with new_redis_server(tmp_path) as server:
        yield server


@pytest.fixture
def s3_server(tmp_path: Path) -> Iterator[Server]:
    """A running moto S3 server of this test's own (stopped at the end)."""
    with new_moto_server(tmp_path) as server:
        yield server
