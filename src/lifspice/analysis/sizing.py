"""Size the sky130 LIF neuron for a target tau_m from gm/Id tables. Pure: tables in, sizes out.

The leak is a 5-transistor OTA (pMOS pair, nMOS mirror, pMOS tail mirrored from ``i_b``)
wired as a transconductor, so ``tau_m = C / G`` with ``G = g_m`` of one input device at
``I_D = i_b / 2`` (plus the output conductances). :func:`size_neuron` chooses, in order:

1. the OTA devices: long channels (4 um pair and mirror: output conductance ~1 % of g_m),
   the tail mirror's area from the tau_m mismatch budget (its current mismatch is the tail
   pair's V_th mismatch times g_m/I_D, and g_m of a weakly inverted pair follows i_b);
2. the smallest membrane MIM capacitor ``C`` (least area) that keeps ``i_b`` at least
   ``leak_margin`` (10) times the leakage into the membrane (mirror output and reset switch
   at V_GS = 0, from the tables' V_GS = 0 rows) at every temperature of the range; then
   ``i_b`` so that ``C / g_m(i_b) = tau_m`` at the nominal temperature;
3. the comparator pair for the V_th mismatch budget, the reset switch (long enough to leak
   little, fast enough to reset within a fraction of t_ref), the refractory ``c_ref`` and
   ``i_ref`` for ``t_ref``, ``i_ref`` again above the leakage of the node it charges.

Both topologies (``SizingTargets.topology``) share the OTA, membrane, comparator and reset
switch; their refractory swing (:func:`~lifspice.circuits.sky130.neuron.ref_swing`) and count of
small logic devices differ.

Mismatch uses the PDK's Pelgrom coefficients (:class:`Mismatch`, read from the model files by
:func:`lifspice.flows.gmid.pelgrom_coefficients`). Units: SI (s, V, A, F, m, m^2, W).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy.optimize import brentq

from lifspice.analysis.gmid import GmidTables
from lifspice.circuits.params import ParameterError
from lifspice.circuits.sky130.neuron import (
    LEAN_HYS_MIN,
    MIM_CA,
    MIM_DW,
    NUT_CMP,
    Q_OVER_K,
    TOPOLOGIES,
    Sky130Neuron,
    _mim_side,
    ref_swing,
)

L_OTA = 4e-6          # m, pair and mirror length: gds/gm ~ 1 % (tables), little offset
W_OTA = 2e-6          # m
L_RESET = 1e-6        # m, reset switch: 0.15 um leaks ~10x more at V_GS = 0
W_RESET = 0.42e-6     # m
L_TAIL_CHOICES = (4e-6, 8e-6, 16e-6)
W_CHOICES = (1e-6, 2e-6, 4e-6, 8e-6)
C_MIM_MAX = MIM_CA * (200e-6 + MIM_DW) ** 2  # F, largest square MIM the generator draws
# small logic devices (0.42 x ~1 um) outside the OTA and comparator, per topology
N_LOGIC = {"reference": 12, "lean": 7}
L_R3, W_R3 = 0.15e-6, 0.84e-6   # m, the generator's ext discharge device (fixed there)


class InfeasibleTarget(ParameterError):
    """A sizing target cannot be met; ``nearest`` holds the closest feasible design (or None)."""

    def __init__(self, message: str, nearest: SizedDesign | None = None):
        super().__init__(message)
        self.nearest = nearest


@dataclass(frozen=True, kw_only=True)
class Mismatch:
    """Pelgrom coefficients: per-device sigma(V_th) = ``a_vt_*`` / sqrt(W L) (V m), and
    sigma(C)/C = ``a_mim`` / sqrt(area) (m) for the MIM capacitor."""

    a_vt_nfet: float
    a_vt_pfet: float
    a_mim: float


@dataclass(frozen=True, kw_only=True)
class SizingTargets:
    """What the designer asks for (SI units; temperatures in degC)."""

    tau_m: float                        # s, membrane time constant at temperature_c
    v_rest: float = 0.4                 # V
    v_th: float = 0.8                   # V
    v_reset: float = 0.4                # V
    t_ref: float = 2e-3                 # s
    max_rate: float | None = None       # Hz, highest firing rate wanted
    sigma_tau_rel: float = 0.05         # sigma(tau_m)/tau_m budget
    sigma_vth: float = 0.01             # V, sigma(V_th) budget (comparator offset)
    area_max: float = 20000e-12         # m^2 (capacitors + gate areas)
    power_max: float = 1e-6             # W, static
    corner: str = "tt"
    temperature_c: float = 27.0         # degC, where tau_m is met
    temperature_range: tuple[float, ...] = (27.0,)  # degC, where the design must work
    vdd: float = 1.8                    # V
    c_min: float = 0.25e-12             # F, smallest membrane MIM (parasitics stay small)
    leak_margin: float = 10.0           # i_b >= leak_margin x leakage into the membrane
    i_b_floor: float = 5e-12            # A, absolute floor of i_b (see size_neuron)
    i_cmp: float = 2e-9                 # A, comparator tail
    topology: str = "reference"         # Sky130Neuron.topology: "reference" or "lean"

    def __post_init__(self) -> None:
        for name in ("tau_m", "t_ref", "sigma_tau_rel", "sigma_vth", "area_max", "power_max",
                     "vdd", "c_min", "leak_margin", "i_cmp", "i_b_floor"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"SizingTargets.{name} must be > 0 (SI units), got {v!r}")
        if not 0 < self.v_reset < self.v_th < self.vdd or not 0 < self.v_rest < self.v_th:
            raise ParameterError("SizingTargets: need 0 < v_reset < v_th < vdd and "
                                 f"v_rest < v_th (got {self.v_reset}, {self.v_th}, {self.vdd})")
        if self.max_rate is not None and not self.max_rate > 0:
            raise ParameterError(f"SizingTargets.max_rate must be > 0 Hz, got {self.max_rate!r}")
        if self.topology not in TOPOLOGIES:
            raise ParameterError(f"SizingTargets.topology must be one of {TOPOLOGIES}, "
                                 f"got {self.topology!r}")
        if not self.temperature_range:
            raise ParameterError("SizingTargets.temperature_range is empty")

    @property
    def temperatures(self) -> list[float]:
        """Every temperature a table is needed at (range and nominal), degC."""
        return sorted({float(t) for t in (*self.temperature_range, self.temperature_c)})


@dataclass(frozen=True)
class SizedDesign:
    """The sized neuron and what the tables predict for it."""

    neuron: Sky130Neuron
    targets: SizingTargets
    tau_pred: float                     # s, C_total / G from the tables
    g_leak: float                       # S, predicted OTA conductance at rest
    c_parasitic: float                  # F, gate capacitance on the membrane (tables)
    leakage: dict[float, float]         # degC -> A into the membrane at V_GS = 0
    leakage_ext: dict[float, float]     # degC -> A out of the refractory node
    sigma_tau_rel: float
    sigma_vth: float                    # V
    area: dict[str, float]              # m^2 by part, and "total"
    power: float                        # W, static
    i_in_max: float | None              # A, input for max_rate (saturated leak)
    rheobase: float = math.nan          # A, smallest input that fires (leak current at v_th)
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("neuron", "targets")}
        d["leakage"] = {f"{t:g}": v for t, v in self.leakage.items()}
        d["leakage_ext"] = {f"{t:g}": v for t, v in self.leakage_ext.items()}
        d["notes"] = list(self.notes)
        return d


def nfet_mismatch_factor(w: float, length: float) -> float:
    """Geometry factor the sky130 ``nfet_01v8`` subcircuit puts on its delvto draw (W, L in
    m; read off the model file, checked against ngspice's draws in tests/test_mismatch_draw)."""
    wu, lu = w * 1e6, length * 1e6
    return ((0.008 * 8 / lu + 0.992) * (0.035 * 7 / wu + 0.965)
            * (0.001 * 56 / (wu * lu) + 0.999))


def release_margin(n: Sky130Neuron, mm: Mismatch, n_ut: float = NUT_CMP) -> float:
    """How many sigma of mismatch the comparator has to let go after a reset.

    With the membrane at v_reset the comparator sinks ``i_cmp tanh((v_th - v_reset) /
    (2 n U_T))`` (the tail mirror's copy, through the nMOS load mirror) against i_hys (the
    hysteresis mirror's copy). In weak inversion each mirror's ratio is exp(dV_T / n U_T):
    the margin is ln(sink / i_hys) over the sigma of the sum of the three mirrors' dV_T
    (Pelgrom, two devices each) divided by n U_T. Under ~4 a fraction of neurons fires
    once and stays in reset (README, "Hysteresis against the reset swing").
    """
    def var(a_vt: float, w: float, length: float, factor: float = 1.0) -> float:
        return 2 * (a_vt * factor) ** 2 / (w * length)

    s_ln = math.sqrt(var(mm.a_vt_pfet, n.w_cmp_tail, n.l_cmp_tail)           # CB / CT
                     + var(mm.a_vt_nfet, n.w_cmp_mirror, n.l_cmp_mirror,
                           nfet_mismatch_factor(n.w_cmp_mirror, n.l_cmp_mirror))  # C3 / C4
                     + var(mm.a_vt_pfet, n.w_cmp_tail, n.l_cmp_tail)) / n_ut  # HB / H1
    sink = n.i_cmp * math.tanh((n.v_th - n.v_reset) / (2 * n_ut))
    return math.log(sink / n.i_hys) / s_ln


def _u_t(temperature_c: float) -> float:
    return (temperature_c + 273.15) / Q_OVER_K


def mim_area(c: float) -> float:
    """Drawn area (m^2) of a square MIM capacitor of ``c`` F (2 fF/um^2 plus the edge)."""
    return c / MIM_CA


def _ota_conductance(tables: GmidTables, t: SizingTargets, temp: float, i_b: float,
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

    hi = min(t.vdd - t.v_rest, float(pf.vgs[-1]))
    if excess(0.0) > 0 or excess(hi) < 0:
        raise ValueError(f"a pfet W={w_in:.3g} m L={L_OTA:.3g} m cannot carry {i_d:.3g} A "
                         f"between V_GS 0 and {hi:g} V")
    vgs = brentq(excess, 0.0, hi, xtol=1e-6)
    vds, vsb = bias(vgs)
    gm = pf.at("gm_w", L_OTA, w_in, vgs, vds, vsb) * w_in
    gds_p = pf.at("gds_w", L_OTA, w_in, vgs, vds, vsb) * w_in
    vgs_n = nf.vgs_at_id(i_d, L_OTA, W_OTA, vds=t.v_rest)
    gds_n = nf.at("gds_w", L_OTA, W_OTA, vgs_n, t.v_rest) * W_OTA
    return gm + gds_p + gds_n, gm


def _i_sat(tables: GmidTables, t: SizingTargets, temp: float, i_b: float) -> float:
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


def _leak_mem(tables: GmidTables, t: SizingTargets, temp: float) -> float:
    """Leakage into the membrane at ``temp`` (A): mirror output and reset switch at V_GS = 0
    with the membrane at threshold (worst case)."""
    nf = tables.get("nfet", temp)
    mirror = nf.leakage(L_OTA, W_OTA, vds=t.v_th)
    vsb = min(t.v_reset, float(nf.vsb[-1]))
    reset = nf.leakage(L_RESET, W_RESET, vds=max(t.v_th - t.v_reset, float(nf.vds[0])), vsb=vsb)
    return mirror + reset


def _leak_ext(tables: GmidTables, t: SizingTargets, temp: float) -> float:
    """Leakage of the refractory node ``ext`` at ``temp`` (A): its discharge nMOS off."""
    return tables.get("nfet", temp).leakage(L_R3, W_R3, vds=t.vdd)


def _pick_area(sigma_of_area, budget: float) -> tuple[float, float]:
    """Smallest (W, L) among the choices with sigma_of_area(W L) <= budget."""
    best = None
    for length in L_TAIL_CHOICES:
        for w in W_CHOICES:
            # ties go to the longer device (lower g_ds)
            if sigma_of_area(w * length) <= budget and (best is None or
                                                       w * length <= best[0] * best[1]):
                best = (w, length)
    if best is None:
        raise ValueError
    return best


def size_neuron(t: SizingTargets, tables: GmidTables, mm: Mismatch, *,
                i_b: float | None = None, c_mem: float | None = None) -> SizedDesign:
    """Size the sky130 neuron for ``t`` (see the module docstring).

    ``i_b`` (A) and ``c_mem`` (F) override the tail current and the membrane capacitor (the
    closed loop in :mod:`lifspice.flows.sizing` corrects them); the rest is sized as usual.

    Raises
    ------
    InfeasibleTarget
        The budget, leakage or rate targets cannot all be met; the message says which and
        describes the nearest feasible design (also in ``.nearest``).
    """
    missing = [x for x in t.temperatures if x not in tables.temperatures]
    if missing:
        raise ParameterError(f"no gm/Id tables at {missing} degC (have {tables.temperatures})")
    nom = t.temperature_c
    # n U_T (V) from the weak-inversion peak of gm/Id (at V_GS = 0 junction leakage dominates)
    pf_nom = tables.get("pfet", nom)
    n_ut = 1.0 / float(np.max(pf_nom.gm_id(L_OTA, W_OTA, pf_nom.vgs[pf_nom.vgs <= 0.5], 0.5)))
    # tail mirror from the tau mismatch budget (C mismatch is ~0.02 % and ignored here)
    gm_id_tail = 1.0 / n_ut
    try:
        w_tail, l_tail = _pick_area(
            lambda a: gm_id_tail * math.sqrt(2) * mm.a_vt_pfet / math.sqrt(a), t.sigma_tau_rel)
    except ValueError:
        a = (gm_id_tail * math.sqrt(2) * mm.a_vt_pfet / t.sigma_tau_rel) ** 2
        raise InfeasibleTarget(
            f"sigma(tau_m)/tau_m <= {t.sigma_tau_rel:.3g} needs a tail mirror of "
            f"{a * 1e12:.0f} um^2 per device; the largest offered is "
            f"{max(W_CHOICES) * max(L_TAIL_CHOICES) * 1e12:.0f} um^2; relax the budget") from None
    # comparator pair for the V_th budget: pair and mirror, both weakly inverted
    def sig_vth(a: float) -> float:
        return math.sqrt(2 * (mm.a_vt_pfet**2 + mm.a_vt_nfet**2) / a)
    try:
        w_cmp, l_cmp = _pick_area(sig_vth, t.sigma_vth)
    except ValueError:
        raise InfeasibleTarget(
            f"sigma(V_th) <= {t.sigma_vth * 1e3:.3g} mV needs comparator devices larger than "
            f"{max(W_CHOICES) * max(L_TAIL_CHOICES) * 1e12:.0f} um^2; relax the budget "
            f"(best offered: {sig_vth(max(W_CHOICES) * max(L_TAIL_CHOICES)) * 1e3:.2f} mV)"
        ) from None
    # refractory: c_ref at least 100 fF, i_ref above the ext node's leakage everywhere
    leak_ext = {x: _leak_ext(tables, t, x) for x in t.temperatures}
    i_ref_min = max(20e-12, t.leak_margin * max(leak_ext.values()))
    swing = ref_swing(t.topology, t.vdd)
    c_ref = max(100e-15, i_ref_min * t.t_ref / swing)
    c_ref_drawn = MIM_CA * (_mim_side(c_ref) + MIM_DW) ** 2
    i_ref = c_ref_drawn * swing / t.t_ref
    # hysteresis: a quarter of the comparator tail (the lean topology needs half, and gets
    # larger mirrors instead: release_margin), its width (Sky130Neuron.hysteresis_width)
    # under a quarter of the reset swing, so the comparator lets go after the reset with
    # room for its offset mismatch
    lean = t.topology == "lean"
    ratio = min(0.5 if lean else 0.25,
                math.tanh((t.v_th - t.v_reset) / 4 / (2 * NUT_CMP)))
    if lean and ratio < LEAN_HYS_MIN:
        width = 2 * NUT_CMP * math.atanh(LEAN_HYS_MIN)  # Sky130Neuron.hysteresis_width
        raise InfeasibleTarget(
            f"the lean topology needs i_hys >= {LEAN_HYS_MIN:g} i_cmp, a hysteresis of "
            f"{width * 1e3:.0f} mV, which must stay under a quarter of v_th - v_reset: "
            f"that needs a swing of {4 * width * 1e3:.0f} mV or more (got "
            f"{(t.v_th - t.v_reset) * 1e3:.0f} mV); use the reference topology")
    i_hys = ratio * t.i_cmp
    # the lean topology's mirrors: 2 x 4 um at least (sky130_lean.toml)
    w_m, l_m = (2e-6, 4e-6) if lean and w_cmp * l_cmp < 8e-12 else (w_cmp, l_cmp)
    lean_tail = {"w_cmp_tail": 2e-6, "l_cmp_tail": 4e-6} if lean else {}
    # membrane leakage over the temperature range -> smallest i_b -> smallest C
    leak = {x: _leak_mem(tables, t, x) for x in t.temperatures}
    worst_t = max(leak, key=leak.get)
    i_b_min = max(t.leak_margin * leak[worst_t], t.i_b_floor)
    # parasitic: the comparator input gate (C1) hangs on the membrane
    pf = tables.get("pfet", nom)
    c_par = pf.at("cgg_w", l_cmp, w_cmp, 0.3, 0.5, 0.5) * w_cmp

    def build(c_mem: float, ib: float) -> SizedDesign:
        g, _ = _ota_conductance(tables, t, nom, ib, W_OTA)
        n = Sky130Neuron(
            corner=t.corner, temperature_c=nom, vdd=t.vdd, v_rest=t.v_rest, v_th=t.v_th,
            v_reset=t.v_reset, c_mem=c_mem, i_b=ib, w_ota_in=W_OTA, l_ota_in=L_OTA,
            w_ota_mirror=W_OTA, l_ota_mirror=L_OTA, w_ota_tail=w_tail, l_ota_tail=l_tail,
            i_cmp=t.i_cmp, i_hys=i_hys, w_cmp_in=w_cmp, l_cmp_in=l_cmp,
            w_cmp_mirror=w_m, l_cmp_mirror=l_m, w_reset=W_RESET, l_reset=L_RESET,
            i_ref=i_ref, c_ref=c_ref, topology=t.topology, **lean_tail)
        c_tot = n.c_mem_nominal + c_par
        fets = {"ota": 4 * W_OTA * L_OTA + 2 * w_tail * l_tail,
                "comparator": 2 * w_cmp * l_cmp + 2 * w_m * l_m + 3 * n.w_cmp_tail * n.l_cmp_tail,
                "logic_reset": W_RESET * L_RESET + N_LOGIC[t.topology] * 0.42e-6 * 1e-6}
        area = {"c_mem": mim_area(n.c_mem_nominal), "c_ref": mim_area(c_ref_drawn), **fets}
        area["total"] = sum(area.values())
        power = t.vdd * (2 * ib + 2 * n.i_cmp + n.i_hys + n.i_lim + n.i_ref)
        sig_c = mm.a_mim / math.sqrt(mim_area(n.c_mem_nominal))
        sig_i = gm_id_tail * math.sqrt(2) * mm.a_vt_pfet / math.sqrt(w_tail * l_tail)
        i_max = None
        i_sat = _i_sat(tables, t, nom, ib)
        if t.max_rate is not None:
            isi = 1.0 / t.max_rate - t.t_ref
            if not isi > 0:
                raise InfeasibleTarget(
                    f"max rate {t.max_rate:g} Hz needs ISIs of {1e3 / t.max_rate:.3g} ms, "
                    f"shorter than t_ref {t.t_ref * 1e3:.3g} ms: the highest rate with this "
                    f"t_ref is below {1 / t.t_ref:.3g} Hz")
            # the leak is saturated near threshold: it sinks i_sat, the rest charges C
            i_max = i_sat + c_tot * (t.v_th - t.v_reset) / isi
        return SizedDesign(
            neuron=n, targets=t, tau_pred=c_tot / g, g_leak=g, c_parasitic=c_par,
            leakage=leak, leakage_ext=leak_ext, sigma_tau_rel=math.hypot(sig_c, sig_i),
            sigma_vth=sig_vth(w_cmp * l_cmp), area=area, power=power, i_in_max=i_max,
            rheobase=i_sat * math.tanh((t.v_th - t.v_rest) / (2 * n_ut)),
            )

    def ib_for(c_mem: float) -> float:
        """i_b giving tau_m with this C: G(i_b) = C_total / tau_m, by secant in log."""
        c_tot = MIM_CA * (_mim_side(c_mem) + MIM_DW) ** 2 + c_par
        g_want = c_tot / t.tau_m
        ib = 2 * n_ut * g_want
        for _ in range(8):
            g, _gm = _ota_conductance(tables, t, nom, ib, W_OTA)
            ib *= g_want / g
            if abs(g / g_want - 1) < 1e-4:
                break
        return ib

    def c_for(ib: float) -> float:
        g, _ = _ota_conductance(tables, t, nom, ib, W_OTA)
        return max(g * t.tau_m - c_par, 1e-16)

    c_given = c_mem is not None
    if c_mem is None:
        c_mem = max(t.c_min, c_for(i_b_min))
    # everything but the membrane capacitor: its area does not depend on C
    other = build(t.c_min, i_b_min).area
    other_area = other["total"] - other["c_mem"]
    c_cap = min(C_MIM_MAX, MIM_CA * max(t.area_max - other_area, 0.0))
    if c_mem > c_cap:
        nearest, tau_best = None, float("nan")
        if c_cap >= t.c_min:
            nearest = build(c_cap, i_b_min)
            tau_best = nearest.tau_pred
        why = ("the largest MIM capacitor (200 um side)" if c_cap == C_MIM_MAX
               else f"the area budget {t.area_max * 1e12:.0f} um^2")
        raise InfeasibleTarget(
            f"tau_m {t.tau_m * 1e3:.4g} ms needs C = {c_mem * 1e12:.3g} pF, more than "
            f"{c_cap * 1e12:.3g} pF allowed by {why}: i_b cannot go below "
            f"{i_b_min * 1e12:.3g} pA ({t.leak_margin:g} x the {leak[worst_t] * 1e12:.3g} pA "
            f"leakage into the membrane at {worst_t:g} degC, floor {t.i_b_floor * 1e12:.3g} "
            f"pA). Nearest feasible: C = {c_cap * 1e12:.3g} pF, i_b = {i_b_min * 1e12:.3g} pA, "
            f"tau_m = {tau_best * 1e3:.4g} ms (or raise area_max, narrow the temperature "
            "range)", nearest)
    try:
        design = build(c_mem, i_b if i_b is not None else max(ib_for(c_mem), i_b_min))
    except ValueError as exc:
        if isinstance(exc, ParameterError):
            raise
        raise InfeasibleTarget(f"tau_m {t.tau_m:g} s: the OTA cannot be biased for it "
                               f"({exc})") from None
    if design.power > t.power_max:
        # the rest of the neuron's bias currents are fixed: what is left of the budget for i_b
        ib_max = 0.5 * (t.power_max / t.vdd - (design.power / t.vdd - 2 * design.neuron.i_b))
        nearest, tail = None, "no i_b fits: lower i_cmp or raise the budget"
        if ib_max >= i_b_min:
            nearest = build(c_mem, ib_max)
            tail = (f"nearest feasible: i_b = {ib_max * 1e9:.3g} nA, tau_m = "
                    f"{nearest.tau_pred * 1e6:.4g} us")
        raise InfeasibleTarget(
            f"static power {design.power * 1e9:.3g} nW exceeds the budget "
            f"{t.power_max * 1e9:.3g} nW (i_b = {design.neuron.i_b * 1e9:.3g} nA for "
            f"C = {c_mem * 1e12:.3g} pF, the smallest allowed); {tail}", nearest)
    if c_given:
        return design
    if c_mem <= t.c_min:
        return replace(design, notes=(f"C at its floor c_min = {t.c_min:.3g} F; i_b is "
                                      f"{design.neuron.i_b / i_b_min:.3g} x its leakage floor",))
    return replace(design, notes=(f"i_b at its floor {i_b_min:.3g} A: the larger of "
                                  f"{t.leak_margin:g} x the leakage ({leak[worst_t]:.3g} A at "
                                  f"{worst_t:g} degC) and i_b_floor",))


def tau_scaled_ib(design: SizedDesign, tau_sim: float) -> float:
    """Next i_b (A) for a closed loop: g ~ i_b in weak inversion, so scale by
    tau_sim / tau_target."""
    return design.neuron.i_b * tau_sim / design.targets.tau_m


def with_ib(design: SizedDesign, i_b: float) -> SizedDesign:
    """The same design with another tail current (predictions not recomputed)."""
    return replace(design, neuron=replace(design.neuron, i_b=i_b))


__all__ = ["InfeasibleTarget", "Mismatch", "SizedDesign", "SizingTargets", "mim_area",
           "size_neuron", "tau_scaled_ib", "with_ib"]
