"""The LIF whose leak is a measured DC curve I(V), not a formula.

A transistor leak is neither linear nor a symmetric tanh: a 5-transistor OTA saturates at
different currents above and below rest and keeps rising past its knee (output conductance).
Between the points of a DC sweep the leak is taken as linear (what ``numpy.interp`` reads),
and the climb from v_reset to v_threshold is then integrated exactly, segment by segment:
over ``[v0, v1]`` with ``d = I - I_leak(V)`` linear from ``d0`` to ``d1``,

    ``integral c dV / d = c (v1 - v0) ln(d0 / d1) / (d0 - d1)``  (``c (v1 - v0) / d0`` if equal),

so the ISI has no resolution error of its own, near the rheobase included (the rheobase is
the largest leak current between v_reset and v_th). Measured on the sized sky130 neurons:
the tanh through the measured g_m and the leak at v_th was 2-3 % fast over the middle of
the F-I range where v_reset is below v_rest (the OTA's negative side saturates ~12 % lower),
this curve within 1 % (docs/sizing.md).
"""

from __future__ import annotations

import numpy as np

from lifspice.analysis.extract import ComparatorDelay
from lifspice.analysis.theory.comparator import rate_with_delay
from lifspice.circuits.params import SaturatingLifParams

__all__ = ["covers", "isi_leak_curve", "rate_leak_curve"]


def covers(v: np.ndarray, v_reset: float, v_th: float) -> bool:
    """Whether a swept curve over ``v`` (V) holds the climb from v_reset to v_th, to within two
    of its steps at the top (a sweep of a whole neuron stops where its comparator trips, a
    fraction of a step below the trip point read from the transients; the leak is read
    there at the last point)."""
    v = np.asarray(v, float)
    if v.size < 2:
        return False
    step = float(np.median(np.diff(np.sort(v))))
    return bool(v.min() <= min(v_reset, v_th) and v.max() >= v_th - 2 * step)


def _climb_grid(v, i_leak, v_reset: float, v_th: float) -> tuple[np.ndarray, np.ndarray]:
    """The sweep's points inside (v_reset, v_th) with both ends added, and the leak there."""
    v = np.asarray(v, float)
    i_leak = np.asarray(i_leak, float)
    order = np.argsort(v)
    v, i_leak = v[order], i_leak[order]
    inside = (v > v_reset) & (v < v_th)
    grid = np.concatenate([[v_reset], v[inside], [v_th]])
    return grid, np.interp(grid, v, i_leak)


def isi_leak_curve(v, i_leak, *, c_mem: float, v_reset: float, v_th: float, t_ref: float,
                   i) -> np.ndarray:
    """ISI (s) of the LIF ``c_mem dV/dt = I - I_leak(V)`` with the swept leak ``i_leak`` (A,
    out of the membrane) at ``v`` (V), linear between points; ``inf`` where ``I`` does not
    exceed the leak somewhere between ``v_reset`` and ``v_th`` (V). ``t_ref`` (s) included.

    The sweep must cover ``v_reset .. v_th`` (:func:`covers`).
    """
    if not covers(v, v_reset, v_th):
        raise ValueError(f"the leak curve ({np.min(v):.4g} .. {np.max(v):.4g} V) does not "
                         f"cover the climb {v_reset:.4g} .. {v_th:.4g} V")
    grid, leak = _climb_grid(v, i_leak, v_reset, v_th)
    cur = np.atleast_1d(np.asarray(i, float))
    d = cur[:, None] - leak[None, :]                    # I - I_leak at each grid point
    fires = np.all(d > 0, axis=1)
    dv = np.diff(grid)
    d0, d1 = d[fires, :-1], d[fires, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d0 / d1
        same = np.abs(ratio - 1.0) < 1e-6              # log form loses digits there
        seg = np.where(same, dv * 2.0 / (d0 + d1), dv * np.log(ratio) / (d0 - d1))
    out = np.full(cur.shape, np.inf)
    out[fires] = t_ref + c_mem * seg.sum(axis=1)
    return out.reshape(np.shape(i))


def rate_leak_curve(v, i_leak, p: SaturatingLifParams, comp: ComparatorDelay | None,
                    i) -> np.ndarray:
    """F-I (Hz) of the LIF with the swept leak (:func:`isi_leak_curve`) and the c_mem, v_th
    (the comparator's trip point), v_reset and t_ref of ``p``, the comparator firing
    ``comp.delay(slope)`` after the crossing (slope ``(I - I_leak(v_th)) / c_mem``; no delay
    for ``comp`` None); 0 where it does not fire.

    Where the sweep does not cover v_reset .. v_th, the saturating LIF ``p`` stands in
    (:func:`~lifspice.analysis.theory.comparator.rate_with_delay`).
    """
    if not covers(v, p.v_reset, p.v_th):
        return rate_with_delay(p, comp, i)
    cur = np.asarray(i, float)
    isi = isi_leak_curve(v, i_leak, c_mem=p.c_mem, v_reset=p.v_reset, v_th=p.v_th,
                         t_ref=p.t_ref, i=cur)
    if comp is not None:
        slope = (cur - np.interp(p.v_th, *_sorted(v, i_leak))) / p.c_mem
        isi = isi + np.where(np.isfinite(isi), comp.delay(np.maximum(slope, 0.0)), 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(isi), 1.0 / isi, 0.0)


def _sorted(v, i_leak) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(v, float)
    order = np.argsort(v)
    return v[order], np.asarray(i_leak, float)[order]
