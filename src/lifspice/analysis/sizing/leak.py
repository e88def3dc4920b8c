"""What the gm/Id tables predict for the leak: the OTA's conductance at rest, its saturation
current at threshold, and the leakage into the membrane and out of the refractory node ``ext``
(devices at V_GS = 0). Also the fixed sizes of the devices these depend on. Units: SI."""

from __future__ import annotations

import math

from scipy.optimize import brentq

from lifspice.analysis.gmid import GmidTables
from lifspice.analysis.sizing.targets import SizingTargets

L_OTA = 4e-6          # m, pair and mirror length: gds/gm ~ 1 % (tables), little offset
W_OTA = 2e-6          # m
L_RESET = 1e-6        # m, reset switch: 0.15 um leaks ~10x more at V_GS = 0
W_RESET = 0.42e-6     # m
# m, the generator's ext discharge device (fixed there: 2 w_inv_n by the PDK's l_min)
L_R3, W_R3 = 0.15e-6, 0.84e-6   # sky130's
#: V_DS the OTA's tail keeps, in thermal voltages U_T = kT/q (saturated in weak inversion).
TAIL_UT = 3.0
BOLTZMANN_Q = 8.617333262e-5  # V/K, k/q


def ota_conductance(tables: GmidTables, t: SizingTargets, temp: float, i_b: float,
                    w_in: float) -> tuple[float, float]:
    """(G, g_m) of the leak OTA at i_b (A), S: g_m of one pair device at i_b/2, plus the
    output conductances of the pair device and the mirror at the membrane."""
    pf, nf = tables.get("pfet", temp), tables.get("nfet", temp)
    i_d = 0.5 * i_b
    vsb_max, vds_min = float(pf.vsb[-1]), float(pf.vds[0])

    def bias(vgs: float) -> tuple[float, float]:
        # the output device is a diode (V_DS = V_GS); its source sits V_GS above v_rest, its
        # well at vdd
        return max(vgs, vds_min), min(max(t.vdd - t.v_rest - vgs, 0.0), vsb_max)

    def excess(vgs: float) -> float:
        vds, vsb = bias(vgs)
        return math.log(pf.i_d(L_OTA, w_in, vgs, vds, vsb) / i_d)

    # the tail pMOS above the pair stays saturated: V_DS >= 3 U_T (a tail left 14 mV gave a
    # simulated tau_m 33 % over the tables' and a closed loop that could not correct it,
    # 36 mV a 2.3 % prediction error; 106 mV and up were as predicted)
    v_tail = TAIL_UT * BOLTZMANN_Q * (temp + 273.15)
    hi = min(t.vdd - t.v_rest - v_tail, float(pf.vgs[-1]))
    if hi <= 0 or excess(0.0) > 0 or excess(hi) < 0:
        raise ValueError(f"a pfet W={w_in:.3g} m L={L_OTA:.3g} m cannot carry {i_d:.3g} A "
                         f"between V_GS 0 and {hi:.3g} V (vdd - v_rest less {v_tail:.3g} V "
                         "for its tail)")
    vgs = brentq(excess, 0.0, hi, xtol=1e-6)
    vds, vsb = bias(vgs)
    gm = pf.at("gm_w", L_OTA, w_in, vgs, vds, vsb) * w_in
    gds_p = pf.at("gds_w", L_OTA, w_in, vgs, vds, vsb) * w_in
    vgs_n = nf.vgs_at_id(i_d, L_OTA, W_OTA, vds=t.v_rest)
    gds_n = nf.at("gds_w", L_OTA, W_OTA, vgs_n, t.v_rest) * W_OTA
    return gm + gds_p + gds_n, gm


def saturation_current(tables: GmidTables, t: SizingTargets, temp: float, i_b: float) -> float:
    """Leak current at threshold (A): the whole tail current through the nMOS mirror, whose
    input is a diode (V_DS = V_GS, ~0.15 V in weak inversion) and whose output sits at v_th;
    its output conductance makes this ~15 % more than i_b at L = 4 um."""
    nf = tables.get("nfet", temp)
    lo = float(nf.vds[0])

    def excess(vgs: float) -> float:
        return math.log(nf.i_d(L_OTA, W_OTA, vgs, max(vgs, lo)) / i_b)

    if excess(lo) > 0 or excess(1.0) < 0:
        return i_b
    vgs = brentq(excess, lo, 1.0, xtol=1e-6)
    return float(nf.i_d(L_OTA, W_OTA, vgs, t.v_th))


def membrane_leakage(tables: GmidTables, t: SizingTargets, temp: float) -> float:
    """Leakage into the membrane at ``temp`` (A): mirror output and reset switch at V_GS = 0
    with the membrane at threshold (worst case)."""
    nf = tables.get("nfet", temp)
    mirror = nf.leakage(L_OTA, W_OTA, vds=t.v_th)
    vsb = min(t.v_reset, float(nf.vsb[-1]))
    reset = nf.leakage(L_RESET, W_RESET, vds=max(t.v_th - t.v_reset, float(nf.vds[0])), vsb=vsb)
    return mirror + reset


def ext_leakage(tables: GmidTables, t: SizingTargets, temp: float) -> float:
    """Leakage of the refractory node ``ext`` at ``temp`` (A): its discharge nMOS off."""
    return tables.get("nfet", temp).leakage(t.neuron_class.PROCESS.l_min, W_R3, vds=t.vdd)


__all__ = ["L_OTA", "L_R3", "L_RESET", "W_OTA", "W_R3", "W_RESET", "ext_leakage",
           "membrane_leakage", "ota_conductance", "saturation_current"]
