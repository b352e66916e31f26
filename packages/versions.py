"""PEP 440 ordering as a string key, so the database sorts releases without ranking them.

``sort_key(a) < sort_key(b)`` exactly when ``Version(a) < Version(b)``. Each part is written in
a self-delimiting, order-preserving form, so a new release never rewrites the others' keys
(Warehouse re-ranks every release of a project on each new one).
"""

from __future__ import annotations

from packaging.version import Version

_PRE_LETTERS = {"a": "1", "b": "2", "rc": "3"}


def _int(n: int) -> str:
    digits = str(n)
    return f"{len(digits):02d}{digits}"


def sort_key(version: Version) -> str:
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()  # 1.0 == 1.0.0
    parts = [_int(version.epoch), "".join("d" + _int(n) for n in release) + "a"]
    if version.pre is None and version.post is None and version.dev is not None:
        parts.append("0")  # 1.0.dev0 sorts before 1.0a1
    elif version.pre is None:
        parts.append("9")
    else:
        letter, number = version.pre
        parts.append(_PRE_LETTERS[letter] + _int(number))
    parts.append("0" if version.post is None else "1" + _int(version.post))
    parts.append("9" if version.dev is None else "1" + _int(version.dev))
    if version.local is None:
        parts.append("0")
    else:
        # Local segments: numbers sort above words; a shorter list sorts first.
        segments = "".join(
            "n" + _int(p) if isinstance(p, int) else "b" + p.lower() + "!"
            for p in _local_parts(version.local)
        )
        parts.append("1" + segments + "!")
    return "".join(parts)


def _local_parts(local: str) -> list[int | str]:
    return [
        int(p) if p.isdigit() else p for p in local.replace("-", ".").replace("_", ".").split(".")
    ]
