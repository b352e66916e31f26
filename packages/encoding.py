"""How the read APIs write values: JSON bytes, XML-safe text and timestamps.

Shared by the Simple API, the JSON API, XML-RPC and the RSS feeds, so that every surface
writes a value the same way.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def dumps(data: object) -> bytes:
    """JSON as the public index writes it: sorted keys, compact, UTF-8, trailing newline."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode()


def xml_safe(value: Any) -> Any:
    """``value`` with the characters XML 1.0 cannot carry stripped, all the way down."""
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    if isinstance(value, list | tuple):
        return [xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {xml_safe(k): xml_safe(v) for k, v in value.items()}
    return value


def iso_time(value: datetime) -> str:
    """PEP 700 ``upload-time``: UTC with microseconds and a ``Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def legacy_iso_time(value: datetime) -> str:
    """The JSON API's and XML-RPC's time: naive UTC ``isoformat() + "Z"`` (no fraction on a
    whole second), as the public index writes it."""
    return value.replace(tzinfo=None).isoformat() + "Z"
