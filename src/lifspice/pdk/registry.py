"""The PDKs lifspice knows, one :class:`~lifspice.pdk.registry.Pdk` each: where a kind of
neuron or a user's subcircuit asks for its models, corners, statistics and device names.

Each PDK keeps its particulars in its own module (:mod:`lifspice.pdk.sky130` with
:mod:`lifspice.pdk.sky130_mismatch`, :mod:`lifspice.pdk.gf180mcu`); this registry is the one
interface the rest of the kit reads them through. Nothing here runs at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lifspice.pdk import gf180mcu, sky130, sky130_mismatch
from lifspice.pdk.process import Process


@dataclass(frozen=True)
class Pdk:
    """One PDK (SI units).

    Attributes
    ----------
    name : str
        As a design file names it (``pdk = "..."``).
    corners : tuple of str
        Process corners (the kit's names: tt, ss, ff, sf, fs).
    process : Process
        Its devices as the kit's transistor neuron draws them (names, sizes, supply).
    drawn : mapping
        PDK subcircuit -> (inner device, instance parameter) its mismatch draw sets.
    init_commands : callable
        ``init_commands() -> tuple of str``: ngspice commands its models need.
    corner_lib : callable
        ``corner_lib(corner, mismatch, temperature_c) -> Path``: the library to include.
    explicit_lib : callable
        ``explicit_lib(corner, temperature_c) -> Path``: the explicit-draw mismatch library.
    mc_lib : callable or None
        ``mc_lib(corner, mismatch, temperature_c) -> Path``: the library with the PDK's global
        process variation switched on (one draw per ``setseed`` + ``reset``), mismatch on or
        off; None: the PDK has none the kit can draw.
    mc_note : callable
        ``mc_note() -> str | None``: what that process variation leaves out, read from the
        model files (for the summary of an ``mc`` sweep), or None.
    pelgrom : callable
        ``pelgrom(corner, lib) -> {"nfet", "pfet", "cap"}``: per-device mismatch coefficients
        read from its model files (V m, V m, m).
    vth_mismatch_factor : callable
        ``vth_mismatch_factor(kind, w, l)``: what its models put on a device's V_th draw
        beyond ``a_vt / sqrt(W L)`` (effective sizes, geometry terms).
    mim_scale : callable
        ``mim_scale(corner)``: the factor the corner puts on the MIM capacitance (sky130's
        corners keep it: 1; gf180mcu's move it by 10 %).
    """

    name: str
    corners: tuple[str, ...]
    process: Process
    drawn: Mapping[str, tuple[str, str]]
    init_commands: Callable[[], tuple[str, ...]]
    corner_lib: Callable[[str, bool, float], Path]
    explicit_lib: Callable[[str, float], Path]
    mc_lib: Callable[[str, bool, float], Path] | None = None
    mc_note: Callable[[], str | None] = lambda: None
    pelgrom: Callable[[str, Path | None], dict[str, float]] | None = None
    vth_mismatch_factor: Callable[[str, float, float], float] = lambda kind, w, length: 1.0
    mim_scale: Callable[[str], float] = lambda corner: 1.0

    @property
    def vdd(self) -> float:
        """Supply of the devices the kit uses, V."""
        return self.process.vdd

    @property
    def devices(self) -> Mapping[str, str]:
        """``nfet``, ``pfet``, ``cap`` -> the PDK's device (subcircuit) names."""
        return self.process.devices


def _sky130_lib(corner: str, mismatch: bool, temperature_c: float) -> Path:
    return sky130.corner_lib(corner, mismatch=mismatch)  # .temp sets the temperature


def _gf180_lib(corner: str, mismatch: bool, temperature_c: float) -> Path:
    return gf180mcu.corner_lib(corner, mismatch=mismatch, temperature_c=temperature_c)


def _sky130_mc_lib(corner: str, mismatch: bool, temperature_c: float) -> Path:
    return sky130.corner_lib(corner, mismatch=mismatch, mc=True)  # section 'mc' (tt)


def _gf180_mc_lib(corner: str, mismatch: bool, temperature_c: float) -> Path:
    return gf180mcu.corner_lib(corner, mismatch=mismatch, mc=True, temperature_c=temperature_c)


#: The PDKs by name.
PDKS: dict[str, Pdk] = {
    "sky130": Pdk(
        "sky130", sky130.CORNERS, sky130.PROCESS, sky130_mismatch.DEVICE_PARAMS,
        lambda: tuple(sky130.spiceinit_lines()), _sky130_lib,
        lambda corner, temperature_c: sky130_mismatch.explicit_mismatch_lib(corner),
        mc_lib=_sky130_mc_lib, mc_note=sky130.mc_threshold_note,
        pelgrom=sky130_mismatch.pelgrom_coefficients,
        vth_mismatch_factor=sky130_mismatch.vth_mismatch_factor),
    "gf180mcu": Pdk(
        "gf180mcu", gf180mcu.CORNERS, gf180mcu.PROCESS, gf180mcu.DEVICE_PARAMS,
        lambda: ("set num_threads=1",), _gf180_lib, gf180mcu.explicit_mismatch_lib,
        mc_lib=_gf180_mc_lib, pelgrom=gf180mcu.pelgrom_coefficients,
        vth_mismatch_factor=gf180mcu.vth_mismatch_factor, mim_scale=gf180mcu.mim_corner_factor),
}

#: Every PDK's mismatch-drawn devices: subcircuit -> (inner device, parameter).
DRAWN: dict[str, tuple[str, str]] = {k: v for p in PDKS.values() for k, v in p.drawn.items()}


def get_pdk(name: str) -> Pdk:
    """The :class:`~lifspice.pdk.registry.Pdk` called ``name``; ValueError listing the
    known ones."""
    try:
        return PDKS[name]
    except KeyError:
        raise ValueError(f"unknown PDK {name!r}; known: {sorted(PDKS)}") from None

#: Names (whole, lower-case) of the device subcircuits of any PDK whose models draw
#: per-instance mismatch.
MISMATCH_DEVICES = re.compile("|".join(f"(?:{p.process.device_pattern})" for p in PDKS.values()))
#: What a path of any PDK's model files contains.
MODEL_PATHS = re.compile("|".join(f"(?:{p.process.path_pattern})" for p in PDKS.values())
                         + r"|libs\.tech", re.IGNORECASE)
#: Device subcircuits whose model device is ``M<subcircuit name>`` (sky130's transistors).
MODEL_DEVICE = sky130_mismatch.MODEL_DEVICE


def pdk_of_model_path(path: str | Path) -> str | None:
    """The PDK whose models a ``.lib`` / ``.include`` path names (its ``lib_hint``), or None."""
    return next((name for name, p in PDKS.items()
                 if re.search(p.process.lib_hint, str(path), re.IGNORECASE)), None)


def instance_scale(target: str) -> float | None:
    """m per unit of W and L on an instance of the device subcircuit ``target`` of a PDK
    whose library scales sizes (sky130: 1e-6); None for anything else."""
    for pdk in PDKS.values():
        pr = pdk.process
        if pr.scaled and re.fullmatch(pr.device_pattern, target.lower()):
            return pr.instance_scale
    return None
