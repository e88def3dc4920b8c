"""Fit of an oscilloscope trace of the membrane with its input known: C and g separately.

Spikes are the drops of the trace by more than half its span; threshold and reset are the
medians of the samples just before and after them; the subthreshold stretches between
spikes are fitted (c_mem, g_leak, v_rest, and each stretch's starting voltage as a nuisance
parameter, as :func:`lifspice.analysis.fit.fit_trace` does with that voltage fixed);
t_ref is what is left of each interval at a constant current once the fitted climb from
reset to threshold is taken off. A DC offset of the probe moves v_rest, v_th and v_reset
alike and leaves C, g, tau_m and t_ref unchanged. C and g are separable only where the
input takes at least two values: with one constant current only tau_m and the final value
``v_rest + I/g`` are determined, and a warning says so.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.optimize import least_squares

from lifspice.analysis import theory as th
from lifspice.analysis.fit import LifFit
from lifspice.analysis.measured.fi import Estimate
from lifspice.circuits.params import LifParams, ParameterError

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
        ``t_ref_s``: :class:`~lifspice.analysis.measured.estimate.Estimate`.
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
    windows = _windows(t, spike_t, t_excl, dt)
    fit = _fit_subthreshold(t, v, i, windows, guess, one_level)
    p = fit.params
    t_ref = _wald_mean(_t_ref_per_interval(p, t, i, spike_t))
    p = LifParams(**{**p.as_dict(), "t_ref": max(t_ref.value, 0.0)})
    return TraceFit(LifFit(p, {**fit.stderr, "t_ref": t_ref.stderr}, fit.rms_rel_error,
                           fit.residuals, fit.success, fit.message, fit.fitted,
                           fit.warnings), _trace_estimates(fit, v_th, v_reset, t_ref),
                    spike_t, noise, tuple(notes))


def _windows(t, spike_t, t_excl, dt) -> list[np.ndarray]:
    """Sample indices of each stretch between spikes (>= 5 samples), leaving out
    ``t_excl`` after each spike and two samples before it."""
    edges = np.concatenate([[t[0] - dt], spike_t])
    out = []
    for k, start in enumerate(edges):
        stop = spike_t[k] - 2 * dt if k < spike_t.size else t[-1] + dt
        lo = start + (t_excl if k > 0 else 0.0)
        w = np.nonzero((t > lo) & (t < stop))[0]
        if w.size >= 5:
            out.append(w)
    if not out:
        raise ValueError("no stretch of at least five samples between spikes to fit")
    return out


def _pwl(t, i) -> tuple[np.ndarray, np.ndarray]:
    """The sample-held input as a PWL with jumps at its changes."""
    ch = np.nonzero(np.diff(i))[0]
    tp = np.concatenate([[t[0]], np.repeat(t[ch + 1], 2), [t[-1]]])
    ip = np.concatenate([[i[0]], np.column_stack([i[ch], i[ch + 1]]).ravel(), [i[-1]]])
    return tp, ip


def _fit_subthreshold(t, v, i, windows, guess: LifParams, one_level: bool) -> LifFit:
    """Least squares of C, g, v_rest and each window's starting voltage (a nuisance
    parameter: anchoring a window on one noisy sample would bias tau_m), residuals in units
    of the swing; standard errors from the Jacobian scaled by the residual variance."""
    tp, ip = _pwl(t, i)
    swing = guess.v_th - guess.v_reset
    nw = len(windows)
    v_first = np.array([v[w[0]] for w in windows])

    def params(x):
        return dataclasses.replace(guess, c_mem=guess.c_mem * math.exp(x[0]),
                                   g_leak=guess.g_leak * math.exp(x[1]),
                                   v_rest=guess.v_rest + swing * x[2])

    def resid(x):
        try:
            p = params(x)
        except (ParameterError, OverflowError):
            return np.full(sum(w.size for w in windows), 1e3)
        v0 = v_first + swing * x[3:]
        return np.concatenate([(th.membrane_pwl(p, tp, ip, t[w], v0=v0[k], t0=float(t[w[0]]))
                                - v[w]) / swing for k, w in enumerate(windows)])

    res = least_squares(resid, np.zeros(3 + nw), method="trf", x_scale="jac",
                        xtol=1e-10, ftol=1e-10, max_nfev=100 * (4 + nw))
    n, k = res.fun.size, 3 + nw
    s2 = float(np.sum(res.fun ** 2)) / max(n - k, 1)
    cov = np.linalg.pinv(res.jac.T @ res.jac) * s2
    p = params(res.x)
    sd = np.sqrt(np.abs(np.diag(cov)[:3]))
    se = {f.name: 0.0 for f in dataclasses.fields(p)}
    se.update(c_mem=p.c_mem * sd[0], g_leak=p.g_leak * sd[1], v_rest=swing * sd[2])
    rel_tau = math.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0))
    if one_level:
        se.update(c_mem=math.inf, g_leak=math.inf)
    se["tau_m_rel"] = rel_tau
    rms = float(np.sqrt(np.mean(res.fun ** 2)))
    return LifFit(p, se, rms, res.fun, bool(res.success), str(res.message),
                  ("c_mem", "g_leak", "v_rest"))


def _trace_estimates(fit: LifFit, v_th: Estimate, v_reset: Estimate,
                     t_ref: Estimate) -> dict:
    p, se = fit.params, fit.stderr
    q = 1.96  # thousands of samples: the normal quantile

    def pos(v, s):
        rel = s / v
        return Estimate(v, s, (v * math.exp(-q * rel), v * math.exp(q * rel)))

    rel_tau = se.pop("tau_m_rel")
    return {"c_mem_F": pos(p.c_mem, se["c_mem"]), "g_leak_S": pos(p.g_leak, se["g_leak"]),
            "tau_m_s": pos(p.tau_m, rel_tau * p.tau_m),
            "v_rest_V": Estimate(p.v_rest, se["v_rest"],
                                 (p.v_rest - q * se["v_rest"], p.v_rest + q * se["v_rest"])),
            "v_th_V": v_th, "v_reset_V": v_reset, "t_ref_s": t_ref}
