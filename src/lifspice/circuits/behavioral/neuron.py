"""Behavioral (ideal-element) LIF neuron: capacitor, OTA leak, comparator, reset, refractory.

The circuit, in ngspice B-sources and capacitors::

    Iin   0 -> mem     stimulus
    Cmem  mem 0        membrane capacitor
    Bleak mem -> 0     I = i_b tanh(g_leak (V(mem) - v_rest) / i_b)   OTA transconductor leak
    Bcmp  cmp          comparator: 0 below v_th, 1 above v_th + w_cmp; its threshold falls
                       below v_reset once the latch sets (hysteresis = positive feedback)
    Cq/Bq q            latch: an integrator set by the comparator, cleared by "done"
    Bgate gate         reset switch drive, from the latch
    Ctmr/Btmr tmr      refractory timer: ramps 1 V per t_hold while the reset is on
    Bdone done         timer full
    Bsw   mem -> 0     I = g_sw gate (V(mem) - v_reset)   reset switch, c_mem/g_sw = t_edge
    Cath/Bath ath      optional adaptive threshold (``dv_th``, ``tau_a``): V(ath) is added to
                       v_th in the comparator; it decays as exp(-t/tau_a) and gains dv_th by
                       the end of each reset pulse (charged by the gate)

Why this shape: a comparator that drives a reset switch directly is a loop with no DC
operating point and, if smooth, a stable state with the membrane parked at threshold (a
partial reset).  Here the transient starts from initial conditions (``uic``), the
comparator, gate and "done" are C1 smoothsteps that are exactly zero outside their
windows (a logistic's exponential tail sets the latch early), and the positive feedback
through the latch makes every reset complete.  The edges (``t_edge``) are far faster than
every other time scale, so the circuit is the event-driven LIF with a saturating leak; the
residual error is the integrator's step at the threshold crossing (keep ``max_step`` at
ISI/200 or below for 0.5 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from lifspice.circuits.netlist import assemble, spice_number
from lifspice.circuits.params import (
    LifParams,
    ParameterError,
    SaturatingLifParams,
    check_finite,
    check_positive,
)
from lifspice.circuits.stimulus import Step, Stimulus

NODE_MEM = "mem"
NODE_CMP = "cmp"
NODE_LATCH = "q"
NODE_TIMER = "tmr"
NODE_DONE = "done"
NODE_GATE = "gate"
NODE_ADAPT = "ath"
LEAK = "bleak"
C_STATE = 1e-12  # F, capacitance of the latch and timer state nodes; only ratios matter
SAVE_VECTORS = ("v(mem)", "v(cmp)", "v(gate)")
#: Largest comparator window w_cmp, as a share of v_th - v_reset.
W_CMP_SHARE = 0.01
#: Largest reset time beyond t_ref (hold and edges), in tau_m: the F-I range then still
#: reaches 1 / tau_m with the reset under 0.1 % of the ISI.
RESET_MAX_PER_TAU = 1e-3
#: Default linear range of the leak, in membrane swings.
V_LIN_PER_SWING = 100.0
#: Below this fraction of tau_m a t_ref no longer sets the default edge (s / s).
EDGE_T_REF_FLOOR = 1e-2


@dataclass(frozen=True, kw_only=True)
class BehavioralNeuron:
    """A behavioral LIF circuit: the six LIF parameters plus circuit details.

    Parameters
    ----------
    lif : LifParams
        c_mem (F), g_leak (S, the OTA's g_m), v_rest, v_th, v_reset (V), t_ref (s).
    v_lin : float or None
        Linear range of the OTA leak ``i_b / g_leak`` (V).  ``None`` (default) means
        :data:`V_LIN_PER_SWING` times the membrane swing: the textbook LIF to 0.02 % in
        rate from 1.2x rheobase up (ten swings, the old default, left 1.6 % there).
    w_cmp : float
        Width of the comparator's soft step (V); default 1e-4 V.
    t_edge : float or None
        Time constant of the reset switch, the latch and the timer charge (s); default
        ``1e-4 * min(tau_m, max(t_ref, 1e-2 tau_m))``: 1e-4 of the shortest time the
        design asks for, and 1e-6 tau_m when t_ref is 0 (or below 1e-2 tau_m), so that a
        reset with ``t_ref = 0`` costs ~2.3e-5 tau_m, under 0.1 % (0.046 %) of the shortest
        ISI of the default F-I range (tau_m / 20; :func:`lifspice.flows.fi.fi_range`).
        Shorter edges are no better: at 1e-7 tau_m a 1 us neuron's 0.1 ps edges stopped
        ngspice ("timestep too small").
    t_hold_min : float or None
        Shortest reset pulse (s), used when ``t_ref`` is shorter; default ``20 t_edge``
        (the membrane reaches v_reset to e^-20 of the swing).
    dv_th : float or None
        Adaptive threshold: jump of the threshold per spike (V), reached at the end of the
        reset pulse; ``None`` (default) or 0 means no adaptation (and the netlist is the
        plain neuron's, byte for byte).
    tau_a : float or None
        Decay time constant of the threshold's excess over ``v_th`` (s); required with
        ``dv_th``.  Theory: :mod:`lifspice.analysis.theory.adaptation`.
    """

    lif: LifParams
    v_lin: float | None = None
    w_cmp: float = 1e-4
    t_edge: float | None = None
    t_hold_min: float | None = None
    dv_th: float | None = None
    tau_a: float | None = None

    def __post_init__(self) -> None:
        name = "BehavioralNeuron"
        check_finite(name, v_lin=self.v_lin, w_cmp=self.w_cmp, t_edge=self.t_edge,
                     t_hold_min=self.t_hold_min, dv_th=self.dv_th, tau_a=self.tau_a)
        check_positive(name, "V", w_cmp=self.w_cmp)
        for key in ("v_lin", "t_edge", "t_hold_min", "tau_a"):
            value = getattr(self, key)
            if value is not None and not value > 0:
                raise ParameterError(f"{name}.{key} must be > 0 (or omitted), got {value!r}")
        if self.dv_th is not None and self.dv_th < 0:
            raise ParameterError(f"{name}.dv_th must be >= 0 V, got {self.dv_th!r}")
        if self.adapting and self.tau_a is None:
            raise ParameterError(f"{name}: dv_th needs tau_a (s), the threshold's decay time")
        self._check_timing(name)

    def _check_timing(self, name: str) -> None:
        """Refuse comparator and reset settings that make the circuit another neuron."""
        p = self.lif
        dv = p.v_th - p.v_reset
        if self.w_cmp > W_CMP_SHARE * dv:
            raise ParameterError(
                f"{name}.w_cmp ({self.w_cmp!r} V) must be under {W_CMP_SHARE:g} of v_th - "
                f"v_reset ({dv:.4g} V), or the comparator's window moves the threshold; "
                f"give w_cmp <= {W_CMP_SHARE * dv:.3g} (or widen v_th - v_reset)")
        if self.t_hold < 10 * self.edge:
            raise ParameterError(
                f"{name}: the reset pulse (max(t_ref, t_hold_min) = {self.t_hold:.4g} s) must "
                f"last at least 10 t_edge ({10 * self.edge:.4g} s) to bring the membrane to "
                "v_reset; lower t_edge or raise t_hold_min (or omit both: the defaults fit)")
        if self.reset_overhead > RESET_MAX_PER_TAU * p.tau_m:
            raise ParameterError(
                f"{name}: the reset beyond t_ref (t_hold_min and ~3 t_edge: "
                f"{self.reset_overhead:.4g} s) must be under {RESET_MAX_PER_TAU:g} tau_m "
                f"({RESET_MAX_PER_TAU * p.tau_m:.4g} s), or it is an unasked refractory time "
                "that leaves no F-I range worth measuring; lower t_edge / t_hold_min (or omit "
                "them: the defaults scale with tau_m and t_ref)")

    # derived circuit values -------------------------------------------------------------
    @property
    def linear_range(self) -> float:
        """i_b / g_leak, V."""
        return self.v_lin if self.v_lin is not None else V_LIN_PER_SWING * max(self.lif.swing,
                                                                               1e-3)

    @property
    def i_b(self) -> float:
        """Saturation current of the OTA leak, A."""
        return self.lif.g_leak * self.linear_range

    @property
    def edge(self) -> float:
        """Time constant of the reset switch, latch and timer (``t_edge`` or its default), s."""
        if self.t_edge is not None:
            return self.t_edge
        tau = self.lif.tau_m
        # t_ref = 0 asks for an instant reset: the edges scale with tau_m alone, 1e-6 tau_m
        # (an edge of 1e-4 tau_m, the old default, made a 2e-3 tau_m reset: 4 % of the ISI
        # at 20 / tau_m, and 44 % at the 2.7 MHz the measured t_ref then let the range reach)
        return 1e-4 * min(tau, max(self.lif.t_ref, EDGE_T_REF_FLOOR * tau))

    @property
    def t_hold(self) -> float:
        """The reset pulse lasts t_ref, but never less than ``t_hold_min`` (s)."""
        floor = self.t_hold_min if self.t_hold_min is not None else 20.0 * self.edge
        return max(self.lif.t_ref, floor)

    @property
    def reset_overhead(self) -> float:
        """Time (s) each reset adds to the ISI beyond ``t_ref``: the hold beyond ``t_ref``
        and the edges (latch set, switch, latch clear: ~3 t_edge)."""
        return self.t_hold - self.lif.t_ref + 3.0 * self.edge

    @property
    def adapting(self) -> bool:
        """True when the threshold adapts (``dv_th`` > 0)."""
        return bool(self.dv_th)

    def saturating_params(self) -> SaturatingLifParams:
        """The saturating-leak LIF this circuit implements exactly."""
        return SaturatingLifParams(**self.lif.as_dict(), i_b=self.i_b)

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"circuit": "behavioral", **self.lif.as_dict()}
        for f in fields(self):
            if f.name != "lif" and getattr(self, f.name) is not None:
                d[f.name] = getattr(self, f.name)
        return d

    @staticmethod
    def keys() -> list[str]:
        """The keys of a behavioral design file: the LIF's, then the circuit's."""
        return [f.name for f in fields(LifParams)] + [
            f.name for f in fields(BehavioralNeuron) if f.name != "lif"]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BehavioralNeuron:
        """A design from flat keys (SI units); unknown or missing keys are errors."""
        d = dict(d)
        d.pop("circuit", None)
        d.pop("name", None)
        valid = cls.keys()
        unknown = sorted(set(d) - set(valid))
        if unknown:
            raise ParameterError(
                f"unknown design key(s) {unknown} for circuit 'behavioral'; valid keys: {valid}"
            )
        lif_names = [f.name for f in fields(LifParams)]
        missing = [k for k in lif_names if k != "t_ref" and k not in d]
        if missing:
            raise ParameterError(f"design is missing key(s) {missing} (SI units)")
        lif = LifParams(**{k: d.pop(k) for k in lif_names if k in d})
        return cls(lif=lif, **d)


def _smoothstep(arg: str) -> str:
    """SPICE text of the C1 smoothstep: 0 for arg <= 0, 1 for arg >= 1, 3x^2-2x^3 between.

    Unlike a logistic it is exactly zero outside its window: no exponential tail can set
    the latch early or hold the membrane below threshold.
    """
    x = f"min(max({arg},0),1)"
    return f"({x}*{x}*(3-2*{x}))"


def core_lines(n: BehavioralNeuron) -> list[str]:
    """The neuron's elements (membrane, leak, comparator, latch, timer, reset switch), on
    ground ``0``; no stimulus, options or analysis."""
    p, s = n.lif, spice_number
    c_st = C_STATE
    g_sw = p.c_mem / n.edge
    g_st = c_st / n.edge
    hyst = 1.5 * (p.v_th - p.v_reset)
    q_set = _smoothstep(f"(V({NODE_LATCH})-0.05)/0.2")  # a cleared latch leaves exactly 0
    mem, q, tmr, done, gate = (f"V({x})" for x in (NODE_MEM, NODE_LATCH, NODE_TIMER,
                                                   NODE_DONE, NODE_GATE))
    th = s(p.v_th) if not n.adapting else f"{s(p.v_th)}-V({NODE_ADAPT})"
    lines = [
        f"Cmem {NODE_MEM} 0 {s(p.c_mem)}",
        f"B{LEAK[1:]} {NODE_MEM} 0 I={s(n.i_b)}*tanh({s(p.g_leak / n.i_b)}*({mem}-{s(p.v_rest)}))",
        # comparator, 0 below v_th; hysteresis through the latch: once the latch starts to
        # set, the threshold falls below v_reset, so the reset always completes
        f"Bcmp {NODE_CMP} 0 V="
        + _smoothstep(f"({mem}-{th}+{s(hyst)}*{q_set})/{s(n.w_cmp)}"),
        # latch: an integrator, set by the comparator unless the timer is (even 10 %) done,
        # cleared when it is done, holding its state when neither acts
        f"Cq {NODE_LATCH} 0 {s(c_st)}",
        f"Bq 0 {NODE_LATCH} I={s(g_st)}*(V({NODE_CMP})*(1-{q})*{_smoothstep(f'1-10*{done}')}"
        f"-{done}*{q})",
        f"Bgate {NODE_GATE} 0 V={_smoothstep(f'({q}-0.3)/0.4')}",
        # timer: ramps at 1 V per t_hold while the reset is on; empties only once the latch
        # has cleared, so "done" outlasts the latch
        f"Ctmr {NODE_TIMER} 0 {s(c_st)}",
        f"Btmr 0 {NODE_TIMER} I={s(c_st / n.t_hold)}*{gate}"
        f"-{s(g_st / 10)}*{_smoothstep(f'(0.04-{q})/0.02')}*{tmr}",
        f"Bdone {NODE_DONE} 0 V={_smoothstep(f'({tmr}-0.998)/0.002')}",
        f"Bsw {NODE_MEM} 0 I={s(g_sw)}*{gate}*({mem}-{s(p.v_reset)})",
    ]
    if n.adapting:
        lines += _adaptation(n, gate)
    return lines


def _adaptation(n: BehavioralNeuron, gate: str) -> list[str]:
    """Threshold excess V(ath): decays with tau_a; while the reset gate is on (for t_hold)
    it is charged at dv_th k / t_hold, where k = x / (1 - e^-x), x = t_hold / tau_a, makes up
    for the decay during the pulse, so it has gained exactly dv_th when the pulse ends."""
    s = spice_number
    x = n.t_hold / n.tau_a
    k = x / -math.expm1(-x)
    return [
        f"C{NODE_ADAPT} {NODE_ADAPT} 0 {s(C_STATE)}",
        f"B{NODE_ADAPT} 0 {NODE_ADAPT} I={s(C_STATE * n.dv_th * k / n.t_hold)}*{gate}"
        f"-{s(C_STATE / n.tau_a)}*V({NODE_ADAPT})",
    ]


def neuron_netlist(
    n: BehavioralNeuron,
    stim: Stimulus,
    *,
    t_stop: float,
    max_step: float | None = None,
    v_mem0: float | None = None,
    reltol: float = 1e-6,
) -> str:
    """Transient netlist of the neuron driven by ``stim``.

    Parameters
    ----------
    t_stop : float
        End of the transient, s.
    max_step : float, optional
        Largest time step, s (default ``t_stop / 2000``).
    v_mem0 : float, optional
        Membrane voltage at t = 0, V (default ``v_rest``).
    reltol : float
        ngspice relative tolerance.
    """
    check_finite("neuron_netlist", t_stop=t_stop, max_step=max_step, v_mem0=v_mem0)
    check_positive("neuron_netlist", "s", t_stop=t_stop)
    p, s = n.lif, spice_number
    v0 = p.v_rest if v_mem0 is None else v_mem0
    step = max_step if max_step is not None else t_stop / 2000
    body = [
        f"Iin 0 {NODE_MEM} {stim.spice_value()}",
        *core_lines(n),
        f".ic v({NODE_MEM})={s(v0)} v({NODE_LATCH})=0 v({NODE_TIMER})=0"
        + (f" v({NODE_ADAPT})=0" if n.adapting else ""),
        # chgtol: ngspice's default (1e-14 C) is 10 mV on a 1 pF membrane; scale it down so the
        # truncation-error control sees the membrane and the latch at the vntol level
        f".options {sim_options(n, reltol)}",
        f".save {' '.join(SAVE_VECTORS + ((f'v({NODE_ADAPT})',) if n.adapting else ()))}",
        f".tran {s(step)} {s(t_stop)} 0 {s(step)} uic",
    ]
    return assemble("lifspice behavioral LIF neuron", body)


def sim_options(n: BehavioralNeuron, reltol: float = 1e-6) -> str:
    """The ngspice ``.options`` of the neuron's transients (tolerances scaled to the design)."""
    p, s = n.lif, spice_number
    tol = min(abs(p.v_th - p.v_reset), max(abs(p.v_th), 1e-3)) * 1e-7
    return (f"reltol={s(reltol)} vntol={s(tol)} abstol={s(_abstol(n))} "
            f"chgtol={s(tol * min(p.c_mem, C_STATE))} gmin={s(_gmin(n))} method=gear")


def _gmin(n: BehavioralNeuron) -> float:
    # ngspice's default gmin (1e-12 S) is a fake leak at every node: at a 100 pS leak it
    # would hold the membrane below threshold near rheobase; keep it far below g_leak
    return min(1e-12, n.lif.g_leak * 1e-9)


def _abstol(n: BehavioralNeuron) -> float:
    return max(1e-18, n.lif.rheobase * 1e-7, n.lif.g_leak * 1e-9)


def leak_dc_netlist(n: BehavioralNeuron, v_lo: float, v_hi: float, v_step: float) -> str:
    """DC sweep of the leak element alone: the membrane node driven by ``Vmem``.

    The leak current flows out of ``Vmem``'s + terminal, so ``i(vmem) = -I_leak``.
    """
    s = spice_number
    body = [
        f"Vmem {NODE_MEM} 0 DC {s(n.lif.v_rest)}",
        core_lines(n)[1],
        f".options reltol=1e-9 abstol={s(_abstol(n) * 1e-3)} gmin={s(_gmin(n))}",
        f".dc Vmem {s(v_lo)} {s(v_hi)} {s(v_step)}",
    ]
    return assemble("lifspice behavioral leak DC sweep", body)


def default_step_current(n: BehavioralNeuron, dv: float = 3e-3) -> float:
    """Input step (A) that moves the membrane by ``dv`` V, small against the linear range."""
    dv = min(dv, 0.05 * n.linear_range)
    return n.lif.g_leak * dv


def step_netlist(n: BehavioralNeuron, i_step: float, *, t_settle: float | None = None) -> str:
    """Subthreshold step response: the membrane (capacitor and leak, no comparator, so it
    works for spontaneously firing designs too) starts at rest and ``Iin`` steps from 0 to
    ``i_step`` (A) at ``t_settle`` (s, default tau_m / 2)."""
    p, s = n.lif, spice_number
    tau = p.tau_m
    t0 = 0.5 * tau if t_settle is None else t_settle
    step = tau / 200
    body = [
        f"Iin 0 {NODE_MEM} {Step(0.0, i_step, t0, t_rise=tau * 1e-6).spice_value()}",
        *core_lines(n)[:2],
        f".ic v({NODE_MEM})={s(p.v_rest)}",
        f".options reltol=1e-6 abstol={s(_abstol(n))} gmin={s(_gmin(n))} method=gear",
        f".save v({NODE_MEM})",
        f".tran {s(step)} {s(t0 + 8 * tau)} 0 {s(step)} uic",
    ]
    return assemble("lifspice behavioral membrane step response", body)
