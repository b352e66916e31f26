"""Which wheel platform tags the index accepts (Warehouse's allow-list).

``is_allowed_platform`` is true exactly for the platforms an installer can match against a
documented ABI: the static Windows/manylinux list, macOS ``10_x`` and ``<major>_0`` releases,
PEP 600 ``manylinux_X_Y`` and PEP 656 ``musllinux_X_Y`` on known architectures, iOS, Android and
Pyodide's ``pyemscripten``. A bare ``linux_x86_64`` (built on some unknown distro) is refused.
Tags are compared as packaging's ``Tag`` spells them (lower case).
"""

from __future__ import annotations

import re

# New entries need an ABI spec saying how to build a compatible binary (as the manylinux PEPs
# do); an OS and an architecture are not enough.
_STATIC = frozenset(
    {
        "any",
        "win32",
        "win_arm64",
        "win_amd64",
        "win_ia64",
        "manylinux1_x86_64",
        "manylinux1_i686",
        "manylinux2010_x86_64",
        "manylinux2010_i686",
        "manylinux2014_x86_64",
        "manylinux2014_i686",
        "manylinux2014_aarch64",
        "manylinux2014_armv7l",
        "manylinux2014_ppc64",
        "manylinux2014_ppc64le",
        "manylinux2014_s390x",
        "linux_armv6l",
        "linux_armv7l",
    }
)

_MACOSX_RE = re.compile(r"macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)")
_MACOSX_ARCHES = frozenset(
    {
        "ppc",
        "ppc64",
        "i386",
        "x86_64",
        "arm64",
        "intel",
        "fat",
        "fat3",
        "fat64",
        "universal",
        "universal2",
    }
)
# macOS 10.x only ever raised the minor number; from 11 on, wheels are tagged <major>_0.
_MACOSX_MAJORS = frozenset({"11", "12", "13", "14", "15", "26"})

_LINUX_RE = re.compile(r"(?P<libc>many|musl)linux_\d+_\d+_(?P<arch>.+)")
_MUSLLINUX_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"}
)
_LINUX_ARCHES = {"many": _MUSLLINUX_ARCHES | {"ppc64"}, "musl": _MUSLLINUX_ARCHES}

_IOS_RE = re.compile(r"ios_\d+_\d+_(?P<arch>arm64|x86_64)_(?:iphoneos|iphonesimulator)")
_ANDROID_RE = re.compile(r"android_\d+_(?P<arch>armeabi_v7a|arm64_v8a|x86|x86_64)")
_EMSCRIPTEN_RE = re.compile(r"pyemscripten_\d+_\d+_wasm32")


def is_allowed_platform(platform: str) -> bool:
    """True if a wheel may be uploaded with this platform tag."""
    if platform in _STATIC:
        return True
    if m := _MACOSX_RE.fullmatch(platform):
        return _is_allowed_macosx(m["major"], m["minor"], m["arch"])
    if m := _LINUX_RE.fullmatch(platform):
        return m["arch"] in _LINUX_ARCHES[m["libc"]]
    return any(pattern.fullmatch(platform) for pattern in (_IOS_RE, _ANDROID_RE, _EMSCRIPTEN_RE))


def _is_allowed_macosx(major: str, minor: str, arch: str) -> bool:
    if arch not in _MACOSX_ARCHES:
        return False
    return major == "10" or (major in _MACOSX_MAJORS and minor == "0")
