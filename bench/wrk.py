"""Throughput with ``wrk`` (Debian's package): a load generator in C, so that the client is not
what limits a fast server. ``bench/stack.py`` drives Varnish and nginx with the same settings."""

from __future__ import annotations

import re
import shutil
import subprocess

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    text = done.stdout or done.stderr
    return " ".join(text.split()[:2]) if text else ""  # "wrk debian/4.1.0-3+b2"


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"wrk latency {text!r}")
    return round(float(match[1]) * _UNITS[match[2]], 3)


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    headers: dict[str, str] | None = None,
) -> dict[str, object]:
    """``wrk`` against ``url``: requests/second, latency percentiles, errors."""
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run([*argv, url], capture_output=True, text=True, check=True)
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+\w+) read", out)
    if not rps or not total:
        raise RuntimeError(f"unexpected wrk output:\n{out}\n{done.stderr}")
    latency = {
        f"p{pct}_ms": _ms(value)
        for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.MULTILINE)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.MULTILINE)
    return {
        "rps": float(rps[1]),
        "requests": int(total[1]),
        "read": total[4],
        **latency,
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": socket_errors[1] if socket_errors else "",
        "threads": threads,
        "connections": connections,
        "seconds": seconds,
    }
