"""A distribution file as each read API describes it.

The three APIs read a file's columns as plain rows (``FILE_FIELDS``, one query for many
files) and describe it in their own shape: the Simple API's PEP 691 JSON, the JSON API's
``urls``/``releases`` entries, XML-RPC's ``release_urls``. The pieces they share (digests,
the PEP 658 metadata reference, the download URL) are built here once.
"""

from __future__ import annotations

from typing import Any

from .encoding import iso_time, legacy_iso_time
from .storage import file_url

FILE_FIELDS = (
    "filename",
    "packagetype",
    "python_version",
    "comment_text",
    "md5_digest",
    "sha256_digest",
    "blake2_256_digest",
    "metadata_file_sha256_digest",
    "size",
    "upload_time",
    "path",
    "requires_python",
    "release_id",
)

Row = dict[str, Any]


def _metadata(row: Row) -> dict[str, str] | bool:
    """PEP 658/714: the metadata file's hash, or False when the file has none."""
    digest = row["metadata_file_sha256_digest"]
    return {"sha256": digest} if digest else False


def _digests(row: Row) -> dict[str, str]:
    return {
        "md5": row["md5_digest"],
        "sha256": row["sha256_digest"],
        "blake2b_256": row["blake2_256_digest"],
    }


def simple_file(row: Row, base: str, *, yanked: bool, yanked_reason: str) -> dict[str, Any]:
    """One entry of a PEP 691 project page's ``files``."""
    metadata = _metadata(row)
    return {
        "filename": row["filename"],
        "url": file_url(base, row["path"]),
        "hashes": {"sha256": row["sha256_digest"]},
        "requires-python": row["requires_python"] or None,
        "size": row["size"],
        "upload-time": iso_time(row["upload_time"]),
        "yanked": (yanked_reason or True) if yanked else False,
        "data-dist-info-metadata": metadata,
        "core-metadata": metadata,
        "provenance": None,
    }


def _legacy_file(row: Row, base: str) -> dict[str, Any]:
    """What the JSON API and XML-RPC both say of a file."""
    return {
        "filename": row["filename"],
        "packagetype": row["packagetype"],
        "python_version": row["python_version"],
        "size": row["size"],
        "md5_digest": row["md5_digest"],
        "digests": _digests(row),
        "has_sig": False,
        "comment_text": row["comment_text"],
        "downloads": -1,
        "upload_time_iso_8601": legacy_iso_time(row["upload_time"]),
        "url": file_url(base, row["path"]),
        "requires_python": row["requires_python"] or None,
    }


def json_api_file(row: Row, base: str, *, yanked: bool, yanked_reason: str) -> dict[str, Any]:
    """One entry of the JSON API's ``urls`` and ``releases``."""
    metadata = _metadata(row)
    return {
        **_legacy_file(row, base),
        "core-metadata": metadata,
        "data-dist-info-metadata": metadata,
        "upload_time": row["upload_time"].strftime("%Y-%m-%dT%H:%M:%S"),
        "yanked": yanked,
        "yanked_reason": yanked_reason or None,
    }


def xmlrpc_file(row: Row, base: str) -> dict[str, Any]:
    """One entry of XML-RPC's ``release_urls``."""
    legacy = _legacy_file(row, base)
    return {
        **legacy,
        "sha256_digest": row["sha256_digest"],
        "upload_time": legacy["upload_time_iso_8601"],
        "path": row["path"],
    }
