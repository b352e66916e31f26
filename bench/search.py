"""Benchmark search: seed N projects into a fresh site, build the index, time searches.

    .venv/bin/python bench/search.py [--projects 10000] [--database-url [URL]]
    .venv/bin/python scripts/with_postgres.py -- .venv/bin/python bench/search.py --database-url

A fresh site as ``bench/run.py`` makes one (``bench/server.py``: temporary directory, SQLite
there or a new PostgreSQL database beside ``--database-url``, ``manage.py migrate`` and
``collectstatic``). Then, in a child process with the site's environment
(``python -m bench.search --inside``):

1. **Seed**: N projects written with ``bulk_create`` (a search benchmark, not an upload one),
   each with one release (10% with three), one wheel, a 1-8 KB description, keywords, an author
   and 3-9 trove classifiers. Names and summaries are drawn from technical words, descriptions
   from a Zipf-distributed pseudo-vocabulary (``Text``), all with a fixed seed, so every run
   searches the same data.
2. **Index**: ``packages.search.documents.rebuild()`` (what ``manage.py reindex_search`` runs),
   timed.
3. **Searches**, one at a time, each query ``--warmup`` times unmeasured then ``--repeat``
   times measured:
   - *query*: ``packages.search.query.search`` plus the page's count and its 20 rows (the
     database work of one page);
   - *request*: ``GET /search/`` through Django's test client (view, template, the rate limit
     raised out of the way; the classifier counts are cached after the first request).

The medians per query and over all queries are printed and written to
``bench/out/search-<sqlite|postgresql>.json``. Target: median request < 100 ms on PostgreSQL
with 10,000 projects.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import REPO, Site, free_port, postgres_database, sqlite_database, temporary_root
from bench.stats import latency_summary, median

TARGET_MS = 100.0
SEED = 20261130

WORDS = (
    "web framework http client server async await api rest json yaml toml xml csv parser "
    "serializer validation schema database sql orm postgres sqlite redis cache queue task "
    "worker scheduler cron logging metrics tracing monitoring testing fixture mock plugin "
    "extension command line interface terminal color progress bar image audio video stream "
    "network socket protocol crypto hash signature token auth login session cookie template "
    "markdown html render static site generator document pdf excel spreadsheet data science "
    "machine learning model training tensor array matrix numeric statistics plot chart graph "
    "geometry geographic map time date timezone calendar string text unicode regex search "
    "index storage file system path archive zip compression cloud aws azure storage bucket "
    "deploy container docker kubernetes config settings environment secret vault email "
    "notification chat bot slack discord game engine physics simulation robot hardware serial "
    "bluetooth usb sensor embedded micro fast simple small tiny modern lightweight pure python "
    "typed safe secure robust reliable friendly elegant powerful flexible extensible"
).split()
ENGLISH = (
    "the a an and or of to in for with on by from this that it is are was be can will use "
    "uses used using provides helps makes supports allows easy quick library tool package "
    "module project code developers users applications systems tools functions classes "
    "objects methods features options examples documentation install installation usage "
    "license contributing changelog release version support python3 compatible works"
).split()
SUFFIXES = ("", "py", "lib", "kit", "tools", "x", "ng", "2", "3", "io", "utils", "core")
FAMOUS = ("django", "flask", "requests", "numpy", "pandas", "pytest", "attrs", "click", "toml")

# (label, q, classifiers, order, page)
QUERIES: list[tuple[str, str, list[str], str, int]] = [
    ("exact name", "django", [], "", 1),
    ("common word", "web", [], "", 1),
    ("two words", "async http client", [], "", 1),
    ("phrase", '"static site generator"', [], "", 1),
    ("prefix", "djan", [], "", 1),
    ("rare word", "{rare}", [], "", 1),
    ("exclusion", "parser -xml", [], "", 1),
    ("word + classifier", "database", ["Programming Language :: Python :: 3"], "", 1),
    ("classifiers only", "", ["Framework :: Django", "Topic"], "", 1),
    ("by date", "python", [], "-created", 1),
    ("by name, page 5", "python", [], "name", 5),
    ("no results", "qwertyuiop", [], "", 1),
]


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- Inside the site's environment ---------------------------------------------------------


SYLLABLES = (
    "ka lo mi ne ru sa ti vo ze bar dun fel gor hin jas kel mor nip pol quen rist sul tam ver "
    "wex yul at en is or um"
).split()


class Text:
    """Pseudo-text: words of a 30,000-word vocabulary drawn with Zipf's law, mixed with
    English filler and the technical ``WORDS`` (so those appear in a fifth of descriptions)."""

    def __init__(self, rng: random.Random, size: int = 30_000) -> None:
        self.rng = rng
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.vocabulary = sorted(words)
        rng.shuffle(self.vocabulary)
        self.cumulative = list(accumulate(1 / rank for rank in range(1, size + 1)))

    def rare(self) -> str:
        """A word about 2% of descriptions contain."""
        return self.vocabulary[2000]

    def sentence(self, words: int) -> str:
        drawn = self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=words)
        for i in range(words):
            roll = self.rng.random()
            if roll < 0.07:
                drawn[i] = self.rng.choice(WORDS)
            elif roll < 0.25:
                drawn[i] = self.rng.choice(ENGLISH)
        return " ".join(drawn)


def _summary(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS if rng.random() < 0.6 else ENGLISH) for _ in range(words))


def _names(rng: random.Random, count: int) -> list[str]:
    names: dict[str, None] = dict.fromkeys(FAMOUS)
    while len(names) < count:
        first, second = rng.choice(WORDS), rng.choice(WORDS)
        shape = rng.random()
        if shape < 0.4:
            name = f"{first}-{second}"
        elif shape < 0.7:
            name = f"{first}{rng.choice(SUFFIXES)}"
        elif shape < 0.85:
            name = f"{first}_{second}{rng.choice(SUFFIXES)}"
        else:
            name = f"{rng.choice(FAMOUS)}-{first}"
        names.setdefault(name, None)
    return list(names)[:count]


def seed(count: int) -> dict[str, Any]:
    from packaging.utils import canonicalize_version
    from packaging.version import Version
    from trove_classifiers import sorted_classifiers

    from packages.models import Classifier, Description, File, Project, Release
    from packages.names import normalize_name, ultranormalize_name
    from packages.versions import sort_key

    rng = random.Random(SEED)
    text = Text(rng)
    started = time.perf_counter()
    Classifier.objects.bulk_create(
        [Classifier(classifier=c, ordering=i) for i, c in enumerate(sorted_classifiers)],
        ignore_conflicts=True,
    )
    classifier_ids = dict(Classifier.objects.values_list("classifier", "pk"))
    usable = [c for c in sorted_classifiers if not c.startswith("Private ::")]
    common = [
        "Programming Language :: Python :: 3",
        "Operating System :: OS Independent",
        "License :: OSI Approved :: MIT License",
        "Development Status :: 4 - Beta",
        "Intended Audience :: Developers",
        "Framework :: Django",
    ]
    now = datetime(2026, 11, 30, tzinfo=UTC)
    names = _names(rng, count)
    ultra: set[str] = set()
    projects = []
    for name in names:
        u = ultranormalize_name(name)
        if u in ultra:
            continue
        ultra.add(u)
        projects.append(
            Project(name=name, normalized_name=normalize_name(name), ultranormalized_name=u)
        )
    Project.objects.bulk_create(projects, batch_size=2000)
    projects = list(Project.objects.order_by("pk"))
    releases: list[Release] = []
    for project in projects:
        for n in range(3 if rng.random() < 0.1 else 1):
            version = Version(f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{n}")
            releases.append(
                Release(
                    project=project,
                    version=str(version),
                    canonical_version=canonicalize_version(version),
                    sort_key=sort_key(version),
                    is_prerelease=False,
                    metadata_version="2.1",
                    summary=_summary(rng, rng.randint(4, 12))[:512],
                    keywords=",".join(rng.sample(WORDS, rng.randint(0, 6))),
                    author=f"{rng.choice(ENGLISH).title()} {rng.choice(WORDS).title()}",
                    author_email=f"{rng.choice(WORDS)}@example.org",
                    license=rng.choice(["MIT", "BSD-3-Clause", "Apache-2.0", ""]),
                    home_page=f"https://example.org/{project.normalized_name}",
                )
            )
    Release.objects.bulk_create(releases, batch_size=2000)
    releases = list(Release.objects.order_by("pk"))
    # Spread the release dates over three years (auto_now_add sets them all to now).
    for release in releases:
        release.created = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
    Release.objects.bulk_update(releases, ["created"], batch_size=2000)
    Description.objects.bulk_create(
        [
            Description(
                release=release,
                raw=". ".join(
                    text.sentence(rng.randint(8, 20)) for _ in range(rng.randint(15, 60))
                ),
                content_type="text/plain",
            )
            for release in releases
        ],
        batch_size=1000,
    )
    files = []
    for release in releases:
        base = f"{release.project.normalized_name}-{release.version}"
        filename = f"{base.replace('-', '_')}-py3-none-any.whl"
        blake2 = hashlib.blake2b(filename.encode(), digest_size=32).hexdigest()
        files.append(
            File(
                release=release,
                filename=filename,
                path=f"{blake2[:2]}/{blake2[2:4]}/{blake2[4:]}/{filename}",
                packagetype="bdist_wheel",
                python_version="py3",
                size=1024,
                md5_digest=hashlib.md5(filename.encode()).hexdigest(),  # noqa: S324
                sha256_digest=hashlib.sha256(filename.encode()).hexdigest(),
                blake2_256_digest=blake2,
            )
        )
    File.objects.bulk_create(files, batch_size=2000)
    through = Release.classifiers.through
    links = []
    for release in releases:
        chosen = set(rng.sample(common, rng.randint(1, 4))) | set(
            rng.sample(usable, rng.randint(2, 5))
        )
        links += [through(release_id=release.pk, classifier_id=classifier_ids[c]) for c in chosen]
    through.objects.bulk_create(links, batch_size=5000)
    return {
        "projects": len(projects),
        "releases": len(releases),
        "classifier_links": len(links),
        "rare_word": text.rare(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _page_of_results(q: str, classifiers: list[str], order: str, page: int) -> int:
    """The database work of one page: the count and the page's rows; the count."""
    from django.core.paginator import Paginator

    from packages.search import query
    from packages.views import search as search_view

    paginator = Paginator(query.search(q, classifiers, order), search_view.PER_PAGE)
    with query.index_scans(q):
        if paginator.count:
            list(paginator.page(page).object_list)
    return paginator.count


def plans(rare: str) -> dict[str, str]:
    """``EXPLAIN ANALYZE`` of each search's count and page queries (PostgreSQL)."""
    from django.core.paginator import Paginator
    from django.db import connection

    from packages.search import query
    from packages.views import search as search_view

    out: dict[str, str] = {}
    for label, template, classifiers, order, page in QUERIES:
        text = template.format(rare=rare)
        documents = query.search(text, classifiers, order)
        count_sql, count_params = documents.order_by().values("pk").query.sql_with_params()
        page_query = Paginator(documents, search_view.PER_PAGE).page(1).object_list
        if page > 1:
            page_query = documents[(page - 1) * search_view.PER_PAGE : page * search_view.PER_PAGE]
        with query.index_scans(text), connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({count_sql}) AS c",  # noqa: S608
                count_params,
            )
            counted = "\n".join(row[0] for row in cursor.fetchall())
            planned = page_query.explain(analyze=True)
        out[label] = f"-- count\n{counted}\n-- page\n{planned}"
    return out


def measure(warmup: int, repeat: int, rare: str) -> dict[str, Any]:
    from django.test import Client

    from packages.views import search as search_view

    search_view.RATE_LIMITS = [(10**9, 1)]
    client = Client(HTTP_HOST=f"127.0.0.1:{os.environ.get('PORT', '8000')}")
    client.get("/search/")  # first-use work; the classifier counts cached from here on
    results: dict[str, Any] = {}
    for label, template, classifiers, order, page in QUERIES:
        q = template.format(rare=rare)
        params: dict[str, Any] = {"q": q, "c": classifiers, "o": order, "page": page}
        timings: dict[str, list[float]] = {"query": [], "request": []}
        found = 0
        for kind in ("query", "request"):
            for n in range(warmup + repeat):
                start = time.perf_counter()
                if kind == "query":
                    found = _page_of_results(q, classifiers, order, page)
                else:
                    response = client.get("/search/", params)
                    if response.status_code != 200:
                        raise RuntimeError(f"{label}: {response.status_code}")
                if n >= warmup:
                    timings[kind].append(time.perf_counter() - start)
        results[label] = {
            "params": params,
            "results": found,
            "query": latency_summary(timings["query"]),
            "request": latency_summary(timings["request"]),
        }
        log(
            f"{label:>20}: {found:>6} results, query median "
            f"{results[label]['query']['median_ms']} ms, request median "
            f"{results[label]['request']['median_ms']} ms"
        )
    return results


def inside(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.db import connection

    from packages.search import documents

    out: dict[str, Any] = {"vendor": connection.vendor}
    log(f"seeding {args.projects} projects")
    out["seed"] = seed(args.projects)
    log(f"seeded: {out['seed']}")
    started = time.perf_counter()
    indexed, _ = documents.rebuild()
    out["index"] = {"documents": indexed, "seconds": round(time.perf_counter() - started, 1)}
    log(f"indexed {indexed} projects in {out['index']['seconds']} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('packages_searchdocument'))"
            )
            out["index"]["table_size"] = cursor.fetchone()[0]
    out["searches"] = measure(args.warmup, args.repeat, out["seed"]["rare_word"])
    if args.explain and connection.vendor == "postgresql":
        out["plans"] = plans(out["seed"]["rare_word"])
        for label, plan in out["plans"].items():
            log(f"{label}:\n{plan}")
    json.dump(out, sys.stdout)
    return 0


# --- The driver ----------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        nargs="?",
        const=os.environ.get("DATABASE_URL", ""),
        default=None,
        help="run on PostgreSQL: a fresh database is created on this server "
        "(without a value: $DATABASE_URL). Default: SQLite in the run's directory.",
    )
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs of each query")
    parser.add_argument("--repeat", type=int, default=25, help="measured runs of each query")
    parser.add_argument(
        "--explain", action="store_true", help="PostgreSQL: log and keep each query's plan"
    )
    parser.add_argument("--keep", action="store_true", help="keep the site directory (and DB)")
    parser.add_argument("--out", type=Path, help="results file (default bench/out/search-<db>)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.database_url == "":
        parser.error("--database-url without a value needs $DATABASE_URL")
    return args


def summary(results: dict[str, Any]) -> str:
    searches = results["searches"]
    query_medians = [s["query"]["median_ms"] for s in searches.values()]
    request_medians = [s["request"]["median_ms"] for s in searches.values()]
    lines = [
        f"{results['vendor']}: {results['seed']['projects']} projects "
        f"({results['seed']['releases']} releases), index built in "
        f"{results['index']['seconds']} s",
        f"{'search':>20} {'results':>8} {'query ms':>9} {'p95':>7} {'request ms':>11} {'p95':>7}",
    ]
    for label, s in searches.items():
        lines.append(
            f"{label:>20} {s['results']:>8} {s['query']['median_ms']:>9} "
            f"{s['query']['p95_ms']:>7} {s['request']['median_ms']:>11} {s['request']['p95_ms']:>7}"
        )
    overall = median(request_medians)
    lines.append(
        f"median over searches: query {median(query_medians):.1f} ms, request {overall:.1f} ms"
    )
    if results["vendor"] == "postgresql":
        verdict = "MET" if overall < TARGET_MS else "MISSED"
        lines.append(f"target: median request < {TARGET_MS:.0f} ms on PostgreSQL: {verdict}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.inside:
        return inside(args)
    with temporary_root(args.keep) as root:
        database = (
            postgres_database(args.database_url) if args.database_url else sqlite_database(root)
        )
        try:
            site = Site(root, database, free_port())
            log(f"site in {root} on {database.vendor}: migrate")
            (root / "var" / "static").mkdir(parents=True, exist_ok=True)
            site.manage("migrate", "--noinput")
            site.manage("collectstatic", "--noinput")  # the page's template links the CSS
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.search",
                    "--inside",
                    "--projects",
                    str(args.projects),
                    "--warmup",
                    str(args.warmup),
                    "--repeat",
                    str(args.repeat),
                    *(["--explain"] if args.explain else []),
                ],
                cwd=REPO,
                env=site.env,
                stdout=subprocess.PIPE,
                text=True,
            )
            if child.returncode != 0:
                raise RuntimeError("bench.search --inside failed (see above)")
            results = json.loads(child.stdout)
        finally:
            if database.drop and not args.keep:
                database.drop()
    results["environment"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database_version": database.version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    out = args.out or REPO / "bench" / "out" / f"search-{database.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(summary(results))
    print(f"\nresults written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
