"""Fit of an oscilloscope trace of the membrane with its input known: C and g separately.

Spikes are the drops of the trace by more than half its span; threshold and reset are the
medians of the samples just before and after them; the subthreshold stretches between
spikes are fitted with :func:`lifspice.analysis.fit.fit_trace` (c_mem, g_leak, v_rest);
t_ref is what is left of each interval at a constant current once the fitted climb from
reset to threshold is taken off. A DC offset of the probe moves v_rest, v_th and v_reset
alike and leaves C, g, tau_m and t_ref unchanged. C and g are separable only where the
input takes at least two values: with one constant current only tau_m and the final value
``v_rest + I/g`` are determined, and a warning says so.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lifspice.analysis import theory as th
from lifspice.analysis.fit import FitIdentifiabilityWarning, LifFit, fit_trace
from lifspice.analysis.measured.fi import Estimate
from lifspice.circuits.params import LifParams

__all__ = ["TraceFit", "fit_trace_measured"]


@dataclass(frozen=True)
class TraceFit:
    """What a trace determines.

    Attributes
    ----------
    lif_fit : LifFit
        The subthreshold fit (c_mem, g_leak, v_rest free; v_th, v_reset, t_ref measured).
    estimates : dict
        ``c_mem_F``, ``g_leak_S``, ``tau_m_s``, ``v_rest_V``, ``v_th_V``, ``v_reset_V``,
        ``t_ref_s``: :class:`~lifspice.analysis.measured.fi.Estimate`.
    spikes : numpy.ndarray
        Spike times found, s.
    noise_v : float
        RMS noise of the trace (from its sample-to-sample differences), V.
    notes : tuple of str
    """

    lif_fit: LifFit
    estimates: dict
    spikes: np.ndarray
    noise_v: float
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"fit": self.lif_fit.to_dict(),
                "estimates": {k: e.to_dict() for k, e in self.estimates.items()},
                "n_spikes": int(self.spikes.size), "noise_V": float(self.noise_v),
                "notes": list(self.notes)}


def _spike_indices(v: np.ndarray) -> np.ndarray:
    span = np.percentile(v, 99.5) - np.percentile(v, 0.5)
    return np.nonzero(np.diff(v) < -0.5 * span)[0]


def _wald_mean(x: np.ndarray) -> Estimate:
    x = x[np.isfinite(x)]
    m = float(np.mean(x))
    se = float(np.std(x, ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.inf
    q = stats.t.ppf(0.975, max(x.size - 1, 1))
    return Estimate(m, se, (m - q * se, m + q * se))


def _t_ref_per_interval(p: LifParams, t, i, spike_t) -> np.ndarray:
    """t_ref of each interval at one constant current: the interval minus the climb."""
    out = []
    for a, b in zip(spike_t[:-1], spike_t[1:], strict=True):
        ia = i[(t > a) & (t < b)]
        if ia.size == 0 or np.ptp(ia) > 0:
            continue
        climb = float(th.first_spike_time(p, float(ia[0]), v0=p.v_reset))
        if math.isfinite(climb):
            out.append(b - a - climb)
    return np.asarray(out)


def fit_trace_measured(t, v, i) -> TraceFit:
    """Fit a membrane trace ``v`` (V) sampled at ``t`` (s) under the input ``i`` (A, one per
    sample, or a constant).

    Raises
    ------
    ValueError
        When the trace has fewer than two spikes or no stretch between them to fit.
    """
    t, v = np.asarray(t, float), np.asarray(v, float)
    i = np.broadcast_to(np.asarray(i, float), t.shape).copy()
    dt = float(np.median(np.diff(t)))
    # white noise from second differences (variance 6 sigma^2; the signal's curvature is
    # small between samples, its slope would not be), robust to the spikes by the median
    noise = float(np.median(np.abs(np.diff(v, 2))) / 0.6745 / math.sqrt(6))
    k = _spike_indices(v)
    if k.size < 2:
        raise ValueError(f"the trace holds {k.size} spike(s); at least two are needed")
    slope = np.array([(v[j] - v[max(j - 3, 0)]) / (3 * dt) for j in k])
    v_th = _wald_mean(v[k] + 0.5 * slope * dt)  # the last sample is on average dt/2 early
    v_reset = _wald_mean(v[np.minimum(k + 1, v.size - 1)])
    spike_t = t[k] + dt / 2
    # the hold at reset: samples within 4 noise of the reset after each spike
    hold = []
    for j in k:
        seg = v[j + 1: j + 1 + int(10 * (t[-1] - t[0]) / dt / max(k.size, 1))]
        above = np.nonzero(seg > v_reset.value + 4 * noise)[0]
        hold.append(above[0] * dt if above.size else 0.0)
    t_excl = float(np.median(hold)) * 1.2 + 3 * dt
    # starting point: dV/dt = (I - g (V - v_rest)) / C by linear regression on the stretches
    inside = np.ones(t.size - 1, bool)
    for s in spike_t:
        inside &= ~((t[:-1] > s - 2 * dt) & (t[:-1] < s + t_excl))
    dv = np.diff(v)[inside] / np.diff(t)[inside]
    a = np.column_stack([v[:-1][inside], i[:-1][inside], np.ones(int(inside.sum()))])
    (c1, c2, c3), *_ = np.linalg.lstsq(a, dv, rcond=None)
    notes = []
    one_level = np.ptp(i) == 0
    c0 = 1.0 / c2 if c2 > 0 and not one_level else 1e-12
    g0 = -c1 * c0 if c1 < 0 else c0 / (t[-1] - t[0])
    v_rest0 = c3 * c0 / g0
    if one_level:
        notes.append("one constant input current: C and g are not separable from this trace "
                     "(only tau_m and v_rest + I/g); record the trace under two currents")
    guess = LifParams(c_mem=c0, g_leak=g0, v_rest=float(v_rest0), v_th=v_th.value,
                      v_reset=v_reset.value, t_ref=t_excl)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitIdentifiabilityWarning)
        fit = fit_trace(t, v, t, i, initial=guess, spikes=spike_t, t_exclude=t_excl)
    notes += [str(w.message) for w in caught]
    p = fit.params
    t_ref = _wald_mean(_t_ref_per_interval(p, t, i, spike_t))
    p = LifParams(**{**p.as_dict(), "t_ref": max(t_ref.value, 0.0)})
    return TraceFit(LifFit(p, {**fit.stderr, "t_ref": t_ref.stderr}, fit.rms_rel_error,
                           fit.residuals, fit.success, fit.message, fit.fitted,
                           fit.warnings), _trace_estimates(fit, v_th, v_reset, t_ref),
                    spike_t, noise, tuple(notes))


def _trace_estimates(fit: LifFit, v_th: Estimate, v_reset: Estimate,
                     t_ref: Estimate) -> dict:
    p, se = fit.params, fit.stderr
    q = 1.96  # thousands of samples: the normal quantile

    def pos(v, s):
        rel = s / v
        return Estimate(v, s, (v * math.exp(-q * rel), v * math.exp(q * rel)))

    rel_tau = math.hypot(se["c_mem"] / p.c_mem, se["g_leak"] / p.g_leak)  # upper bound
    return {"c_mem_F": pos(p.c_mem, se["c_mem"]), "g_leak_S": pos(p.g_leak, se["g_leak"]),
            "tau_m_s": pos(p.tau_m, rel_tau * p.tau_m),
            "v_rest_V": Estimate(p.v_rest, se["v_rest"],
                                 (p.v_rest - q * se["v_rest"], p.v_rest + q * se["v_rest"])),
            "v_th_V": v_th, "v_reset_V": v_reset, "t_ref_s": t_ref}
