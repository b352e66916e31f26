import pytest

from packages.upload.platforms import is_allowed_platform

ALLOWED = [
    "any",
    "win32",
    "win_amd64",
    "win_arm64",
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
    "macosx_10_9_x86_64",
    "macosx_10_15_universal2",
    "macosx_10_4_ppc",
    "macosx_10_6_intel",
    "macosx_10_10_fat3",
    "macosx_11_0_arm64",
    "macosx_12_0_universal2",
    "macosx_13_0_x86_64",
    "macosx_14_0_arm64",
    "macosx_15_0_fat64",
    "macosx_26_0_arm64",
    "manylinux_2_17_x86_64",
    "manylinux_2_28_aarch64",
    "manylinux_2_31_riscv64",
    "manylinux_2_17_ppc64",
    "manylinux_2_17_i686",
    "manylinux_2_17_armv7l",
    "manylinux_2_17_ppc64le",
    "manylinux_2_17_s390x",
    "musllinux_1_1_x86_64",
    "musllinux_1_2_aarch64",
    "musllinux_1_2_riscv64",
    "ios_13_0_arm64_iphoneos",
    "ios_13_0_arm64_iphonesimulator",
    "ios_12_0_x86_64_iphonesimulator",
    "android_21_arm64_v8a",
    "android_21_armeabi_v7a",
    "android_24_x86",
    "android_24_x86_64",
    "pyemscripten_2024_0_wasm32",
]

REFUSED = [
    "linux_x86_64",
    "linux_i686",
    "linux_aarch64",
    "win_x86",
    "manylinux2014_riscv64",
    "manylinux1_aarch64",
    "musllinux_1_2_ppc64",
    "manylinux_2_17_sparc",
    "manylinux_x_17_x86_64",
    "macosx_10_9_arm",
    "macosx_11_1_arm64",
    "macosx_16_0_arm64",
    "macosx_9_0_x86_64",
    "macosx_10_9_fat32",
    "ios_13_0_armv7_iphoneos",
    "ios_13_0_arm64_ipados",
    "ios_13_0_arm64_iphoneos_extra",
    "android_21_mips",
    "android_x_arm64_v8a",
    "pyemscripten_2024_0_wasm64",
    "emscripten_3_1_14_wasm32",
    "freebsd_13_amd64",
    "",
]


@pytest.mark.parametrize("platform", ALLOWED, ids=ALLOWED)
def test_allowed_platforms(platform):
    assert is_allowed_platform(platform)


@pytest.mark.parametrize("platform", REFUSED, ids=[p or "empty" for p in REFUSED])
def test_refused_platforms(platform):
    assert not is_allowed_platform(platform)
