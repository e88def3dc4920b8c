"""Extraction: what a simulated (or measured) neuron does, from its waveforms.

Arrays in, numbers or arrays out; no simulator, no files.  Units: s, V, A, S.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, curve_fit


def crossings(t: np.ndarray, x: np.ndarray, level: float, direction: str = "up") -> np.ndarray:
    """Times where ``x`` crosses ``level`` (linear interpolation between samples), s."""
    t = np.asarray(t, float)
    x = np.asarray(x, float) - level
    if direction == "up":
        k = np.nonzero((x[:-1] < 0) & (x[1:] >= 0))[0]
    elif direction == "down":
        k = np.nonzero((x[:-1] >= 0) & (x[1:] < 0))[0]
    else:
        raise ValueError("direction must be 'up' or 'down'")
    frac = x[k] / (x[k] - x[k + 1])
    return t[k] + frac * (t[k + 1] - t[k])


def spike_times(t: np.ndarray, spike_signal: np.ndarray, level: float) -> np.ndarray:
    """Spike times: rising crossings of the comparator output ``spike_signal`` through
    ``level`` (e.g. half its swing), s."""
    return crossings(t, spike_signal, level, "up")


def threshold_at_spikes(t: np.ndarray, v_mem: np.ndarray, spikes: np.ndarray) -> np.ndarray:
    """Membrane voltage when the comparator fires, one per spike, V.

    The membrane at the last sample before each spike, or, if it is already falling there
    (the reset can act before a slow spike output crosses its level), at the peak it fell
    from.
    """
    t = np.asarray(t)
    v = np.asarray(v_mem)
    ks = np.clip(np.searchsorted(t, np.asarray(spikes), side="right") - 1, 0, len(v) - 1)
    out = np.empty(ks.shape, float)
    for n, k in enumerate(np.ravel(ks)):
        while k > 0 and v[k - 1] > v[k]:
            k -= 1
        out.flat[n] = v[k]
    return out


def rise_before(t: np.ndarray, x: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How much ``x`` changed over the simulator step ending at the last sample at or before
    each of ``times``: the resolution of a value read there (:func:`threshold_at_spikes`).
    A simulator that refines its step at an edge reads it finely; one stepping over it at
    its largest step reads it no better than this."""
    t = np.asarray(t)
    x = np.asarray(x)
    k = np.clip(np.searchsorted(t, np.asarray(times), side="right") - 1, 1, len(x) - 1)
    return np.abs(x[k] - x[k - 1])


@dataclass(frozen=True)
class ResetPulses:
    """Intervals during which the reset is applied (the reset drive above half swing)."""

    start: np.ndarray  # s
    stop: np.ndarray  # s

    @property
    def width(self) -> np.ndarray:
        return self.stop - self.start


def reset_pulses(t: np.ndarray, reset_signal: np.ndarray, level: float) -> ResetPulses:
    """Complete reset pulses of ``reset_signal`` around ``level`` (pulses cut by the start or
    end of the record are dropped)."""
    up = crossings(t, reset_signal, level, "up")
    down = crossings(t, reset_signal, level, "down")
    if up.size and down.size:
        down = down[down > up[0]]
        up = up[: down.size]
    else:
        up = down = np.array([])
    return ResetPulses(up, down)


def reset_voltage(t: np.ndarray, v_mem: np.ndarray, pulses: ResetPulses) -> np.ndarray:
    """Membrane voltage held during each reset pulse (median of its second half), V."""
    out = []
    for a, b in zip(pulses.start, pulses.stop, strict=True):
        m = (t >= a + 0.5 * (b - a)) & (t <= b)
        out.append(np.median(v_mem[m]) if m.any() else np.interp(0.5 * (a + b), t, v_mem))
    return np.asarray(out)


@dataclass(frozen=True)
class FiringCycle:
    """One whole period of a firing neuron, cut where the membrane climbs through a level."""

    start: float  # s, upward crossing of the level before the spike
    stop: float  # s, the next upward crossing (same point of the orbit, one ISI later)
    spike: float  # s, the spike between them

    @property
    def isi(self) -> float:
        return self.stop - self.start


def firing_cycle(t: np.ndarray, v_mem: np.ndarray, level: float,
                 spikes: np.ndarray) -> FiringCycle | None:
    """The first whole firing cycle of the record: two consecutive upward crossings of
    ``level`` by the membrane with a spike between them (``None`` if there is none).

    In steady firing the membrane passes ``level`` at the same point of its orbit once per
    ISI, so ``stop - start`` is the ISI, measured with one spike instead of two. Choose
    ``level`` inside the climb (between the reset voltage and the threshold), where the
    membrane moves smoothly and every fast node has settled.
    """
    ups = crossings(t, v_mem, level, "up")
    spikes = np.asarray(spikes, float)
    for a, b in zip(ups[:-1], ups[1:], strict=True):
        inside = spikes[(spikes > a) & (spikes < b)]
        if inside.size:
            return FiringCycle(float(a), float(b), float(inside[0]))
    return None


def steady_isi(spikes: np.ndarray, skip_first: bool = True) -> float:
    """Mean interspike interval, s; ``skip_first`` drops the first interval (the start-up
    transient). ``inf`` with fewer than two spikes."""
    isi = np.diff(np.asarray(spikes))
    if skip_first and isi.size > 1:
        isi = isi[1:]
    return float(np.mean(isi)) if isi.size else float("inf")


def firing_rate(spikes: np.ndarray, skip_first: bool = True) -> float:
    """Steady firing rate 1 / mean ISI, Hz (0 with fewer than two spikes)."""
    isi = steady_isi(spikes, skip_first)
    return 0.0 if not np.isfinite(isi) else 1.0 / isi


@dataclass(frozen=True)
class StepFit:
    """Exponential fit ``v = v_inf + (v0 - v_inf) exp(-(t - t0)/tau)`` of a step response."""

    tau: float  # s
    tau_stderr: float  # s
    v0: float  # V
    v_inf: float  # V
    rms_residual: float  # V


def fit_step_response(t: np.ndarray, v: np.ndarray, t0: float) -> StepFit:
    """Membrane time constant from the response to a current step applied at ``t0``.

    Fits a single exponential to the samples after ``t0`` with non-linear least squares.
    """
    t = np.asarray(t, float)
    v = np.asarray(v, float)
    m = t > t0
    if m.sum() < 10:
        raise ValueError("fewer than 10 samples after the step: lengthen the simulation")
    tt, vv = t[m] - t0, v[m]
    v0 = float(np.interp(t0, t, v))
    v_inf = float(vv[-1])
    dv = v_inf - v0
    if abs(dv) <= 0:
        raise ValueError("the membrane did not move after the step")
    # first guess: time to 63 % of the final excursion
    k = np.argmax((vv - v0) / dv >= 1 - np.exp(-1))
    tau0 = max(float(tt[k]), float(tt[1] - tt[0]))

    def model(x, tau, a, b):
        return b + (a - b) * np.exp(-x / tau)

    popt, pcov = curve_fit(model, tt, vv, p0=(tau0, v0, v_inf), method="trf",
                           x_scale=(tau0, abs(dv), abs(dv)))
    resid = vv - model(tt, *popt)
    return StepFit(
        tau=float(popt[0]),
        tau_stderr=float(np.sqrt(pcov[0, 0])),
        v0=float(popt[1]),
        v_inf=float(popt[2]),
        rms_residual=float(np.sqrt(np.mean(resid**2))),
    )


def slope_at(x: np.ndarray, y: np.ndarray, x0: float, half_width: float) -> float:
    """dy/dx at ``x0`` from a quadratic fit to the points within ``half_width`` of it."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    m = np.abs(x - x0) <= half_width
    if m.sum() < 3:
        raise ValueError("fewer than 3 sweep points near the operating point: refine the sweep")
    c = np.polyfit(x[m] - x0, y[m], 2)
    return float(c[1])


@dataclass(frozen=True)
class ComparatorDelay:
    """A comparator seen through the membrane it watches.

    It trips at ``v_trip`` but fires only after a delay, during which the membrane keeps
    rising, so the membrane at firing is ``v_trip + gain * slope ** exponent`` for a
    membrane slope ``slope`` (V/s). A comparator that slews at a constant rate has
    ``exponent`` = 1 (a fixed delay); one that integrates a small overdrive (its linear
    regime, the usual case near threshold) has ``exponent`` ~ 1/2: delay ~ 1 / sqrt(slope).
    """

    v_trip: float  # V, static trip point: the threshold of a slow crossing
    gain: float  # V / (V/s)**exponent
    exponent: float
    rms_residual: float  # V
    n: int  # crossings (or F-I points) used

    def overshoot(self, slope):
        """Membrane above ``v_trip`` when the comparator fires, V."""
        return self.gain * np.asarray(slope, float) ** self.exponent

    def delay(self, slope):
        """Time from crossing ``v_trip`` to firing, s, at membrane slope ``slope`` (V/s)."""
        s = np.asarray(slope, float)
        with np.errstate(divide="ignore"):
            return np.where(s > 0, self.gain * s ** (self.exponent - 1.0), np.inf)


def comparator_delay(v_fire: np.ndarray, slope: np.ndarray) -> ComparatorDelay:
    """Separate a comparator's trip point from its delay.

    Parameters
    ----------
    v_fire : ndarray
        Membrane voltage when the comparator output switched, V (e.g. the median per F-I
        point).
    slope : ndarray
        Membrane slope dV/dt at those moments, V/s (e.g. ``(I_in - I_leak(V)) / C``).

    Fits ``v_fire = v_trip + gain * slope ** exponent`` (exponent in 0.2 .. 1) by least
    squares over crossings at different slopes; with only three points the exponent is
    held at 1. Raises ValueError with fewer than three rising crossings.
    """
    v = np.asarray(v_fire, float)
    s = np.asarray(slope, float)
    m = np.isfinite(v) & np.isfinite(s) & (s > 0)
    if m.sum() < 3:
        raise ValueError(f"{int(m.sum())} crossing(s) with a rising membrane: need >= 3 "
                         "at different slopes to separate trip point and delay")
    v, s = v[m], s[m]
    k1, k0 = np.polyfit(s, v, 1)
    if s.size == 3:
        popt = (k0, k1, 1.0)
    else:
        span = float(np.ptp(v)) or 1e-3
        lo = (v.min() - 10 * span, 0.0, 0.2)
        hi = (v.min() + 1e-12, np.inf, 1.0)
        p0 = (float(v.min()) - 0.1 * span, max(k1, 1e-12) * float(np.sqrt(s.max())), 0.5)
        popt, _ = curve_fit(lambda x, v0, a, e: v0 + a * x**e, s, v, p0=p0, bounds=(lo, hi),
                            x_scale=(span, p0[1], 0.1), max_nfev=2000)
    v0, gain, ex = (float(x) for x in popt)
    resid = v - (v0 + gain * s**ex)
    return ComparatorDelay(v0, gain, ex, float(np.sqrt(np.mean(resid**2))), int(s.size))


@dataclass(frozen=True)
class LeakCurve:
    """DC curve of the leak: current out of the membrane I(V) (A) against V (V)."""

    v: np.ndarray
    i: np.ndarray
    v_rest: float  # V, where I = 0
    g_m: float  # S, dI/dV at v_rest
    i_sat_pos: float  # A, saturation current for V above v_rest
    i_sat_neg: float  # A, magnitude of the saturation current below v_rest

    @property
    def i_b(self) -> float:
        """Mean saturation current, A."""
        return 0.5 * (self.i_sat_pos + self.i_sat_neg)

    @property
    def v_lin(self) -> float:
        """Linear range i_b / g_m, V."""
        return self.i_b / self.g_m

    def current(self, v: np.ndarray | float) -> np.ndarray:
        """Leak current at ``v`` by interpolation of the swept curve, A."""
        return np.interp(v, self.v, self.i)

    def i_b_through(self, v_th: float) -> float:
        """The saturation current (A) of the tanh leak ``i_b tanh((V - v_rest) g_m / i_b)``
        that passes through the swept current at ``v_th`` (V), so that the saturating LIF's
        rheobase is the measured leak at threshold.

        The mean saturation :attr:`i_b` misses it where the leak is asymmetric or keeps
        rising past its knee (a transistor OTA's output conductance: the sized sky130
        neurons' rheobase came out 2.5-5 % under the swept current at v_th, and the F-I
        point placed at 1.05x that rheobase at 1.003-1.04x the real one). :attr:`i_b` is
        returned where no such i_b exists or none is needed: v_th at or below v_rest, or
        the swept current at v_th over 99 % of the linear ``g_m (v_th - v_rest)``.
        """
        k = self.g_m * (v_th - self.v_rest)
        i_th = float(self.current(v_th))
        if not (k > 0 and 0 < i_th < 0.99 * k):
            return self.i_b
        def excess(i_b: float) -> float:
            return i_b * math.tanh(k / i_b) - i_th

        hi = i_th  # i_th tanh(k / i_th) < i_th; i_b tanh(k / i_b) rises to k
        while excess(hi) < 0:
            hi *= 2
        return float(brentq(excess, i_th, hi, xtol=1e-9 * i_th, rtol=1e-12))


def leak_curve(v: np.ndarray, i: np.ndarray, half_width: float | None = None) -> LeakCurve:
    """Characterize a swept leak: its zero crossing, g_m there and its saturation currents.

    ``i`` is the current the leak draws out of the membrane (positive above rest).
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    order = np.argsort(v)
    v, i = v[order], i[order]
    zc = crossings(v, i, 0.0, "up")
    if zc.size == 0:
        raise ValueError("the leak current never crosses zero in the swept range")
    v_rest = float(zc[0])
    hw = half_width if half_width is not None else 5 * float(np.median(np.diff(v)))
    g = slope_at(v, i, v_rest, hw)
    if not g > 0:
        raise ValueError(f"leak conductance at rest is {g!r} S: the leak does not restore")
    return LeakCurve(v, i, v_rest, g, float(i.max()), float(-i.min()))


def threshold_trace_tau(t, v_vth, t_from: float, v_rest: float) -> float:
    """Decay time (s) of ``v_vth - v_rest`` after ``t_from``, from a log-linear fit over
    the part that is still above 10 % of its start (a check of ``tau_a``)."""
    t = np.asarray(t, float)
    x = np.asarray(v_vth, float) - v_rest
    m = t >= t_from
    t, x = t[m], x[m]
    keep = x > 0.1 * x[0]
    if keep.sum() < 5:
        return math.nan
    slope = np.polyfit(t[keep], np.log(x[keep]), 1)[0]
    return -1.0 / slope if slope < 0 else math.nan
