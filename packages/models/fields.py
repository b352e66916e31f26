from __future__ import annotations

from typing import Any

from django.db import models


class ByteOrderCharField(models.CharField):
    """A CharField compared byte by byte on every database (``COLLATE "C"`` on PostgreSQL),
    for keys built to sort lexicographically."""

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
