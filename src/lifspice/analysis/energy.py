"""Energy per spike from a firing transient's supply current (pure numpy)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lifspice.analysis import events

# Published energy per spike of silicon LIF neurons (and a biological reference), to place
# the kit's number beside the literature: (source, technology, J, note). Only figures read
# in the cited source; copied from the project's reference table of published silicon LIFs.
PUBLISHED_ENERGY_PER_SPIKE: tuple[tuple[str, str, float, str], ...] = (
    ("Sourikopoulos et al. 2017, Front. Neurosci. 11:123", "65 nm CMOS", 4e-15,
     "artificial neuron"),
    ("Besrour et al. 2024, arXiv 2408.07734", "28 nm CMOS", 1.61e-15,
     "up to 300 kHz at 250 mV"),
    ("JLPEA 13(4):55, 2023", "65 nm CMOS", 2.1e-12, "LIF; 20 pJ per synaptic operation"),
    ("ACS Omega 2024 (PMC11044232)", "biological neuron", 1e-11,
     "order-of-magnitude reference"),
)


@dataclass(frozen=True)
class SpikeEnergy:
    """Supply energy of a periodically firing neuron (SI units)."""

    total: float  # J per spike, everything the supply delivered over whole ISIs
    static_power: float  # W, supply power in the quiet middle of the ISIs
    dynamic: float  # J per spike, total minus static power x ISI
    n_isi: int  # whole inter-spike intervals integrated


def energy_per_spike(t: np.ndarray, traces: Mapping, probes, bounds=None) -> SpikeEnergy:
    """Energy per spike from a firing transient's supply current.

    The supply power (``probes.supply`` is the current into the source's + terminal, so
    negative while it delivers) is integrated over whole periods whose ends fall in the quiet
    climb, not on the spike edges, where a shift of one time step moved the integral by ~15 %
    of its mismatch spread (measured with the Monte Carlo floor reruns). By default each
    period runs from 0.1 ISI before one spike to 0.1 ISI before the next (a first spike too
    early for that, less than 0.1 ISI into the record, is left out); ``bounds`` gives the
    cuts instead, e.g. the start and stop of a :class:`~lifspice.analysis.extract.FiringCycle`.
    The static power is the median supply power in the quiet part of each period: the climb,
    more than 0.1 period after the end of the reset pulse and more than 0.1 period before the
    spike, where the comparator sits low and only the bias currents flow. What is left over
    per spike is the energy of firing (edges, comparator crowbar near threshold, hysteresis,
    refractory recharge).

    Parameters
    ----------
    t : ndarray
        Time, s.
    traces : mapping
        Vectors of the transient, holding ``probes.spike``, ``probes.reset`` and
        ``probes.supply``.
    bounds : sequence of float, optional
        Increasing times, s, cutting the record into whole periods of one spike each.
    """
    t = np.asarray(t, float)
    p = -np.asarray(traces[probes.supply], float) * probes.vdd  # W, delivered by the supply
    spikes = events.spike_times(probes, t, traces)
    if bounds is None:
        if spikes.size >= 3 and spikes[0] - 0.1 * (spikes[1] - spikes[0]) < t[0]:
            spikes = spikes[1:]
        if spikes.size < 2 or spikes[0] - 0.1 * (spikes[1] - spikes[0]) < t[0]:
            return SpikeEnergy(math.nan, math.nan, math.nan, 0)
        isi = np.diff(spikes)
        bounds = spikes - 0.1 * np.concatenate([isi[:1], isi])
    bounds = np.asarray(bounds, float)
    if bounds.size < 2 or np.any(np.diff(bounds) <= 0) or bounds[0] < t[0] or bounds[-1] > t[-1]:
        return SpikeEnergy(math.nan, math.nan, math.nan, 0)
    a, b = float(bounds[0]), float(bounds[-1])
    inside = (t > a) & (t < b)
    ts = np.concatenate([[a], t[inside], [b]])
    e_total = float(np.trapezoid(np.interp(ts, t, p), ts))
    n = bounds.size - 1
    ends = np.asarray(events.reset_pulses(probes, t, traces).stop)
    quiet = np.zeros(t.size, bool)
    for p0, p1 in zip(bounds[:-1], bounds[1:], strict=True):
        guard = 0.1 * (p1 - p0)
        s = spikes[(spikes > p0) & (spikes < p1)]
        if s.size == 0:
            continue
        after = ends[(ends > s[0]) & (ends < p1)]
        period = (t >= p0) & (t <= p1)
        busy = (t > s[0] - guard) & (t < (after[0] + guard if after.size else np.inf))
        quiet |= period & ~busy
    if not quiet.any():
        return SpikeEnergy(e_total / n, math.nan, math.nan, n)
    p_static = float(np.median(p[quiet]))
    return SpikeEnergy(e_total / n, p_static, (e_total - p_static * (b - a)) / n, n)
