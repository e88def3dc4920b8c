"""The comparator's hysteresis current for the sizer, per PDK and topology
(:func:`~lifspice.analysis.sizing.comparator.hysteresis_current`); the lean topology's
comparator on each PDK is its neuron class's ``LEAN_CMP``
(:class:`~lifspice.circuits.cmos.lean.LeanComparator`). Units: SI (A, V, m)."""

from __future__ import annotations

import math

from lifspice.analysis.sizing.targets import InfeasibleTarget, SizingTargets
from lifspice.circuits.cmos.neuron import LEAN_HYS_MIN


def hysteresis_current(t: SizingTargets, i_cmp: float) -> float:
    """i_hys (A): a quarter of the comparator tail ``i_cmp`` (the lean topology needs more,
    the neuron class's ``LEAN_CMP``, and gets larger mirrors instead: release_margin), its width
    (CmosNeuron.hysteresis_width) under a quarter of the reset swing, so the comparator lets
    go after the reset with room for its offset mismatch."""
    lean = t.topology == "lean"
    nut = t.neuron_class.nut_cmp(t.topology)
    spec = t.neuron_class.LEAN_CMP
    ratio = min(spec.hys_ratio if lean else 0.25,
                math.tanh((t.v_th - t.v_reset) / 4 / (2 * nut)))
    if lean and spec.hys_required and ratio < spec.hys_ratio - 1e-9:
        width = 2 * nut * math.atanh(spec.hys_ratio)
        raise InfeasibleTarget(
            f"the lean topology on {t.pdk} needs i_hys = {spec.hys_ratio:g} i_cmp "
            f"(below it the refractory capacitor empties only part-way), a "
            f"hysteresis of {width * 1e3:.0f} mV, which must stay under a quarter of v_th - "
            f"v_reset: a swing of {4 * width * 1e3:.0f} mV or more (got "
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


__all__ = ["hysteresis_current"]
