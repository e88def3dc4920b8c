"""Fast F-I curves: one short transient per current, only the few ISIs needed.

Each point runs from v_reset for about 3.6 predicted ISIs (the saturating-leak theory of the
design gives the prediction) with a largest step of ISI/200, and is rerun longer or finer
when the circuit disagrees with the prediction.  Points are independent, so a
:class:`lifspice.sim.pool.SimPool` runs them on all cores, each worker keeping one ngspice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from lifspice.analysis import events, extract
from lifspice.analysis.theory.saturating import (
    isi_saturating,
    rate_saturating,
    rheobase_saturating,
)
from lifspice.circuits.params import ParameterError, SaturatingLifParams

STEPS_PER_ISI = 200
N_ISI = 3.6


@dataclass(frozen=True)
class FiPoint:
    """What one F-I transient showed."""

    i: float  # A
    rate: float  # Hz, steady rate (0 if it did not fire repeatedly)
    spikes: np.ndarray  # s
    v_th: np.ndarray  # V, membrane at each comparator firing
    v_th_resolution: np.ndarray  # V, membrane rise over the step that read each v_th
    t_stop: float  # s, length of the last run
    runs: int


def transient_window(p: SaturatingLifParams, i: float,
                     n_isi: float = N_ISI) -> tuple[float, float]:
    """(t_stop, max_step), s, of a transient from v_reset at input ``i`` (A): ``n_isi``
    ISIs that ``p`` predicts at ISI/STEPS_PER_ISI steps, or, if ``p`` predicts no firing,
    12 tau_m at tau_m/50 plus twice the slew from a v_reset below v_rest up to v_rest (at
    most ``i + i_b`` charges the membrane there: a saturating leak climbs that span in a
    ramp, not in tau_m; a gf180 design with v_reset 0.5 V and v_rest 2.0 V first fired after
    1.3 ms = 13 tau_m, just above a rheobase its tanh model placed a little higher)."""
    t = float(isi_saturating(p, i))
    if math.isfinite(t):
        return n_isi * t, t / STEPS_PER_ISI
    tau = p.tau_m
    slew = p.c_mem * max(0.0, p.v_rest - p.v_reset) / max(abs(i) + p.i_b, 1e-30)
    return 12 * tau + p.t_ref + 2 * slew, tau / 50


def fi_point(sim, job: tuple) -> FiPoint:
    """Simulate one F-I point; ``job`` is ``(bench, i)`` or ``(bench, i, model)``.

    ``model`` (a :class:`~lifspice.circuits.params.SaturatingLifParams`, default ``bench.guess()``)
    predicts the ISI that sets the run length and the step. Runs in a pool worker.
    """
    bench, i, *model = job
    guess = model[0] if model else bench.guess()
    t_stop, max_step = transient_window(guess, i)
    pr = bench.probes
    for run in range(1, 5):  # noqa: B007 (the count is reported)
        res = sim.run(bench.fi_netlist(i, t_stop=t_stop, max_step=max_step),
                      vectors=[pr.mem, pr.spike] if pr.spike else [pr.mem])
        t, v = res.time, res[pr.mem]
        spikes = events.spike_times(pr, t, res)
        isi = extract.steady_isi(spikes)
        if spikes.size >= 3 and max_step <= 1.5 * isi / STEPS_PER_ISI:
            break
        if spikes.size >= 3:  # fires faster than predicted: refine the step
            max_step = isi / STEPS_PER_ISI
            t_stop = N_ISI * isi + (spikes[0] if spikes.size else 0.0)
        elif spikes.size >= 1 or math.isfinite(float(isi_saturating(guess, i))):
            t_stop *= 4  # slower than predicted: run longer
        else:
            break
    return FiPoint(i=float(i), rate=extract.firing_rate(spikes) if spikes.size >= 2 else 0.0,
                   spikes=spikes, v_th=extract.threshold_at_spikes(t, v, spikes),
                   v_th_resolution=extract.rise_before(t, v, spikes),
                   t_stop=t_stop, runs=run)


def current_for_rate_saturating(p: SaturatingLifParams, f: float) -> float:
    """Input current (A) at which the saturating-leak LIF fires at ``f`` Hz."""
    # signed: a spontaneous neuron fires down to it (< 0); the rate is exactly 0 there (a
    # point 1e-9 above it fires within ~21 tau_m + t_ref: faster than a low f)
    lo = rheobase_saturating(p)
    hi = max(2 * lo, 1e-15)
    while float(rate_saturating(p, hi)) < f:
        hi *= 2
        if hi > 1e3:
            raise ValueError(f"no current reaches {f} Hz")
    # xtol: brentq's default (2e-12) is an absolute current, pA-class designs need far less
    return brentq(lambda x: float(rate_saturating(p, x)) - f, lo, hi, rtol=1e-12,
                  xtol=1e-15 * max(abs(lo), abs(hi)))


MIN_FIRING_POINTS = 6
"""Firing points the default currents give at the least: the most free parameters of a
characterization's fits (3) plus 3, so that every fit has degrees of freedom left for an
error estimate (3 free parameters on 3 firing points fit exactly, with an RMS error of
1e-14 that says nothing)."""
#: Points below rheobase, when there are points to spare.
N_BELOW = 3


#: Top of the default F-I range at t_ref = 0, in units of 1 / tau_m. At tau_m / 20 per ISI the
#: membrane hardly leaks (the F-I curve is the integrator's I / (C swing), nothing new).
F_MAX_TAU = 20.0
#: Largest share of the shortest ISI the reset may take beyond t_ref (hold and edges).
RESET_SHARE = 1e-3


@dataclass(frozen=True)
class FiRange:
    """The default F-I range of a design, and what limits its top.

    The top is where the climb from v_reset to v_th takes t_ref, clipped to
    [tau_m / :data:`F_MAX_TAU`, tau_m]: ``limited_by`` is ``"t_ref"`` (t_ref takes half the
    period, 0.5 / t_ref), ``"tau_m"`` (t_ref under tau_m / 20, or 0: a climb of tau_m / 20,
    f_max = 1 / (t_ref + tau_m / 20), 20 / tau_m at t_ref = 0), ``"t_ref_long"`` (t_ref over
    tau_m: a climb of tau_m, f_max = 1 / (t_ref + tau_m); at 0.5 / t_ref the range would
    hold only currents within e^-(t_ref / tau_m) of the rheobase) or ``"reset"`` (the rate
    where the reset's hold and edges beyond t_ref, ``reset_overhead``, reach
    :data:`RESET_SHARE` of the ISI).
    """

    i_min: float  # A, the rheobase (0 for a spontaneous neuron, or its signed rheobase
    # when it fires faster than f_max at zero input)
    i_max: float  # A
    f_max: float  # Hz, the model's rate at i_max
    limited_by: str
    reset_overhead: float  # s, the reset's time beyond t_ref

    @property
    def reason(self) -> str:
        """Why the range stops where it does, in words."""
        return {
            "t_ref": "t_ref takes half the period (f_max = 0.5 / t_ref)",
            "tau_m": f"a climb to threshold of tau_m / {F_MAX_TAU:g} (f_max = 1 / (t_ref + "
                     f"tau_m / {F_MAX_TAU:g}); t_ref is 0 or under tau_m / {F_MAX_TAU:g})",
            "t_ref_long": "a climb to threshold of tau_m (f_max = 1 / (t_ref + tau_m); t_ref "
                          "is over tau_m)",
            "reset": f"the reset beyond t_ref ({self.reset_overhead:.3g} s: hold and edges) "
                     f"reaches {100 * RESET_SHARE:g} % of the ISI",
        }[self.limited_by]

    def to_dict(self) -> dict[str, object]:
        return {"i_min_A": self.i_min, "i_max_A": self.i_max, "f_max_Hz": self.f_max,
                "limited_by": self.limited_by, "reason": self.reason,
                "reset_overhead_s": self.reset_overhead}


def fi_range(p: SaturatingLifParams, reset_overhead: float = 0.0) -> FiRange:
    """The default F-I range of ``p`` (:class:`FiRange`): from its rheobase up to the rate
    at which the climb to threshold takes t_ref, clipped to [tau_m / :data:`F_MAX_TAU`,
    tau_m], or lower where ``reset_overhead`` (s, the time a reset takes beyond t_ref) is
    :data:`RESET_SHARE` of the ISI."""
    tau, t_ref = p.tau_m, p.t_ref
    if t_ref < tau / F_MAX_TAU:
        limits = {"tau_m": 1.0 / (t_ref + tau / F_MAX_TAU)}
    elif t_ref > tau:
        limits = {"t_ref_long": 1.0 / (t_ref + tau)}
    else:
        limits = {"t_ref": 0.5 / t_ref}
    if reset_overhead > 0:
        limits["reset"] = RESET_SHARE / reset_overhead
    limited_by = min(limits, key=limits.__getitem__)
    f_max = limits[limited_by]
    i_max = current_for_rate_saturating(p, f_max)
    # a spontaneous neuron already faster than f_max with no input: down to where it stops
    i_min = p.rheobase if i_max > 0 else rheobase_saturating(p)
    return FiRange(i_min=i_min, i_max=i_max,
                   f_max=f_max, limited_by=limited_by, reset_overhead=reset_overhead)


def default_currents(p: SaturatingLifParams, n: int = 16, *,
                     top: FiRange | None = None) -> np.ndarray:
    """F-I currents, A: up to :data:`N_BELOW` below rheobase (only the points beyond
    :data:`MIN_FIRING_POINTS`), the rest from 1.05x rheobase up to ``top.i_max`` (default
    :func:`fi_range` of ``p``), denser near rheobase.

    ``n`` >= :data:`MIN_FIRING_POINTS` gives at least that many points above the rheobase
    of ``p``; fewer points are all placed above it (the fits then say they are exactly
    determined or underdetermined).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"the number of F-I points must be a whole number >= 1 (n_fi, "
                             f"--points), got {n!r}; give at least {MIN_FIRING_POINTS + 1}")
    top = top if top is not None else fi_range(p)
    rh, i_max = top.i_min, top.i_max
    if rh <= 0 < i_max:  # spontaneous: from zero input up
        return np.linspace(0.0, i_max, n)
    # rh > 0; or rh < 0: a spontaneous neuron that is faster than f_max at zero input,
    # swept from its signed rheobase (it is silent below it) to the negative i_max
    below = rh - abs(rh) * np.array([0.5, 0.1, 0.02])[
        N_BELOW - min(N_BELOW, max(n - MIN_FIRING_POINTS, 0)):]
    n_above = n - below.size
    # 1.05x rheobase, or halfway to i_max when the range is narrower (v_th - v_reset small
    # against v_th - v_rest: 0.5 / t_ref at 1.05x rheobase; found by the property tests)
    start = min(rh + 0.05 * abs(rh), rh + 0.5 * (i_max - rh))
    if n_above == 1:
        return np.concatenate([below, [0.5 * (start + i_max)]])
    x = np.linspace(0.0, 1.0, n_above) ** 2
    above = start + (i_max - start) * x
    return np.concatenate([below, above])


def run_fi(bench, currents: Sequence[float], *, sim=None, pool=None,
           model: SaturatingLifParams | None = None,
           progress: Callable[[int, int], None] | None = None) -> list[FiPoint]:
    """F-I points for ``currents`` (A), in the given order, on ``pool`` if given.

    ``model`` predicts each point's ISI (run length and step); default ``bench.guess()``.
    """
    m = bench.guess() if model is None else model
    jobs = [(bench, float(i), m) for i in currents]
    out: list[FiPoint | None] = [None] * len(jobs)
    if pool is not None:
        for done, (k, point) in enumerate(pool.as_completed(fi_point, jobs), 1):
            out[k] = point
            if progress:
                progress(done, len(jobs))
    else:
        for k, job in enumerate(jobs):
            out[k] = fi_point(sim, job)
            if progress:
                progress(k + 1, len(jobs))
    return [p for p in out if p is not None]
