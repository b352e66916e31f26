"""Benchmark the project page at scale: one project with 2,000 releases among 10,000 projects.

    .venv/bin/python bench/project_page.py [--releases 2000] [--projects 10000]
    .venv/bin/python scripts/with_postgres.py -- \
        .venv/bin/python bench/project_page.py --database-url

A fresh site (as ``bench/run.py`` makes one: a temporary directory, ``manage.py migrate``; and
``collectstatic``, since the pages link the stylesheet) is filled directly through the ORM, not
by uploads (that is ``bench/run.py``'s job): the big project ``bench-big`` gets N releases, each
with an sdist and two wheels, a 20 KB rendered description, 12 classifiers, 4 Project-URLs, 6
Requires-Dist and 5 maintainers; M other projects (``dep-00000``...) get two releases each. The
latest release of half of them requires ``bench-big`` (with extras and markers), the older
release of a quarter more did (they must not count), and every tenth has a yanked newest release
that requires it (its previous one does not: not counted either). So "used by" of ``bench-big``
counts M / 2 projects. On PostgreSQL the tables are then analysed, as autovacuum would.

Then, in-process with Django's test client (``python -m bench.project_page --inner``, with the
site's environment): for each page, the SQL queries of one request and the time of
``--requests`` requests (after ``--warmup``), wall-clock and this process's CPU time (robust to
other load on the machine), and the same of the "used by" query alone. Then gunicorn (one
worker, as ``make run`` serves) answers the same pages over HTTP, one request at a time.
Figures go to ``bench/out/project-page-<sqlite|postgresql>.json`` and stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, stats
from bench.server import (
    REPO,
    Gunicorn,
    Site,
    free_port,
    postgres_database,
    sqlite_database,
    temporary_root,
)

BIG = "bench-big"
CLASSIFIERS = [
    "Development Status :: 5 - Production/Stable",
    "Intended Audience :: Developers",
    "License :: OSI Approved :: MIT License",
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Topic :: Software Development :: Libraries",
    "Typing :: Typed",
]
REQUIRES = [
    "requests>=2.28",
    "rich>=13 ; extra == 'cli'",
    "typing-extensions>=4.5 ; python_version < '3.11'",
    "attrs>=23",
    "packaging>=23",
    "click>=8 ; extra == 'cli'",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases", type=int, default=2000, help="releases of the big project")
    parser.add_argument("--projects", type=int, default=10000, help="other projects")
    parser.add_argument(
        "--database-url",
        nargs="?",
        const=os.environ.get("DATABASE_URL", ""),
        default=None,
        help="run on PostgreSQL: a fresh database on this server (without a value: "
        "$DATABASE_URL). Default: SQLite in the run's directory.",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first")
    parser.add_argument("--keep", action="store_true", help="keep the site directory (and DB)")
    parser.add_argument("--out", type=Path, help="results file")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.database_url == "":
        parser.error("--database-url without a value needs $DATABASE_URL")
    return args


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def pages(releases: int) -> dict[str, str]:
    return {
        "big project page": f"/project/{BIG}/",
        "big project, oldest release": f"/project/{BIG}/{version(0)}/",
        "small project page": "/project/dep-00001/",
    }


def version(number: int) -> str:
    return f"{number // 100}.{number % 100}.0"


# In the site's process (--inner) --------------------------------------------------------------


def fill(releases: int, projects: int) -> dict[str, float]:
    """Rows straight into the database, in bulk; seconds per part."""
    from django.db import connection, transaction
    from packaging.utils import canonicalize_version
    from packaging.version import Version

    from accounts.models import User
    from packages.dependents import requirement_name
    from packages.models import (
        Classifier,
        Dependency,
        DependencyKind,
        Description,
        File,
        Project,
        Release,
        ReleaseURL,
        Role,
    )
    from packages.names import normalize_name, ultranormalize_name
    from packages.storage import file_path
    from packages.versions import sort_key

    timings: dict[str, float] = {}
    readme = "".join(
        f"<h2>Section {n}</h2><p>{'Some text about the project. ' * 20}</p>"
        f"<pre><code>import bench\nbench.run({n})</code></pre>"
        for n in range(20)
    )

    def digest(name: str, algo: str) -> str:
        h = hashlib.blake2b(digest_size=32) if algo == "blake2" else hashlib.new(algo)
        h.update(name.encode())
        return h.hexdigest()

    def make_file(release: Release, filename: str, packagetype: str, tag: str) -> File:
        blake2 = digest(filename, "blake2")
        return File(
            release=release,
            filename=filename,
            path=file_path(blake2, filename),
            packagetype=packagetype,
            python_version=tag,
            size=123_456,
            md5_digest=digest(filename, "md5"),
            sha256_digest=digest(filename, "sha256"),
            blake2_256_digest=blake2,
        )

    def new_release(project: Project, text: str, **fields: object) -> Release:
        parsed = Version(text)
        return Release(
            project=project,
            version=text,
            canonical_version=canonicalize_version(parsed),
            sort_key=sort_key(parsed),
            is_prerelease=parsed.is_prerelease,
            metadata_version="2.4",
            summary=f"{project.name} does useful things",
            **fields,
        )

    def requirement(release: Release, specifier: str) -> Dependency:
        return Dependency(
            release=release,
            kind=DependencyKind.REQUIRES_DIST,
            specifier=specifier,
            name=requirement_name(specifier),
        )

    start = time.perf_counter()
    with transaction.atomic():
        big = Project.objects.create(
            name=BIG, normalized_name=BIG, ultranormalized_name=ultranormalize_name(BIG)
        )
        made = Release.objects.bulk_create(
            new_release(
                big,
                version(n),
                requires_python=">=3.10",
                license_expression="MIT",
                author="Bench Author",
                author_email="author@example.com",
            )
            for n in range(releases)
        )
        Description.objects.bulk_create(
            Description(release=r, raw="", content_type="text/markdown", html=readme) for r in made
        )
        files = []
        for r in made:
            stem = f"bench_big-{r.version}"
            files.append(make_file(r, f"{stem}.tar.gz", "sdist", "source"))
            files.append(make_file(r, f"{stem}-py3-none-any.whl", "bdist_wheel", "py3"))
            files.append(
                make_file(
                    r, f"{stem}-cp312-cp312-manylinux_2_17_x86_64.whl", "bdist_wheel", "cp312"
                )
            )
        File.objects.bulk_create(files, batch_size=2000)
        Classifier.objects.bulk_create(
            [Classifier(classifier=c) for c in CLASSIFIERS], ignore_conflicts=True
        )
        classifiers = list(Classifier.objects.filter(classifier__in=CLASSIFIERS))
        through = Release.classifiers.through
        through.objects.bulk_create(
            (through(release_id=r.pk, classifier_id=c.pk) for r in made for c in classifiers),
            batch_size=5000,
        )
        ReleaseURL.objects.bulk_create(
            (
                ReleaseURL(release=r, name=label, url=f"https://example.com/{label.lower()}")
                for r in made
                for label in ("Homepage", "Source", "Documentation", "Issues")
            ),
            batch_size=5000,
        )
        Dependency.objects.bulk_create(
            (requirement(r, spec) for r in made for spec in REQUIRES), batch_size=5000
        )
        users = User.objects.bulk_create(
            User(username=f"bench-maintainer-{n}", email=f"m{n}@example.com") for n in range(5)
        )
        Role.objects.bulk_create(
            Role(project=big, user=u, role_name="Owner" if n == 0 else "Maintainer")
            for n, u in enumerate(users)
        )
    timings["big_project_s"] = round(time.perf_counter() - start, 1)

    start = time.perf_counter()
    with transaction.atomic():
        names = [f"dep-{n:05d}" for n in range(projects)]
        others = Project.objects.bulk_create(
            (
                Project(
                    name=name,
                    normalized_name=normalize_name(name),
                    ultranormalized_name=ultranormalize_name(name),
                )
                for name in names
            ),
            batch_size=2000,
        )
        old = Release.objects.bulk_create((new_release(p, "1.0") for p in others), batch_size=2000)
        new = Release.objects.bulk_create(
            (new_release(p, "2.0", yanked=n % 10 == 9) for n, p in enumerate(others)),
            batch_size=2000,
        )
        deps = []
        for n, (older, newer) in enumerate(zip(old, new, strict=True)):
            deps.append(requirement(older, "requests"))
            deps.append(requirement(newer, "requests>=2"))
            if n % 10 == 9:  # yanked 2.0 requires it, 1.0 (the latest clients see) does not
                deps.append(requirement(newer, "bench-big"))
            elif n % 2 == 0:  # the latest requires it
                deps.append(requirement(newer, "Bench_Big[cli]>=1 ; python_version >= '3.10'"))
            elif n % 4 == 1:  # only an older release did
                deps.append(requirement(older, "bench-big"))
        Dependency.objects.bulk_create(deps, batch_size=5000)
    timings["other_projects_s"] = round(time.perf_counter() - start, 1)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: without statistics the planner takes
        # every table for a few rows. (SQLite sites never run ANALYZE; neither does this.)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings["analyze_s"] = round(time.perf_counter() - start, 1)
    return timings


def measure(host: str, releases: int, requests: int, warmup: int) -> dict[str, object]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from packages.dependents import dependents
    from packages.models import Project

    client = Client(HTTP_HOST=host)
    client.get("/")  # process warm-up: URL resolver, templates, translations
    results: dict[str, object] = {}
    for label, path in pages(releases).items():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        captured = list(queries.captured_queries)  # the next request clears the log
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        for _ in range(warmup):
            client.get(path)
        times, cpu = [], []
        for _ in range(requests):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        slowest = sorted(captured, key=lambda q: -float(q["time"]))[:3]
        results[label] = {
            "path": path,
            "bytes": len(response.content),
            "queries": len(captured),
            "sql_ms": round(sum(float(q["time"]) for q in captured) * 1000, 1),
            "slowest_sql": [
                {"ms": float(q["time"]) * 1000, "sql": q["sql"][:300]} for q in slowest
            ],
            **stats.latency_summary(times),
            # This process's CPU time: robust to other load (on PostgreSQL the server's share
            # is not in it).
            "cpu_median_ms": stats.ms(stats.median(cpu)),
        }
    big = Project.objects.get(name=BIG)
    times, cpu = [], []
    found = dependents(big)
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = dependents(big)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    results["used-by query of the big project"] = {
        "total": found.total,
        "shown": len(found.shown),
        **stats.latency_summary(times),
        "cpu_median_ms": stats.ms(stats.median(cpu)),
    }
    return results


def inner(args: argparse.Namespace) -> int:
    import django

    django.setup()
    document = {
        "fill": fill(args.releases, args.projects),
        "in_process": measure(args.host, args.releases, args.requests, args.warmup),
    }
    json.dump(document, sys.stdout)
    return 0


# The driver ----------------------------------------------------------------------------------


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def run(args: argparse.Namespace, root: Path) -> dict[str, object]:
    database = postgres_database(args.database_url) if args.database_url else sqlite_database(root)
    try:
        site = Site(root, database, free_port())
        results: dict[str, object] = {
            "environment": {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": database.vendor,
                "database_version": database.version,
                "cpus": os.cpu_count(),
                "loadavg_start": os.getloadavg(),
                "git_head": _git("rev-parse", "--short", "HEAD"),
                "git_dirty_files": len(_git("status", "--porcelain").splitlines()),
            },
            "settings": {"releases": args.releases, "projects": args.projects},
        }
        log(f"site in {root} on {database.vendor}: migrate")
        (root / "var" / "static").mkdir(parents=True, exist_ok=True)
        site.manage("migrate", "--noinput")
        site.manage("collectstatic", "--noinput", "--verbosity", "0")  # pages link the CSS
        log(f"fill ({args.releases} releases, {args.projects} projects) and in-process figures")
        command = [sys.executable, "-m", "bench.project_page", "--inner", "--host"]
        command += [f"127.0.0.1:{site.port}", "--releases", str(args.releases)]
        command += ["--projects", str(args.projects), "--requests", str(args.requests)]
        command += ["--warmup", str(args.warmup)]
        done = subprocess.run(command, cwd=REPO, env=site.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"bench.project_page --inner failed:\n{done.stderr}")
        results.update(json.loads(done.stdout))
        log("over HTTP: gunicorn, one worker, one request at a time")
        served: dict[str, object] = {}
        with Gunicorn(site, workers=1):
            for label, path in pages(args.releases).items():
                endpoint = load.Endpoint(label, path)
                served[label] = load.sequential(site.port, endpoint, args.requests, args.warmup)
        results["http"] = served
        results["environment"]["loadavg_end"] = os.getloadavg()  # type: ignore[index]
        return results
    finally:
        if database.drop and not args.keep:
            database.drop()


def summary(results: dict[str, object]) -> str:
    env = results["environment"]
    lines = [f"project page, {env['database']} {env['database_version']}"]  # type: ignore[index]
    in_process = results["in_process"]
    http = results["http"]
    for label, figures in in_process.items():  # type: ignore[attr-defined]
        line = f"  {label}: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms"
        if "cpu_median_ms" in figures:
            line += f" (CPU {figures['cpu_median_ms']} ms)"
        if "queries" in figures:
            line += f", {figures['queries']} queries ({figures['sql_ms']} ms SQL)"
            served = http[label]  # type: ignore[index]
            line += f"; over HTTP median {served['median_ms']} ms, {served['bytes']} bytes"
        else:
            line += f" ({figures['total']} dependents)"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.inner:
        return inner(args)
    with temporary_root(args.keep) as root:
        results = run(args, root)
    vendor = results["environment"]["database"]  # type: ignore[index]
    out = args.out or REPO / "bench" / "out" / f"project-page-{vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(summary(results))
    print(f"\nresults written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
