"""Adaptive threshold for the transistor neuron (sky130, gf180mcu: its devices are the
design's ``PROCESS``), at transistor level (an add-on to
:mod:`lifspice.circuits.cmos.netlists`; the plain neuron's netlists are untouched).

The comparator's reference ``vth`` is no longer the ideal source itself but a capacitor
node::

    Vth         vthref 0 DC v_th                 the threshold at rest (ideal reference)
    follower    5-transistor pMOS-input OTA, + input vthref, - input and output vth, tail
                current i_a: it pulls vth back to vthref with the transconductance
                g_a = i_a / (2 n U_T), so the excess decays with tau_a = c_a / g_a
    C_a         MIM capacitor vth -> 0
    pump        pMOS mirror of i_jump into vth through an nMOS switch gated by rst: during
                each reset pulse (length ~t_ref) vth gains dv_th ~ i_jump t_ref / c_a

The follower is linear for excursions well inside its range (~2 n U_T ~ 80 mV): keep the
adapted excess below ~40 mV for the exponential model to hold.  The default sizes are
sky130's (the switch's 0.15 um channel); a design on another PDK needs sizes inside its
bins (gf180mcu: ``l_sw = 0.28e-6``), which
:func:`~lifspice.circuits.cmos.adapt.adaptive_netlist` checks.  Pure text.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifspice.circuits.cmos.blocks import NFET, PFET, ota5
from lifspice.circuits.cmos.netlists import neuron_netlist
from lifspice.circuits.cmos.neuron import Q_OVER_K, CmosNeuron
from lifspice.circuits.cmos.nodes import NODE_RESET, NODE_VTH, SAVE_VECTORS, SUPPLY
from lifspice.circuits.netlist import spice_number
from lifspice.circuits.params import ParameterError, check_finite, check_positive

NODE_VTHREF = "vthref"


@dataclass(frozen=True, kw_only=True)
class CmosAdaptation:
    """Sizes and biases of the adaptive threshold (SI: F, A, m).

    Parameters
    ----------
    c_a : float
        Threshold capacitor, F (a square MIM).
    i_a : float
        Tail current of the follower OTA, A: ``tau_a ~ c_a 2 n U_T / i_a``.
    i_jump : float
        Charge-pump current during the reset pulse, A: ``dv_th ~ i_jump t_pulse / c_a``.
    w_in, l_in, w_mirror, l_mirror, w_tail, l_tail : float
        Follower transistor sizes, m.
    w_sw, l_sw : float
        Pump switch (nMOS), m.
    """

    c_a: float = 1e-12
    i_a: float = 1e-11
    i_jump: float = 1e-10
    w_in: float = 4e-6
    l_in: float = 4e-6
    w_mirror: float = 2e-6
    l_mirror: float = 4e-6
    w_tail: float = 2e-6
    l_tail: float = 4e-6
    w_sw: float = 0.42e-6
    l_sw: float = 0.15e-6

    def __post_init__(self) -> None:
        name = type(self).__name__
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        check_finite(name, **values)
        check_positive(name, "SI units", **values)

    def tau_a_guess(self, temperature_c: float = 27.0, n: float = 1.5) -> float:
        """``c_a 2 n U_T / i_a``, s (weak inversion, slope factor ``n``)."""
        u_t = (temperature_c + 273.15) / Q_OVER_K
        return self.c_a * 2 * n * u_t / self.i_a

    def dv_th_guess(self, t_pulse: float) -> float:
        """``i_jump t_pulse / c_a``, V."""
        return self.i_jump * t_pulse / self.c_a


def _lines(n: CmosNeuron, a: CmosAdaptation) -> list[str]:
    f, s, pr = n.PROCESS.fet, spice_number, n.PROCESS
    side = pr.mim_square_side(a.c_a)
    vdd, p, nf = SUPPLY, PFET, NFET
    vth = NODE_VTH
    return [
        f"Vth {NODE_VTHREF} 0 DC {s(n.v_th)}",
        "* adaptive threshold: follower OTA vthref -> vth, capacitor, pump gated by rst",
        f"Ia abias 0 DC {s(a.i_a)}",
        *ota5(pr, "A", NODE_VTHREF, vth, vth, tail=(a.w_tail, a.l_tail),
              pair=(a.w_in, a.l_in), mirror=(a.w_mirror, a.l_mirror)),
        pr.cap("CA", vth, "0", side, side),
        f"Ij jbias 0 DC {s(a.i_jump)}",
        f("JB", "jbias", "jbias", vdd, vdd, p, a.w_tail, a.l_tail),
        f("JT", "jsrc", "jbias", vdd, vdd, p, a.w_tail, a.l_tail),
        f("JS", "jsrc", NODE_RESET, vth, "0", nf, a.w_sw, a.l_sw),
    ]


def check_sizes(design: CmosNeuron, adapt: CmosAdaptation) -> None:
    """Raise :class:`~lifspice.circuits.params.ParameterError` naming the first transistor
    size or capacitor side of ``adapt`` outside the bins of ``design``'s PDK."""
    pr = design.PROCESS
    for name in ("w_in", "l_in", "w_mirror", "l_mirror", "w_tail", "l_tail", "w_sw", "l_sw"):
        value = getattr(adapt, name)
        low, high = (pr.w_min, pr.w_max) if name.startswith("w") else (pr.l_min, pr.l_max)
        if not low <= value <= high:
            raise ParameterError(
                f"{type(adapt).__name__}.{name} = {value!r} m is outside {low:g} .. {high:g} m, "
                f"the {pr.name} models' bins")
    side, (low, high) = pr.mim_square_side(adapt.c_a), pr.mim_side
    if not low <= side <= high:
        raise ParameterError(f"{type(adapt).__name__}.c_a = {adapt.c_a!r} F needs a MIM side "
                             f"of {side:.3g} m, outside {low:g} .. {high:g} m on {pr.name}")


def adaptive_netlist(design: CmosNeuron, adapt: CmosAdaptation, stim, *,
                     t_stop: float, lib_path: str, max_step: float | None = None,
                     v_init: float | None = None) -> str:
    """:func:`lifspice.circuits.cmos.netlists.neuron_netlist` with the adaptive threshold; also
    saves ``v(vth)``. Sizes outside the design's PDK bins raise
    :class:`~lifspice.circuits.params.ParameterError`
    (:func:`~lifspice.circuits.cmos.adapt.check_sizes`)."""
    check_sizes(design, adapt)
    save = (*SAVE_VECTORS, f"v({NODE_VTH})")
    text = neuron_netlist(design, stim, t_stop=t_stop, lib_path=lib_path,
                          max_step=max_step, v_init=v_init, save=save)
    ref = f"{NODE_VTH.capitalize()} {NODE_VTH} 0 DC {spice_number(design.v_th)}"
    lines = text.split("\n")
    hits = [k for k, line in enumerate(lines) if line == ref]
    if len(hits) != 1:
        raise ParameterError(f"the {design.CIRCUIT} netlist has no single threshold source "
                             "to replace")
    k = hits[0]
    return "\n".join(lines[:k] + _lines(design, adapt) + lines[k + 1:])


#: The name :class:`CmosAdaptation` had while the neuron ran on sky130 only (kept for code
#: written against it).
Sky130Adaptation = CmosAdaptation
