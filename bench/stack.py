"""Benchmark the production topology (``make stack``): the figures of issue 13's "Speed" section.

    .venv/bin/python bench/stack.py [--quick] [--out bench/out/stack.json]

One run starts the whole stack of ``deploy/stack.py`` (PostgreSQL, Redis, the S3 server, one
Celery worker, a gunicorn node, Varnish with the repository's VCL) in a temporary directory,
fills it in bulk (``bench/bulk.py``: a project of 4,000 files and one of 400) and measures, side
by side on this machine:

1. ``cache_vs_static``: the Simple pages (HTML and JSON) of both projects served by Varnish from
   its cache, against nginx serving the same bytes as static files, in requests/second with
   the same load generator (``wrk`` when installed, else ``bench/load.py``'s processes);
2. ``visibility``: from an upload's response (through Varnish) to the first Varnish response
   that lists the new file, the page having been cached before the upload;
3. ``origin_page`` and ``origin_index``: a gunicorn node directly: the first request for a
   project's page after an upload changed its serial (and, for the big project, with the
   cache emptied first: nothing of the page cached); the ``/simple/`` index of N projects
   (cold, and the node's memory for a small and a large N);
4. ``upload_path``: uploads to a node whose after-commit work (CDN purge, search update, mail)
   goes to the worker through the broker, against a node without a broker (done in-process),
   interleaved.

See bench/README.md for each figure. The summary is printed; everything is written to
``bench/out/stack.json`` (``--out``). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dists, load, server, static_baseline, stats, wrk
from bench.load import HOST, SIMPLE_JSON, USER_AGENT, Endpoint, Uploader
from bench.server import (
    REPO,
    USERNAME,
    Gunicorn,
    _task_cpu_ns,
    free_port,
    proc_status,
    temporary_root,
)
from deploy.stack import Stack, StackConfig

BIG, SMALL = "bench-4000", "bench-400"
FORMATS = {"html": None, "json": SIMPLE_JSON}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (minutes), smaller sizes")
    parser.add_argument("--out", type=Path, help="results file (default bench/out/stack.json)")
    parser.add_argument("--big-files", type=int, default=4000, help="files of the big project")
    parser.add_argument("--small-files", type=int, default=400, help="files of the small one")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--seconds", type=float, help="seconds of each throughput run (10)")
    parser.add_argument("--connections", type=int, default=8, help="load generator connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rounds", type=int, help="cold page rounds per project (30)")
    parser.add_argument("--cache-rounds", type=int, help="throughput runs per server and page (3)")
    parser.add_argument("--uploads", type=int, help="uploads timed for visibility (100)")
    parser.add_argument("--path-uploads", type=int, help="uploads per node, upload path (60)")
    parser.add_argument(
        "--index-sizes", help="projects in the index, comma-separated (10000,100000)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.5,
        help="seconds between an upload and the cold request (the worker's job is done)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="phases to leave out, comma-separated: cache,visibility,page,index,path",
    )
    parser.add_argument("--python-client", action="store_true", help="bench/load.py, not wrk")
    parser.add_argument("--keep", action="store_true", help="keep the stack's directory")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "seconds": 3.0 if quick else 10.0,
        "rounds": 5 if quick else 30,
        "cache_rounds": 2 if quick else 3,
        "uploads": 10 if quick else 100,
        "path_uploads": 10 if quick else 60,
        "index_sizes": "2000,20000" if quick else "10000,100000",
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.index_sizes = [int(n) for n in str(args.index_sizes).split(",")]
    args.skip = {s for s in args.skip.split(",") if s}
    return args


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@dataclass
class NodeSite:
    """What ``bench.server.Gunicorn`` needs of a site: a directory, a port, an environment."""

    root: Path
    port: int
    env: dict[str, str]


def node(stack: Stack, name: str, workers: int, env: dict[str, str] | None = None) -> Gunicorn:
    """A gunicorn node of our own on the stack's database, cache and object store."""
    root = stack.root / "bench-nodes" / name
    root.mkdir(parents=True, exist_ok=True)
    return Gunicorn(NodeSite(root, free_port(), env or stack.env), workers)  # type: ignore[arg-type]


class ServerCpu:
    """CPU time of the server side: every process under the given ones (a gunicorn node's
    workers, PostgreSQL's backends, Redis). Other load on the machine stretches wall-clock
    times but hardly changes this, so it is the load-robust cost of a request."""

    def __init__(self, **roots: int | None) -> None:
        self.roots = {name: pid for name, pid in roots.items() if pid}

    def by_part(self) -> dict[str, float]:
        """Seconds of CPU each root and its descendants have used so far."""
        used = {}
        for name, root in self.roots.items():
            try:
                process = psutil.Process(root)
                pids = [root, *(child.pid for child in process.children(recursive=True))]
            except psutil.NoSuchProcess:
                continue
            used[name] = sum(_task_cpu_ns(pid) or 0 for pid in pids) / 1e9
        return used

    def seconds(self) -> float:
        return sum(self.by_part().values())


def stack_cpu(stack: Stack) -> ServerCpu:
    """The stack's node, database and cache (not the worker, nor Varnish)."""
    return ServerCpu(**{name: stack.part(name).pid for name in ("web-1", "postgres", "redis")})


# Setting up ------------------------------------------------------------------------------------


def create_user(stack: Stack) -> str:
    """The benchmark's user on the stack; returns an API token."""

    def manage(*args: str, stdin: str | None = None) -> str:
        return stack.manage(*args, input=stdin).stdout

    return server.create_user(manage)


def bulk(stack: Stack, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bulk", *args],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.bulk {' '.join(args)} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# HTTP helpers -----------------------------------------------------------------------------------


def get(
    conn: http.client.HTTPConnection, path: str, accept: str | None = None
) -> tuple[bytes, http.client.HTTPResponse]:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if accept:
        headers["Accept"] = accept
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {response.reason}")
    return body, response


def cached_copy(port: int, path: str, accept: str | None) -> tuple[bytes, int]:
    """The page from Varnish's cache (fetched until it is a HIT) and its hit count."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        for _ in range(5):
            body, response = get(conn, path, accept)
            if response.getheader("X-Cache") == "HIT":
                return body, int(response.getheader("X-Cache-Hits") or 0)
        raise RuntimeError(f"{path} is not served from Varnish's cache")
    finally:
        conn.close()


def upload(uploader: Uploader, item: dists.PreparedUpload) -> float:
    """Seconds from sending the upload to the end of its response.

    A kept-alive connection that the node closed while it was idle (gunicorn keeps one 5 s)
    fails as the request is sent, before the node read any of it: sent again on a new one.
    """
    try:
        return uploader.post(item.body, item.content_type, len(item.body))
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        uploader.conn.close()
        return uploader.post(item.body, item.content_type, len(item.body))


# 3. The origin: a project's page after an upload ------------------------------------------------


def origin_page(stack: Stack, token: str, args: argparse.Namespace) -> dict[str, object]:
    """Upload a wheel to the project through the node, wait ``--settle`` seconds, then time
    the node's first answer for the page in HTML, then in JSON (both render: the serial in
    their cache key changed). Projects alternate, so machine load affects both alike. The CPU
    time the node, PostgreSQL and Redis spent on each request is recorded beside."""
    port = stack.node_ports[0]
    uploader = Uploader(port, token)
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    meter = stack_cpu(stack)
    warmup = 2
    cases = [(project, fmt) for project in (BIG, SMALL) for fmt in FORMATS]
    wall: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
    cpu: dict[tuple[str, str], dict[str, list[float]]] = {case: {} for case in cases}
    sizes: dict[tuple[str, str], int] = {}
    for n in range(warmup + args.rounds):
        for project in (BIG, SMALL):
            upload(uploader, dists.single_wheel(project, f"{1000 + n}.0"))
            time.sleep(args.settle)
            for fmt, accept in FORMATS.items():
                before = meter.by_part()
                start = time.perf_counter()
                body, _ = get(conn, f"/simple/{project}/", accept)
                elapsed = time.perf_counter() - start
                after = meter.by_part()
                sizes[project, fmt] = len(body)
                if n < warmup:
                    continue
                wall[project, fmt].append(elapsed)
                spent = {part: after[part] - before.get(part, after[part]) for part in after}
                spent["total"] = sum(spent.values())
                for part, seconds in spent.items():
                    cpu[project, fmt].setdefault(part, []).append(seconds)
    uploader.close()
    results: dict[str, dict[str, object]] = {project: {} for project in (BIG, SMALL)}
    for project, fmt in cases:
        results[project][fmt] = {
            "bytes": sizes[project, fmt],
            **stats.latency_summary(wall[project, fmt]),
            "server_cpu_median_ms": {
                part: stats.ms(stats.median(values)) for part, values in cpu[project, fmt].items()
            },
        }
    results[BIG]["nothing_cached"] = nothing_cached(stack, conn, meter, args)
    conn.close()
    return dict(results)


def nothing_cached(
    stack: Stack, conn: http.client.HTTPConnection, meter: ServerCpu, args: argparse.Namespace
) -> dict[str, object]:
    """The big project's page with the cache emptied first (``FLUSHDB``): neither the page
    nor any part of it cached, as after a cache restart. ``--rounds`` // 3 rounds."""
    import redis

    cache = redis.Redis.from_url(stack.env["CACHE_URL"])
    figures: dict[str, object] = {}
    for fmt, accept in FORMATS.items():
        wall, cpu = [], []
        for _ in range(max(3, args.rounds // 3)):
            cache.flushdb()
            before = meter.seconds()
            start = time.perf_counter()
            get(conn, f"/simple/{BIG}/", accept)
            wall.append(time.perf_counter() - start)
            cpu.append(meter.seconds() - before)
            time.sleep(args.settle)  # the parts are stored after the response
        figures[fmt] = {
            **stats.latency_summary(wall),
            "server_cpu_median_ms": stats.ms(stats.median(cpu)),
        }
    cache.close()
    return figures


# 1. Varnish against nginx ----------------------------------------------------------------------


def throughput(url: str, path: str, accept: str | None, args: argparse.Namespace) -> dict:
    if args.python_client:
        port = int(url.rsplit(":", 1)[1])
        return load.throughput(port, Endpoint(path, path, accept), args.connections, args.seconds)
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    return wrk.run(
        url + path,
        seconds=args.seconds,
        connections=args.connections,
        threads=args.threads,
        headers=headers,
    )


def cache_vs_static(stack: Stack, args: argparse.Namespace) -> dict[str, object]:
    """Each page from Varnish's cache and from nginx's disk, alternately (``--cache-rounds``
    times each, the order swapped every round). Beside requests/second, the CPU time each
    server used per request: load on the machine moves the first, hardly the second."""
    varnish = f"http://{HOST}:{stack.port}"
    pages: dict[str, bytes] = {}
    cases = []
    for project in (BIG, SMALL):
        for fmt, accept in FORMATS.items():
            body, _ = cached_copy(stack.port, f"/simple/{project}/", accept)
            static_path = f"/{project}.{fmt}"
            pages[static_path] = body
            cases.append((project, fmt, accept, static_path))
    results: list[dict[str, object]] = []
    with static_baseline.StaticServer(pages) as nginx:
        conn = http.client.HTTPConnection(HOST, nginx.port, timeout=60)
        for static_path, body in pages.items():
            if get(conn, static_path)[0] != body:
                raise RuntimeError(f"nginx does not serve the same bytes at {static_path}")
        conn.close()
        meters = {
            "varnish": ServerCpu(varnish=stack.part("varnish").pid),
            "nginx": ServerCpu(nginx=nginx.process.pid if nginx.process else None),
        }

        def measure(server: str, path: str, accept: str | None) -> dict:
            before = meters[server].seconds()
            if server == "nginx":
                measured = throughput(nginx.url, path, None, args)
            else:
                _, hits_before = cached_copy(stack.port, path, accept)
                before = meters[server].seconds()
                measured = throughput(varnish, path, accept, args)
            used = meters[server].seconds() - before
            if server == "varnish":
                _, hits_after = cached_copy(stack.port, path, accept)
                measured["hits"] = hits_after - hits_before - 1
            measured["cpu_us_per_request"] = round(used / int(measured["requests"]) * 1e6, 1)
            return measured

        for project, fmt, accept, static_path in cases:
            path = f"/simple/{project}/"
            runs: dict[str, list[dict]] = {"varnish": [], "nginx": []}
            for n in range(args.cache_rounds):
                for server in ("varnish", "nginx") if n % 2 == 0 else ("nginx", "varnish"):
                    where = path if server == "varnish" else static_path
                    runs[server].append(measure(server, where, accept))
            rps = {s: sum(float(r["rps"]) for r in rs) / len(rs) for s, rs in runs.items()}
            cpu = {
                s: stats.median([float(r["cpu_us_per_request"]) for r in rs])
                for s, rs in runs.items()
            }
            results.append(
                {
                    "project": project,
                    "format": fmt,
                    "bytes": len(pages[static_path]),
                    "varnish_rps": round(rps["varnish"], 1),
                    "nginx_rps": round(rps["nginx"], 1),
                    "varnish_over_nginx": round(rps["varnish"] / rps["nginx"], 3),
                    "varnish_cpu_us_per_request": cpu["varnish"],
                    "nginx_cpu_us_per_request": cpu["nginx"],
                    "runs": runs,
                    "load": load_average(),
                }
            )
            log(
                f"  {project} {fmt}: Varnish {rps['varnish']:.0f} req/s, nginx "
                f"{rps['nginx']:.0f} req/s ({rps['varnish'] / rps['nginx']:.0%}); CPU per "
                f"request {cpu['varnish']:.0f} vs {cpu['nginx']:.0f} us"
            )
    return {
        "client": "bench/load.py" if args.python_client else wrk.version(),
        "connections": args.connections,
        "threads": args.threads,
        "seconds": args.seconds,
        "rounds": args.cache_rounds,
        "nginx": static_baseline.version(),
        "pages": results,
    }


# 2. A new upload visible through the cache ------------------------------------------------------


def visibility(stack: Stack, token: str, args: argparse.Namespace) -> dict[str, object]:
    """Uploads through Varnish, alternately to both projects; after each, Varnish is asked for
    the (previously cached) HTML page every 2 ms until the page lists the new file."""
    projects = [(BIG, SMALL)[n % 2] for n in range(args.uploads)]
    plan = [(p, dists.single_wheel(p, f"{3000 + n}.0")) for n, p in enumerate(projects)]
    uploader = Uploader(stack.port, token)
    conn = http.client.HTTPConnection(HOST, stack.port, timeout=120)
    delays: dict[str, list[float]] = {BIG: [], SMALL: []}
    polls: list[int] = []
    for project, item in plan:
        path = f"/simple/{project}/"
        cached_copy(stack.port, path, None)
        upload(uploader, item)
        answered = time.perf_counter()
        needle = item.filename.encode()
        for count in range(1, 100_000):
            body, _ = get(conn, path)
            if needle in body:
                delays[project].append(time.perf_counter() - answered)
                polls.append(count)
                break
            if time.perf_counter() - answered > 60:
                raise RuntimeError(f"{item.filename} not visible through Varnish after 60 s")
            time.sleep(0.002)
    uploader.close()
    conn.close()
    every = delays[BIG] + delays[SMALL]
    return {
        "uploads": len(every),
        "all": stats.latency_summary(every),
        BIG: stats.latency_summary(delays[BIG]),
        SMALL: stats.latency_summary(delays[SMALL]),
        "polls_median": stats.median(polls),
    }


# 4. The upload path: worker against inline ----------------------------------------------------


def upload_path(stack: Stack, token: str, args: argparse.Namespace) -> dict[str, object]:
    """Two nodes of our own, alike but for the broker: uploads alternate between them."""
    inline_env = {k: v for k, v in stack.env.items() if k != "CELERY_BROKER_URL"}
    warmup = 4
    times: dict[str, list[float]] = {"worker": [], "inline": []}
    with (
        node(stack, "path-worker", args.web_workers) as with_worker,
        node(stack, "path-inline", args.web_workers, inline_env) as inline,
    ):
        uploaders = {
            "worker": Uploader(with_worker.site.port, token),
            "inline": Uploader(inline.site.port, token),
        }
        for n in range(warmup + args.path_uploads):
            for mode in ("worker", "inline") if n % 2 else ("inline", "worker"):
                item = dists.single_wheel(f"bench-path-{mode}", f"{n}.0")
                elapsed = upload(uploaders[mode], item)
                if n >= warmup:
                    times[mode].append(elapsed)
        for uploader in uploaders.values():
            uploader.close()
    worker, inline_ = stats.median(times["worker"]), stats.median(times["inline"])
    return {
        "uploads_per_mode": args.path_uploads,
        "worker": stats.latency_summary(times["worker"]),
        "inline": stats.latency_summary(times["inline"]),
        "worker_over_inline": round(worker / inline_, 3),
    }


# 3. The origin: the /simple/ index --------------------------------------------------------------


def origin_index(stack: Stack, args: argparse.Namespace) -> dict[str, object]:
    """For each size, a fresh one-worker node: a small page first (the worker's code is
    loaded), then its memory, then the index in both formats (the first request of each
    timed apart), then its memory again."""
    results: dict[str, object] = {}
    existing = 0
    for size in args.index_sizes:
        if size > existing:
            log(f"  bulk: {size - existing} more projects")
            bulk(stack, "projects", str(size - existing), "--start", str(existing))
            existing = size
        # Bulk rows write no journal entry: a cache keyed by the serial would not see them.
        stack.manage("shell", "-c", "from django.core.cache import cache; cache.clear()")
        with node(stack, f"index-{size}", 1) as gunicorn:
            (pid,) = gunicorn.worker_pids()
            meter = ServerCpu(node=pid, postgres=stack.part("postgres").pid)
            conn = http.client.HTTPConnection(HOST, gunicorn.site.port, timeout=300)
            for accept in FORMATS.values():
                get(conn, f"/simple/{SMALL}/", accept)
            before = proc_status(pid)
            figures: dict[str, object] = {}
            for fmt, accept in FORMATS.items():
                times, cpu = [], []
                for _ in range(4):
                    cpu_before = meter.seconds()
                    start = time.perf_counter()
                    body, _ = get(conn, "/simple/", accept)
                    times.append(time.perf_counter() - start)
                    cpu.append(meter.seconds() - cpu_before)
                figures[fmt] = {
                    "bytes": len(body),
                    "first_ms": stats.ms(times[0]),
                    "median_next_3_ms": stats.ms(stats.median(times[1:])),
                    "server_cpu_median_ms": stats.ms(stats.median(cpu)),
                }
            after = proc_status(pid)
            conn.close()
        projects = body.count(b'"name":')
        results[str(size)] = {
            "projects_listed": projects,
            **figures,
            "rss_before_kib": before["VmRSS"],
            "rss_after_kib": after["VmRSS"],
            "hwm_before_kib": before["VmHWM"],
            "hwm_after_kib": after["VmHWM"],
            "peak_growth_mib": round((after["VmHWM"] - before["VmHWM"]) / 1024, 1),
            "load": load_average(),
        }
        log(f"  {projects} projects: {figures}, peak +{results[str(size)]['peak_growth_mib']} MiB")
    return results


# The run ---------------------------------------------------------------------------------------


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def _varnish_version() -> str:
    done = subprocess.run(["varnishd", "-V"], capture_output=True, text=True)
    text = done.stderr or done.stdout
    return text.split("(", 1)[-1].split()[0] if text else ""  # "varnish-7.1.1"


def run(args: argparse.Namespace, root: Path) -> dict[str, object]:
    if not args.python_client and not wrk.available():
        log("wrk is not installed (scripts/system-deps): using bench/load.py's clients")
        args.python_client = True
    results: dict[str, object] = {
        "environment": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "varnish": _varnish_version(),
            "nginx": static_baseline.version(),
            "load_generator": "bench/load.py" if args.python_client else wrk.version(),
            "loadavg_start": load_average(),
            "git_head": _git("rev-parse", "--short", "HEAD"),
            "git_dirty_files": len(_git("status", "--porcelain").splitlines()),
            "quick": args.quick,
        },
        "settings": {
            key: sorted(value) if isinstance(value, set) else value
            for key, value in vars(args).items()
            if key not in ("out",)
        },
    }
    root.chmod(0o755)  # PostgreSQL runs as its own user when we are root
    config = StackConfig(
        root=root / "stack",
        port=0,
        web_nodes=1,
        web_workers=args.web_workers,
        worker=True,
        beat=False,
        quiet=True,
    )
    log(f"starting the stack in {root}")
    with Stack(config) as stack:
        token = create_user(stack)
        results["fill"] = [
            bulk(stack, "files", BIG, str(args.big_files), "--owner", USERNAME),
            bulk(stack, "files", SMALL, str(args.small_files), "--owner", USERNAME),
        ]
        log(f"filled: {results['fill']}")
        phases = [
            ("page", "origin_page", lambda: origin_page(stack, token, args)),
            ("cache", "cache_vs_static", lambda: cache_vs_static(stack, args)),
            ("visibility", "visibility", lambda: visibility(stack, token, args)),
            ("path", "upload_path", lambda: upload_path(stack, token, args)),
            ("index", "origin_index", lambda: origin_index(stack, args)),
        ]
        for short, name, phase in phases:
            if short in args.skip:
                continue
            log(f"{name} (load {load_average()})")
            started = time.monotonic()
            figures = phase()
            results[name] = {
                **figures,
                "phase_seconds": round(time.monotonic() - started, 1),
                "load_end": load_average(),
            }
    results["environment"]["loadavg_end"] = load_average()  # type: ignore[index]
    return results


def summary(results: dict) -> str:
    env = results["environment"]
    lines = [
        f"bench/stack.py, {env['date']}, {env['cpus']} CPUs, load {env['loadavg_start']} -> "
        f"{env['loadavg_end']}, {env['varnish']}, nginx {env['nginx']}, "
        f"client {env['load_generator']}"
    ]
    if "cache_vs_static" in results:
        lines.append("1. Varnish (cache) vs nginx (static file), req/s  [target >= 80%]")
        for page in results["cache_vs_static"]["pages"]:
            ratio = page["varnish_over_nginx"]
            lines.append(
                f"   {page['project']} {page['format']} ({page['bytes']:,} B): "
                f"{page['varnish_rps']} vs {page['nginx_rps']} = {ratio:.0%} "
                f"{'met' if ratio >= 0.8 else 'MISSED'} (CPU per request "
                f"{page['varnish_cpu_us_per_request']} vs {page['nginx_cpu_us_per_request']} us)"
            )
    if "visibility" in results:
        vis = results["visibility"]
        p99 = vis["all"]["p99_ms"]
        lines.append(
            f"2. upload visible through Varnish ({vis['uploads']} uploads): median "
            f"{vis['all']['median_ms']} ms, p99 {p99} ms  [target < 1000 ms] "
            f"{'met' if p99 < 1000 else 'MISSED'}"
        )
    if "origin_page" in results:
        lines.append("3. origin, first request after an upload (median / p95 ms)  [< 50 ms]")
        for project in (BIG, SMALL):
            for fmt in FORMATS:
                fig = results["origin_page"][project][fmt]
                mark = ("met" if fig["median_ms"] < 50 else "MISSED") if project == BIG else ""
                lines.append(
                    f"   {project} {fmt} ({fig['bytes']:,} B): {fig['median_ms']} / "
                    f"{fig['p95_ms']} {mark} (server CPU "
                    f"{fig['server_cpu_median_ms']['total']} ms)"
                )
        for fmt, fig in results["origin_page"][BIG].get("nothing_cached", {}).items():
            lines.append(
                f"   {BIG} {fmt}, nothing cached (cache flushed): {fig['median_ms']} / "
                f"{fig['p95_ms']} (server CPU {fig['server_cpu_median_ms']} ms)"
            )
    if "origin_index" in results:
        lines.append("3. origin, /simple/ index, first request (ms); peak memory growth  [< 1 s]")
        for fig in results["origin_index"].values():
            if not isinstance(fig, dict):
                continue
            html, js = fig["html"], fig["json"]
            lines.append(
                f"   {fig['projects_listed']:,} projects: HTML {html['first_ms']} "
                f"({html['bytes']:,} B), JSON {js['first_ms']} ({js['bytes']:,} B); worker "
                f"peak +{fig['peak_growth_mib']} MiB"
            )
    if "upload_path" in results:
        path = results["upload_path"]
        lines.append(
            f"4. upload median, worker {path['worker']['median_ms']} ms vs inline "
            f"{path['inline']['median_ms']} ms (x{path['worker_over_inline']})  [unchanged]"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with temporary_root(args.keep) as root:
        results = run(args, root)
    out = args.out or REPO / "bench" / "out" / "stack.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    text = summary(results)
    out.with_suffix(".txt").write_text(text + "\n")
    print(text)
    print(f"\nresults written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
