#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL cluster started from this machine's binaries.

    python scripts/with_postgres.py -- pytest ...

The cluster lives in a temporary directory, listens only on a Unix socket, and is removed when
the command ends. Its default collation is ICU English (not byte order) so that code relying
on sort order is tested as production databases sort. As root (CI), the server runs as the
``postgres`` system user, since PostgreSQL refuses to run as root. The command receives
``DATABASE_URL`` pointing at the cluster.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote


def bindir() -> Path:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        sys.exit("No PostgreSQL server binaries found: run scripts/system-deps first.")
    return Path(found[-1]).parent


def as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start(root: Path, bins: Path) -> tuple[Path, Path]:
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    subprocess.run(
        as_server_user(
            [
                str(bins / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--locale-provider=icu",
                "--icu-locale=en",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-k {sockets} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        as_server_user(
            [
                str(bins / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(root / "server.log"),
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [str(bins / "createdb"), "-h", str(sockets), "-U", "postgres", "pypi"], check=True
    )
    return data, sockets


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit(__doc__)
    bins = bindir()
    root = Path(tempfile.mkdtemp(prefix="pypi-pg-"))
    root.chmod(0o755)
    data, sockets = start(root, bins)
    try:
        url = f"postgres://postgres@{quote(str(sockets), safe='')}/pypi"
        return subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}).returncode
    finally:
        subprocess.run(
            as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
