"""Helpers the theory modules share: inputs as float arrays, scalars back as floats."""

from __future__ import annotations

import numpy as np

from lifspice.circuits.params import ParameterError


def as_current(i, what: str = "i") -> tuple[np.ndarray, bool]:
    arr = np.asarray(i, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} must be finite (A), got {i!r}")
    return arr, arr.ndim == 0


def shaped(x: np.ndarray, scalar: bool):
    return float(x) if scalar else x
