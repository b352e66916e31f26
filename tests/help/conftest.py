"""Fixtures for the Help tests: the admin's staff user and its logged-in client."""

from tests.packages.conftest import staff, staff_client

__all__ = ["staff", "staff_client"]
