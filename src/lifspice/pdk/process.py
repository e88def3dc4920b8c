"""What a transistor-level neuron needs to know of a PDK's devices, one
:class:`~lifspice.pdk.process.Process` per PDK (:data:`lifspice.pdk.sky130.PROCESS`,
:data:`lifspice.pdk.gf180mcu.PROCESS`): device names, how an instance line is written (units
and parameter names), the sizes its model bins cover, the MIM capacitor's density, the supply
and temperature ranges. Pure: no files, no ngspice.

Units: SI (m, F/m^2, F/m, V, degC). An instance line writes sizes in the PDK's own unit:
sky130's library sets ``.option scale=1.0u`` (``W=4 L=4`` is 4 um), gf180mcu's does not
(``w=4u l=4u``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Process:
    """One PDK's devices as the kit's neuron uses them (SI units).

    Attributes
    ----------
    name : str
        The PDK (as a design file names it).
    devices : mapping
        ``nfet``, ``pfet``, ``cap`` -> the PDK's subcircuit names.
    scaled : bool
        True when the model library scales instance sizes by 1 um (sky130): sizes are then
        written as plain numbers in um; else with the ``u`` suffix.
    fet_params : tuple of str
        Names of the MOSFET width and length parameters, and any fixed extra (``nf=1``).
    cap_params : tuple of str
        Names of the MIM capacitor's width and length parameters.
    w_min, w_max, l_min, l_max : float
        Transistor sizes the models' bins cover, m.
    mim_ca : float
        MIM capacitance per area, F/m^2.
    mim_cp : float
        MIM fringe capacitance per perimeter, F/m.
    mim_dw : float
        Added to each drawn side before the area is taken, m.
    mim_side : tuple of float
        Smallest and largest drawn side of one MIM capacitor, m.
    vdd : float
        Nominal supply of the devices, V.
    vdd_range : tuple of float
        Supplies the kit accepts, V (the devices' rating +10 % down to where the stacks bias).
    temperature_range_c : tuple of float
        Temperatures where the models are characterized, degC.
    device_pattern : str
        Regular expression matching (whole, lower-case) the names of the PDK's device
        subcircuits whose models draw per-instance mismatch (a user's netlist is read with
        their units, and those the kit cannot draw are named).
    path_pattern : str
        Regular expression a path of the PDK's model files contains.
    lib_hint : str
        Regular expression (case-insensitive) by which a user's ``.lib`` / ``.include`` path
        says it loads this PDK's models (looser than ``path_pattern``).
    gmid_grid : tuple of (str, value) pairs
        The gm/Id sweep grid's fields that differ from ``flows.gmid.GmidGrid``'s defaults
        (those are sky130's).
    """

    name: str
    devices: Mapping[str, str]
    scaled: bool
    fet_params: tuple[str, ...]
    cap_params: tuple[str, str]
    w_min: float
    w_max: float
    l_min: float
    l_max: float
    mim_ca: float
    mim_cp: float
    mim_dw: float
    mim_side: tuple[float, float]
    vdd: float
    vdd_range: tuple[float, float]
    temperature_range_c: tuple[float, float]
    device_pattern: str = r"(?!)"
    path_pattern: str = r"(?!)"
    lib_hint: str = r"(?!)"
    gmid_grid: tuple[tuple[str, Any], ...] = ()

    @property
    def instance_scale(self) -> float:
        """m per unit of W and L on an instance line of this PDK's devices."""
        return 1e-6 if self.scaled else 1.0

    def size(self, x: float) -> str:
        """A size of ``x`` m in the PDK's unit."""
        um = repr(round(float(x) * 1e6, 6))  # exact literal, as circuits.netlist.spice_number
        return um if self.scaled else f"{um}u"

    def fet(self, name: str, d: str, g: str, s: str, b: str, kind: str, w: float,
            length: float) -> str:
        """A MOSFET instance line: ``kind`` is ``nfet`` or ``pfet``; W, L in m."""
        pw, pl, *extra = self.fet_params
        return " ".join([f"X{name} {d} {g} {s} {b} {self.devices[kind]}",
                         f"{pw}={self.size(w)}", f"{pl}={self.size(length)}", *extra])

    def cap(self, name: str, top: str, bot: str, w: float, length: float) -> str:
        """A MIM capacitor instance line between ``top`` and ``bot``; drawn W, L in m."""
        pw, pl = self.cap_params
        return (f"X{name} {top} {bot} {self.devices['cap']} {pw}={self.size(w)} "
                f"{pl}={self.size(length)}")

    def mim_capacitance(self, w: float, length: float) -> float:
        """Capacitance of a drawn MIM capacitor ``w`` x ``length`` m, F (area and edge)."""
        w, length = w + self.mim_dw, length + self.mim_dw
        return self.mim_ca * w * length + self.mim_cp * 2 * (w + length)

    def drawn_square_mim(self, c: float) -> float:
        """Capacitance (F) of the square MIM capacitor drawn for ``c`` F: its side from
        :meth:`mim_square_side`, back through :meth:`mim_capacitance` (what the netlist's
        capacitor has, to the float arithmetic of the two)."""
        side = self.mim_square_side(c)
        return self.mim_capacitance(side, side)

    def mim_square_side(self, c: float) -> float:
        """Drawn side (m) of a square MIM capacitor of ``c`` F (inverse of
        :meth:`mim_capacitance`)."""
        # ca s^2 + 4 cp s - c = 0 for s = side + dw
        a, b = self.mim_ca, 4 * self.mim_cp
        s = (-b + math.sqrt(b * b + 4 * a * c)) / (2 * a)
        return s - self.mim_dw


__all__ = ["Process"]
