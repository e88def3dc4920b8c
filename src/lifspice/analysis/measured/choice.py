"""Model choice between the ideal and the saturating-leak LIF, and bootstrap intervals."""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np

from lifspice.analysis.fit import FitIdentifiabilityWarning
from lifspice.analysis.measured.fi import MeasuredFit, fit_fi_measured

__all__ = ["ModelChoice", "bootstrap", "select_model"]

AICC_MARGIN = 2.0  # the saturating model must lower AICc by this much to be chosen


@dataclass(frozen=True)
class ModelChoice:
    """Both fits and the one chosen by AICc, with the reason in words.

    Attributes
    ----------
    chosen : ~lifspice.analysis.measured.fi.MeasuredFit
    fits : dict
        ``{"ideal": MeasuredFit, "saturating": MeasuredFit or None}``.
    reason : str
    """

    chosen: MeasuredFit
    fits: dict
    reason: str

    def to_dict(self) -> dict:
        def num(x):
            return float(x) if x is not None and math.isfinite(x) else None
        return {"chosen": self.chosen.model, "reason": self.reason,
                "aicc": {k: (num(f.aicc) if f is not None else None)
                         for k, f in self.fits.items()}}


def select_model(i, f, *, model: str = "auto", **kw) -> ModelChoice:
    """Fit the ideal and (``model="auto"`` or ``"saturating"``) the saturating-leak LIF.

    With ``"auto"`` the saturating model is chosen only when it lowers the small-sample AIC
    (AICc) by more than 2 (evidence ratio e = 2.7) and its ``i_b`` is determined; the reason
    says which and by how much. ``kw`` go to :func:`~lifspice.analysis.measured.fi.fit_fi_measured`.
    """
    if model not in ("ideal", "saturating", "auto"):
        raise ValueError(f"model must be ideal, saturating or auto, got {model!r}")
    ideal = fit_fi_measured(i, f, model="ideal", **kw)
    if model == "ideal":
        return ModelChoice(ideal, {"ideal": ideal, "saturating": None}, "ideal model asked for")
    if model == "auto" and ideal.n_points < 8:  # AICc of 5 parameters needs n > 7
        return ModelChoice(ideal, {"ideal": ideal, "saturating": None},
                           f"ideal: {ideal.n_points} firing points are too few to weigh a "
                           "fifth parameter (AICc needs at least 8)")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FitIdentifiabilityWarning)
            sat = fit_fi_measured(i, f, model="saturating", start=ideal.params, **kw)
    except ValueError as e:
        if model == "saturating":
            raise
        return ModelChoice(ideal, {"ideal": ideal, "saturating": None},
                           f"ideal: the saturating fit failed ({e})")
    fits = {"ideal": ideal, "saturating": sat}
    if model == "saturating":
        for w in caught:  # the saturating fit's notes matter only where it is the answer
            warnings.warn(w.message, w.category, stacklevel=2)
        return ModelChoice(sat, fits, "saturating model asked for")
    delta = ideal.aicc - sat.aicc
    if not math.isfinite(delta):
        return ModelChoice(ideal, fits, "ideal: too few points to weigh a fifth parameter "
                                        "(AICc needs n > k + 2)")
    i_b = sat.estimates["i_b_A"]
    determined = i_b.stderr < 0.5 * i_b.value
    if delta > AICC_MARGIN and determined:
        reason = (f"saturating: AICc {delta:.1f} lower than the ideal LIF's (evidence ratio "
                  f"{math.exp(min(delta, 1400) / 2):.3g}); the leak saturates at i_b = "
                  f"{i_b.value:.3g} A")
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=2)
        return ModelChoice(sat, fits, reason)
    why = (f"AICc lower by only {delta:.1f} (< {AICC_MARGIN:g})" if delta <= AICC_MARGIN
           else "its i_b is not determined by the data")
    return ModelChoice(ideal, fits, f"ideal: the saturating leak is not supported ({why})")


def bootstrap(fit: MeasuredFit, i, f, *, n_boot: int = 200, rng: np.random.Generator,
              level: float = 0.95, **kw) -> MeasuredFit:
    """Residual bootstrap of an F-I fit: the fitted curve times resampled (centred,
    leverage-free) log residuals, refitted ``n_boot`` times; adds percentile intervals
    (``bootstrap_ci95``) to every estimate. ``i``, ``f`` and ``kw`` as given to the fit."""
    i, f = np.asarray(i, float), np.asarray(f, float)
    fire = f > 0
    fm = fit.rate(i[fire])
    r = np.log(f[fire] / fm)
    # inflate residuals by sqrt(n / dof): fitted residuals are smaller than the errors
    r = (r - r.mean()) * math.sqrt(r.size / max(fit.dof, 1))
    draws: dict[str, list[float]] = {k: [] for k in fit.estimates}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitIdentifiabilityWarning)
        for _ in range(n_boot):
            f_b = f.copy()
            f_b[fire] = fm * np.exp(rng.choice(r, r.size))
            try:
                b = fit_fi_measured(i, f_b, model=fit.model, start=fit.params, **kw)
            except ValueError:
                continue
            for k, e in b.estimates.items():
                draws[k].append(e.value)
    lo, hi = 50 * (1 - level), 50 * (1 + level)
    est = {}
    for k, e in fit.estimates.items():
        d = np.asarray(draws[k])
        ci = (float(np.percentile(d, lo)), float(np.percentile(d, hi))) if d.size >= 20 \
            else None
        est[k] = dataclasses.replace(e, bootstrap_ci95=ci)
    return dataclasses.replace(fit, estimates=est)
