"""The static baseline: the machine's nginx serving pages as plain files, as a context.

``bench/stack.py`` fetches the Simple pages from the site once, writes their bytes here, and
compares Varnish serving them from its cache with nginx serving the same bytes from disk.
nginx runs with a configuration of its own in a temporary directory, on a free loopback port,
in the foreground in its own process group (stopped with it, whatever happens).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .server import free_port

CONFIG = """\
daemon off;
master_process on;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
{user}
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=100 inactive=60s;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    types {{
        text/html html;
        application/vnd.pypi.simple.v1+json json;
    }}
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def version() -> str:
    binary = nginx_binary()
    if not binary:
        return ""
    done = subprocess.run([binary, "-v"], capture_output=True, text=True)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


class StaticServer:
    """nginx serving ``pages`` (URL path -> bytes) from files on disk."""

    def __init__(self, pages: dict[str, bytes], workers: int | None = None) -> None:
        self.pages = pages
        self.workers = workers or os.cpu_count() or 1
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pypi-bench-nginx-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StaticServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        binary = nginx_binary()
        if not binary:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        # nginx's workers run as "nobody" when the master is root: they must reach the files.
        self.root.chmod(0o755)
        for sub in ("www", "tmp"):
            (self.root / sub).mkdir(mode=0o755)
        for path, body in self.pages.items():
            target = self.root / "www" / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            target.write_bytes(body)
            target.chmod(0o644)
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        config = self.root / "nginx.conf"
        config.write_text(
            CONFIG.format(root=self.root, port=self.port, workers=self.workers, user=user)
        )
        self.process = subprocess.Popen(
            [binary, "-c", str(config), "-p", str(self.root), "-e", str(self.root / "error.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"nginx exited: {error}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not answer in 20 s")

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)
