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


def evaluation_times(t, t0: float) -> tuple[np.ndarray, float]:
    """Evaluation times as a float array (s, all ``>= t0``: ValueError otherwise) and the
    end of the span to integrate, just past the last of them, s."""
    t = np.asarray(t, dtype=float)
    if t.size and np.min(t) < t0:
        raise ValueError("evaluation times must be >= t0")
    return t, (max(float(np.max(t)), t0) * (1 + 1e-15) + 1e-300 if t.size else float(t0))
