"""A population of measured neurons against a Monte Carlo of the same design.

Per quantity (tau_m, t_ref, V_th, the rate at each Monte Carlo current, ...): mean and
standard deviation of both with 95 % intervals, a Welch t-test of the means and a one-sided
test of the spread. The measured spread holds the fit error of each neuron as well as the
mismatch, so the spread test compares the neurons with the Monte Carlo samples each given a
fit error drawn from the neurons' standard errors (seeded): a one-sided Brown-Forsythe test
(Welch t on absolute deviations from the median; a few badly fitted neurons do not decide
it). Beside it: the F ratio of ``s_meas^2`` to ``s_mc^2 + mean(se^2)`` on ``(n - 1, m - 1)``
degrees of freedom (more powerful, liberal with heavy-tailed fit errors) and the two-sided
Brown-Forsythe test without fit errors. A population is called different when a test is
below ``alpha`` after Holm's correction over all the tests (means and spreads of every
quantity: one family, so that the verdict "different" keeps its false-alarm rate at
``alpha``). The spread of a quantity whose fit error exceeds the Monte Carlo's spread is not
tested (it would rest on the standard errors being exact: a 5 % error in them moves the
measured spread by more than the whole mismatch).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["PopulationComparison", "QuantityComparison", "compare_population"]


def _num(x):
    return float(x) if x is not None and math.isfinite(x) else None


def _mean_sd(x: np.ndarray) -> dict:
    n = x.size
    m, s = float(np.mean(x)), float(np.std(x, ddof=1))
    q = stats.t.ppf(0.975, n - 1)
    lo, hi = stats.chi2.ppf([0.975, 0.025], n - 1)
    return {"n": n, "mean": m, "mean_ci95": [m - q * s / math.sqrt(n), m + q * s / math.sqrt(n)],
            "std": s, "std_ci95": [s * math.sqrt((n - 1) / lo), s * math.sqrt((n - 1) / hi)]}


@dataclass(frozen=True)
class QuantityComparison:
    """One quantity, measured against Monte Carlo.

    Attributes
    ----------
    name : str
    measured, montecarlo : dict
        ``n``, ``mean``, ``mean_ci95``, ``std``, ``std_ci95`` (SI units).
    fit_error_rms : float
        RMS of the neurons' standard errors: the part of the measured spread that is fit error.
    std_ratio : float
        Measured spread net of fit error over the Monte Carlo spread.
    p_mean : float
        Welch t-test, two-sided.
    p_spread : float
        F test of the net spread against the Monte Carlo's, one-sided (larger).
    p_brown_forsythe : float
        Brown-Forsythe test of equal spread (no fit-error correction), two-sided.
    p_spread_robust : float
        One-sided Brown-Forsythe test against the Monte Carlo samples each given a fit error
        drawn from the neurons' standard errors (robust to a few badly fitted neurons).
    spread_testable : bool
        False when the fit error's variance exceeds the Monte Carlo's: the net spread then
        rests on the standard errors being exact, and the spread test is reported but not
        used for the verdict.
    """

    name: str
    measured: dict
    montecarlo: dict
    fit_error_rms: float
    std_ratio: float
    p_mean: float
    p_spread: float
    p_brown_forsythe: float
    spread_testable: bool = True
    p_spread_robust: float = math.nan

    def to_dict(self) -> dict:
        return {"measured": self.measured, "montecarlo": self.montecarlo,
                "spread_test": "one-sided Brown-Forsythe against the Monte Carlo with fit "
                               "errors added (p_spread_robust)",
                "fit_error_rms": _num(self.fit_error_rms), "std_ratio": _num(self.std_ratio),
                "p_mean_welch": _num(self.p_mean), "p_spread_f": _num(self.p_spread),
                "p_spread_brown_forsythe": _num(self.p_brown_forsythe),
                "p_spread_robust": _num(self.p_spread_robust),
                "spread_testable": self.spread_testable}


@dataclass(frozen=True)
class PopulationComparison:
    """All quantities; ``verdict`` says in words what differs.

    Attributes
    ----------
    quantities : dict
        name -> :class:`QuantityComparison`.
    alpha : float
    mean_differs, spread_larger : tuple of str
        Quantities whose Holm-corrected p-value is below ``alpha``.
    verdict : str
    """

    quantities: dict
    alpha: float
    mean_differs: tuple[str, ...]
    spread_larger: tuple[str, ...]
    verdict: str

    @property
    def different(self) -> bool:
        return bool(self.mean_differs or self.spread_larger)

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "mean_differs": list(self.mean_differs),
                "spread_larger": list(self.spread_larger), "verdict": self.verdict,
                "different": self.different,
                "tests": "Welch t (means), one-sided Brown-Forsythe against the Monte Carlo "
                         "with fit errors added (spreads; F net of fit error reported); Holm "
                         "over all means and spreads",
                "quantities": {k: q.to_dict() for k, q in self.quantities.items()}}


def _compare(name: str, x: np.ndarray, se: np.ndarray, y: np.ndarray) -> QuantityComparison:
    err2 = float(np.mean(se ** 2)) if se.size else 0.0
    mx, my = _mean_sd(x), _mean_sd(y)
    var_net = max(mx["std"] ** 2 - err2, 0.0)
    ratio = math.sqrt(var_net) / my["std"] if my["std"] > 0 else math.inf
    f = mx["std"] ** 2 / (my["std"] ** 2 + err2) if my["std"] ** 2 + err2 > 0 else math.inf
    p_spread = float(stats.f.sf(f, x.size - 1, y.size - 1))
    p_mean = float(stats.ttest_ind(x, y, equal_var=False).pvalue)
    p_bf = float(stats.levene(x, y, center="median").pvalue)
    # the Monte Carlo as it would be measured: each sample given a fit error of a neuron
    rng = np.random.default_rng(0)
    y_meas = y + (rng.choice(se, y.size) * rng.standard_normal(y.size) if se.size else 0.0)
    dx, dy = np.abs(x - np.median(x)), np.abs(y_meas - np.median(y_meas))
    p_rob = float(stats.ttest_ind(dx, dy, equal_var=False, alternative="greater").pvalue)
    return QuantityComparison(name, mx, my, math.sqrt(err2), ratio, p_mean, p_spread, p_bf,
                              err2 <= my["std"] ** 2, p_rob)


def _holm(p: Mapping, alpha: float) -> tuple:
    order = sorted(p, key=p.get)
    out = []
    for k, name in enumerate(order):
        if p[name] * (len(order) - k) >= alpha:
            break
        out.append(name)
    return tuple(out)


def compare_population(measured: Mapping[str, np.ndarray], montecarlo: Mapping[str, np.ndarray],
                       stderr: Mapping[str, np.ndarray] | None = None, *,
                       alpha: float = 0.05, min_n: int = 3,
                       spread_test: str = "robust") -> PopulationComparison:
    """Compare the quantities present in both tables (one value per neuron / sample).

    Parameters
    ----------
    measured : mapping
        name -> the fitted value of each measured neuron (SI).
    montecarlo : mapping
        name -> the value of each Monte Carlo sample (same names, same units).
    stderr : mapping, optional
        name -> each measured neuron's standard error (fit error), subtracted from the
        measured spread.
    alpha : float
        Level of each test after Holm's correction over quantities.
    spread_test : {"robust", "f"}
        Which spread test decides: the one-sided Brown-Forsythe against the Monte Carlo with
        fit errors added (default: 4.0 % false alarms, power 0.935 against a doubled spread
        at 32 neurons), or the F test net of fit error (10 % and 0.995: liberal where a few
        neurons are badly fitted).
    """
    stderr = stderr or {}
    out = {}
    for name in measured:
        if name not in montecarlo:
            continue
        x = np.asarray(measured[name], float)
        se = np.asarray(stderr.get(name, np.zeros_like(x)), float)
        ok = np.isfinite(x) & np.isfinite(se)
        y = np.asarray(montecarlo[name], float)
        y = y[np.isfinite(y)]
        if ok.sum() >= min_n and y.size >= min_n:
            out[name] = _compare(name, x[ok], se[ok], y)
    if not out:
        raise ValueError("no quantity with at least 3 values on both sides; measured has "
                         f"{sorted(measured)}, the Monte Carlo {sorted(montecarlo)}")
    # one family: the mean and the (testable) spread of every quantity, so that "different"
    # keeps its false-alarm rate at alpha (two families at alpha each made it ~0.1)
    family = {("mean", k): q.p_mean for k, q in out.items()}
    key = "p_spread" if spread_test == "f" else "p_spread_robust"
    family.update({("spread", k): getattr(q, key) for k, q in out.items()
                   if q.spread_testable})
    flagged = _holm(family, alpha)
    mean_differs = tuple(k for what, k in flagged if what == "mean")
    spread_larger = tuple(k for what, k in flagged if what == "spread")
    return PopulationComparison(out, alpha, mean_differs, spread_larger,
                                _verdict(out, mean_differs, spread_larger, alpha))


def _verdict(out, mean_differs, spread_larger, alpha) -> str:
    lines = []
    for name in spread_larger:
        q = out[name]
        lines.append(f"the silicon spread of {name} is {q.std_ratio:.2g}x what the mismatch "
                     f"model predicts (net of fit error; p = {q.p_spread_robust:.2g}): the "
                     "Monte Carlo underestimates it")
    for name in mean_differs:
        q = out[name]
        rel = q.measured["mean"] / q.montecarlo["mean"] - 1 if q.montecarlo["mean"] else math.nan
        lines.append(f"the mean of {name} is {rel:+.1%} off the Monte Carlo's (Welch p = "
                     f"{q.p_mean:.2g}): a shift, e.g. another corner or a systematic error")
    untestable = [k for k, q in out.items() if not q.spread_testable]
    tail = (f"; the spread of {', '.join(untestable)} is not tested: the fit error exceeds "
            "the Monte Carlo's spread (measure more points)") if untestable else ""
    if not lines:
        return (f"consistent with the Monte Carlo: no mean or spread differs at level {alpha:g} "
                f"(Holm over the means and spreads of {len(out)} quantities){tail}")
    return "; ".join(lines) + tail
