"""The human-readable summary of a results document, with each target met or missed."""

from __future__ import annotations

from typing import Any

SIMPLE_TARGET_MS = 50
FILL_TOLERANCE = 1.2
RSS_TARGET_MIB = 50


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """``(target, measured, met)`` for every target the results can judge."""
    rows: list[tuple[str, str, bool]] = []
    fill = results.get("fill")
    if fill:
        n = fill["uploads"]
        w = min(100, n)
        rows.append(
            (
                f"upload {n} <= 1.2 x upload 1",
                f"{fill['last_ms']} ms vs {fill['first_ms']} ms",
                fill["last_ms"] <= FILL_TOLERANCE * fill["first_ms"],
            )
        )
        first, last = fill["first_100"]["median_ms"], fill["last_100"]["median_ms"]
        rows.append(
            (
                f"median of last {w} <= 1.2 x first {w}",
                f"{last} ms vs {first} ms (x{fill['last_100_over_first_100']})",
                last <= FILL_TOLERANCE * first,
            )
        )
        cpu_first = fill["server_cpu_first_100"]["median_ms"]
        cpu_last = fill["server_cpu_last_100"]["median_ms"]
        rows.append(
            (
                f"(load-robust) server CPU, median of last {w} <= 1.2 x first {w}",
                f"{cpu_last} ms vs {cpu_first} ms (x{fill['server_cpu_last_100_over_first_100']})",
                cpu_last <= FILL_TOLERANCE * cpu_first,
            )
        )
    probe = results.get("probe")
    if probe:
        rows.append(
            (
                "(load-robust) interleaved probe, server CPU full <= 1.2 x fresh project",
                f"x{probe['server_cpu_full_over_fresh']}",
                probe["server_cpu_full_over_fresh"] <= FILL_TOLERANCE,
            )
        )
    for key, value in results.get("reads", {}).items():
        if " simple " in f" {key} ":
            median = value["sequential"]["median_ms"]
            rows.append((f"{key}: median < 50 ms", f"{median} ms", median < SIMPLE_TARGET_MS))
    queries = results.get("queries", {})
    if len(queries) == 2:
        big, small = queries.values()
        for label in big:
            a, b = big[label]["queries_cold"], small[label]["queries_cold"]
            rows.append((f"{label}: same queries, big vs 1-file", f"{a} vs {b}", a == b))
    if "rss" in results:
        added = results["rss"]["added_mib"]
        rows.append(("peak RSS added by big upload < 50 MiB", f"{added} MiB", added < 50))
    return rows


def text(results: dict[str, Any]) -> str:
    env = results["environment"]
    lines = [
        f"== bench on {env['database']} {env['database_version']}, {env['date']}, "
        f"{env['cpus']} CPUs, load {env['loadavg_start'][0]:.2f} -> "
        f"{env.get('loadavg_end', [0])[0]:.2f}"
    ]
    fill = results.get("fill")
    if fill:
        lines.append(
            f"\nFill: {fill['uploads']} uploads in {fill['wall_seconds']} s "
            f"(first {fill['first_ms']} ms, last {fill['last_ms']} ms)"
        )
        lines.append(
            f"  {'uploads':<13}{'median':>9}{'p90':>9}{'p99':>9}{'max':>9}"
            f"{'server CPU median':>19}  (ms)"
        )
        blocks = [
            ("first 100", fill["first_100"], fill["server_cpu_first_100"]["median_ms"]),
            *((b["uploads"], b, b["server_cpu_median_ms"]) for b in fill["blocks"]),
            ("last 100", fill["last_100"], fill["server_cpu_last_100"]["median_ms"]),
        ]
        for label, block, cpu in blocks:
            lines.append(
                f"  {label:<13}{block['median_ms']:>9}{block['p90_ms']:>9}"
                f"{block['p99_ms']:>9}{block['max_ms']:>9}{cpu:>19}"
            )
        lines.append(f"  first 100 by kind (median ms): {fill['first_100_by_kind_median_ms']}")
        lines.append(f"  last 100 by kind (median ms):  {fill['last_100_by_kind_median_ms']}")
    probe = results.get("probe")
    if probe:
        lines.append(
            f"  interleaved probe ({probe['rounds']} releases each), median ms, full vs fresh "
            f"project: wall {probe['full_project']['median_ms']} vs "
            f"{probe['fresh_project']['median_ms']} (x{probe['full_over_fresh']}), server CPU "
            f"{probe['server_cpu_full_project']['median_ms']} vs "
            f"{probe['server_cpu_fresh_project']['median_ms']} "
            f"(x{probe['server_cpu_full_over_fresh']})"
        )
    reads = results.get("reads")
    if reads:
        clients = results["settings"]["clients"]
        lines.append(
            f"\nReads: sequential median/p95 (ms); {clients} concurrent clients: req/s, median/p95"
        )
        for key, value in reads.items():
            seq, con = value["sequential"], value["concurrent"]
            lines.append(
                f"  {key:<38}{seq['bytes']:>9} B  {seq['median_ms']:>7} /{seq['p95_ms']:>7}"
                f"   {con['rps']:>7} req/s {con['median_ms']:>7} /{con['p95_ms']:>7}"
            )
    queries = results.get("queries")
    if queries:
        lines.append("\nQueries (cold cache / cached), cold render time in-process:")
        for project, by_label in queries.items():
            for label, value in by_label.items():
                lines.append(
                    f"  {project + ' ' + label:<38}{value['queries_cold']:>4} /"
                    f"{value['queries_cached']:>3}   {value['cold_ms']:>8} ms"
                )
    rss = results.get("rss")
    if rss:
        lines.append(
            f"\nPeak RSS: {rss['file_mib']} MiB upload in {rss['upload_seconds']} s; worker VmHWM "
            f"{rss['vmhwm_before_kib'] // 1024} -> {rss['vmhwm_after_kib'] // 1024} MiB "
            f"(+{rss['added_mib']} MiB)"
        )
    lines.append("\nTargets:")
    for target, measured, ok in targets(results):
        lines.append(f"  [{_verdict(ok):>6}] {target}: {measured}")
    return "\n".join(lines)
