"""Builds the txenrich shared library with cargo and ships it in the package.

`pip install ./bindings/python` runs `cargo build --release -p txenrich-ffi`
in the repository that holds this directory, then copies
`libtxenrich_ffi.so` (`.dylib`, `txenrich_ffi.dll`) next to the Python
modules. Environment variables:

- `TXENRICH_LIBRARY`: use this already built library instead of building;
- `TXENRICH_CARGO_PROFILE`: the cargo profile (default `release`);
- `CARGO`, `CARGO_TARGET_DIR`: as cargo reads them.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent

if sys.platform == "darwin":
    LIBRARY = "libtxenrich_ffi.dylib"
elif sys.platform == "win32":
    LIBRARY = "txenrich_ffi.dll"
else:
    LIBRARY = "libtxenrich_ffi.so"


def workspace() -> Path:
    for d in [HERE, *HERE.parents]:
        if (d / "crates" / "ffi" / "Cargo.toml").is_file():
            return d
    raise SystemExit(
        "txenrich: cannot find the Rust workspace (crates/ffi) above "
        f"{HERE}; build from a checkout of the repository, or set "
        "TXENRICH_LIBRARY to a built libtxenrich_ffi"
    )


def build_library() -> Path:
    prebuilt = os.environ.get("TXENRICH_LIBRARY")
    if prebuilt:
        return Path(prebuilt)
    root = workspace()
    profile = os.environ.get("TXENRICH_CARGO_PROFILE", "release")
    cargo = os.environ.get("CARGO", "cargo")
    cmd = [cargo, "build", "-p", "txenrich-ffi", "--profile", profile]
    print("txenrich: " + " ".join(cmd), file=sys.stderr)
    try:
        subprocess.run(cmd, cwd=root, check=True)
    except FileNotFoundError:
        raise SystemExit(
            "txenrich: cargo was not found; install Rust (https://rustup.rs) "
            "or set TXENRICH_LIBRARY to a built libtxenrich_ffi"
        )
    target = Path(os.environ.get("CARGO_TARGET_DIR") or root / "target")
    if not target.is_absolute():
        target = root / target
    return target / ("debug" if profile in ("dev", "test") else profile) / LIBRARY


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        lib = build_library()
        dest = Path(self.build_lib) / "txenrich" / LIBRARY
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib, dest)


class BinaryDistribution(Distribution):
    """The wheel holds a native library: tag it for the platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_py": BuildPy}, distclass=BinaryDistribution)
