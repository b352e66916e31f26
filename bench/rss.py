"""Phase 4: how much a gunicorn worker's peak RSS grows while it accepts one big upload."""

from __future__ import annotations

import time
from pathlib import Path

from . import dists
from .dists import MIB
from .load import Uploader
from .server import Gunicorn, Site, proc_status

PROJECT = "bench-rss"


def measure(site: Site, token: str, size: int, workdir: Path) -> dict[str, object]:
    """Warm up one worker with a small upload, then upload a ``size``-byte wheel."""
    big = dists.write_big_wheel(workdir, PROJECT, "0.2", size)
    streamed = dists.streamed_upload(big, PROJECT, "0.2")
    warmup = dists.single_wheel(PROJECT, "0.1")
    with Gunicorn(site, workers=1, timeout=600) as server:
        (pid,) = server.worker_pids()
        uploader = Uploader(site.port, token)
        uploader.post(warmup.body, warmup.content_type, len(warmup.body))
        time.sleep(0.5)
        before = proc_status(pid)
        seconds = uploader.post(streamed.chunks(), streamed.content_type, streamed.length)
        time.sleep(0.5)
        after = proc_status(pid)
        if server.worker_pids() != [pid]:
            raise RuntimeError("the gunicorn worker was replaced during the big upload")
        uploader.close()
    request_bytes = streamed.length
    big.unlink()
    added_kib = after["VmHWM"] - before["VmHWM"]
    return {
        "file": big.name,
        "file_bytes": size,
        "file_mib": round(size / MIB, 2),
        "request_bytes": request_bytes,
        "upload_seconds": round(seconds, 2),
        "worker_pid": pid,
        "vmhwm_before_kib": before["VmHWM"],
        "vmhwm_after_kib": after["VmHWM"],
        "vmrss_before_kib": before["VmRSS"],
        "vmrss_after_kib": after["VmRSS"],
        "added_mib": round(added_kib / 1024, 1),
    }
