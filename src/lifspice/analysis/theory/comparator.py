"""The comparator's delay in the LIF: the saturating-leak LIF whose spike comes a delay after
the membrane crosses the trip point (:func:`lifspice.analysis.extract.comparator_delay` fits
that delay to measurements)."""

from __future__ import annotations

import numpy as np

from lifspice.analysis.extract import ComparatorDelay
from lifspice.analysis.theory.saturating import isi_saturating, rheobase_saturating
from lifspice.circuits.params import SaturatingLifParams

__all__ = ["rate_with_delay"]


def rate_with_delay(p: SaturatingLifParams, comp: ComparatorDelay | None,
                    i) -> np.ndarray:
    """F-I of the saturating-leak LIF whose comparator fires ``comp.delay(slope)`` after the
    membrane crosses ``p.v_th`` (the trip point), Hz. The slope there is
    ``(I - I_leak(v_th)) / c_mem``; the reset then starts from wherever the membrane got to,
    so the delay simply adds to the ISI."""
    i = np.asarray(i, float)
    isi = np.asarray(isi_saturating(p, i, method="closed"), float)
    if comp is not None:
        slope = (i - rheobase_saturating(p)) / p.c_mem
        isi = isi + np.where(np.isfinite(isi), comp.delay(np.maximum(slope, 0.0)), 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(isi), 1.0 / isi, 0.0)
