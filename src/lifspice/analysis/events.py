"""Spikes and reset pulses of a transient, from the bench's probes or from the membrane alone.

A kit neuron has a comparator output and a reset drive to read (``Probes.spike`` and
``Probes.reset``). A user's own circuit (:mod:`lifspice.circuits.subckt`) may show only its
membrane: then a spike is a reset of the membrane (a fall through half its range that is fast
against the climb before it), timed at the peak it falls from, and a reset pulse lasts from that
peak to where the membrane leaves the level it was held at (the release: the climb extrapolated
back to that level). Every flow reads spikes and pulses through :func:`spike_times` and
:func:`reset_pulses`, so both kinds of bench measure alike. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lifspice.analysis import extract
from lifspice.circuits.bench import Probes

#: A membrane fall counts as a reset when it reaches half the trace's range in less than this
#: share of the climb before it (a slow relaxation or a noisy wiggle does not).
FAST_FALL = 0.2
#: Band above the held level, as a share of the trace's range, inside which the membrane
#: counts as still held by the reset.
HOLD_BAND = 2e-3


def event_vectors(pr: Probes) -> list[str]:
    """The vectors :func:`spike_times` and :func:`reset_pulses` read (membrane included)."""
    return [pr.mem, *(x for x in (pr.spike, pr.reset) if x is not None)]


def spike_times(pr: Probes, t: np.ndarray, traces: Mapping) -> np.ndarray:
    """Spike times, s: rising crossings of the spike output, or the membrane's resets."""
    t = np.asarray(t, float)
    if pr.spike is not None:
        return extract.spike_times(t, np.asarray(traces[pr.spike], float), pr.spike_level)
    return membrane_resets(t, np.asarray(traces[pr.mem], float))


def reset_pulses(pr: Probes, t: np.ndarray, traces: Mapping) -> extract.ResetPulses:
    """Reset pulses: the reset drive above its level, or the membrane held after each reset."""
    t = np.asarray(t, float)
    if pr.reset is not None:
        return extract.reset_pulses(t, np.asarray(traces[pr.reset], float), pr.reset_level)
    return membrane_holds(t, np.asarray(traces[pr.mem], float))


@dataclass(frozen=True)
class FiringLevels:
    """What a firing transient shows: its spikes and reset pulses and, when it has two spikes
    and a complete pulse, the median membrane at firing, held level and pulse width (SI)."""

    spikes: np.ndarray
    pulses: extract.ResetPulses
    v_th: float = math.nan
    v_reset: float = math.nan
    t_ref: float = math.nan

    @property
    def complete(self) -> bool:
        return self.spikes.size >= 2 and self.pulses.start.size >= 1


def firing_levels(pr: Probes, t: np.ndarray, traces: Mapping) -> FiringLevels:
    """Spikes, pulses, and the median threshold, reset level and refractory time of a
    firing transient (NaN unless :attr:`FiringLevels.complete`)."""
    t = np.asarray(t, float)
    spikes, pulses = spike_times(pr, t, traces), reset_pulses(pr, t, traces)
    out = FiringLevels(spikes, pulses)
    if not out.complete:
        return out
    v = np.asarray(traces[pr.mem], float)
    return FiringLevels(spikes, pulses,
                        v_th=float(np.median(extract.threshold_at_spikes(t, v, spikes))),
                        v_reset=float(np.median(extract.reset_voltage(t, v, pulses))),
                        t_ref=float(np.median(pulses.width)))


def still_in_reset(pr: Probes, t: np.ndarray, traces: Mapping) -> bool:
    """True when the record ends with the reset on (a reset drive above its level, or a
    membrane still held after its last reset)."""
    if pr.reset is not None:
        return bool(np.asarray(traces[pr.reset])[-1] > pr.reset_level)
    v = np.asarray(traces[pr.mem], float)
    peaks = membrane_resets(np.asarray(t, float), v)
    if not peaks.size:
        return False
    holds = membrane_holds(np.asarray(t, float), v)
    return bool(holds.stop.size < peaks.size)


def _falls(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(indices of the peaks, times the falls pass a quarter of the range) of the membrane's
    fast falls, and the range's bottom and size.

    The range runs from the lowest point after the membrane first reaches the top quarter of
    its whole excursion (a start far below the reset level does not count) to its highest
    point. A fall is a reset when it goes from above three quarters of the range to below one
    quarter in less than :data:`FAST_FALL` of the climb before it (noise and slow
    relaxations do not)."""
    if v.size < 3:
        return np.array([], int), np.array([]), float(np.min(v, initial=0.0)), 0.0
    hi = float(np.max(v))
    first_high = int(np.argmax(v >= hi - 0.25 * (hi - float(np.min(v)))))
    lo = float(np.min(v[first_high:]))
    span = hi - lo
    if not span > 0:
        return np.array([], int), np.array([]), lo, span
    top_level, low_level = lo + 0.75 * span, lo + 0.25 * span
    downs_top = extract.crossings(t, v, top_level, "down")
    downs_low = extract.crossings(t, v, low_level, "down")
    ups_low = extract.crossings(t, v, low_level, "up")
    peaks, times = [], []
    for td in downs_top:
        after = downs_low[downs_low > td]
        if not after.size:
            continue
        k = int(np.searchsorted(t, td, side="right")) - 1
        while k > 0 and v[k - 1] >= v[k]:
            k -= 1
        before = ups_low[ups_low < t[k]]
        climb = t[k] - (before[-1] if before.size else t[0])
        if climb > 0 and after[0] - t[k] > FAST_FALL * climb:
            continue  # a slow relaxation, not a reset
        if peaks and k == peaks[-1]:
            continue
        peaks.append(k)
        times.append(after[0])
    return np.asarray(peaks, int), np.asarray(times, float), lo, span


def membrane_resets(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Times of the membrane's peaks before its fast falls (its resets), s."""
    peaks, _, _, _ = _falls(np.asarray(t, float), np.asarray(v, float))
    return np.asarray(t, float)[peaks]


def membrane_holds(t: np.ndarray, v: np.ndarray) -> extract.ResetPulses:
    """From each reset's peak to the membrane's release from the level it was held at, s.

    The held level is the lowest point before the next climb; the release is where a
    straight line through the climb's first points (between 2 and 8 hold bands above that
    level) comes back to it, so neither the sampling nor a slightly sloped hold moves it by
    more than a fraction of a step. Holds cut by the end of the record are dropped.
    """
    t = np.asarray(t, float)
    v = np.asarray(v, float)
    peaks, downs, _, span = _falls(t, v)
    starts, stops = [], []
    for n, (k, td) in enumerate(zip(peaks, downs, strict=True)):
        end = peaks[n + 1] if n + 1 < peaks.size else v.size
        first = int(np.searchsorted(t, td))
        seg = slice(first, end)
        if end - first < 3:
            continue
        j0 = first + int(np.argmin(v[seg]))
        floor = float(v[j0])
        band = HOLD_BAND * span
        after = np.nonzero(v[j0:end] > floor + band)[0]
        if not after.size:
            continue  # still held at the end of the record
        rel = _release(t[j0:end], v[j0:end], floor, band)
        starts.append(t[k])
        stops.append(rel)
    return extract.ResetPulses(np.asarray(starts, float), np.asarray(stops, float))


def _release(t: np.ndarray, v: np.ndarray, floor: float, band: float) -> float:
    """Release time: the climb's first points (those under 8 bands above ``floor``, at least
    two) extrapolated by a straight line to the held level (median of the samples within one
    band of ``floor``)."""
    first_out = int(np.argmax(v > floor + band))
    held = float(np.median(v[: max(first_out, 1)]))
    idx = first_out + np.nonzero(v[first_out:] < floor + 8 * band)[0]
    idx = idx[idx - first_out == np.arange(idx.size)]  # the contiguous run from first_out
    if idx.size < 2:
        idx = np.arange(first_out, min(first_out + 2, v.size))
    if idx.size >= 2:
        slope, icept = np.polyfit(t[idx], v[idx], 1)
        if slope > 0:
            return float(min(max((held - icept) / slope, t[max(first_out - 1, 0)]),
                             t[first_out]))
    return float(t[max(first_out - 1, 0)])
