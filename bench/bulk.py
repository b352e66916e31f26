"""Fill a site's database in bulk, in the site's process: projects with many files, many projects.

    python -m bench.bulk files NAME FILES [--owner USER]
    python -m bench.bulk projects COUNT [--start N]

Run with the site's environment (``DATABASE_URL`` ...), as ``bench/stack.py`` does. Rows go
straight in with ``bulk_create`` (uploads are ``bench/run.py``'s subject, not this one's).

``files``: a project of FILES files, in releases of four files each (an sdist and three wheels
with PEP 658 metadata and ``Requires-Python``, as uploads make them), owned by USER, and one
journal entry for it (the serial its pages are cached under).
``projects``: COUNT more projects named ``bench-index-<n>`` (n from ``--start``), without
releases, each with its own ``last_serial``, for the ``/simple/`` index. Prints a JSON line of
what it did and how long it took.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time

WHEEL_TAGS = (
    "py3-none-any",
    "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-win_amd64",
)


def _digest(text: str, algo: str) -> str:
    h = hashlib.blake2b(digest_size=32) if algo == "blake2" else hashlib.new(algo)
    h.update(text.encode())
    return h.hexdigest()


def project_with_files(name: str, files: int, owner: str | None) -> dict[str, object]:
    from django.db import transaction
    from packaging.utils import canonicalize_version
    from packaging.version import Version

    from accounts.models import User
    from packages.models import File, Project, Release, Role
    from packages.names import normalize_name, ultranormalize_name
    from packages.services import journal
    from packages.storage import file_path
    from packages.versions import sort_key

    def make_file(release: Release, filename: str, packagetype: str, tag: str) -> File:
        blake2 = _digest(filename, "blake2")
        wheel = packagetype == "bdist_wheel"
        return File(
            release=release,
            filename=filename,
            path=file_path(blake2, filename),
            packagetype=packagetype,
            python_version=tag,
            requires_python=">=3.9",
            size=123_456,
            md5_digest=_digest(filename, "md5"),
            sha256_digest=_digest(filename, "sha256"),
            blake2_256_digest=blake2,
            metadata_file_sha256_digest=_digest(filename + ".metadata", "sha256") if wheel else "",
            metadata_file_blake2_256_digest=(
                _digest(filename + ".metadata", "blake2") if wheel else ""
            ),
            metadata_file_size=2_048 if wheel else 0,
        )

    start = time.perf_counter()
    releases = (files + 3) // 4
    stem = normalize_name(name).replace("-", "_")
    with transaction.atomic():
        project = Project.objects.create(
            name=name,
            normalized_name=normalize_name(name),
            ultranormalized_name=ultranormalize_name(name),
        )
        made = []
        for n in range(releases):
            text = f"{n // 100}.{n % 100}.0"
            parsed = Version(text)
            made.append(
                Release(
                    project=project,
                    version=text,
                    canonical_version=canonicalize_version(parsed),
                    sort_key=sort_key(parsed),
                    is_prerelease=parsed.is_prerelease,
                    metadata_version="2.4",
                    summary=f"{name} does useful things",
                    requires_python=">=3.9",
                )
            )
        made = Release.objects.bulk_create(made, batch_size=2000)
        rows: list[File] = []
        for release in made:
            base = f"{stem}-{release.version}"
            rows.append(make_file(release, f"{base}.tar.gz", "sdist", "source"))
            for tag in WHEEL_TAGS:
                py = tag.split("-")[0]
                rows.append(make_file(release, f"{base}-{tag}.whl", "bdist_wheel", py))
        File.objects.bulk_create(rows[:files], batch_size=2000)
        if owner:
            Role.objects.create(
                project=project, user=User.objects.get(username=owner), role_name="Owner"
            )
        serial = journal.record(project, journal.Entry("create"), by=None)
    return {
        "project": name,
        "releases": releases,
        "files": min(files, len(rows)),
        "serial": serial,
        "seconds": round(time.perf_counter() - start, 2),
    }


def many_projects(count: int, start_at: int) -> dict[str, object]:
    from django.db import transaction

    from packages.models import Project
    from packages.services import journal

    start = time.perf_counter()
    serial = journal.last_serial()
    batch = 5000
    with transaction.atomic():
        for first in range(start_at, start_at + count, batch):
            names = [
                f"bench-index-{n:06d}" for n in range(first, min(first + batch, start_at + count))
            ]
            Project.objects.bulk_create(
                Project(
                    name=name,
                    normalized_name=name,
                    ultranormalized_name=name.replace("-", ""),
                    last_serial=serial + 1 + n,
                )
                for n, name in enumerate(names)
            )
    return {"projects": count, "seconds": round(time.perf_counter() - start, 2)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    files = sub.add_parser("files")
    files.add_argument("name")
    files.add_argument("files", type=int)
    files.add_argument("--owner")
    projects = sub.add_parser("projects")
    projects.add_argument("count", type=int)
    projects.add_argument("--start", type=int, default=0)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection

    if args.command == "files":
        done = project_with_files(args.name, args.files, args.owner)
    else:
        done = many_projects(args.count, args.start)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does soon after a bulk load
    print(json.dumps(done))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
