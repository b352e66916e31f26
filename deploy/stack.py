"""The production topology on one machine, from its own packages: ``make stack``.

    python -m deploy.stack [--port 8000] [--root var/stack] [--web-nodes 1] [--web-workers 3]

Starts, in this order, each part in its own process group with its log in ``<root>/logs/``
and its state under ``<root>/``, waiting for each to answer before starting what needs it
(the worker, beat and the nodes start together):

    postgres   PostgreSQL (``<root>/postgres``, created once, kept between runs; Unix socket)
    redis      redis-server on loopback (``<root>/redis``, append-only file: a queued task
               survives a restart); the Celery broker (db 0) and the cache (db 1)
    s3         moto's S3 server on loopback, the bucket created at start; its objects live in
               memory, and every request is recorded in ``<root>/s3/recording.jsonl`` and
               replayed at the next start, so stored files survive a restart
    (migrate and sync_classifiers: deploy/prepare.py; collectstatic into ``<root>/static``)
    worker     ``celery -A pypi_site worker``: mails and CDN purges
    beat       ``celery -A pypi_site beat`` (schedule in ``<root>/beat``)
    web-1..N   gunicorn nodes (``pypi_site/gunicorn_conf.py``), each on a free loopback port
    varnish    Varnish on ``PORT`` (``deploy/varnish/default.vcl``) over the nodes

Every Django process (the nodes, the worker, beat, ``manage.py``) gets the same environment,
``Stack.env``. Ctrl-C or SIGTERM stops every part in reverse order, also when start-up failed
half way. Tests use the same class: ``with Stack(StackConfig(root=tmp, port=0)) as stack:``.
Every part is also killed when the process that started it dies, even by SIGKILL (Linux's
parent-death signal): start a stack from a thread that outlives it, such as the main thread.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import http.client
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from deploy import postgres

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VCL = REPO / "deploy" / "varnish" / "default.vcl"
# What the stack's processes inherit from the launcher's environment; every setting the site
# reads is set explicitly, so that a developer's CACHE_URL or EMAIL_URL cannot leak in.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0
BUCKET = "pypi-files"
# moto accepts any credentials; these only have to be the same on every side.
S3_ACCESS_KEY = "stack-access-key"
S3_SECRET_KEY = "stack-secret-key"  # noqa: S105 - moto's, not a secret
S3_REGION = "us-east-1"
PURGE_HEADER = "X-Purge-Key"
_PR_SET_PDEATHSIG = 1


class StackError(RuntimeError):
    """A part did not start (its log's tail is in the message)."""


@dataclass
class StackConfig:
    root: Path  # state directory: var/stack for `make stack`, a tmp dir in tests
    port: int = 8000  # Varnish's public port (0 = pick a free one)
    web_nodes: int = 1  # gunicorn instances, each on its own loopback port
    web_workers: int = 3  # gunicorn workers per node
    worker: bool = True  # one `celery -A pypi_site worker`
    beat: bool = True  # `celery -A pypi_site beat`
    env: dict[str, str] = field(default_factory=dict)  # extra settings for every Django process
    worker_concurrency: int = 2  # the worker's processes
    varnish_memory: str = "256m"  # Varnish's cache size (malloc storage)
    quiet: bool = False  # no line per part on stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the launcher dies, even abruptly."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _tail(path: Path, size: int = 4000) -> str:
    try:
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - size))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def http_ok(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return False


class Part:
    """One process the stack runs, in a process group of its own."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log: Path,
        env: dict[str, str],
        ready: Callable[[], bool],
        stop_signal: int = signal.SIGTERM,
        popen: dict[str, Any] | None = None,
        describe: str = "",
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.env = env
        self.ready = ready
        self.stop_signal = stop_signal
        self.popen = popen or {}
        self.describe = describe
        self.process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<Part {self.name} pid={self.pid}>"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the process and wait until it answers; StackError if it does not."""
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        """Start the process (from the thread that will outlive it: a child dies with the
        thread that started it)."""
        if self.running():
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {self.name} starts\n".encode())
            out.flush()
            self.process = subprocess.Popen(  # noqa: S603 - the stack's own commands
                self.argv,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                **self.popen,
            )

    def is_ready(self) -> bool:
        """Whether the started process answers; StackError if it exited."""
        if self.ready():
            return True
        if not self.running():
            code = self.process.returncode if self.process else None
            raise StackError(f"{self.name} exited with {code}:\n{_tail(self.log)}")
        return False

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(
                    f"{self.name} did not answer in {timeout:.0f} s:\n{_tail(self.log)}"
                )
            time.sleep(0.1)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Gracefully: the stop signal to the main process, which stops its own children;
        SIGKILL to the whole group after ``timeout`` seconds, and to whatever is left of it."""
        self.request_stop()
        self.finish_stop(timeout)

    def request_stop(self) -> None:
        """Send the stop signal without waiting (``finish_stop`` waits)."""
        if self.process is None:
            return
        self._signal_group(signal.SIGCONT)  # a part a test paused must be able to stop
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, self.stop_signal)

    def finish_stop(self, timeout: float = STOP_TIMEOUT) -> None:
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            process.wait(timeout)
        self._signal_group(signal.SIGKILL)  # orphans of the group, if any

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole group at once (abrupt, for fault tests); after SIGKILL,
        wait until the main process is gone."""
        self._signal_group(sig)
        if sig == signal.SIGKILL and self.process is not None:
            self.process.wait(STOP_TIMEOUT)

    def _signal_group(self, sig: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)


class Stack:
    """The whole topology; a context manager (``__enter__`` starts it, ``__exit__`` stops it)."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        root = config.root = Path(config.root).resolve()
        self.root = root
        self.logs = root / "logs"
        self.port = config.port or free_port()
        self.url = f"http://localhost:{self.port}"
        self.node_ports = [free_port() for _ in range(config.web_nodes)]
        self.node_urls = [f"http://127.0.0.1:{port}" for port in self.node_ports]
        self.redis_port = free_port()
        self.s3_port = free_port()
        self.s3_endpoint = f"http://127.0.0.1:{self.s3_port}"
        self.bucket = BUCKET
        self.mail_dir = root / "mail"
        self.static_root = root / "static"
        self.pg_bin = postgres.bindir()
        self.pg_sockets = root / "postgres" / "sockets"
        self.purge_url = f"http://127.0.0.1:{self.port}/_cdn/purge"
        self.purge_secret = secrets.token_urlsafe(32)
        self.parts: dict[str, Part] = {}
        self._started: list[list[Part]] = []
        self.env: dict[str, str] = {}

    # --- The environment every Django process shares ------------------------------------------

    def _secret_key(self) -> str:
        """Generated at the first start and kept (mode 0600): sessions and tokens stay valid
        across restarts."""
        path = self.root / "secret_key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
        return path.read_text().strip()

    def _build_env(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in INHERITED if key in os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="pypi_site.settings.base",
            PYTHONUNBUFFERED="1",
            VAR_DIR=str(self.root),
            DEBUG="false",
            SECRET_KEY=self._secret_key(),
            SITE_URL=self.url,
            PORT=str(self.port),
            DATABASE_URL=postgres.database_url(self.pg_sockets),
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CACHE_URL=f"redis://127.0.0.1:{self.redis_port}/1",
            FILES_STORAGE="s3",
            AWS_STORAGE_BUCKET_NAME=self.bucket,
            AWS_S3_ENDPOINT_URL=self.s3_endpoint,
            AWS_S3_REGION_NAME=S3_REGION,
            AWS_ACCESS_KEY_ID=S3_ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY,
            # The nodes stream files from the bucket, and Varnish keeps them (immutable) as the
            # public index's CDN keeps its files: clients never need to reach the object store.
            FILES_SERVE_MODE="serve",
            STATIC_ROOT=str(self.static_root),
            CDN_PURGE_URL=self.purge_url,
            CDN_PURGE_AUTH_HEADER=f"{PURGE_HEADER}: {self.purge_secret}",
            # One file per message, in <root>/mail ("filemail:///" + an absolute path).
            EMAIL_URL=f"filemail:///{self.mail_dir}",
            # Varnish appends the client's address to X-Forwarded-For.
            TRUSTED_PROXY_COUNT="1",
        )
        env.update(self.config.env)
        return env

    def _write_env_file(self) -> None:
        """``<root>/stack.env`` (mode 0600): the environment in shell syntax, so that an
        operator can run ``manage.py`` against the running stack::

            set -a; . var/stack/stack.env; set +a; .venv/bin/python manage.py createuser …
        """
        path = self.root / "stack.env"
        path.touch(mode=0o600)
        path.chmod(0o600)
        lines = [
            f"{key}={shlex.quote(value)}" for key, value in self.env.items() if key not in INHERITED
        ]
        path.write_text("\n".join(lines) + "\n")

    # --- Running ------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def part(self, name: str) -> Part:
        return self.parts[name]

    def say(self, line: str) -> None:
        if not self.config.quiet:
            print(line, flush=True)

    def start(self) -> None:
        """Start every part in dependency order; on any failure stop what was started."""
        began = time.monotonic()
        for path in (self.root, self.logs, self.mail_dir):
            path.mkdir(parents=True, exist_ok=True)
        if not _port_free(self.port):
            raise StackError(f"port {self.port} is taken: stop what listens there, or set PORT")
        self.env = self._build_env()
        self._write_env_file()
        try:
            self._start_parts(self._postgres())
            postgres.createdb(self.pg_bin, self.pg_sockets)
            self._start_parts(self._redis(), self._s3())
            self._prepare_s3()
            self._prepare_site()
            # The worker, beat and the nodes only need what is above: all at once.
            self._start_parts(
                *([self._worker()] if self.config.worker else []),
                *([self._beat()] if self.config.beat else []),
                *(self._web(index, port) for index, port in enumerate(self.node_ports, 1)),
            )
            self._start_parts(self.varnish_part())
        except BaseException:
            self.stop()
            raise
        self.say(f"stack      ready in {time.monotonic() - began:.1f} s: {self.url}/")

    def stop(self) -> None:
        """Stop every started part, last started first (the parts started together, together)."""
        while self._started:
            group = self._started.pop()
            for part in reversed(group):
                part.request_stop()
            for part in reversed(group):
                part.finish_stop()
                self.say(f"{part.name:<10} stopped")

    def _start_parts(self, *parts: Part) -> None:
        """Start ``parts`` together and wait until each answers."""
        began = time.monotonic()
        group: list[Part] = []
        self._started.append(group)
        for part in parts:
            self.parts[part.name] = part
            group.append(part)
            part.spawn()
        waiting = list(parts)
        deadline = began + START_TIMEOUT
        while waiting:
            for part in list(waiting):
                if part.is_ready():
                    waiting.remove(part)
                    took = time.monotonic() - began
                    self.say(
                        f"{part.name:<10} up in {took:4.1f} s  {part.describe}  (log {part.log})"
                    )
            if waiting and time.monotonic() > deadline:
                names = ", ".join(part.name for part in waiting)
                tails = "\n".join(f"--- {p.name}\n{_tail(p.log)}" for p in waiting)
                raise StackError(f"{names} did not answer in {START_TIMEOUT:.0f} s:\n{tails}")
            time.sleep(0.1)

    def manage(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """``manage.py ARGS`` with the stack's environment; raises on failure when ``check``."""
        proc = subprocess.run(  # noqa: S603 - manage.py of this repository
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            command = " ".join(args)
            output = f"{proc.stdout}\n{proc.stderr}"
            raise StackError(f"manage.py {command} exited {proc.returncode}:\n{output}")
        return proc

    # --- The parts ----------------------------------------------------------------------------

    def _postgres(self) -> Part:
        base = self.root / "postgres"
        data = base / "data"
        base.mkdir(exist_ok=True)
        self.pg_sockets.mkdir(exist_ok=True)
        postgres.own(base, self.pg_sockets)
        if os.geteuid() == 0 and not _reachable_by(postgres.SERVER_USER, base):
            raise StackError(
                f"the postgres user cannot reach {base}: as root, give the stack a root "
                "directory every user may traverse (mode 755 up to it)"
            )
        if not (data / "PG_VERSION").exists():
            self.say(f"postgres   initdb {data}")
            postgres.initdb(self.pg_bin, data)
        return Part(
            "postgres",
            [
                str(self.pg_bin / "postgres"),
                "-D",
                str(data),
                *postgres.server_options(self.pg_sockets),
            ],
            log=self.logs / "postgres.log",
            env={key: os.environ[key] for key in INHERITED if key in os.environ},
            ready=lambda: postgres.is_ready(self.pg_bin, self.pg_sockets),
            # Fast shutdown: roll back open transactions, do not wait for clients.
            stop_signal=signal.SIGINT,
            popen=postgres.as_server_user(),
            describe=f"socket in {self.pg_sockets}",
        )

    def _redis(self) -> Part:
        directory = self.root / "redis"
        directory.mkdir(exist_ok=True)
        argv = [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.redis_port),
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--logfile",
            "",
        ]
        return Part(
            "redis",
            argv,
            log=self.logs / "redis.log",
            env={key: os.environ[key] for key in INHERITED if key in os.environ},
            ready=lambda: _redis_ping(self.redis_port),
            describe=f"127.0.0.1:{self.redis_port} (broker db 0, cache db 1)",
        )

    def _s3(self) -> Part:
        directory = self.root / "s3"
        directory.mkdir(exist_ok=True)
        env = {key: os.environ[key] for key in INHERITED if key in os.environ}
        env.update(
            MOTO_ENABLE_RECORDING="1",
            MOTO_RECORDER_FILEPATH=str(directory / "recording.jsonl"),
            PYTHONUNBUFFERED="1",
        )
        return Part(
            "s3",
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)],
            log=self.logs / "s3.log",
            env=env,
            ready=lambda: http_ok(f"{self.s3_endpoint}/moto-api/"),
            describe=f"{self.s3_endpoint} bucket {self.bucket}",
        )

    def _prepare_s3(self) -> None:
        """Replay what the previous runs stored, then make sure the bucket exists."""
        recording = self.root / "s3" / "recording.jsonl"
        if recording.exists() and recording.stat().st_size:
            request = urllib.request.Request(  # noqa: S310 - loopback
                f"{self.s3_endpoint}/moto-api/recorder/replay-recording", method="POST"
            )
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
                response.read()
        client = self.s3_client()
        names = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        if self.bucket not in names:
            client.create_bucket(Bucket=self.bucket)

    def s3_client(self) -> Any:
        """A boto3 client of the stack's object store."""
        import boto3  # type: ignore[import-untyped]  # only the S3 steps need it

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name=S3_REGION,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
        )

    def _prepare_site(self) -> None:
        """migrate and sync_classifiers (deploy/prepare.py), with collectstatic beside them
        (it needs no database)."""
        began = time.monotonic()
        static = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            with (self.logs / "prepare.log").open("ab") as log:
                proc = subprocess.run(
                    [sys.executable, "-m", "deploy.prepare"],
                    cwd=REPO,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=600,
                )
            if proc.returncode != 0:
                log_path = self.logs / "prepare.log"
                raise StackError(f"migrate failed:\n{_tail(log_path)}")
            self.say(f"migrate    and sync_classifiers done in {time.monotonic() - began:4.1f} s")
        finally:
            output, _ = static.communicate(timeout=300)
        if static.returncode != 0:
            raise StackError(f"manage.py collectstatic exited {static.returncode}:\n{output}")
        self.say(f"collectstatic done in {time.monotonic() - began:4.1f} s ({self.static_root})")

    def _celery(self, name: str, args: list[str], ready_line: str, describe: str) -> Part:
        log = self.logs / f"{name}.log"
        mark = log.stat().st_size if log.exists() else 0
        return Part(
            name,
            [str(BIN / "celery"), "-A", "pypi_site", *args],
            log=log,
            env=self.env,
            ready=lambda: _log_has(log, ready_line, since=mark),
            describe=describe,
        )

    def _worker(self) -> Part:
        concurrency = self.config.worker_concurrency
        return self._celery(
            "worker",
            [
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"worker@{socket.gethostname()}",
                "--without-mingle",
                "--without-gossip",
            ],
            " ready.",
            f"{concurrency} processes",
        )

    def _beat(self) -> Part:
        directory = self.root / "beat"
        directory.mkdir(exist_ok=True)
        return self._celery(
            "beat",
            ["beat", "--loglevel", "INFO", "--schedule", str(directory / "schedule")],
            "beat: Starting...",
            f"schedule in {directory}",
        )

    def _web(self, index: int, port: int) -> Part:
        url = f"http://127.0.0.1:{port}"
        argv = [
            str(BIN / "gunicorn"),
            "--config",
            "pypi_site/gunicorn_conf.py",
            "pypi_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.config.web_workers),
            "--access-logfile",
            str(self.logs / f"web-{index}.access.log"),
        ]
        return Part(
            f"web-{index}",
            argv,
            log=self.logs / f"web-{index}.log",
            env=self.env,
            ready=lambda: http_ok(f"{url}/_health/"),
            describe=f"{url} ({self.config.web_workers} workers)",
        )

    def varnish_part(self) -> Part:
        """Varnish on ``port`` over the nodes of ``node_ports`` (a test of the VCL alone points
        them at an origin of its own)."""
        conf = self.root / "varnish-conf"
        conf.mkdir(exist_ok=True)
        (conf / "backends.vcl").write_text(self.backends_vcl())
        (conf / "backends.vcl").chmod(0o600)  # it holds the purge secret
        workdir = self.root / "varnish"
        argv = [
            shutil.which("varnishd") or "/usr/sbin/varnishd",
            "-F",
            "-n",
            str(workdir),
            "-a",
            f"127.0.0.1:{self.port}",
            "-f",
            str(VCL),
            "-p",
            f"vcl_path={conf}:{VCL.parent}",
            "-s",
            f"malloc,{self.config.varnish_memory}",
            # No privilege separation: the launcher's user runs it, whoever that is, and
            # reads the files above (root would otherwise hand them to the varnish user).
            "-j",
            "none",
            # No management port: varnishadm reaches it through -n's directory.
            "-T",
            "none",
        ]
        return Part(
            "varnish",
            argv,
            log=self.logs / "varnish.log",
            env={key: os.environ[key] for key in INHERITED if key in os.environ},
            ready=lambda: http_ok(f"http://127.0.0.1:{self.port}/_health/"),
            describe=f"{self.url}/ over {len(self.node_ports)} node(s)",
        )

    def backends_vcl(self) -> str:
        """``backends.vcl``: the nodes, the round-robin director ``web`` and the purge secret."""
        lines = ["# Written by deploy/stack.py at each start: do not edit.", ""]
        for index, port in enumerate(self.node_ports, start=1):
            lines += [
                f"backend web{index} {{",
                '    .host = "127.0.0.1";',
                f'    .port = "{port}";',
                "    .probe = health;",
                "    .connect_timeout = 2s;",
                # As long as gunicorn lets a request run (GUNICORN_TIMEOUT).
                "    .first_byte_timeout = 120s;",
                "    .between_bytes_timeout = 60s;",
                "}",
                "",
            ]
        lines += ["sub vcl_init {", "    new web = directors.round_robin();"]
        lines += [f"    web.add_backend(web{i});" for i in range(1, len(self.node_ports) + 1)]
        lines += ["}", ""]
        lines += [
            "sub purge_credentials {",
            f'    if (req.http.{PURGE_HEADER} == "{self.purge_secret}") {{',
            '        set req.http.X-Purge-Allowed = "yes";',
            "    }",
            f"    unset req.http.{PURGE_HEADER};",
            "}",
            "",
        ]
        return "\n".join(lines)


def _reachable_by(user: str, path: Path) -> bool:
    """Whether ``user`` may traverse every directory down to ``path``."""
    proc = subprocess.run(  # noqa: S603
        ["/usr/sbin/runuser", "-u", user, "--", "test", "-x", str(path)], capture_output=True
    )
    return proc.returncode == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _log_has(log: Path, text: str, *, since: int) -> bool:
    try:
        with log.open("rb") as file:
            file.seek(since)
            return text.encode() in file.read()
    except OSError:
        return False


# --- `python -m deploy.stack` -----------------------------------------------------------------


class _Stopped(Exception):
    pass


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.stack", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--root", type=Path, default=REPO / "var" / "stack")
    parser.add_argument("--web-nodes", type=int, default=1)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--no-worker", dest="worker", action="store_false")
    parser.add_argument("--no-beat", dest="beat", action="store_false")
    parser.add_argument(
        "--show-env", action="store_true", help="print the Django processes' environment"
    )
    args = parser.parse_args(argv)
    config = StackConfig(
        root=args.root,
        port=args.port,
        web_nodes=args.web_nodes,
        web_workers=args.web_workers,
        worker=args.worker,
        beat=args.beat,
        worker_concurrency=args.worker_concurrency,
    )
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stack = Stack(config)
    try:
        stack.start()
        if args.show_env:
            for key, value in sorted(_shown_env(stack.env).items()):
                print(f"  {key}={value}", file=out, flush=True)
        print(f"Open {stack.url}/ (Ctrl-C stops every part)", file=out, flush=True)
        while True:
            time.sleep(1)
            for part in stack.parts.values():
                if not part.running():
                    print(f"{part.name} exited; stopping the stack", file=out, flush=True)
                    return 1
    except _Stopped as stopped:
        print(f"{stopped}: stopping", file=out, flush=True)
        return 0
    except StackError as exc:
        print(f"stack: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


def _shown_env(env: dict[str, str]) -> dict[str, str]:
    """The environment with its secrets masked (never printed in clear)."""
    masked = {}
    for key, value in env.items():
        if key in INHERITED:
            continue
        if key in ("SECRET_KEY", "DATA_SECRET_KEY"):
            value = "<kept in root/secret_key>"
        elif key == "CDN_PURGE_AUTH_HEADER":
            value = value.split(":", 1)[0] + ": <generated at each start>"
        masked[key] = value
    return masked


if __name__ == "__main__":
    sys.exit(main())
