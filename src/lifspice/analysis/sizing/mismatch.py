"""Mismatch for the sizer: the PDK's Pelgrom coefficients
(:class:`~lifspice.analysis.sizing.mismatch.Mismatch`), the geometry factor of the sky130
nfet's mismatch draw (each PDK's own is in :mod:`lifspice.pdk.registry`), and how many sigma
the comparator has to let go after a reset
(:func:`~lifspice.analysis.sizing.mismatch.release_margin`). Units: SI (V m, m)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.pdk.registry import get_pdk


@dataclass(frozen=True, kw_only=True)
class Mismatch:
    """Pelgrom coefficients: per-device sigma(V_th) = ``a_vt_*`` / sqrt(W L) (V m), and
    sigma(C)/C = ``a_mim`` / sqrt(area) (m) for the MIM capacitor."""

    a_vt_nfet: float
    a_vt_pfet: float
    a_mim: float


def nfet_mismatch_factor(w: float, length: float) -> float:
    """Geometry factor the sky130 ``nfet_01v8`` subcircuit puts on its delvto draw (W, L in
    m; read off the model file, checked against ngspice's draws in tests/test_mismatch_draw)."""
    return get_pdk("sky130").vth_mismatch_factor("nfet", w, length)


def release_margin(n: CmosNeuron, mm: Mismatch, n_ut: float | None = None) -> float:
    """How many sigma of mismatch the comparator has to let go after a reset.

    With the membrane at v_reset the comparator sinks ``i_cmp tanh((v_th - v_reset) /
    (2 n U_T))`` (the tail mirror's copy, through the nMOS load mirror) against i_hys (the
    hysteresis mirror's copy). In weak inversion each mirror's ratio is exp(dV_T / n U_T):
    the margin is ln(sink / i_hys) over the sigma of the sum of the three mirrors' dV_T
    (Pelgrom, two devices each) divided by n U_T. Under ~4 a fraction of neurons fires
    once and stays in reset (README, "Hysteresis against the reset swing"). ``n_ut``
    defaults to the neuron's own (``nut_cmp`` of its PDK and topology); each device's draw
    carries its PDK's geometry factor.
    """
    n_ut = n.nut_cmp(n.topology) if n_ut is None else n_ut
    factor = get_pdk(n.PROCESS.name).vth_mismatch_factor

    def var(kind: str, w: float, length: float) -> float:
        a_vt = mm.a_vt_nfet if kind == "nfet" else mm.a_vt_pfet
        return 2 * (a_vt * factor(kind, w, length)) ** 2 / (w * length)

    s_ln = math.sqrt(var("pfet", n.w_cmp_tail, n.l_cmp_tail)           # CB / CT
                     + var("nfet", n.w_cmp_mirror, n.l_cmp_mirror)     # C3 / C4
                     + var("pfet", n.w_cmp_tail, n.l_cmp_tail)) / n_ut  # HB / H1
    sink = n.i_cmp * math.tanh((n.v_th - n.v_reset) / (2 * n_ut))
    return math.log(sink / n.i_hys) / s_ln


__all__ = ["Mismatch", "nfet_mismatch_factor", "release_margin"]
