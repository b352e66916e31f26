"""A PostgreSQL cluster from this machine's own server binaries.

Shared by ``scripts/with_postgres.py`` (a throwaway cluster for ``make test-postgres``) and
``deploy/stack.py`` (the cluster of ``make stack``, kept under its state directory). The
cluster listens only on a Unix socket. Its default collation is ICU English (not byte order),
so code relying on sort order is tested as production databases sort. PostgreSQL refuses to
run as root: as root (CI), every server command runs as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

SERVER_USER = "postgres"
DATABASE = "pypi"


def bindir() -> Path:
    """``PG_BINDIR``, else the newest ``/usr/lib/postgresql/*/bin``."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        sys.exit("No PostgreSQL server binaries found: run scripts/system-deps first.")
    return Path(found[-1]).parent


def as_server_user() -> dict[str, Any]:
    """``subprocess`` keyword arguments that run a server command as PostgreSQL allows."""
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam(SERVER_USER)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def own(*paths: Path) -> None:
    """Give ``paths`` to the server user (as root; a no-op otherwise)."""
    if os.geteuid() == 0:
        pw = pwd.getpwnam(SERVER_USER)
        for path in paths:
            os.chown(path, pw.pw_uid, pw.pw_gid)


def initdb(bins: Path, data: Path, *, sync: bool = True) -> None:
    """Create the cluster in ``data`` (which must not exist yet, or be empty)."""
    subprocess.run(  # noqa: S603 - the server's own binaries
        [
            str(bins / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            *([] if sync else ["--no-sync"]),
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--locale-provider=icu",
            "--icu-locale=en",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **as_server_user(),
    )


def server_options(sockets: Path, *, durable: bool = True) -> list[str]:
    """``postgres`` command-line options: a Unix socket in ``sockets``, no TCP. Not
    ``durable``: no fsync (a throwaway test cluster, where a crash loses nothing of value)."""
    options = ["-k", str(sockets), "-c", "listen_addresses=", "-c", "max_connections=200"]
    if not durable:
        options += ["-c", "fsync=off", "-c", "synchronous_commit=off"]
        options += ["-c", "full_page_writes=off"]
    return options


def createdb(bins: Path, sockets: Path, name: str = DATABASE) -> None:
    """Create database ``name`` unless it exists."""
    proc = subprocess.run(  # noqa: S603
        [str(bins / "createdb"), "-h", str(sockets), "-U", "postgres", name],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 and "already exists" not in proc.stderr:
        raise RuntimeError(f"createdb {name} failed: {proc.stderr.strip()}")


def is_ready(bins: Path, sockets: Path) -> bool:
    proc = subprocess.run(  # noqa: S603
        [str(bins / "pg_isready"), "-q", "-h", str(sockets), "-U", "postgres"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc.returncode == 0


def database_url(sockets: Path, name: str = DATABASE) -> str:
    """The ``DATABASE_URL`` of database ``name`` on the cluster listening in ``sockets``."""
    return f"postgres://postgres@{quote(str(sockets), safe='')}/{name}"
