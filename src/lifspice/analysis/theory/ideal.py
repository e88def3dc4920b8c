"""Closed-form and event-exact theory of the textbook LIF neuron.

``c_mem dV/dt = -g_leak (V - v_rest) + I``; at ``V = v_th`` a spike is emitted, V is set to
``v_reset`` and held there for ``t_ref``. Everything here is pure computation in SI units
(A, V, s, Hz). The saturating-leak neuron lives in
:mod:`lifspice.analysis.theory.saturating`; the package :mod:`lifspice.analysis.theory`
holds the names of both.

Conventions
-----------
* Current arguments may be scalars or arrays; a scalar in gives a float out.
* ``rheobase`` is the *signed* threshold current ``g_leak (v_th - v_rest)``: it is negative
  for a spontaneous neuron (``v_rest > v_th``), which fires at zero and some negative input.
  (``LifParams.rheobase`` clips it at 0.)
* A piecewise-linear input ``(t_pwl, i_pwl)`` holds ``i_pwl[0]`` before ``t_pwl[0]`` and
  ``i_pwl[-1]`` after ``t_pwl[-1]`` (as SPICE does); equal consecutive times are a jump.
  """

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from lifspice.analysis.theory.common import as_current, evaluation_times, shaped
from lifspice.circuits.params import LifParams, ParameterError

__all__ = [
    "LifTrace",
    "current_for_rate",
    "first_spike_time",
    "isi",
    "membrane",
    "membrane_pwl",
    "rate",
    "rheobase",
    "simulate",
]

def rheobase(p: LifParams) -> float:
    """Signed threshold current ``g_leak (v_th - v_rest)``, A.

    The neuron fires for constant input strictly above it; it is negative for a spontaneous
    neuron.
    """
    return p.g_leak * (p.v_th - p.v_rest)


def membrane(p: LifParams, v0: float, i, t):
    """Exact membrane potential under constant input, ignoring the threshold.

    Parameters
    ----------
    p : LifParams
    v0 : float
        Membrane potential at t = 0, V.
    i : float or array_like
        Constant input current, A.
    t : float or array_like
        Times, s (broadcast against ``i``).

    Returns
    -------
    float or numpy.ndarray
        V(t), V.
    """
    i_arr, si = as_current(i)
    t_arr = np.asarray(t, dtype=float)
    v_inf = p.v_rest + i_arr / p.g_leak
    v = v_inf + (v0 - v_inf) * np.exp(-t_arr / p.tau_m)
    return shaped(v, si and t_arr.ndim == 0)


def first_spike_time(p: LifParams, i, v0: float | None = None):
    """Time for the membrane to reach ``v_th`` from ``v0`` under constant input, s.

    ``0`` if ``v0 >= v_th``, ``inf`` if the input never brings V to threshold.
    ``v0`` defaults to ``v_rest``. The refractory time is not included.
    """
    v0 = p.v_rest if v0 is None else float(v0)
    i_arr, scalar = as_current(i)
    u_inf = np.broadcast_to(i_arr / p.g_leak + (p.v_rest - p.v_th), i_arr.shape)  # V_inf - v_th
    t = np.full(i_arr.shape, np.inf)
    if v0 >= p.v_th:
        t[...] = 0.0
    else:
        fires = u_inf > 0
        # log1p keeps precision when V_inf is far above threshold (short times).
        t[fires] = p.tau_m * np.log1p((p.v_th - v0) / u_inf[fires])
    return shaped(t, scalar)


def isi(p: LifParams, i):
    """Interspike interval under constant input, including ``t_ref``, s.

    ``T = t_ref + tau_m ln((V_inf - v_reset) / (V_inf - v_th))`` with
    ``V_inf = v_rest + i / g_leak``; ``inf`` at or below :func:`rheobase`.

    Parameters
    ----------
    p : LifParams
    i : float or array_like
        Input current, A.

    Returns
    -------
    float or numpy.ndarray
        ISI, s (same shape as ``i``).
    """
    t = first_spike_time(p, i, p.v_reset)
    return t + p.t_ref


def rate(p: LifParams, i):
    """Firing rate under constant input (the F-I curve), Hz; 0 at or below rheobase."""
    i_arr, scalar = as_current(i)
    t = np.asarray(isi(p, i_arr), dtype=float)
    f = np.zeros_like(t)
    fin = np.isfinite(t)
    f[fin] = 1.0 / t[fin]
    return shaped(f, scalar)


def current_for_rate(p: LifParams, f):
    """Constant input current giving firing rate ``f``: the inverse F-I curve, A.

    ``i = g_leak (v_th - v_rest) + g_leak (v_th - v_reset) / expm1(T / tau_m)`` with
    ``T = 1/f - t_ref``; ``f = 0`` gives the rheobase (the infimum).

    Raises
    ------
    ParameterError
        If ``f`` is negative, not finite, or ``f >= 1/t_ref`` (unreachable).
    """
    f_arr = np.asarray(f, dtype=float)
    scalar = f_arr.ndim == 0
    if not np.all(np.isfinite(f_arr)) or np.any(f_arr < 0):
        raise ParameterError(f"rates must be finite and >= 0 Hz, got {f!r}")
    if p.t_ref > 0 and np.any(f_arr * p.t_ref >= 1.0):
        raise ParameterError(
            f"rate {np.max(f_arr)!r} Hz is unreachable: the refractory time {p.t_ref!r} s caps "
            f"the rate below {1.0 / p.t_ref!r} Hz"
        )
    with np.errstate(divide="ignore", over="ignore"):
        t_free = 1.0 / f_arr - p.t_ref
        extra = p.g_leak * (p.v_th - p.v_reset) / np.expm1(t_free / p.tau_m)
    return shaped(rheobase(p) + extra, scalar)


# ---------------------------------------------------------------- piecewise-linear input


def pwl_segments(t_pwl, i_pwl, t_stop: float) -> np.ndarray:
    """Split a PWL input into linear segments covering ``[0, t_stop]``.

    Returns
    -------
    numpy.ndarray, shape (n, 4)
        Rows ``(t_start, t_end, i_at_start, slope)`` in s, s, A, A/s.
    """
    t = np.asarray(t_pwl, dtype=float)
    c = np.asarray(i_pwl, dtype=float)
    if t.ndim != 1 or t.shape != c.shape or t.size == 0:
        raise ParameterError("PWL input needs equal-length 1-D, non-empty times and currents")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(c))):
        raise ParameterError("PWL times (s) and currents (A) must be finite")
    if np.any(np.diff(t) < 0):
        raise ParameterError("PWL times must be non-decreasing (equal times make a jump)")
    if not (math.isfinite(t_stop) and t_stop > 0):
        raise ParameterError(f"t_stop must be > 0 s, got {t_stop!r}")
    rows = []
    if t[0] > 0:
        rows.append((0.0, min(t[0], t_stop), c[0], 0.0))
    for k in range(t.size - 1):
        t0, t1 = t[k], t[k + 1]
        if t1 <= t0 or t1 <= 0 or t0 >= t_stop:
            continue
        slope = (c[k + 1] - c[k]) / (t1 - t0)
        a, b = max(t0, 0.0), min(t1, t_stop)
        rows.append((a, b, c[k] + slope * (a - t0), slope))
    if t[-1] < t_stop:
        rows.append((max(t[-1], 0.0), t_stop, c[-1], 0.0))
    return np.array(rows, dtype=float).reshape(-1, 4)


def _u_closed(s, u0, a, b, tau, g):
    """u = V - v_rest after time s under I = a + b s (exact solution)."""
    base = (a - b * tau) / g
    return base + (b / g) * s + (u0 - base) * np.exp(-s / tau)


def _first_crossing(u0, a, b, length, tau, g, u_th) -> float | None:
    """First s in (0, length] where u(s) reaches u_th, given u0 < u_th; None if none.

    u(s) is convex or concave with at most one extremum, at
    ``s* = -tau ln(b tau / (g K))``; V may cross and come back down within the segment,
    so the sign change is bracketed with the extremum as an intermediate point.
    """
    k = u0 - (a - b * tau) / g
    points = [0.0]
    if k != 0.0 and b * k > 0:
        r = b * tau / (g * k)
        if r < 1.0:
            s_star = -tau * math.log(r)
            if 0.0 < s_star < length:
                points.append(s_star)
    points.append(length)

    def f(s):
        return _u_closed(s, u0, a, b, tau, g) - u_th

    lo = points[0]  # f(0) < 0 by the precondition
    for hi in points[1:]:
        f_hi = f(hi)
        if f_hi >= 0.0:
            if f_hi == 0.0:
                return hi
            return brentq(f, lo, hi, xtol=1e-15 * tau, rtol=4 * np.finfo(float).eps)
        lo = hi
    return None


@dataclass(frozen=True)
class LifTrace:
    """Result of an event-exact simulation.

    Attributes
    ----------
    spikes : numpy.ndarray
        Spike (threshold-crossing) times, s.
    t_stop : float
        End of the simulated interval, s.
    """

    spikes: np.ndarray
    t_stop: float
    evaluator: Callable[[np.ndarray], np.ndarray] = field(repr=False, compare=False)

    def v(self, t_grid) -> np.ndarray:
        """Membrane potential on any time grid in ``[0, t_stop]``, V.

        At a spike time the value is the post-spike one (``v_reset``).
        """
        t = np.asarray(t_grid, dtype=float)
        if t.size and (np.min(t) < 0 or np.max(t) > self.t_stop * (1 + 1e-12)):
            raise ValueError(f"times must lie in [0, {self.t_stop!r}] s")
        return self.evaluator(t)

    @property
    def isis(self) -> np.ndarray:
        """Interspike intervals, s."""
        return np.diff(self.spikes)


def _run_ideal(p: LifParams, segs, t_start, u_start, t_end, detect, max_spikes):
    """Propagate the closed form segment by segment; returns spikes and pieces.

    A piece ``(t0, u0, a, b)`` means u(t) = _u_closed(t - t0, u0, a, b) from t0 on; a hold at
    reset is the piece with ``a = g u_reset, b = 0`` (its fixed point).
    """
    tau, g = p.tau_m, p.g_leak
    u_th, u_reset = p.v_th - p.v_rest, p.v_reset - p.v_rest
    spikes: list[float] = []
    pieces: list[tuple[float, float, float, float]] = []
    t_cur, u = float(t_start), float(u_start)

    def spike_at(ts):
        spikes.append(ts)
        if len(spikes) > max_spikes:
            raise RuntimeError(f"more than {max_spikes} spikes; raise max_spikes")
        if p.t_ref > 0:
            pieces.append((ts, u_reset, g * u_reset, 0.0))
        return ts + p.t_ref, u_reset

    if detect and u >= u_th:
        t_cur, u = spike_at(t_cur)
    for t0, t1, i0, slope in segs:
        t1 = min(t1, t_end)
        while t_cur < t1:
            a = i0 + slope * (t_cur - t0)
            length = t1 - t_cur
            pieces.append((t_cur, u, a, slope))
            s_c = _first_crossing(u, a, slope, length, tau, g, u_th) if detect else None
            if s_c is None:
                u = float(_u_closed(length, u, a, slope, tau, g))
                t_cur = t1
            else:
                t_cur, u = spike_at(t_cur + s_c)
    return np.array(spikes), pieces


def _pieces_evaluator(p: LifParams, pieces):
    arr = np.array(pieces, dtype=float).reshape(-1, 4)

    def evaluate(t: np.ndarray) -> np.ndarray:
        if arr.shape[0] == 0:
            raise ValueError("empty trace")
        k = np.clip(np.searchsorted(arr[:, 0], t, side="right") - 1, 0, None)
        t0, u0, a, b = np.moveaxis(arr[k], -1, 0)
        return p.v_rest + _u_closed(t - t0, u0, a, b, p.tau_m, p.g_leak)

    return evaluate


def simulate(
    p: LifParams, t_pwl, i_pwl, t_stop: float, v0: float | None = None, *, max_spikes=1_000_000
) -> LifTrace:
    """Event-exact LIF simulation for a piecewise-linear input current.

    On each linear segment the membrane has a closed form; threshold crossings are found by
    root finding (brentq) on it, bracketed with its extremum, so spike times are exact to
    rounding. After a spike V is held at ``v_reset`` for ``t_ref``.

    Parameters
    ----------
    p : LifParams
    t_pwl, i_pwl : array_like
        PWL input: times (s, non-decreasing) and currents (A).
    t_stop : float
        End time, s.
    v0 : float, optional
        V at t = 0 (V); default ``v_rest``. ``v0 >= v_th`` gives a spike at t = 0.
    max_spikes : int
        Guard against runaway loops.

    Returns
    -------
    LifTrace
    """
    segs = pwl_segments(t_pwl, i_pwl, t_stop)
    v0 = p.v_rest if v0 is None else float(v0)
    spikes, pieces = _run_ideal(p, segs, 0.0, v0 - p.v_rest, t_stop, True, max_spikes)
    return LifTrace(spikes=spikes, t_stop=float(t_stop), evaluator=_pieces_evaluator(p, pieces))


def membrane_pwl(p: LifParams, t_pwl, i_pwl, t, *, v0: float | None = None, t0: float = 0.0):
    """Exact membrane potential under a PWL input with no threshold, V.

    Parameters
    ----------
    p : LifParams
    t_pwl, i_pwl : array_like
        PWL input, s and A.
    t : array_like
        Times at which to evaluate, s, all ``>= t0``.
    v0 : float, optional
        V at ``t0``, V; default ``v_rest``.
    t0 : float
        Start time, s.
    """
    t, t_end = evaluation_times(t, t0)
    if t.size == 0:
        return np.zeros_like(t)
    segs = pwl_segments(t_pwl, i_pwl, t_end)
    v0 = p.v_rest if v0 is None else float(v0)
    _, pieces = _run_ideal(p, segs, t0, v0 - p.v_rest, t_end, False, 0)
    if not pieces:
        return np.full(t.shape, v0)
    return _pieces_evaluator(p, pieces)(t)
