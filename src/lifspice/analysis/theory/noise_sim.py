"""Stochastic simulators of the noisy LIF: the numerical references for
:mod:`lifspice.analysis.theory.noise` (conventions there: ``mu`` in A, ``sigma`` in A s^(1/2)).

* :func:`~lifspice.analysis.theory.noise_sim.simulate_noisy`: white noise, exact Ornstein-Uhlenbeck
  update plus a
  Brownian-bridge crossing test; many independent neurons at once.
* :func:`~lifspice.analysis.theory.noise_sim.simulate_interpolated_noise`: ngspice
  ``trnoise``-style noise (samples every
  ``nt``, linear in between), integrated exactly: what the finite ``nt`` does to the rate.

Both take an explicit ``numpy.random.Generator`` or seed (recorded in the result).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lifspice.analysis.theory.noise import isi_siegert
from lifspice.circuits.params import LifParams, ParameterError

__all__ = ["NoisyIsis", "simulate_interpolated_noise", "simulate_noisy"]


@dataclass(frozen=True)
class NoisyIsis:
    """Interspike intervals of independent noisy LIF neurons.

    Attributes
    ----------
    isis : numpy.ndarray, shape (n_trials, n_isi)
        ISIs, s; every neuron starts at ``v_reset`` as if it had just spiked (a renewal
        process from t = 0), so every interval is a complete, independent ISI.
    seed : int or None
        Seed the generator was made from (None if a Generator was passed).
    dt : float
        Grid step, s.
    """

    isis: np.ndarray
    seed: int | None
    dt: float

    @property
    def rate(self) -> float:
        """1 / mean ISI, Hz."""
        return 1.0 / float(np.mean(self.isis))

    @property
    def cv(self) -> float:
        """Standard deviation / mean of all ISIs."""
        return float(np.std(self.isis, ddof=1) / np.mean(self.isis))

    @property
    def n(self) -> int:
        return int(self.isis.size)


def simulate_noisy(
    p: LifParams,
    mu: float,
    sigma: float,
    *,
    n_isi: int,
    n_trials: int = 200,
    dt: float | None = None,
    rng: np.random.Generator | int | None = None,
    t_max: float | None = None,
) -> NoisyIsis:
    """ISIs of ``n_trials`` independent white-noise-driven LIF neurons, ``n_isi`` each.

    Between grid points the membrane is advanced with the exact Ornstein-Uhlenbeck update
    (mean relaxes by ``e^{-dt/tau}``, variance ``sigma^2/(2 g c) (1 - e^{-2 dt/tau})``), so
    the only discretisation error is in threshold detection.  A crossing *between* two
    sub-threshold grid values ``a``, ``b`` (V below threshold) happens with the Brownian-bridge
    probability ``exp(-2 a b / (s^2 dt))`` (``s = sigma / c_mem``, V s^-1/2); testing it
    removes the ``O(sqrt(dt))`` rate bias of plain grid detection.  Spike times are placed
    by linear interpolation (error ``O(dt)``).  The refractory hold ends at its exact time.

    Parameters
    ----------
    p : LifParams
    mu : float
        Mean input, A.
    sigma : float
        Noise intensity, A s^(1/2).
    n_isi : int
        ISIs to record per neuron.
    n_trials : int
        Independent neurons simulated in parallel.
    dt : float, optional
        Grid step, s; default ``min(tau_m, mean ISI) / 400``.
    rng : numpy.random.Generator or int or None
        Generator or seed (recorded in the result when an int).
    t_max : float, optional
        Give up (RuntimeError) if not done by this simulated time, s; default
        ``200 n_isi`` expected ISIs.
    """
    if sigma < 0 or n_isi < 1 or n_trials < 1:
        raise ParameterError("need sigma >= 0 A s^0.5, n_isi >= 1 and n_trials >= 1")
    gen, seed = _generator(rng)
    tau = p.tau_m
    dt, t_max = _grid(p, mu, sigma, n_isi, dt, t_max)
    u_th, u_r = p.v_th - p.v_rest, p.v_reset - p.v_rest
    u_inf = mu / p.g_leak
    s2 = (sigma / p.c_mem) ** 2  # V^2/s, diffusion of V
    var_stat = s2 * tau / 2.0

    u = np.full(n_trials, u_r)
    t_last = np.zeros(n_trials)  # time of the last spike (t = 0 counts as one)
    release = np.full(n_trials, p.t_ref)  # end of the current refractory hold
    isis = np.zeros((n_trials, n_isi))
    count = np.zeros(n_trials, dtype=np.int64)
    ids = np.arange(n_trials)  # the neurons still running (finished ones are dropped)
    t = 0.0
    while ids.size:
        if t > t_max:
            raise RuntimeError(f"simulate_noisy: not done after t_max = {t_max!r} s")
        t1 = t + dt
        h = np.clip(t1 - np.maximum(t, release), 0.0, dt)  # free time in this step
        sd = np.sqrt(var_stat * -np.expm1(-2.0 * h / tau))
        u_new = u_inf + (u - u_inf) * np.exp(-h / tau) + sd * gen.standard_normal(ids.size)
        free = h > 0
        a, b = u_th - u, u_th - u_new  # distances below threshold
        crossed = free & (b <= 0)
        fire = crossed | (gen.random(ids.size) < _bridge_probability(a, b, free, h, s2))
        u = np.where(free, u_new, u)
        if np.any(fire):
            frac = np.where(crossed, np.clip(a / np.where(a - b != 0, a - b, 1.0), 0, 1), 0.5)
            k = np.nonzero(fire)[0]
            _record_spikes(k, (t1 - h) + frac * h, ids, isis, count, t_last, release, p.t_ref)
            u[k] = u_r
            _release_late(u, release, k, t1, u_inf, u_r, tau, var_stat, gen)
            keep = count[ids] < n_isi
            if not np.all(keep):
                ids, u, t_last, release = ids[keep], u[keep], t_last[keep], release[keep]
        t = t1
    return NoisyIsis(isis=isis, seed=seed, dt=float(dt))


def simulate_interpolated_noise(
    p: LifParams,
    mu: float,
    sigma: float,
    nt: float,
    t_stop: float,
    *,
    n_trials: int = 1000,
    substeps: int = 4,
    rng: np.random.Generator | int | None = None,
) -> NoisyIsis:
    """The LIF driven by ngspice-style ``trnoise``: independent samples of rms
    ``sigma / sqrt(nt)`` every ``nt`` s (the first 0), linear in between, plus ``mu``.

    The membrane is integrated exactly for the piecewise-linear input; the threshold is
    tested ``substeps`` times per sample interval (the membrane is smooth on that scale, so
    a crossing missed in between is second order).  This isolates what the finite ``nt``
    does to the rate (a colored-noise effect) from everything else in a SPICE run.

    Returns the ISIs of ``n_trials`` neurons over ``t_stop`` s each, pooled (complete
    intervals only; the interval before the first spike is dropped), as ``NoisyIsis`` with
    shape ``(1, n)``.
    """
    seed = rng if isinstance(rng, int) else None
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    tau, g = p.tau_m, p.g_leak
    u_th, u_r = p.v_th - p.v_rest, p.v_reset - p.v_rest
    na = sigma / math.sqrt(nt)
    h = nt / substeps
    dec = math.exp(-h / tau)
    u = np.full(n_trials, u_r)
    release = np.zeros(n_trials)
    last = np.full(n_trials, np.nan)  # no spike yet: the first interval is not complete
    i_k = np.zeros(n_trials)
    out = []
    t = 0.0
    while t < t_stop:
        i_k1 = gen.standard_normal(n_trials) * na
        slope = (i_k1 - i_k) / nt
        for j in range(substeps):
            t1 = t + h
            a = mu + i_k + slope * (j * h)
            base = (a - slope * tau) / g
            free = release <= t
            u = np.where(free, base + (slope / g) * h + (u - base) * dec, u)
            fire = free & (u >= u_th)
            if np.any(fire):
                k = np.nonzero(fire)[0]
                done = k[np.isfinite(last[k])]
                out.append(t1 - last[done])
                last[k] = t1
                release[k] = t1 + p.t_ref
                u[k] = u_r
            t = t1
        i_k = i_k1
    isis = np.concatenate(out) if out else np.zeros(0)
    return NoisyIsis(isis=isis[None, :], seed=seed, dt=float(h))


def _grid(p: LifParams, mu: float, sigma: float, n_isi: int, dt: float | None,
          t_max: float | None) -> tuple[float, float]:
    """Default grid step (min(tau_m, mean free ISI) / 400) and give-up time, s."""
    tau = p.tau_m
    t_expect = float(isi_siegert(p, mu, sigma))
    if dt is None:
        dt = min(tau, t_expect - p.t_ref if math.isfinite(t_expect) else tau) / 400
    if t_max is None:
        t_max = 200 * n_isi * (t_expect if math.isfinite(t_expect) else 1e3 * tau)
    return dt, t_max


def _release_late(u, release, k, t1, u_inf, u_r, tau, var_stat, gen) -> None:
    """Neurons ``k`` just fired; those whose hold ends inside this step (before ``t1``)
    evolve the rest of the step now (exact OU update, in place)."""
    late = k[release[k] < t1]
    if late.size:
        hl = t1 - release[late]
        u[late] = (u_inf + (u_r - u_inf) * np.exp(-hl / tau)
                   + np.sqrt(var_stat * -np.expm1(-2 * hl / tau))
                   * gen.standard_normal(late.size))
        release[late] = t1


def _bridge_probability(a, b, free, h, s2):
    """Probability that a free Brownian bridge from ``a`` to ``b`` V below threshold over
    ``h`` s crossed it in between, ``exp(-2 a b / (s2 h))`` (0 where it cannot apply)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.where(free & (b > 0) & (a > 0),
                        np.exp(-2.0 * a * b / (s2 * np.where(h > 0, h, 1.0))), 0.0)


def _record_spikes(k, ts, ids, isis, count, t_last, release, t_ref) -> None:
    """Neurons ``k`` (positions among the running ``ids``) spiked at ``ts[k]`` s: record
    their ISIs and start their refractory hold (in place)."""
    gk = ids[k]
    isis[gk, count[gk]] = ts[k] - t_last[k]
    count[gk] += 1
    t_last[k] = ts[k]
    release[k] = ts[k] + t_ref


def _generator(rng) -> tuple[np.random.Generator, int | None]:
    """The generator to draw from and the seed to record (an int ``rng``, else None)."""
    seed = rng if isinstance(rng, int) else None
    return (rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)), seed
