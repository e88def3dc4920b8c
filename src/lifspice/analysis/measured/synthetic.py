"""Synthetic measurements of known LIF neurons with the faults of a real bench: rate jitter,
missing spikes, trace noise, a probe's DC offset, finite sampling. For tests, the notebook
and the coverage and power studies; every function takes an explicit
:class:`numpy.random.Generator`."""

from __future__ import annotations

import numpy as np

from lifspice.analysis import theory as th
from lifspice.analysis.theory import saturating as ths
from lifspice.circuits.params import LifParams, SaturatingLifParams

__all__ = ["synthetic_fi", "synthetic_spikes", "synthetic_trace"]


def _rate(p: LifParams, i) -> np.ndarray:
    fn = ths.rate_saturating if isinstance(p, SaturatingLifParams) else th.rate
    return np.asarray(fn(p, np.asarray(i, float)), float)


def synthetic_fi(p: LifParams, currents, rng: np.random.Generator, *,
                 rel_jitter: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """(currents A, rates Hz): the model's rates times ``exp(rel_jitter * N(0, 1))``."""
    i = np.asarray(currents, float)
    f = _rate(p, i)
    return i, f * np.exp(rel_jitter * rng.standard_normal(i.size))


def synthetic_spikes(p: LifParams, currents, rng: np.random.Generator, *,
                     n_spikes: int = 20, isi_cv: float = 0.03,
                     p_missing: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One row per recorded spike: (current A, spike time s). ISIs are the model's with
    Gaussian jitter of coefficient ``isi_cv``; each spike is lost with ``p_missing``
    (the first one is always kept)."""
    rows_i, rows_t = [], []
    for i in np.asarray(currents, float):
        f = float(_rate(p, [i])[0])
        if f <= 0:
            continue
        isi = np.maximum(rng.normal(1 / f, isi_cv / f, n_spikes - 1), 0.05 / f)
        t = rng.uniform(0, 1 / f) + np.concatenate([[0.0], np.cumsum(isi)])
        keep = rng.random(t.size) >= p_missing
        keep[0] = True
        rows_i.append(np.full(int(keep.sum()), i))
        rows_t.append(t[keep])
    return np.concatenate(rows_i), np.concatenate(rows_t)


def synthetic_trace(p: LifParams, i_steps, step_s: float, rng: np.random.Generator, *,
                    dt: float, noise_v: float = 1e-3, offset_v: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An oscilloscope trace of the neuron under a staircase of currents ``i_steps`` (A),
    each held ``step_s`` s, from ``v_reset``: (t s, v V, i A) sampled every ``dt`` s, with
    white noise ``noise_v`` (V rms) and a DC ``offset_v`` (V)."""
    steps = np.asarray(i_steps, float)
    edges = np.arange(steps.size + 1) * step_s
    t_pwl = np.repeat(edges[1:-1], 2)
    t_pwl = np.concatenate([[0.0], t_pwl, [edges[-1]]])
    i_pwl = np.repeat(steps, 2)
    sim = th.simulate_saturating if isinstance(p, SaturatingLifParams) else th.simulate
    trace = sim(p, t_pwl, i_pwl, float(edges[-1]), v0=p.v_reset)
    t = np.arange(0.0, edges[-1], dt)
    v = np.asarray(trace.v(t), float)
    i = steps[np.minimum((t // step_s).astype(int), steps.size - 1)]
    return t, v + offset_v + noise_v * rng.standard_normal(t.size), i
