"""Project descriptions: turn a release's raw description into sanitised HTML.

Follows Warehouse's renderer choice: no content type means reStructuredText,
``text/markdown`` uses the GFM or CommonMark variant, ``text/plain`` and anything
unknown are shown as plain text. readme_renderer sanitises every output with nh3.

Some inputs take the renderers minutes (deeply nested block quotes or HTML, thousands of
identical headings, long runs of paragraphs or sections in reStructuredText, code blocks
that a highlighter scans repeatedly), and no check of the input catches them all. The upload
therefore renders with ``render_description_within``: in a forked child process that is
killed when its time is up, so the limit holds whatever the renderers do.
"""

from __future__ import annotations

import functools
import gc
import io
import logging
import math
import os
import resource
import selectors
import signal
import threading
import time
import warnings
from dataclasses import dataclass
from email.message import EmailMessage
from importlib.metadata import version
from typing import NoReturn

import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt

logger = logging.getLogger(__name__)

RST = "text/x-rst"
MARKDOWN = "text/markdown"
PLAIN = "text/plain"

_MARKDOWN_VARIANTS = {"gfm": "GFM", "commonmark": "CommonMark"}

# The address space a rendering child may add to what it inherits. Rendering the hostile
# descriptions measured for issue 8 (1 MiB, the default size limit) took up to 400 MiB, and
# 1 GiB for reStructuredText that then failed anyway; past this the child fails like a
# description that does not render.
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024

# Renderings one process runs at once; more wait for a turn, and the wait counts in their time
# limit. With threaded workers this bounds what hostile descriptions can take at once: per
# worker process, this many children, each for its time limit and its memory.
CONCURRENT_RENDERINGS = 2
_turns = threading.BoundedSemaphore(CONCURRENT_RENDERINGS)

# What the child sends back: one tag byte, then the HTML or the renderer's error.
_HTML, _NOT_RENDERED, _ERROR = b"H", b"N", b"E"


@dataclass(frozen=True)
class Rendered:
    html: str
    content_type: str
    rendered_by: str


class RenderTimeout(Exception):
    """Rendering did not finish within the time allowed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rendering took longer than {seconds:g} seconds")
        self.seconds = seconds


@functools.cache
def renderer_version() -> str:
    """The renderer and its version, stored with the HTML so stale renderings can be redone."""
    return f"readme-renderer {version('readme-renderer')}"


def render_description(raw: str, content_type: str | None) -> Rendered | None:
    """Render ``raw`` as HTML for ``content_type``, or return None when it does not render.

    The HTML is always sanitised (no script, no raw HTML from reStructuredText). A blank
    description renders to an empty string. reStructuredText that produces any docutils
    warning, and Markdown with an unknown variant, do not render; there is no fallback.

    Unbounded: the time and memory it takes depend on the input alone. For descriptions from
    outside, use ``render_description_within``.
    """
    kind, params = _parse_content_type(content_type)
    if not raw.strip():
        return Rendered(html="", content_type=kind, rendered_by=renderer_version())
    if kind == RST:
        html = readme_renderer.rst.render(raw, stream=io.StringIO())
    elif kind == MARKDOWN:
        html = _render_markdown(raw, params.get("variant"))
    else:
        html = _render_plain(raw)
    if html is None:
        return None
    return Rendered(html=html, content_type=kind, rendered_by=renderer_version())


def render_description_within(
    raw: str,
    content_type: str | None,
    *,
    seconds: float,
    memory_bytes: int = CHILD_MEMORY_BYTES,
) -> Rendered | None:
    """``render_description`` in a child process given ``seconds`` of wall-clock time.

    Raises ``RenderTimeout`` when the child has not answered in time; it is then killed, so
    no CPU is spent on the description afterwards. At most ``CONCURRENT_RENDERINGS`` children
    of this process run at once; waiting for a turn counts in ``seconds``. A child that
    raises, runs out of its ``memory_bytes`` or dies counts as a description that does not
    render (None). Holds no lock and touches no database connection: call it outside any
    transaction.
    """
    kind, _ = _parse_content_type(content_type)
    if not raw.strip():
        return Rendered(html="", content_type=kind, rendered_by=renderer_version())
    _warm_up()
    deadline = time.monotonic() + seconds
    if not _turns.acquire(timeout=seconds):
        raise RenderTimeout(seconds)
    try:
        return _render_in_a_child(raw, content_type, kind, seconds, deadline, memory_bytes)
    finally:
        _turns.release()


def _render_in_a_child(
    raw: str,
    content_type: str | None,
    kind: str,
    seconds: float,
    deadline: float,
    memory_bytes: int,
) -> Rendered | None:
    read_fd, write_fd = os.pipe()
    try:
        pid = _fork()
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        raise
    if pid == 0:  # pragma: no cover - the child never returns (coverage cannot see it)
        _child_process(raw, content_type, write_fd, seconds, memory_bytes)
    os.close(write_fd)
    payload: bytes | None = None
    try:
        payload = _read_until(read_fd, deadline)
    finally:
        os.close(read_fd)
        status = _reap(pid, kill=payload is None)
    if payload is None:
        raise RenderTimeout(seconds)
    tag, body = payload[:1], payload[1:]
    if status not in (0, None):  # whatever it wrote may be cut short (None: not ours to reap)
        logger.warning("the process rendering a %s description died (status %s)", kind, status)
    elif tag == _HTML:
        html = body.decode("utf-8", "surrogatepass")
        return Rendered(html=html, content_type=kind, rendered_by=renderer_version())
    elif tag == _ERROR:
        logger.warning("rendering a %s description failed: %s", kind, body.decode("utf-8"))
    return None


def _parse_content_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The normalised type among RST, MARKDOWN and PLAIN, and the header's parameters."""
    if not content_type:
        return RST, {}
    message = EmailMessage()
    try:
        message["content-type"] = content_type
    except (ValueError, IndexError):
        # Unparsable: RFC 2045 says to read it as text/plain, as get_content_type() does.
        return PLAIN, {}
    kind = message.get_content_type()
    params = dict(message["content-type"].params)
    return (kind if kind in {RST, MARKDOWN} else PLAIN), params


def _render_markdown(raw: str, variant: str | None) -> str | None:
    name = _MARKDOWN_VARIANTS.get((variant or "GFM").lower())
    if name is None:
        return None
    return readme_renderer.markdown.render(raw, variant=name)


def _render_plain(raw: str) -> str:
    html = readme_renderer.txt.render(raw) or ""
    # Preformatted, as Warehouse shows it, so the author's spacing survives.
    return html if html.startswith("<pre>") else f"<pre>{html}</pre>"


# The child process ---------------------------------------------------------------------------

_WARM_UP_SAMPLE = """\
Title
=====

*Text* with ``code`` and a `link <https://example.com/>`_.

.. code:: python

   print("hello")

```python
print("hello")
```
"""


@functools.cache
def _warm_up() -> None:
    """Render a small sample of each kind once in this process.

    The renderers import most of their modules on first use. Done here, in the parent, every
    child inherits them instead of importing them again (a third of a second for
    reStructuredText).
    """
    for content_type in (RST, MARKDOWN, f"{MARKDOWN}; variant=CommonMark", PLAIN):
        render_description(_WARM_UP_SAMPLE, content_type)


def _fork() -> int:
    # Python 3.12+ warns when a process with threads forks, because a lock another thread
    # held stays held in the child. The child only renders; if it ever blocked, it would be
    # killed at its deadline like a slow rendering.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _child_process(
    raw: str, content_type: str | None, write_fd: int, seconds: float, memory_bytes: int
) -> NoReturn:
    """Render, write the tagged result to ``write_fd`` and exit, never returning.

    The child leaves its parent's state alone: it closes the inherited descriptors (database
    and client sockets, other children's pipes) without shutting them down, never collects the
    parent's objects (whose finalizers could talk to a server), and leaves through
    ``os._exit``, which runs no clean-up handler.
    """
    status = 70
    try:
        gc.freeze()
        _close_inherited_descriptors(keep=write_fd)
        _limit_child(seconds, memory_bytes)
        try:
            rendered = render_description(raw, content_type)
        except MemoryError:
            payload = _ERROR + b"MemoryError"
        except Exception as exc:  # a renderer's crash is a description that does not render
            payload = _ERROR + f"{type(exc).__name__}: {exc}"[:300].encode("utf-8", "replace")
        else:
            payload = _NOT_RENDERED
            if rendered is not None:
                payload = _HTML + rendered.html.encode("utf-8", "surrogatepass")
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
        status = 0
    finally:
        os._exit(status)


def _close_inherited_descriptors(keep: int) -> None:
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    top = limit if limit != resource.RLIM_INFINITY else 65536
    os.closerange(3, keep)
    os.closerange(keep + 1, top)


def _limit_child(seconds: float, memory_bytes: int) -> None:
    """Default signal handling, and limits that end the child even if its parent is gone."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGALRM):
        signal.signal(signum, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # then SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.alarm(cpu + 1)  # a child stuck without using CPU ends too
    inherited = _address_space()
    if inherited is not None:
        limit = inherited + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space() -> int | None:
    """This process's virtual memory size in bytes, where /proc tells it."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


# The parent ----------------------------------------------------------------------------------


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes to ``fd`` up to its end, or None at ``deadline``."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _reap(pid: int, *, kill: bool) -> int | None:
    """Wait for the child, killing it first if ``kill``; its wait status, if it was ours."""
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:  # reaped by someone else (SIGCHLD ignored)
        return None
