"""Phase 1: fill one project through ``POST /legacy/``, one file per request, timing each."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import dists, stats
from .dists import PreparedUpload
from .load import Uploader
from .server import CpuMeter


@dataclass
class Timings:
    """Per upload: wall-clock seconds seen by the client, CPU seconds used by the server."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _timed(uploader: Uploader, item: PreparedUpload, meter: CpuMeter, into: Timings) -> None:
    before = meter.seconds()
    into.wall.append(uploader.post(item.body, item.content_type, len(item.body)))
    into.cpu.append(meter.seconds() - before)


def upload_all(
    uploader: Uploader, plan: Sequence[PreparedUpload], meter: CpuMeter, progress: bool
) -> Timings:
    timings = Timings()
    times = timings.wall
    started = time.monotonic()
    for n, item in enumerate(plan, 1):
        if n % 100 == 1:
            meter.refresh_backends()
        try:
            _timed(uploader, item, meter, timings)
        except Exception as exc:
            raise RuntimeError(f"upload {n} ({item.filename}) failed: {exc}") from exc
        if progress and (n % 500 == 0 or n == len(plan)):
            elapsed = time.monotonic() - started
            recent = stats.median(times[-100:]) * 1000
            print(
                f"  {n}/{len(plan)} uploads, {elapsed:.0f} s, median of last 100 {recent:.1f} ms",
                file=sys.stderr,
                flush=True,
            )
    return timings


def _by_kind(plan: Sequence[PreparedUpload], times: Sequence[float]) -> dict[str, float]:
    kinds: dict[str, list[float]] = {}
    for item, seconds in zip(plan, times, strict=True):
        kinds.setdefault(item.kind, []).append(seconds)
    return {kind: stats.ms(stats.median(values)) for kind, values in kinds.items()}


def summarize(plan: Sequence[PreparedUpload], timings: Timings) -> dict[str, object]:
    """First/last upload, first/last 100, each 1,000 (or tenth) of the run, per file kind."""
    times, cpu = timings.wall, timings.cpu
    n = len(times)
    window = min(100, n)
    first, last = times[:window], times[-window:]
    step = 1000 if n >= 5000 else max(1, n // 10)
    blocks = [
        {
            "uploads": f"{i + 1}-{min(i + step, n)}",
            **stats.latency_summary(times[i : i + step]),
            "server_cpu_median_ms": stats.ms(stats.median(cpu[i : i + step])),
        }
        for i in range(0, n, step)
    ]
    first_median, last_median = stats.median(first), stats.median(last)
    return {
        "uploads": n,
        "total_seconds": round(sum(times), 1),
        "first_ms": stats.ms(times[0]),
        "first_file": plan[0].filename,
        "last_ms": stats.ms(times[-1]),
        "last_file": plan[-1].filename,
        "first_100": stats.latency_summary(first),
        "last_100": stats.latency_summary(last),
        "last_100_over_first_100": round(last_median / first_median, 3),
        "server_cpu_first_100": stats.latency_summary(cpu[:window]),
        "server_cpu_last_100": stats.latency_summary(cpu[-window:]),
        "server_cpu_last_100_over_first_100": round(
            stats.median(cpu[-window:]) / stats.median(cpu[:window]), 3
        ),
        "first_100_by_kind_median_ms": _by_kind(plan[:window], first),
        "last_100_by_kind_median_ms": _by_kind(plan[-window:], last),
        "blocks": blocks,
        "all": stats.latency_summary(times),
    }


def interleaved_probe(
    uploader: Uploader, meter: CpuMeter, big: str, fresh: str, rounds: int, first_version: int
) -> dict[str, object]:
    """Alternate whole releases (3 files) to the full project and to a fresh one.

    Both series run in the same time window, so machine load affects them alike: a ratio near
    1 says the upload's cost does not depend on how much the project already holds.
    """
    timings = {big: Timings(), fresh: Timings()}
    meter.refresh_backends()
    for i in range(rounds):
        for name in (big, fresh):
            for item in dists.release_uploads(name, f"{first_version + i}.0.0"):
                _timed(uploader, item, meter, timings[name])
        if i == 0:
            meter.refresh_backends()  # the fresh project's first upload may open a connection
    full, new = timings[big], timings[fresh]
    return {
        "rounds": rounds,
        "full_project": stats.latency_summary(full.wall),
        "fresh_project": stats.latency_summary(new.wall),
        "full_over_fresh": round(stats.median(full.wall) / stats.median(new.wall), 3),
        "server_cpu_full_project": stats.latency_summary(full.cpu),
        "server_cpu_fresh_project": stats.latency_summary(new.cpu),
        "server_cpu_full_over_fresh": round(stats.median(full.cpu) / stats.median(new.cpu), 3),
    }
