"""Running the real clients (twine, pip, uv, bandersnatch) against the site under test.

Each client runs in a subprocess with a clean environment: no ``PIP_*``, ``UV_*`` or
``TWINE_*`` variable, no proxy, so that nothing but the loopback site can answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.distributions import make_sdist, make_wheel, write

from .site import BIN, Site

CLIENT_TIMEOUT = 90
_DROPPED_PREFIXES = ("PIP_", "UV_", "TWINE_", "PYTHON", "VIRTUAL_ENV", "CONDA_")
_PROXIES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def client_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_DROPPED_PREFIXES) and key.lower() not in _PROXIES
    }
    # Wide, colourless output: messages are asserted on, and rich wraps at 80 columns.
    env.update(NO_COLOR="1", COLUMNS="1000")
    env.update(extra)
    return env


def run(
    args: Sequence[str | Path],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = CLIENT_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        env=env if env is not None else client_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def explain(proc: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit status and its output, for assertion messages."""
    command = " ".join(str(arg) for arg in proc.args)
    return (
        f"$ {command}\nexit status {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )


def output(proc: subprocess.CompletedProcess[str]) -> str:
    """stdout and stderr with all whitespace runs folded into one space."""
    return " ".join(f"{proc.stdout}\n{proc.stderr}".split())


def succeeded(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, explain(proc)
    return proc


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(
    directory: Path,
    name: str,
    version: str,
    *,
    sdist: bool = True,
    metadata: dict[str, Any] | None = None,
) -> list[Path]:
    """A wheel (and an sdist) of ``name`` ``version`` written to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    dists = [make_wheel(name, version, metadata=metadata)]
    if sdist:
        dists.append(make_sdist(name, version, metadata=metadata))
    return [write(directory, filename, content) for filename, content in dists]


# The last twine that allows --skip-existing for any index (the Makefile installs it).
TWINE_6_1 = BIN.parent / "tools" / "twine-6.1" / "bin" / "twine"


def twine_upload(
    site: Site, token: str, paths: Sequence[Path], *options: str, twine: Path = BIN / "twine"
) -> subprocess.CompletedProcess[str]:
    return run(
        [
            twine,
            "--no-color",
            "upload",
            "--repository-url",
            f"{site.url}/legacy/",
            "-u",
            "__token__",
            "-p",
            token,
            "--non-interactive",
            "--disable-progress-bar",
            *options,
            *paths,
        ]
    )


def publish(site: Site, token: str, paths: Sequence[Path]) -> None:
    """Upload with twine, asserting success: the setup step of tests about other clients."""
    succeeded(twine_upload(site, token, paths))


def pip(command: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m pip COMMAND``, isolated from this machine's pip configuration."""
    isolated = ["--isolated", "--disable-pip-version-check", "--no-input", "--no-cache-dir"]
    return run([sys.executable, "-m", "pip", command, *isolated, *args])


def imported_version(module: str, *, path: Path | None = None, python: Path | None = None) -> str:
    """``module.__version__`` as a fresh interpreter imports it (from ``path`` when given).

    The module must come from ``path`` (or ``python``'s environment), never from elsewhere.
    """
    location = str(path) if path else ""
    code = (
        "import sys\n"
        f"if {location!r}: sys.path.insert(0, {location!r})\n"
        f"import {module}\n"
        f"print({module}.__version__)\n"
        f"print({module}.__file__)\n"
    )
    proc = succeeded(run([python or sys.executable, "-c", code]))
    version, module_file = proc.stdout.split()
    root = path or (python.parent.parent if python else None)
    if root is not None:
        assert Path(module_file).resolve().is_relative_to(root.resolve()), module_file
    return version


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def project_json(site: Site, name: str) -> dict[str, Any]:
    return get_json(f"{site.url}/pypi/{name}/json")
