"""The sizer, step by step (see :mod:`lifspice.analysis.sizing`):
:func:`~lifspice.analysis.sizing.sizer.size_neuron` first chooses everything that does not depend
on the membrane capacitor and i_b (:class:`~lifspice.analysis.sizing.sizer._Plan`: tail mirror,
comparator, refractory timer, hysteresis, leakage floor of i_b), then C and i_b
for tau_m within the area and power budgets. Units: SI (s, V, A, F, m, m^2, W)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from lifspice.analysis.gmid import GmidTables
from lifspice.analysis.sizing.comparator import hysteresis_current
from lifspice.analysis.sizing.leak import (
    L_OTA,
    L_RESET,
    W_OTA,
    W_RESET,
    ext_leakage,
    membrane_leakage,
    ota_conductance,
    saturation_current,
)
from lifspice.analysis.sizing.mismatch import Mismatch
from lifspice.analysis.sizing.targets import InfeasibleTarget, SizedDesign, SizingTargets
from lifspice.circuits.cmos.neuron import CmosNeuron, Sky130Neuron, ref_swing
from lifspice.circuits.params import ParameterError
from lifspice.pdk.process import Process

L_TAIL_CHOICES = (4e-6, 8e-6, 16e-6)
W_CHOICES = (1e-6, 2e-6, 4e-6, 8e-6)


def c_mim_max(process: Process = Sky130Neuron.PROCESS) -> float:
    """Largest square MIM capacitor (F) the generator draws on ``process`` (200 um side)."""
    side = process.mim_side[1]
    return process.mim_capacitance(side, side)


C_MIM_MAX = c_mim_max()  # F, sky130's
# small logic devices (w_inv_n x ~1 um) outside the OTA and comparator, per topology
N_LOGIC = {"reference": 12, "lean": 7}


def mim_area(c: float, process: Process = Sky130Neuron.PROCESS) -> float:
    """Drawn area (m^2) of a square MIM capacitor of ``c`` F on ``process`` (its density; the
    edge's share neglected)."""
    return c / process.mim_ca


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


@dataclass(frozen=True)
class _Plan:
    """What :func:`size_neuron` chooses before the membrane capacitor and i_b."""

    t: SizingTargets
    tables: GmidTables
    mm: Mismatch
    i_cmp: float                      # A, comparator tail
    n_ut: float                       # V, n U_T of the OTA pair at the nominal temperature
    tail: tuple[float, float]         # m, (W, L) of the OTA tail mirror
    cmp: tuple[float, float]          # m, (W, L) of the comparator pair
    cmp_mirror: tuple[float, float]   # m, (W, L) of the comparator's load mirror
    i_hys: float                      # A
    c_ref: float                      # F, asked of the generator
    c_ref_drawn: float                # F, what its square MIM gives
    i_ref: float                      # A
    leak: dict[float, float]          # degC -> A into the membrane
    leak_ext: dict[float, float]      # degC -> A out of ext
    i_b_min: float                    # A, leakage floor of i_b
    c_par: float                      # F, comparator gate on the membrane
    lean_tail: dict[str, float] = field(default_factory=dict)  # comparator tail (lean)

    @property
    def worst_t(self) -> float:
        """Temperature (degC) of the largest membrane leakage."""
        return max(self.leak, key=self.leak.get)

    @property
    def gm_id_tail(self) -> float:
        """g_m / I_D of the weakly inverted tail mirror, 1/V."""
        return 1.0 / self.n_ut


def _n_ut(tables: GmidTables, temp: float) -> float:
    """n U_T (V) from the weak-inversion peak of gm/Id (at V_GS = 0 junction leakage
    dominates)."""
    pf = tables.get("pfet", temp)
    return 1.0 / float(np.max(pf.gm_id(L_OTA, W_OTA, pf.vgs[pf.vgs <= 0.5], 0.5)))


def _size_tail(t: SizingTargets, mm: Mismatch, gm_id_tail: float) -> tuple[float, float]:
    """OTA tail mirror (W, L) from the tau mismatch budget (C mismatch is ~0.02 % and ignored
    here)."""
    try:
        return _pick_area(
            lambda a: gm_id_tail * math.sqrt(2) * mm.a_vt_pfet / math.sqrt(a), t.sigma_tau_rel)
    except ValueError:
        a = (gm_id_tail * math.sqrt(2) * mm.a_vt_pfet / t.sigma_tau_rel) ** 2
        raise InfeasibleTarget(
            f"sigma(tau_m)/tau_m <= {t.sigma_tau_rel:.3g} needs a tail mirror of "
            f"{a * 1e12:.0f} um^2 per device; the largest offered is "
            f"{max(W_CHOICES) * max(L_TAIL_CHOICES) * 1e12:.0f} um^2; relax the budget") from None


def _sigma_vth(mm: Mismatch, area: float) -> float:
    """sigma(V_th) of the comparator (V), pair and mirror of ``area`` (m^2) each, both weakly
    inverted."""
    return math.sqrt(2 * (mm.a_vt_pfet**2 + mm.a_vt_nfet**2) / area)


def _size_comparator(t: SizingTargets, mm: Mismatch) -> tuple[float, float]:
    """Comparator pair (W, L) for the V_th budget."""
    try:
        return _pick_area(lambda a: _sigma_vth(mm, a), t.sigma_vth)
    except ValueError:
        raise InfeasibleTarget(
            f"sigma(V_th) <= {t.sigma_vth * 1e3:.3g} mV needs comparator devices larger than "
            f"{max(W_CHOICES) * max(L_TAIL_CHOICES) * 1e12:.0f} um^2; relax the budget "
            f"(best offered: {_sigma_vth(mm, max(W_CHOICES) * max(L_TAIL_CHOICES)) * 1e3:.2f}"
            " mV)") from None


def _size_refractory(t: SizingTargets, tables: GmidTables):
    """Refractory timer: c_ref at least 100 fF, i_ref above the ext node's leakage
    everywhere. Returns (leakage of ext by degC, c_ref, its drawn value, i_ref)."""
    cls = t.neuron_class
    leak_ext = {x: ext_leakage(tables, t, x) for x in t.temperatures}
    i_ref_min = max(20e-12, t.leak_margin * max(leak_ext.values()))
    swing = ref_swing(t.topology, t.vdd, cls)
    c_ref = max(100e-15, i_ref_min * t.t_ref / swing)
    c_ref_drawn = cls.PROCESS.drawn_square_mim(c_ref)
    i_ref = c_ref_drawn * swing / t.t_ref
    return leak_ext, c_ref, c_ref_drawn, i_ref


def _plan(t: SizingTargets, tables: GmidTables, mm: Mismatch) -> _Plan:
    """Everything but C and i_b, in the order the budgets are checked."""
    missing = [x for x in t.temperatures if x not in tables.temperatures]
    if missing:
        raise ParameterError(f"no gm/Id tables at {missing} degC (have {tables.temperatures})")
    n_ut = _n_ut(tables, t.temperature_c)
    tail = _size_tail(t, mm, 1.0 / n_ut)
    w_cmp, l_cmp = _size_comparator(t, mm)
    leak_ext, c_ref, c_ref_drawn, i_ref = _size_refractory(t, tables)
    # the lean topology's comparator: its PDK's current and mirrors at least (LEAN_CMP)
    lean = t.topology == "lean"
    spec = t.neuron_class.LEAN_CMP
    i_cmp_min, (w_lm, l_lm) = spec.i_cmp_min, spec.mirror
    i_cmp = max(t.i_cmp, i_cmp_min) if lean else t.i_cmp
    i_hys = hysteresis_current(t, i_cmp)
    cmp_mirror = (w_lm, l_lm) if lean and w_cmp * l_cmp < w_lm * l_lm else (w_cmp, l_cmp)
    lean_tail = {"w_cmp_tail": w_lm, "l_cmp_tail": l_lm} if lean else {}
    # membrane leakage over the temperature range -> smallest i_b -> smallest C
    leak = {x: membrane_leakage(tables, t, x) for x in t.temperatures}
    worst_t = max(leak, key=leak.get)
    i_b_min = max(t.leak_margin * leak[worst_t], t.i_b_floor)
    # parasitic: the comparator input gate (C1) hangs on the membrane
    pf = tables.get("pfet", t.temperature_c)
    c_par = pf.at("cgg_w", l_cmp, w_cmp, 0.3, 0.5, 0.5) * w_cmp
    return _Plan(t=t, tables=tables, mm=mm, i_cmp=i_cmp, n_ut=n_ut, tail=tail, cmp=(w_cmp, l_cmp),
                 cmp_mirror=cmp_mirror, i_hys=i_hys, c_ref=c_ref, c_ref_drawn=c_ref_drawn,
                 i_ref=i_ref, leak=leak, leak_ext=leak_ext, i_b_min=i_b_min, c_par=c_par,
                 lean_tail=lean_tail)


def _neuron(p: _Plan, c_mem: float, ib: float) -> CmosNeuron:
    t = p.t
    (w_tail, l_tail), (w_cmp, l_cmp), (w_m, l_m) = p.tail, p.cmp, p.cmp_mirror
    return t.neuron_class(
        corner=t.corner, temperature_c=t.temperature_c, vdd=t.vdd, v_rest=t.v_rest,
        v_th=t.v_th, v_reset=t.v_reset, c_mem=c_mem, i_b=ib, w_ota_in=W_OTA, l_ota_in=L_OTA,
        w_ota_mirror=W_OTA, l_ota_mirror=L_OTA, w_ota_tail=w_tail, l_ota_tail=l_tail,
        i_cmp=p.i_cmp, i_hys=p.i_hys, w_cmp_in=w_cmp, l_cmp_in=l_cmp,
        w_cmp_mirror=w_m, l_cmp_mirror=l_m, w_reset=W_RESET, l_reset=L_RESET,
        i_ref=p.i_ref, c_ref=p.c_ref, topology=t.topology, **p.lean_tail)


def _area(p: _Plan, n: CmosNeuron) -> dict[str, float]:
    """Area (m^2) by part, and "total"."""
    (w_tail, l_tail), (w_cmp, l_cmp), (w_m, l_m) = p.tail, p.cmp, p.cmp_mirror
    fets = {"ota": 4 * W_OTA * L_OTA + 2 * w_tail * l_tail,
            "comparator": 2 * w_cmp * l_cmp + 2 * w_m * l_m + 3 * n.w_cmp_tail * n.l_cmp_tail,
            "logic_reset": W_RESET * L_RESET + N_LOGIC[p.t.topology] * n.w_inv_n * 1e-6}
    area = {"c_mem": mim_area(n.c_mem_nominal, n.PROCESS),
            "c_ref": mim_area(p.c_ref_drawn, n.PROCESS), **fets}
    area["total"] = sum(area.values())
    return area


def _i_in_max(t: SizingTargets, c_tot: float, i_sat: float) -> float | None:
    """Input (A) for ``t.max_rate`` with the leak saturated (None without a max_rate)."""
    if t.max_rate is None:
        return None
    isi = 1.0 / t.max_rate - t.t_ref
    if not isi > 0:
        raise InfeasibleTarget(
            f"max rate {t.max_rate:g} Hz needs ISIs of {1e3 / t.max_rate:.3g} ms, "
            f"shorter than t_ref {t.t_ref * 1e3:.3g} ms: the highest rate with this "
            f"t_ref is below {1 / t.t_ref:.3g} Hz")
    # the leak is saturated near threshold: it sinks i_sat, the rest charges C
    return i_sat + c_tot * (t.v_th - t.v_reset) / isi


def _build(p: _Plan, c_mem: float, ib: float) -> SizedDesign:
    """The design with membrane capacitor ``c_mem`` (F) and tail current ``ib`` (A), and
    what the tables predict for it."""
    t, mm, nom = p.t, p.mm, p.t.temperature_c
    g, _ = ota_conductance(p.tables, t, nom, ib, W_OTA)
    n = _neuron(p, c_mem, ib)
    c_tot = n.c_mem_nominal + p.c_par
    power = t.vdd * (2 * ib + 2 * n.i_cmp + n.i_hys + n.i_lim + n.i_ref)
    sig_c = mm.a_mim / math.sqrt(mim_area(n.c_mem_nominal, n.PROCESS))
    sig_i = p.gm_id_tail * math.sqrt(2) * mm.a_vt_pfet / math.sqrt(p.tail[0] * p.tail[1])
    i_sat = saturation_current(p.tables, t, nom, ib)
    i_max = _i_in_max(t, c_tot, i_sat)
    return SizedDesign(
        neuron=n, targets=t, tau_pred=c_tot / g, g_leak=g, c_parasitic=p.c_par,
        leakage=p.leak, leakage_ext=p.leak_ext, sigma_tau_rel=math.hypot(sig_c, sig_i),
        sigma_vth=_sigma_vth(mm, p.cmp[0] * p.cmp[1]), area=_area(p, n), power=power,
        i_in_max=i_max, rheobase=i_sat * math.tanh((t.v_th - t.v_rest) / (2 * p.n_ut)),
        )


def _ib_for(p: _Plan, c_mem: float) -> float:
    """i_b giving tau_m with this C: G(i_b) = C_total / tau_m, by secant in log."""
    t = p.t
    c_tot = t.neuron_class.PROCESS.drawn_square_mim(c_mem) + p.c_par
    g_want = c_tot / t.tau_m
    ib = 2 * p.n_ut * g_want
    for _ in range(8):
        g, _gm = ota_conductance(p.tables, t, t.temperature_c, ib, W_OTA)
        ib *= g_want / g
        if abs(g / g_want - 1) < 1e-4:
            break
    return ib


def _c_for(p: _Plan, ib: float) -> float:
    """Membrane capacitor (F) giving tau_m at ``ib`` (A)."""
    g, _ = ota_conductance(p.tables, p.t, p.t.temperature_c, ib, W_OTA)
    return max(g * p.t.tau_m - p.c_par, 1e-16)


def _membrane_capacitor(p: _Plan, c_mem: float | None) -> float:
    """``c_mem`` (F) if given, else the smallest C reaching tau_m at the i_b floor; raises
    when it does not fit the area budget or the largest MIM capacitor."""
    t = p.t
    if c_mem is None:
        c_mem = max(t.c_min, _c_for(p, p.i_b_min))
    # everything but the membrane capacitor: its area does not depend on C
    other = _build(p, t.c_min, p.i_b_min).area
    other_area = other["total"] - other["c_mem"]
    process = t.neuron_class.PROCESS
    c_max = c_mim_max(process)
    c_cap = min(c_max, process.mim_ca * max(t.area_max - other_area, 0.0))
    if c_mem > c_cap:
        nearest, tau_best = None, float("nan")
        if c_cap >= t.c_min:
            nearest = _build(p, c_cap, p.i_b_min)
            tau_best = nearest.tau_pred
        why = (f"the largest MIM capacitor ({process.mim_side[1] * 1e6:g} um side)"
               if c_cap == c_max
               else f"the area budget {t.area_max * 1e12:.0f} um^2")
        worst_t, i_b_min = p.worst_t, p.i_b_min
        raise InfeasibleTarget(
            f"tau_m {t.tau_m * 1e3:.4g} ms needs C = {c_mem * 1e12:.3g} pF, more than "
            f"{c_cap * 1e12:.3g} pF allowed by {why}: i_b cannot go below "
            f"{i_b_min * 1e12:.3g} pA ({t.leak_margin:g} x the {p.leak[worst_t] * 1e12:.3g} pA "
            f"leakage into the membrane at {worst_t:g} degC, floor {t.i_b_floor * 1e12:.3g} "
            f"pA). Nearest feasible: C = {c_cap * 1e12:.3g} pF, i_b = {i_b_min * 1e12:.3g} pA, "
            f"tau_m = {tau_best * 1e3:.4g} ms (or raise area_max, narrow the temperature "
            "range)", nearest)
    return c_mem


def _check_power(p: _Plan, design: SizedDesign, c_mem: float) -> None:
    """Raise when the static power exceeds the budget, with the largest i_b that fits."""
    t = p.t
    if design.power <= t.power_max:
        return
    # the rest of the neuron's bias currents are fixed: what is left of the budget for i_b
    ib_max = 0.5 * (t.power_max / t.vdd - (design.power / t.vdd - 2 * design.neuron.i_b))
    nearest, tail = None, "no i_b fits: lower i_cmp or raise the budget"
    if ib_max >= p.i_b_min:
        nearest = _build(p, c_mem, ib_max)
        tail = (f"nearest feasible: i_b = {ib_max * 1e9:.3g} nA, tau_m = "
                f"{nearest.tau_pred * 1e6:.4g} us")
    raise InfeasibleTarget(
        f"static power {design.power * 1e9:.3g} nW exceeds the budget "
        f"{t.power_max * 1e9:.3g} nW (i_b = {design.neuron.i_b * 1e9:.3g} nA for "
        f"C = {c_mem * 1e12:.3g} pF, the smallest allowed); {tail}", nearest)


def _floor_note(p: _Plan, design: SizedDesign, c_mem: float) -> str:
    """Which floor set the design: C at c_min, or i_b at its leakage floor."""
    t = p.t
    if c_mem <= t.c_min:
        return (f"C at its floor c_min = {t.c_min:.3g} F; i_b is "
                f"{design.neuron.i_b / p.i_b_min:.3g} x its leakage floor")
    return (f"i_b at its floor {p.i_b_min:.3g} A: the larger of "
            f"{t.leak_margin:g} x the leakage ({p.leak[p.worst_t]:.3g} A at "
            f"{p.worst_t:g} degC) and i_b_floor")


#: The tail current the OTA must also carry, as a multiple of the sized i_b, before a target
#: is accepted: the closed loop corrects i_b by the simulated tau_m (first simulations came
#: out up to 8 % off), and a correction the OTA cannot carry would fail after simulation.
IB_LOOP_MARGIN = 1.25


def size_neuron(t: SizingTargets, tables: GmidTables, mm: Mismatch, *,
                i_b: float | None = None, c_mem: float | None = None) -> SizedDesign:
    """Size the neuron of ``t.pdk`` for ``t`` (see :mod:`lifspice.analysis.sizing`); the
    tables must be that PDK's.

    ``i_b`` (A) and ``c_mem`` (F) override the tail current and the membrane capacitor (the
    closed loop in :mod:`lifspice.flows.sizing` corrects them); the rest is sized as usual.

    Raises
    ------
    InfeasibleTarget
        The budget, leakage or rate targets cannot all be met; the message says which and
        describes the nearest feasible design (also in ``.nearest``).
    """
    if tables.pdk != t.pdk:
        raise ParameterError(f"gm/Id tables of {tables.pdk} cannot size a {t.pdk} neuron; "
                             f"sweep {t.pdk}'s (lifspice.flows.gmid.gmid_tables(pdk=...))")
    p = _plan(t, tables, mm)
    c_given = c_mem is not None
    try:  # the OTA at the i_b floor (gf180 exploration: a ValueError escaped here)
        c_mem = _membrane_capacitor(p, c_mem)
    except ValueError as exc:
        if isinstance(exc, ParameterError):
            raise
        raise InfeasibleTarget(
            f"v_rest {t.v_rest:g} V (--vrest): the OTA cannot carry even its i_b floor "
            f"{p.i_b_min:.3g} A (i_b_floor, leak_margin x the leakage) with its pMOS pair "
            f"and tail under vdd - v_rest ({exc}); lower v_rest or i_b_floor") from None
    try:
        ib = i_b if i_b is not None else max(_ib_for(p, c_mem), p.i_b_min)
        design = _build(p, c_mem, ib)
        if i_b is None:  # room for the closed loop to raise i_b
            ota_conductance(p.tables, t, t.temperature_c, IB_LOOP_MARGIN * ib, W_OTA)
    except ValueError as exc:
        if isinstance(exc, ParameterError):
            raise
        raise InfeasibleTarget(
            f"tau_m {t.tau_m:g} s (--tau) with v_rest {t.v_rest:g} V (--vrest) and C = "
            f"{c_mem * 1e12:.3g} pF: the OTA cannot be biased for it ({exc}): its pMOS "
            f"pair's V_GS and its tail must fit under vdd - v_rest; raise tau_m, lower "
            f"v_rest, or lower "
            f"c_min (a smaller C makes the F-I prediction less accurate: docs/sizing.md)"
        ) from None
    _check_power(p, design, c_mem)
    if c_given:
        return design
    return replace(design, notes=(_floor_note(p, design, c_mem),))


def tau_scaled_ib(design: SizedDesign, tau_sim: float) -> float:
    """Next i_b (A) for a closed loop: g ~ i_b in weak inversion, so scale by
    tau_sim / tau_target."""
    return design.neuron.i_b * tau_sim / design.targets.tau_m


def with_ib(design: SizedDesign, i_b: float) -> SizedDesign:
    """The same design with another tail current (predictions not recomputed)."""
    return replace(design, neuron=replace(design.neuron, i_b=i_b))


__all__ = ["C_MIM_MAX", "L_TAIL_CHOICES", "N_LOGIC", "W_CHOICES", "c_mim_max", "mim_area",
           "size_neuron", "tau_scaled_ib", "with_ib"]
