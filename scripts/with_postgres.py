#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL cluster started from this machine's binaries.

    python scripts/with_postgres.py -- pytest ...

The cluster lives in a temporary directory, listens only on a Unix socket, and is removed when
the command ends. Its default collation is ICU English (not byte order) so that code relying
on sort order is tested as production databases sort. As root (CI), the server runs as the
``postgres`` system user, since PostgreSQL refuses to run as root. The command receives
``DATABASE_URL`` pointing at the cluster. (The cluster logic is ``deploy/postgres.py``, which
``make stack`` shares.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy import postgres


def start(root: Path, bins: Path) -> tuple[Path, Path]:
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    postgres.own(root, sockets)
    postgres.initdb(bins, data, sync=False)
    options = " ".join(postgres.server_options(sockets, durable=False))
    subprocess.run(
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
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **postgres.as_server_user(),
    )
    postgres.createdb(bins, sockets)
    return data, sockets


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit(__doc__)
    bins = postgres.bindir()
    root = Path(tempfile.mkdtemp(prefix="pypi-pg-"))
    root.chmod(0o755)
    data, sockets = start(root, bins)
    try:
        url = postgres.database_url(sockets)
        return subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}).returncode
    finally:
        subprocess.run(
            [str(bins / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            **postgres.as_server_user(),
        )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
