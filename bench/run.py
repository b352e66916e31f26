"""Benchmark a fresh site under gunicorn: fill, reads, query counts, peak RSS of a big upload.

    .venv/bin/python bench/run.py [--releases 2000] [--database-url [URL]]

See bench/README.md for what each figure means. Results go to bench/out/results-<db>.json.
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
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dists, fill, load, report, rss
from bench.server import (
    REPO,
    CpuMeter,
    Database,
    Gunicorn,
    Site,
    free_port,
    postgres_database,
    sqlite_database,
    temporary_root,
)

BIG = "bench-many-releases"
SMALL = "bench-one-file"
WARMUP = "bench-warmup"
PROBE = "bench-probe"
MIB = 1024 * 1024


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--releases", type=int, default=2000, help="releases to fill (3 files each)"
    )
    parser.add_argument(
        "--database-url",
        nargs="?",
        const=os.environ.get("DATABASE_URL", ""),
        default=None,
        help="run on PostgreSQL: a fresh database is created on this server "
        "(without a value: $DATABASE_URL). Default: SQLite in the run's directory.",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for phases 1-2")
    parser.add_argument("--clients", type=int, default=8, help="concurrent readers (processes)")
    parser.add_argument("--requests", type=int, default=200, help="sequential timed requests")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per throughput run")
    parser.add_argument(
        "--big-file-mib", type=float, default=99.5, help="size of the big wheel (MiB)"
    )
    parser.add_argument(
        "--max-file-size",
        type=int,
        help="set UPLOAD_MAX_FILE_SIZE (bytes) for the run (default: the site's 100 MiB)",
    )
    parser.add_argument(
        "--warmup-releases",
        type=int,
        default=4,
        help="releases (3 files each) uploaded to another project before the fill",
    )
    parser.add_argument(
        "--probe-rounds",
        type=int,
        default=20,
        help="after the fill, releases alternately to the full project and a fresh one",
    )
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the site directory (and DB)")
    parser.add_argument("--out", type=Path, help="results file (default bench/out/results-<db>)")
    args = parser.parse_args(argv)
    if args.database_url == "":
        parser.error("--database-url without a value needs $DATABASE_URL")
    return args


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return result.stdout.strip()


def environment(database: Database) -> dict[str, object]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database.vendor,
        "database_version": database.version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "git_head": _git("rev-parse", "--short", "HEAD"),
        "git_dirty_files": len(_git("status", "--porcelain").splitlines()),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }


def read_phase(port: int, args: argparse.Namespace) -> dict[str, object]:
    results: dict[str, object] = {}
    for project in (BIG, SMALL):
        for endpoint in load.endpoints(project):
            log(f"reads: {endpoint.label} of {project}")
            results[f"{project} {endpoint.label}"] = {
                "sequential": load.sequential(port, endpoint, args.requests, args.warmup),
                "concurrent": load.throughput(port, endpoint, args.clients, args.duration),
            }
    return results


def check_fill(port: int, releases: int) -> None:
    """The big project's Simple JSON lists every uploaded file."""
    conn = http.client.HTTPConnection(load.HOST, port, timeout=120)
    conn.request("GET", f"/simple/{BIG}/", headers={"Accept": load.SIMPLE_JSON})
    document = json.loads(conn.getresponse().read())
    conn.close()
    files, versions = len(document["files"]), len(document["versions"])
    if (files, versions) != (3 * releases, releases):
        raise RuntimeError(
            f"expected {releases} releases and {3 * releases} files, got {versions} and {files}"
        )


def query_phase(site: Site) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.queries", f"127.0.0.1:{site.port}", BIG, SMALL],
        cwd=REPO,
        env=site.env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.queries failed:\n{result.stderr}")
    return json.loads(result.stdout)


def run(args: argparse.Namespace, root: Path, database: Database) -> dict[str, object]:
    results: dict[str, object] = {"environment": environment(database)}
    extra_env = {}
    if args.max_file_size:
        extra_env["UPLOAD_MAX_FILE_SIZE"] = str(args.max_file_size)
    site = Site(root, database, free_port(), extra_env)
    results["settings"] = {
        "releases": args.releases,
        "workers": args.workers,
        "clients": args.clients,
        "sequential_requests": args.requests,
        "warmup_requests": args.warmup,
        "warmup_uploads": 3 * args.warmup_releases,
        "throughput_seconds": args.duration,
        "upload_max_file_size": args.max_file_size or "default (100 MiB)",
    }
    log(f"site in {root} on {database.vendor}: migrate, createuser, createtoken")
    token = site.setup()
    log(f"building {args.releases * 3} distributions")
    plan = dists.fill_plan(BIG, args.releases)
    small = dists.single_wheel(SMALL, "1.0")
    warmup = dists.fill_plan(WARMUP, args.warmup_releases)

    with Gunicorn(site, workers=args.workers) as server:
        meter = CpuMeter(server, database)
        log(f"fill: {len(plan)} uploads, one at a time, gunicorn with {args.workers} workers")
        uploader = load.Uploader(site.port, token)
        # Every worker's first upload imports and initialises the upload code path; do that on
        # another project so the fill's first upload measures the endpoint, not process start.
        for item in warmup:
            uploader.post(item.body, item.content_type, len(item.body))
        started = time.monotonic()
        timings = fill.upload_all(uploader, plan, meter, progress=True)
        results["fill"] = {
            **fill.summarize(plan, timings),
            "wall_seconds": round(time.monotonic() - started, 1),
        }
        check_fill(site.port, args.releases)
        if args.probe_rounds:
            log(f"interleaved probe: {args.probe_rounds} releases each to {BIG} and to {PROBE}")
            results["probe"] = fill.interleaved_probe(
                uploader, meter, BIG, PROBE, args.probe_rounds, first_version=1000
            )
        uploader.post(small.body, small.content_type, len(small.body))
        uploader.close()
        if not args.skip_reads:
            results["reads"] = read_phase(site.port, args)

    log("query counts (in-process, Django test client)")
    results["queries"] = query_phase(site)
    if not args.skip_rss:
        size = int(args.big_file_mib * MIB)
        log(f"peak RSS: one {size / MIB:.1f} MiB upload to a 1-worker gunicorn")
        results["rss"] = rss.measure(site, token, size, root)
    results["environment"]["loadavg_end"] = os.getloadavg()  # type: ignore[index]
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with temporary_root(args.keep) as root:
        database = (
            postgres_database(args.database_url) if args.database_url else sqlite_database(root)
        )
        try:
            results = run(args, root, database)
        finally:
            if database.drop and not args.keep:
                database.drop()
    out = args.out or REPO / "bench" / "out" / f"results-{database.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(report.text(results))
    print(f"\nresults written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
