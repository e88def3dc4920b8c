"""LIF with an adaptive threshold (spike-frequency adaptation): event map, adapted F-I curve,
and extraction of the adaptation from spike thresholds.

Model (SI units): the membrane is the textbook LIF (:mod:`~lifspice.analysis.theory`); the
threshold is ``v_th + a(t)``.  ``a`` decays as ``da/dt = -a / tau_a`` at all times and gains
``dv_th`` (V) per spike, the gain counted at the end of the refractory hold (the behavioral
circuit, :class:`lifspice.circuits.behavioral.neuron.BehavioralNeuron` with ``dv_th``/``tau_a``,
charges it during the reset pulse so that this holds exactly).  Starting a free phase at
``v_reset`` with excess ``a0``, the next spike comes after the free time ``T(a0)``, the root of

    V(T) = v_th + a0 exp(-T / tau_a),   V(T) = V_inf + (v_reset - V_inf) exp(-T / tau_m),

(unique: V rises, the threshold falls), and the excess at the start of the next free phase is

    a0' = a0 exp(-(T + t_ref) / tau_a) + dv_th.

The steady state is the fixed point ``a*`` of this map (found by brentq; the map is
increasing with slope < 1), giving the adapted rate ``1 / (T(a*) + t_ref)``.  The
rheobase is unchanged (``a`` decays to 0 between rare spikes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from lifspice.circuits.params import LifParams, ParameterError

__all__ = ["AdaptFit", "adapted_rate", "adapting_spikes", "fit_adaptation", "free_time"]


def _check(dv_th: float, tau_a: float) -> None:
    if not (math.isfinite(dv_th) and dv_th >= 0 and math.isfinite(tau_a) and tau_a > 0):
        raise ParameterError(f"need dv_th >= 0 V and tau_a > 0 s, got {dv_th!r}, {tau_a!r}")


def free_time(p: LifParams, i: float, a0: float, tau_a: float, v0: float | None = None) -> float:
    """Time from ``v0`` (default ``v_reset``) to the spike with threshold excess ``a0`` at the
    start, s; ``inf`` if the input never reaches threshold (``i <= rheobase``)."""
    v0 = p.v_reset if v0 is None else float(v0)
    v_inf = p.v_rest + i / p.g_leak
    if v_inf <= p.v_th:
        return math.inf

    def gap(t):  # threshold minus membrane: positive before the spike
        return p.v_th + a0 * math.exp(-t / tau_a) - (v_inf + (v0 - v_inf) * math.exp(-t / p.tau_m))

    if gap(0.0) <= 0:
        return 0.0
    hi = p.tau_m
    while gap(hi) > 0:
        hi *= 2.0
        if hi > 1e6 * (p.tau_m + tau_a):
            return math.inf
    return brentq(gap, 0.0, hi, xtol=1e-15 * hi, rtol=4 * np.finfo(float).eps)


def _step(p: LifParams, i: float, a0: float, dv_th: float, tau_a: float) -> tuple[float, float]:
    t = free_time(p, i, a0, tau_a)
    return t, a0 * math.exp(-(t + p.t_ref) / tau_a) + dv_th


def adapted_rate(p: LifParams, i, dv_th: float, tau_a: float):
    """Steady-state (adapted) firing rate under constant input ``i`` (A), Hz.

    The fixed point ``a*`` of the map lies in ``[dv_th, dv_th / (1 - e^{-t_ref/tau_a})]``
    (the bound is the map's value at ``T = 0``); 0 Hz at or below rheobase.
    """
    _check(dv_th, tau_a)
    arr = np.atleast_1d(np.asarray(i, dtype=float))
    out = np.zeros(arr.shape)
    for k, ik in enumerate(arr):
        if p.v_rest + ik / p.g_leak <= p.v_th:
            continue
        if dv_th == 0:
            t = free_time(p, ik, 0.0, tau_a)
        else:
            lo = dv_th
            hi = dv_th / -math.expm1(-p.t_ref / tau_a) if p.t_ref > 0 else dv_th * 1e6
            a_star = brentq(lambda a, ik=ik: _step(p, ik, a, dv_th, tau_a)[1] - a, lo, hi,
                            xtol=1e-15, rtol=1e-13)
            t = free_time(p, ik, a_star, tau_a)
        out[k] = 1.0 / (t + p.t_ref) if math.isfinite(t) else 0.0
    return float(out[0]) if np.ndim(i) == 0 else out


def adapting_spikes(p: LifParams, i: float, dv_th: float, tau_a: float, t_stop: float,
                    v0: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Spike times (s) and the threshold at each spike (V) under constant input ``i`` (A),
    starting at ``v0`` (default ``v_reset``) with no threshold excess, up to ``t_stop``."""
    _check(dv_th, tau_a)
    t, a, v_start = 0.0, 0.0, v0
    times, ths = [], []
    while True:
        dt = free_time(p, i, a, tau_a, v_start)
        if not math.isfinite(dt) or t + dt > t_stop:
            break
        t += dt
        a_spike = a * math.exp(-dt / tau_a)
        times.append(t)
        ths.append(p.v_th + a_spike)
        a = a_spike * math.exp(-p.t_ref / tau_a) + dv_th
        t += p.t_ref
        v_start = None
    return np.array(times), np.array(ths)


@dataclass(frozen=True)
class AdaptFit:
    """Adaptation parameters fitted to the thresholds at the spikes of one transient.

    ``v_th`` (V) is the threshold with no excess, ``dv_th`` (V) the jump per spike,
    ``tau_a`` (s) the decay time; ``stderr`` their standard errors, ``rms_error`` (V) the
    residual; ``success``/``message`` from the optimizer.
    """

    v_th: float
    dv_th: float
    tau_a: float
    stderr: dict
    rms_error: float
    success: bool
    message: str


def _excess(spikes: np.ndarray, t_ref: float, dv_th: float, tau_a: float) -> np.ndarray:
    """Threshold excess at each spike: sum over earlier spikes j of
    dv_th exp(-(t_k - t_j - t_ref) / tau_a)."""
    d = spikes[:, None] - spikes[None, :] - t_ref
    mask = np.tril(np.ones((spikes.size, spikes.size), dtype=bool), -1)
    return dv_th * np.sum(np.where(mask, np.exp(-np.where(mask, d, 0.0) / tau_a), 0.0), axis=1)


def fit_adaptation(spikes, thresholds, t_ref: float, *, tau_guess: float | None = None
                   ) -> AdaptFit:
    """Fit ``v_th + a(t_k)`` to the membrane voltage at each spike (the threshold then).

    Parameters
    ----------
    spikes : array_like
        Spike times, s, from a run that starts with no threshold excess.
    thresholds : array_like
        Membrane at each spike, V (:func:`lifspice.analysis.extract.threshold_at_spikes`).
    t_ref : float
        Refractory time, s (the jump is counted at the end of the hold).
    """
    t = np.asarray(spikes, dtype=float)
    y = np.asarray(thresholds, dtype=float)
    if t.size < 4 or t.size != y.size:
        raise ValueError("need >= 4 spikes with a threshold each")
    tau0 = tau_guess if tau_guess is not None else max((t[-1] - t[0]) / 4, 1e-12)
    scale = max(float(np.ptp(y)), 1e-6)

    def resid(x):
        v0, dv, log_tau = x
        return (v0 + _excess(t, t_ref, dv, math.exp(log_tau)) - y) / scale

    x0 = [y[0], max(y[1] - y[0], scale / t.size), math.log(tau0)]
    sol = least_squares(resid, x0, method="lm", xtol=1e-14, ftol=1e-14)
    r = sol.fun * scale
    dof = max(t.size - 3, 1)
    s2 = float(np.sum(r**2) / dof)
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * s2 / scale**2
        err = np.sqrt(np.diag(cov))
    except np.linalg.LinAlgError:
        err = np.full(3, math.nan)
    tau = math.exp(sol.x[2])
    return AdaptFit(v_th=float(sol.x[0]), dv_th=float(sol.x[1]), tau_a=tau,
                    stderr={"v_th": float(err[0]), "dv_th": float(err[1]),
                            "tau_a": tau * float(err[2])},
                    rms_error=float(np.sqrt(np.mean(r**2))), success=bool(sol.success),
                    message=str(sol.message))


def adapted_rate_trajectory(t_free, v_free, v_th: float, t_hold: float, dv_th: float,
                            tau_a: float) -> float:
    """Adapted rate (Hz) of a neuron whose free membrane trajectory is *measured*.

    For a circuit whose membrane is not the textbook LIF (the sky130 neuron's leak
    saturates, its comparator has an offset), the event map of this module still holds
    with the membrane ``v_free(t_free)`` (from ``v_reset`` at ``t_free[0] = 0``, rising,
    recorded past ``v_th`` plus the adapted excess), the effective threshold ``v_th`` (V,
    the membrane at the spikes of the plain neuron), and the hold ``t_hold`` (s, the ISI of
    the plain neuron minus its free time).
    """
    _check(dv_th, tau_a)
    t = np.asarray(t_free, dtype=float)
    v = np.maximum.accumulate(np.asarray(v_free, dtype=float))  # rising branch

    def free(a0):
        def gap(s):
            return v_th + a0 * math.exp(-s / tau_a) - float(np.interp(s, t, v))

        if gap(t[-1]) > 0:
            raise ValueError("the trajectory ends below the adapted threshold: record it "
                             "further (higher v_th in the recording run)")
        return brentq(gap, 0.0, t[-1], xtol=1e-12, rtol=1e-12)

    def step(a0):
        return a0 * math.exp(-(free(a0) + t_hold) / tau_a) + dv_th - a0

    hi = dv_th / -math.expm1(-t_hold / tau_a) if t_hold > 0 else 1e3 * dv_th
    hi = min(hi, float(v[-1] - v_th))
    if dv_th == 0:
        a_star = 0.0
    else:
        a_star = brentq(step, dv_th, hi, xtol=1e-12, rtol=1e-12) if step(hi) < 0 else hi
    return 1.0 / (free(a_star) + t_hold)
