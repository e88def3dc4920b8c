"""The comparator's hysteresis current for the sizer, per PDK and topology
(:func:`~lifspice.analysis.sizing.comparator.hysteresis_current`), and the lean topology's
comparator on each PDK (:data:`~lifspice.analysis.sizing.comparator.LEAN_COMPARATOR`).
Units: SI (A, V, m)."""

from __future__ import annotations

import math

from lifspice.analysis.sizing.targets import InfeasibleTarget, SizingTargets
from lifspice.circuits.cmos.neuron import LEAN_HYS_MIN

#: The lean topology's comparator per PDK: (smallest i_cmp A, i_hys / i_cmp, (W, L) m of its
#: load mirror and tail mirrors). sky130_lean.toml: i_hys up to i_cmp / 2, 2 x 4 um mirrors.
#: gf180_lean.toml: the 3.3 V comparator output slews further, so with sky130's comparator
#: the reset acted before the hysteresis latched and the refractory capacitor emptied only
#: part-way (t_ref 67 .. 193 us with the input); 8 nA, i_hys = 3/4 i_cmp, 4 x 8 um mirrors
#: empty it at every current.
LEAN_COMPARATOR: dict[str, tuple[float, float, tuple[float, float]]] = {
    "sky130": (0.0, 0.5, (2e-6, 4e-6)), "gf180mcu": (8e-9, 0.75, (4e-6, 8e-6))}


def hysteresis_current(t: SizingTargets, i_cmp: float) -> float:
    """i_hys (A): a quarter of the comparator tail ``i_cmp`` (the lean topology needs more,
    :data:`LEAN_COMPARATOR`, and gets larger mirrors instead: release_margin), its width
    (CmosNeuron.hysteresis_width) under a quarter of the reset swing, so the comparator lets
    go after the reset with room for its offset mismatch."""
    lean = t.topology == "lean"
    nut = t.neuron_class.NUT_CMP
    ratio = min(LEAN_COMPARATOR[t.pdk][1] if lean else 0.25,
                math.tanh((t.v_th - t.v_reset) / 4 / (2 * nut)))
    if lean and ratio < LEAN_COMPARATOR[t.pdk][1] - 1e-9 and t.pdk != "sky130":
        raise InfeasibleTarget(
            f"the lean topology on {t.pdk} needs i_hys = {LEAN_COMPARATOR[t.pdk][1]:g} i_cmp "
            f"(gf180_lean.toml: below it the refractory capacitor empties only part-way), a "
            f"hysteresis of {2 * nut * math.atanh(LEAN_COMPARATOR[t.pdk][1]) * 1e3:.0f} mV, "
            "which must stay under a quarter of v_th - v_reset (got "
            f"{(t.v_th - t.v_reset) * 1e3:.0f} mV); widen v_th - v_reset or use the "
            "reference topology")
    if lean and ratio < LEAN_HYS_MIN:
        width = 2 * nut * math.atanh(LEAN_HYS_MIN)  # CmosNeuron.hysteresis_width
        raise InfeasibleTarget(
            f"the lean topology needs i_hys >= {LEAN_HYS_MIN:g} i_cmp, a hysteresis of "
            f"{width * 1e3:.0f} mV, which must stay under a quarter of v_th - v_reset: "
            f"that needs a swing of {4 * width * 1e3:.0f} mV or more (got "
            f"{(t.v_th - t.v_reset) * 1e3:.0f} mV); use the reference topology")
    return ratio * i_cmp


__all__ = ["LEAN_COMPARATOR", "hysteresis_current"]
