"""The HTTP side: uploads one at a time, sequential reads, and N concurrent readers.

Clients use ``http.client`` connections that are kept open across requests. Gunicorn's sync
workers answer ``Connection: close``, so the connection is then reopened transparently by
``http.client``; the (loopback) connect is included in each measured time.
"""

from __future__ import annotations

import base64
import http.client
import multiprocessing
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from . import stats

HOST = "127.0.0.1"
USER_AGENT = "pypi-bench/1 (twine-compatible form)"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


class UploadFailed(RuntimeError):
    pass


class Uploader:
    """Sends ``POST /legacy/`` requests with Basic ``__token__`` auth over one connection."""

    def __init__(self, port: int, token: str, timeout: float = 900) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        credentials = base64.b64encode(f"__token__:{token}".encode()).decode()
        self.auth = f"Basic {credentials}"

    def post(self, body: bytes | Iterable[bytes], content_type: str, length: int) -> float:
        """Upload; the seconds from sending the request to the end of the response."""
        headers = {
            "Authorization": self.auth,
            "Content-Type": content_type,
            "Content-Length": str(length),
            "User-Agent": USER_AGENT,
        }
        start = time.perf_counter()
        self.conn.request("POST", "/legacy/", body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise UploadFailed(f"{response.status} {response.reason}: {text[:500]!r}")
        return elapsed

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: str
    accept: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if self.accept:
            headers["Accept"] = self.accept
        return headers


def endpoints(project: str) -> list[Endpoint]:
    return [
        Endpoint("simple html", f"/simple/{project}/"),
        Endpoint("simple json", f"/simple/{project}/", SIMPLE_JSON),
        Endpoint("json api", f"/pypi/{project}/json"),
    ]


def _get(conn: http.client.HTTPConnection, endpoint: Endpoint) -> int:
    conn.request("GET", endpoint.path, headers=endpoint.headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {endpoint.path}: {response.status} {response.reason}")
    return len(body)


def sequential(port: int, endpoint: Endpoint, requests: int, warmup: int) -> dict[str, object]:
    """``warmup`` unmeasured requests, then ``requests`` timed ones, one after another."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    size = 0
    for _ in range(warmup):
        size = _get(conn, endpoint)
    times: list[float] = []
    for _ in range(requests):
        start = time.perf_counter()
        _get(conn, endpoint)
        times.append(time.perf_counter() - start)
    conn.close()
    return {"bytes": size, **stats.latency_summary(times)}


def _reader(port: int, endpoint: Endpoint, start_at: float, stop_at: float) -> list[float]:
    """One concurrent client: request in a loop between two ``time.monotonic()`` instants."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    while time.monotonic() < start_at:
        time.sleep(0.001)
    times: list[float] = []
    while True:
        start = time.perf_counter()
        _get(conn, endpoint)
        times.append(time.perf_counter() - start)
        if time.monotonic() >= stop_at:
            break
    conn.close()
    return times


def throughput(port: int, endpoint: Endpoint, clients: int, duration: float) -> dict[str, object]:
    """Requests per second with ``clients`` client processes reading for ``duration`` seconds."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=clients, mp_context=context) as pool:
        start_at = time.monotonic() + 1.0
        stop_at = start_at + duration
        futures = [pool.submit(_reader, port, endpoint, start_at, stop_at) for _ in range(clients)]
        results = [f.result() for f in futures]
        elapsed = time.monotonic() - start_at
    times = [t for result in results for t in result]
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(times),
        "rps": round(len(times) / elapsed, 1),
        **stats.latency_summary(times),
    }
