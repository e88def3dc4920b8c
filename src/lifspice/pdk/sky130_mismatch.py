"""The sky130 mismatch library with the draw made explicit, for drawing mismatch by ``alter``.

In the PDK's ``<corner>_mm`` sections every instance of ``nfet_01v8`` / ``pfet_01v8`` draws
one standard normal ``AGAUSS(0,1.0,1)`` that enters one instance parameter linearly: the
transistor's ``delvto`` (``sw_mm_vth0 * mismatch_factor * z / sqrt(l w mult)`` times a
geometry factor), the MIM capacitor's capacitance (``carea * (1 + sw_mm_cmim z /
sqrt(area))``). So a mismatch sample is one ``z`` per instance, and each instance value is
``a + b z`` with ``a`` and ``b`` the PDK's own expressions.

:func:`~lifspice.pdk.sky130_mismatch.explicit_mismatch_lib` writes a library that is the corner's
``_mm`` section with those device subcircuits copied verbatim except that ``AGAUSS(0,1.0,1)`` reads
the global parameter ``lifspice_mm_z`` (0 by default). Loaded once, ngspice evaluates ``a`` (at z =
0) and ``a + b`` (``alterparam lifspice_mm_z=1`` + ``reset``) for every instance; a sample is then
``alter @<device>[<param>] = a + b z`` per instance with ``z`` drawn by numpy, which costs
microseconds where ``reset`` costs ~0.5 ms per instance. tests/test_mismatch_draw.py checks that a
neuron altered to the values ngspice drew with ``setseed`` + ``reset`` on the unmodified library
measures the same, and that the ``z`` ngspice draws are standard normal in these units.

Pure text and a cached file; no ngspice.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lifspice.pdk.includes import include_targets, resolve_include
from lifspice.pdk.sky130 import (
    PdkNotFoundError,
    corner_lib,
    corner_lines,
    find_sky130,
    library_folder,
    write_once,
)

Z_PARAM = "lifspice_mm_z"

# PDK subcircuit -> (its inner device, the instance parameter the mismatch draw sets)
DEVICE_PARAMS = {
    "sky130_fd_pr__nfet_01v8": ("msky130_fd_pr__nfet_01v8", "delvto"),
    "sky130_fd_pr__pfet_01v8": ("msky130_fd_pr__pfet_01v8", "delvto"),
    "sky130_fd_pr__cap_mim_m3_1": ("c1", "capacitance"),
    "sky130_fd_pr__cap_mim_m3_2": ("c1", "capacitance"),
}
#: sky130 transistor subcircuits whose model device is ``M<subcircuit name>`` (the
#: g5v0d16v0 ones wrap a ``_base`` subcircuit instead).
MODEL_DEVICE = re.compile(r"sky130_fd_pr__(?:esd_)?[np]fet_(?!g5v0d16v0)\w+")
_SOURCES = {"models_fet.spice": ("sky130_fd_pr__nfet_01v8", "sky130_fd_pr__pfet_01v8"),
            "models_capacitors.spice": ("sky130_fd_pr__cap_mim_m3_1",
                                        "sky130_fd_pr__cap_mim_m3_2")}
_AGAUSS = re.compile(r"(?i)\bagauss\(\s*0\s*,\s*1(?:\.0*)?\s*,\s*1\s*\)")
_FORMAT = "1"  # bumped when the generated text changes


class ExplicitMismatchError(ValueError):
    """The library or netlist does not allow explicit draws (use ``setseed`` + ``reset``)."""


def subckt_text(text: str, name: str) -> str:
    """The ``.subckt name`` ... ``.ends`` block of a model file, verbatim."""
    m = re.search(rf"(?ims)^\.subckt\s+{re.escape(name)}\s.*?^\.ends\b[^\n]*\n?", text)
    if m is None:
        raise ExplicitMismatchError(f"subcircuit {name} not found in the model file")
    return m.group(0)


def explicit_subckt(text: str, name: str) -> str:
    """:func:`subckt_text` with its mismatch draw reading ``lifspice_mm_z``.

    Comment lines are kept as they are; exactly one live ``AGAUSS(0,1.0,1)`` is required
    (the one draw per instance this module relies on).
    """
    lines = subckt_text(text, name).splitlines(keepends=True)
    live = sum(len(_AGAUSS.findall(x)) for x in lines if not x.lstrip().startswith("*"))
    if live != 1:
        raise ExplicitMismatchError(
            f"{name} has {live} mismatch draws (AGAUSS(0,1.0,1)), expected exactly one")
    return "".join(x if x.lstrip().startswith("*") else _AGAUSS.sub(Z_PARAM, x)
                   for x in lines)


def library_text(lib: Path, corner: str) -> tuple[str, str]:
    """(library text, devices text) of the explicit-draw library for ``corner``.

    The library is the ``<corner>_mm`` section as :func:`~lifspice.pdk.sky130.corner_lines`
    writes it, with the ``models_fet.spice`` and ``models_capacitors.spice`` includes
    replaced by the devices file (written next to it as ``DEVICES``).
    """
    lines = corner_lines(lib, f"{corner}_mm")
    out, devices, found = [], [], set()
    for line in lines:
        m = re.match(r'\.include "(.*)"$', line)
        base = Path(m.group(1)).name if m else None
        if base in _SOURCES:
            text = Path(m.group(1)).read_text(errors="replace")
            devices += [explicit_subckt(text, name) for name in _SOURCES[base]]
            found.add(base)
            continue
        out.append(line)
    if found != set(_SOURCES):
        raise ExplicitMismatchError(
            f"section {corner}_mm of {lib} does not include the continuous models "
            f"{sorted(set(_SOURCES) - found)}: draw mismatch with setseed + reset instead")
    out += [f".param {Z_PARAM}=0", '.include "DEVICES"']
    head = f"* nfet_01v8 / pfet_01v8 / cap_mim_m3_1,2 of {lib}, draws read {Z_PARAM}\n"
    return "\n".join(out) + "\n", head + "".join(devices)


def explicit_mismatch_lib(corner: str = "tt", *, lib: str | os.PathLike[str] | None = None,
                          folder: str | os.PathLike[str] | None = None) -> Path:
    """Write (once) the explicit-draw library for ``corner`` and return its path."""
    src = Path(lib).resolve() if lib is not None else find_sky130()
    folder = Path(folder) if folder is not None else library_folder(src, f"mmz{_FORMAT}")
    devices_path = folder / "sky130_mmz_devices.spice"
    lib_text, dev_text = library_text(src, corner)
    write_once(devices_path, dev_text)
    return write_once(folder / f"sky130_{corner}_mmz.lib",
                      lib_text.replace('"DEVICES"', f'"{devices_path}"'))


_MM_NAMES = {"sw_mm_vth0_sky130_fd_pr__nfet_01v8": "nfet",
             "sw_mm_vth0_sky130_fd_pr__pfet_01v8": "pfet", "sw_mm_cmim": "cap"}


def pelgrom_coefficients(corner: str = "tt", lib: Path | None = None) -> dict[str, float]:
    """The per-device mismatch coefficients of the files the corner library includes, SI:
    ``nfet`` / ``pfet`` sigma(V_th) sqrt(W L) in V m (``sw_mm_vth0_*``, V um in the files)
    and ``cap`` sigma(C)/C sqrt(area) in m (``sw_mm_cmim``)."""
    found: dict[str, float] = {}
    library = corner_lib(corner, lib=lib)
    for target in include_targets(library.read_text()):
        text = Path(resolve_include(str(library), target)).read_text(errors="replace")
        for name, value in re.findall(r"(?im)^\+?\s*(sw_mm_\w+)\s*=\s*([-+0-9.eE]+)", text):
            if name.lower() in _MM_NAMES:
                found[_MM_NAMES[name.lower()]] = float(value) * 1e-6  # um -> m
    if len(found) != len(_MM_NAMES):
        missing = sorted(set(_MM_NAMES.values()) - set(found))
        raise PdkNotFoundError(f"{missing} not found in the sky130 model files")
    return found


def vth_mismatch_factor(kind: str, w: float, length: float) -> float:
    """Geometry factor the sky130 subcircuit puts on its V_th draw beyond 1 / sqrt(W L)
    (W, L in m): ``nfet_01v8``'s, read off the model file and checked against ngspice's draws
    (tests/test_mismatch_draw.py); 1 for the pfet."""
    if kind != "nfet":
        return 1.0
    wu, lu = w * 1e6, length * 1e6
    return ((0.008 * 8 / lu + 0.992) * (0.035 * 7 / wu + 0.965)
            * (0.001 * 56 / (wu * lu) + 0.999))
