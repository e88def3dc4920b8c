"""Measured F-I data made fit for fitting: non-finite rows dropped, rows sorted, duplicate
currents kept as replicates, saturated points at the top removed; spike trains turned into
rates robustly to missing spikes. Every step that changes the data leaves a note."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["FiData", "clean_fi", "rates_from_spikes"]

MISSING_ISI = 1.5  # an ISI this many medians long or more hides round(isi/median) - 1 spikes


@dataclass(frozen=True)
class FiData:
    """One neuron's F-I points, sorted by current.

    Attributes
    ----------
    i, f : numpy.ndarray
        Currents (A) and rates (Hz; 0 = silent).
    f_std : numpy.ndarray or None
        Standard deviation of each rate, Hz.
    n_spikes : numpy.ndarray or None
        Spikes (intervals) averaged in each rate.
    saturated : numpy.ndarray
        Currents (A) dropped as saturated.
    notes : tuple of str
        What cleaning did.
    """

    i: np.ndarray
    f: np.ndarray
    f_std: np.ndarray | None = None
    n_spikes: np.ndarray | None = None
    saturated: np.ndarray = field(default_factory=lambda: np.empty(0))
    notes: tuple[str, ...] = ()

    def weights(self) -> dict:
        """The weight keywords of :func:`~lifspice.analysis.measured.fi.fit_fi_measured`."""
        return {"f_std": self.f_std, "n_spikes": self.n_spikes}


def _saturated_top(i: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Mask of the trailing currents whose mean rate does not rise above every lower
    current's (the neuron stopped following its input)."""
    levels = np.unique(i)
    mean = np.array([f[i == c].mean() for c in levels])
    sat = np.zeros(levels.size, bool)
    for k in range(levels.size - 1, 1, -1):
        if mean[k] > 0 and mean[k] <= np.max(mean[:k]):
            sat[k] = True
        else:
            break
    return np.isin(i, levels[sat])


def clean_fi(i, f, f_std=None, n_spikes=None) -> FiData:
    """Sort, drop non-finite rows and saturated top points; duplicates are replicates.

    Raises
    ------
    ValueError
        For a negative rate or fewer than two firing points left.
    """
    cols = [np.asarray(c, float) for c in (i, f, f_std, n_spikes) if c is not None]
    i, f = cols[0], cols[1]
    ok = np.all([np.isfinite(c) for c in cols[:2]], axis=0)
    notes = []
    if not ok.all():
        notes.append(f"{int((~ok).sum())} row(s) with an empty or non-finite current or rate "
                     "left out")
    if np.any(f[ok] < 0):
        raise ValueError("a rate is negative; rates are in Hz, >= 0")
    order = np.argsort(i[ok], kind="stable")
    i, f = i[ok][order], f[ok][order]
    extra = [np.asarray(c, float)[ok][order] if c is not None else None
             for c in (f_std, n_spikes)]
    if np.unique(i).size < i.size:
        notes.append(f"{i.size - np.unique(i).size} duplicate current(s) kept as replicates")
    sat = _saturated_top(i, f)
    if sat.any():
        notes.append(f"{int(sat.sum())} point(s) at the top ({np.min(i[sat]):.4g} A and up) "
                     "left out as saturated: the rate stopped rising with the current")
    keep = ~sat
    if np.sum(f[keep] > 0) < 2:
        raise ValueError("fewer than two firing points (f > 0) to fit")
    if np.any(f == 0):
        notes.append(f"{int(np.sum(f == 0))} silent point(s) bound the rheobase from below")
    extra = [e[keep] if e is not None else None for e in extra]
    return FiData(i[keep], f[keep], extra[0], extra[1], np.unique(i[sat]), tuple(notes))


def _train_rate(t: np.ndarray) -> tuple[float, float, int, int]:
    """(rate Hz, its standard deviation Hz, intervals counted, spikes found missing) of one
    train; an interval of k medians counts as k intervals (k - 1 missing spikes)."""
    isi = np.diff(np.sort(t))
    isi = isi[isi > 0]
    if isi.size == 0:
        return np.nan, np.nan, 0, 0
    m = float(np.median(isi))
    k = np.maximum(np.rint(isi / m), 1.0)
    k[isi < MISSING_ISI * m] = 1.0
    per = isi / k
    rate = float(k.sum() / isi.sum())
    sd = float(np.std(per, ddof=1) / np.sqrt(per.size) * rate / np.mean(per)) \
        if per.size > 1 else np.nan
    return rate, sd, int(k.sum()), int(k.sum() - k.size)


def rates_from_spikes(i, t) -> FiData:
    """Rates from spike times: one row per spike (``i`` A, ``t`` s); a current whose rows
    have no time (NaN) was silent. Missing spikes (an ISI of about k medians) are counted
    back; a train of one spike gives no rate and is left out."""
    i, t = np.asarray(i, float), np.asarray(t, float)
    if np.any(~np.isfinite(i)):
        raise ValueError("a spike row has no current")
    currents, f, sd, n = [], [], [], []
    missing = single = 0
    for c in np.unique(i):
        times = t[(i == c) & np.isfinite(t)]
        if times.size == 0:
            currents.append(c), f.append(0.0), sd.append(np.nan), n.append(0)
            continue
        rate, s, k, miss = _train_rate(times)
        if not np.isfinite(rate):
            single += 1
            continue
        missing += miss
        currents.append(c), f.append(rate), sd.append(s), n.append(k)
    data = clean_fi(currents, f, n_spikes=n)
    notes = list(data.notes)
    if missing:
        notes.append(f"{missing} missing spike(s) counted back from long intervals")
    if single:
        notes.append(f"{single} current(s) with a single spike give no rate: left out")
    fs = np.array([sd[currents.index(c)] for c in data.i])
    return FiData(data.i, data.f, fs, data.n_spikes, data.saturated, tuple(notes))
