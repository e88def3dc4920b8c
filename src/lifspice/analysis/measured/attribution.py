"""Which single parameter change explains the difference between measured and simulated
rates.

The observed change is ``ln f_measured - ln f_simulated`` at each current (so an error of
the model itself cancels to first order); each candidate parameter of the design's LIF is
moved alone, relative for the positive ones (C, g, t_ref, i_b), in volts for the voltages,
until the model's change ``ln f(p + d) - ln f(p)`` matches it best in least squares. The
candidates are ranked by the residual left; every one within 2 of the best's AIC (same
number of parameters: ``n ln(RSS)``) is "consistent" with the data.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from lifspice.analysis import theory as th
from lifspice.analysis.theory import saturating as ths
from lifspice.circuits.params import LifParams, ParameterError, SaturatingLifParams

__all__ = ["Attribution", "Candidate", "attribute_difference"]

#: parameter -> what it is in the circuit, for the sentence
KNOBS = {
    "c_mem": "membrane capacitance",
    "g_leak": "leak conductance (OTA bias current; g_m ~ I_b in weak inversion)",
    "v_th": "threshold (comparator reference or offset)",
    "v_rest": "leak reference v_rest",
    "v_reset": "reset voltage",
    "t_ref": "refractory time (its timer current)",
    "i_b": "OTA tail current (saturation of the leak)",
}
_RELATIVE = frozenset({"c_mem", "g_leak", "t_ref", "i_b"})
_PENALTY = 5.0  # log-rate residual where the changed model is silent but the neuron fires


@dataclass(frozen=True)
class Candidate:
    """One parameter moved alone.

    Attributes
    ----------
    name : str
    change : float
        Relative change (0.18 = 18 % more) for c_mem, g_leak, t_ref, i_b; V for voltages.
    rss : float
        Residual sum of squares of the log rates left.
    explained : float
        Fraction of the difference's sum of squares it explains (1 - rss / rss_0).
    """

    name: str
    change: float
    rss: float
    explained: float

    def describe(self) -> str:
        what = KNOBS.get(self.name, self.name)
        if self.name in _RELATIVE:
            size = f"{abs(self.change):.1%} {'more' if self.change > 0 else 'less'}"
        else:
            size = f"{self.change * 1e3:+.1f} mV of"
        return f"{size} {what}"

    def to_dict(self) -> dict:
        return {"parameter": self.name, "change": float(self.change),
                "change_unit": "relative" if self.name in _RELATIVE else "V",
                "rss": float(self.rss), "explained": float(self.explained),
                "meaning": KNOBS.get(self.name, self.name)}


@dataclass(frozen=True)
class Attribution:
    """Candidates best first; ``consistent`` those the data cannot tell from the best."""

    candidates: tuple[Candidate, ...]
    consistent: tuple[str, ...]
    rss_0: float
    sentence: str

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    def to_dict(self) -> dict:
        return {"best": self.best.name, "consistent": list(self.consistent),
                "rss_no_change": float(self.rss_0), "sentence": self.sentence,
                "candidates": [c.to_dict() for c in self.candidates]}


def _moved(p: LifParams, name: str, d: float) -> LifParams:
    value = getattr(p, name)
    return dataclasses.replace(p, **{name: value * math.exp(d) if name in _RELATIVE
                                     else value + d})


def _log_rate(p: LifParams, i: np.ndarray) -> np.ndarray:
    fn = ths.rate_saturating if isinstance(p, SaturatingLifParams) else th.rate
    f = np.asarray(fn(p, i), float)
    return np.where(f > 0, np.log(np.where(f > 0, f, 1.0)), np.nan)


def attribute_difference(base: LifParams, i, f_measured, f_simulated, *, weights=None,
                         candidates=None) -> Attribution:
    """Rank single-parameter changes of ``base`` by how well they explain the measured
    rates' departure from the simulated ones at the currents ``i`` (A); points where either
    is silent are left out."""
    i = np.asarray(i, float)
    fm, fs = np.asarray(f_measured, float), np.asarray(f_simulated, float)
    use = (fm > 0) & (fs > 0) & np.isfinite(fm) & np.isfinite(fs)
    if use.sum() < 2:
        raise ValueError("fewer than two currents where both measurement and simulation fire")
    i, obs = i[use], np.log(fm[use] / fs[use])
    w = np.ones_like(obs) if weights is None else np.asarray(weights, float)[use]
    ref = _log_rate(base, i)
    names = candidates or [n for n in KNOBS if hasattr(base, n)
                           and not (n == "t_ref" and base.t_ref == 0)]
    swing = base.v_th - base.v_reset
    rss_0 = float(np.sum((w * obs) ** 2))

    def rss(name, d):
        try:
            pred = _log_rate(_moved(base, name, d), i) - ref
        except ParameterError:
            return 1e6
        r = np.where(np.isfinite(pred), pred - obs, _PENALTY)
        return float(np.sum((w * r) ** 2))

    found = []
    for name in names:
        span = 1.5 if name in _RELATIVE else 0.45 * swing
        grid = np.linspace(-span, span, 61)
        k = int(np.argmin([rss(name, d) for d in grid]))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
        best = minimize_scalar(lambda d, n=name: rss(n, d), bounds=(lo, hi), method="bounded",
                               options={"xatol": 1e-6 * span})
        d = float(best.x)
        change = math.expm1(d) if name in _RELATIVE else d
        found.append(Candidate(name, change, float(best.fun),
                               1 - float(best.fun) / rss_0 if rss_0 > 0 else 0.0))
    found.sort(key=lambda c: c.rss)
    n = obs.size
    aic = {c.name: n * math.log(max(c.rss, 1e-300) / n) for c in found}
    consistent = tuple(c.name for c in found if aic[c.name] - aic[found[0].name] <= 2.0)
    alts = [c.describe() for c in found if c.name in consistent]
    sentence = (f"consistent with {' or '.join(alts)} (explains {found[0].explained:.0%} of "
                "the difference)")
    return Attribution(tuple(found), consistent, rss_0, sentence)
