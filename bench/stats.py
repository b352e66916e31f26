"""Small statistics helpers: percentiles and latency summaries (seconds in, milliseconds out)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile, interpolated between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int]:
    """Count, min, median, p90, p95, p99, max and mean of durations, in milliseconds."""
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "min_ms": ms(min(seconds)),
        "median_ms": ms(median(seconds)),
        "p90_ms": ms(percentile(seconds, 90)),
        "p95_ms": ms(percentile(seconds, 95)),
        "p99_ms": ms(percentile(seconds, 99)),
        "max_ms": ms(max(seconds)),
        "mean_ms": ms(sum(seconds) / len(seconds)),
    }
