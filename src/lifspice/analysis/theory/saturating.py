"""Theory of the LIF neuron whose leak saturates as an OTA's output current does.

``c_mem dV/dt = I - i_b tanh((V - v_rest) / v_lin)`` with ``v_lin = i_b / g_leak``; threshold,
reset and refractory hold as in the textbook LIF (:mod:`~lifspice.analysis.theory`). Units are SI
(A, V, s, Hz).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad, solve_ivp

from lifspice.analysis.theory.common import as_current, evaluation_times, shaped
from lifspice.analysis.theory.ideal import LifTrace, pwl_segments, rate, rheobase
from lifspice.circuits.params import ParameterError, SaturatingLifParams

__all__ = [
    "SaturationDeviation",
    "isi_saturating",
    "membrane_pwl_saturating",
    "rate_saturating",
    "rheobase_saturating",
    "saturation_deviation",
    "simulate_saturating",
]

_RTOL = 1e-10


def _check(p) -> None:
    if not isinstance(p, SaturatingLifParams):
        raise ParameterError(f"need SaturatingLifParams, got {type(p).__name__}")


def rheobase_saturating(p: SaturatingLifParams) -> float:
    """Signed threshold current ``i_b tanh((v_th - v_rest) / v_lin)``, A.

    The leak current is largest at ``v_th`` on ``[v_reset, v_th]`` (tanh is increasing), so
    input strictly above this value beats the leak everywhere and the neuron fires.
    Negative for a spontaneous neuron.
    """
    _check(p)
    return p.i_b * math.tanh((p.v_th - p.v_rest) / p.v_lin)


def _isi_closed(p: SaturatingLifParams, a: np.ndarray) -> np.ndarray:
    """Closed-form time from v_reset to v_th for firing inputs ``a`` (all > rheobase), s.

    With x = (V - v_rest)/v_lin, b = i_b: the antiderivative of 1/(a - b tanh x) is
    ``(a x + b ln(a cosh x - b sinh x)) / (a^2 - b^2)``. Writing
    ``a cosh x - b sinh x = e^{-x} (s + e E) / 2`` with ``s = a + b``, ``e = a - b``,
    ``E = e^{2x}``, ``r = e / s``, the integral from x0 to x1 becomes
    ``(x1 - x0)/s + (b / s^2) [G(x1) - G(x0)]`` with ``G(x) = log1p(r E) / r`` (``= E`` at
    r = 0). This is the same closed form with the a = b cancellation removed analytically,
    so it is accurate for all a, including a = b and a^2 ~ b^2. In the firing domain
    s > 0 and 1 + r E > 0; both terms are positive.
    """
    b = p.i_b
    x0 = (p.v_reset - p.v_rest) / p.v_lin
    x1 = (p.v_th - p.v_rest) / p.v_lin
    s = a + b
    r = (a - b) / s

    def big_g(x):
        out = np.empty_like(r)
        pos, neg, zero = r > 0, r < 0, r == 0
        with np.errstate(over="ignore"):
            out[pos] = np.logaddexp(0.0, np.log(r[pos]) + 2 * x) / r[pos]
            out[neg] = np.log1p(-np.exp(np.log(-r[neg]) + 2 * x)) / r[neg]
            out[zero] = np.exp(2 * x)
        return out

    return p.c_mem * p.v_lin * ((x1 - x0) / s + (b / s**2) * (big_g(x1) - big_g(x0)))


def _isi_quad(p: SaturatingLifParams, a: float) -> float:
    b, d_minus, d_plus = p.i_b, a - p.i_b, a + p.i_b

    def integrand(v):
        # a - b tanh x written without the cancellation of tanh x ~ +-1 at large |x|
        x = (v - p.v_rest) / p.v_lin
        if x > 0:
            e = math.exp(-2 * x)
            return p.c_mem / (d_minus + 2 * b * e / (1 + e))
        e = math.exp(2 * x)
        return p.c_mem / (d_plus - 2 * b * e / (1 + e))

    # full_output keeps quad from warning; judge its error estimate ourselves.
    out = quad(integrand, p.v_reset, p.v_th, epsabs=0.0, epsrel=1e-12, limit=500, full_output=1)
    value, err = out[0], out[1]
    if len(out) > 3 and err > 1e-8 * abs(value):
        warnings.warn(
            f"quadrature of the saturating ISI at I = {a!r} A is inaccurate "
            f"(error estimate {err / value:.1e} relative): {out[3]}",
            RuntimeWarning,
            stacklevel=3,
        )
    return value


def isi_saturating(p: SaturatingLifParams, i, method: str = "quadrature"):
    """Interspike interval of the saturating-leak LIF under constant input, s.

    ``T = t_ref + integral from v_reset to v_th of c_mem / (I - i_b tanh((V - v_rest)/v_lin)) dV``;
    ``inf`` at or below :func:`rheobase_saturating`.

    Parameters
    ----------
    p : SaturatingLifParams
    i : float or array_like
        Input current, A.
    method : {"quadrature", "closed"}
        ``scipy.integrate.quad`` (relative tolerance 1e-12) or the closed form (vectorised,
        fast); the two are independent checks of each other.

    Returns
    -------
    float or numpy.ndarray
        ISI including ``t_ref``, s.
    """
    _check(p)
    if method not in ("quadrature", "closed"):
        raise ValueError(f"method must be 'quadrature' or 'closed', got {method!r}")
    i_arr, scalar = as_current(i)
    flat = i_arr.reshape(-1)
    t = np.full(flat.shape, np.inf)
    fires = flat > rheobase_saturating(p)
    if method == "closed":
        t[fires] = _isi_closed(p, flat[fires])
    else:
        t[fires] = [_isi_quad(p, a) for a in flat[fires]]
    t[fires] += p.t_ref
    return shaped(t.reshape(i_arr.shape), scalar)


def rate_saturating(p: SaturatingLifParams, i, method: str = "closed"):
    """F-I curve of the saturating-leak LIF, Hz; 0 at or below rheobase."""
    i_arr, scalar = as_current(i)
    t = np.asarray(isi_saturating(p, i_arr, method=method), dtype=float)
    f = np.zeros_like(t)
    fin = np.isfinite(t)
    f[fin] = 1.0 / t[fin]
    return shaped(f, scalar)


def _rhs(p: SaturatingLifParams, a: float, b: float, t0: float):
    def rhs(t, y):
        return [(a + b * (t - t0) - p.i_b * math.tanh((y[0] - p.v_rest) / p.v_lin)) / p.c_mem]

    return rhs


def _run(p, segs, t_start, v_start, t_end, detect, max_spikes, rtol):
    tau = p.c_mem / p.g_leak
    atol = 1e-12 * max(abs(p.v_th - p.v_reset), 1e-3)
    spikes: list[float] = []
    pieces: list[tuple[float, object]] = []  # (t_start, dense solution or constant V)
    t_cur, v = float(t_start), float(v_start)

    def crossing(t, y):
        return y[0] - p.v_th

    crossing.terminal = True
    crossing.direction = 1.0

    def spike_at(ts):
        spikes.append(ts)
        if len(spikes) > max_spikes:
            raise RuntimeError(f"more than {max_spikes} spikes; raise max_spikes")
        pieces.append((ts, float(p.v_reset)))
        return ts + p.t_ref, p.v_reset

    if detect and v >= p.v_th:
        t_cur, v = spike_at(t_cur)
    for t0, t1, i0, slope in segs:
        t1 = min(t1, t_end)
        while t_cur < t1:
            sol = solve_ivp(
                _rhs(p, i0 + slope * (t_cur - t0), slope, t_cur),
                (t_cur, t1),
                [v],
                method="DOP853",
                rtol=rtol,
                atol=atol,
                max_step=min(t1 - t_cur, tau),
                dense_output=True,
                events=crossing if detect else None,
            )
            if not sol.success:
                raise RuntimeError(f"solve_ivp failed: {sol.message}")
            pieces.append((t_cur, sol.sol))
            if detect and sol.t_events[0].size:
                t_cur, v = spike_at(float(sol.t_events[0][0]))
            else:
                t_cur, v = t1, float(sol.y[0, -1])
    return np.array(spikes), pieces


def _evaluator(pieces):
    starts = np.array([s for s, _ in pieces])

    def evaluate(t: np.ndarray) -> np.ndarray:
        flat = t.reshape(-1)
        k = np.clip(np.searchsorted(starts, flat, side="right") - 1, 0, None)
        out = np.empty(flat.shape)
        for j in np.unique(k):
            m = k == j
            piece = pieces[j][1]
            out[m] = piece if isinstance(piece, float) else piece(flat[m])[0]
        return out.reshape(t.shape)

    return evaluate


def simulate_saturating(
    p: SaturatingLifParams,
    t_pwl,
    i_pwl,
    t_stop: float,
    v0: float | None = None,
    *,
    rtol: float = _RTOL,
    max_spikes: int = 1_000_000,
) -> LifTrace:
    """Simulate the saturating-leak LIF under a PWL input with ``solve_ivp`` and events.

    Each PWL segment is integrated separately (DOP853, ``rtol`` 1e-10), so breakpoints are
    never stepped over; threshold crossings are terminal events, followed by a hold at
    ``v_reset`` for ``t_ref``. ``v0`` defaults to ``v_rest``; ``v0 >= v_th`` spikes at t = 0.

    Returns
    -------
    lifspice.analysis.theory.ideal.LifTrace
        Spike times (s) and the dense membrane solution (V).
    """
    _check(p)
    segs = pwl_segments(t_pwl, i_pwl, t_stop)
    v0 = p.v_rest if v0 is None else float(v0)
    spikes, pieces = _run(p, segs, 0.0, v0, t_stop, True, max_spikes, rtol)
    return LifTrace(spikes=spikes, t_stop=float(t_stop), evaluator=_evaluator(pieces))


def membrane_pwl_saturating(
    p: SaturatingLifParams, t_pwl, i_pwl, t, *, v0=None, t0: float = 0.0, rtol: float = _RTOL
) -> np.ndarray:
    """Membrane of the saturating-leak LIF under a PWL input with no threshold, V.

    Same arguments as :func:`~lifspice.analysis.theory.ideal.membrane_pwl`; integrated with
    ``solve_ivp``.
    """
    _check(p)
    t, t_end = evaluation_times(t, t0)
    v0 = p.v_rest if v0 is None else float(v0)
    if t.size == 0:
        return np.zeros_like(t)
    segs = pwl_segments(t_pwl, i_pwl, t_end)
    _, pieces = _run(p, segs, t0, v0, t_end, False, 0, rtol)
    if not pieces:
        return np.full(t.shape, v0)
    return _evaluator(pieces)(t)


@dataclass(frozen=True)
class SaturationDeviation:
    """How far the saturating-leak F-I curve is from the textbook LIF with the same g_leak.

    Attributes
    ----------
    currents : numpy.ndarray
        Input currents, A.
    rate_ideal, rate_saturating : numpy.ndarray
        Firing rates, Hz.
    rel_rate_diff : numpy.ndarray
        ``rate_saturating / rate_ideal - 1`` where the ideal neuron fires, else NaN.
    max_abs_rel_rate_diff : float
        Largest ``|rel_rate_diff|`` over currents where both neurons fire (NaN if none).
    rheobase_ideal, rheobase_saturating : float
        Signed threshold currents, A.
    rheobase_ratio : float
        ``rheobase_saturating / rheobase_ideal = tanh(y) / y`` with
        ``y = (v_th - v_rest)/v_lin`` (1 when ``v_th = v_rest``).
    swing_over_v_lin : float
        Largest membrane excursion from ``v_rest`` in units of ``v_lin``.
    """

    currents: np.ndarray
    rate_ideal: np.ndarray
    rate_saturating: np.ndarray
    rel_rate_diff: np.ndarray
    max_abs_rel_rate_diff: float
    rheobase_ideal: float
    rheobase_saturating: float
    rheobase_ratio: float
    swing_over_v_lin: float

    def describe(self) -> str:
        """One sentence on how far the silicon leak is from the textbook LIF."""
        text = (
            f"the membrane swings {self.swing_over_v_lin:.2g} x v_lin from v_rest; the "
            f"saturating leak's rheobase is {100 * self.rheobase_ratio:.3g}% of the textbook one"
        )
        if math.isfinite(self.max_abs_rel_rate_diff):
            text += (
                f" and its rates differ by up to {100 * self.max_abs_rel_rate_diff:.3g}% "
                "over the currents given"
            )
        return text + "."

    def to_dict(self) -> dict:
        def clean(x):
            return [None if not math.isfinite(v) else float(v) for v in np.ravel(x)]

        out = {k: clean(getattr(self, k)) for k in ("currents", "rate_ideal", "rate_saturating")}
        out["rel_rate_diff"] = clean(self.rel_rate_diff)
        for k in (
            "max_abs_rel_rate_diff",
            "rheobase_ideal",
            "rheobase_saturating",
            "rheobase_ratio",
            "swing_over_v_lin",
        ):
            out[k] = clean(getattr(self, k))[0]
        return out


def saturation_deviation(p: SaturatingLifParams, i) -> SaturationDeviation:
    """Compare the saturating and textbook F-I curves at currents ``i`` (A)."""
    _check(p)
    cur = np.atleast_1d(np.asarray(i, dtype=float))
    f_id = np.asarray(rate(p.ideal(), cur), dtype=float)
    f_sat = np.asarray(rate_saturating(p, cur, method="closed"), dtype=float)
    rel = np.full(cur.shape, np.nan)
    ok = f_id > 0
    rel[ok] = f_sat[ok] / f_id[ok] - 1.0
    both = ok & (f_sat > 0)
    y = (p.v_th - p.v_rest) / p.v_lin
    return SaturationDeviation(
        currents=cur,
        rate_ideal=f_id,
        rate_saturating=f_sat,
        rel_rate_diff=rel,
        max_abs_rel_rate_diff=float(np.max(np.abs(rel[both]))) if np.any(both) else math.nan,
        rheobase_ideal=rheobase(p.ideal()),
        rheobase_saturating=rheobase_saturating(p),
        rheobase_ratio=math.tanh(y) / y if y != 0 else 1.0,
        swing_over_v_lin=p.swing / p.v_lin,
    )
