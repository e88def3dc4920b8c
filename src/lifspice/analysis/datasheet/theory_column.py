"""The theory column of a datasheet: the ideal and the saturating-leak LIF predictions beside
each measured value.

Both LIFs are built from the nominal measurements with nothing fitted (report.json's
``measured_params``: C, g_m at rest, v_rest, trip point, reset, t_ref and the leak's
saturation current i_b): the ideal LIF is the textbook one of those values, the saturating
one caps the leak at i_b (:mod:`lifspice.analysis.theory.saturating`). Where theory has
nothing to say of a quantity (energy, area, errors), the design's own value is given if it
has one, else nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from lifspice.analysis import theory
from lifspice.circuits.params import SaturatingLifParams


def measured_lif(report: Mapping) -> SaturatingLifParams | None:
    """The saturating LIF of a report's measurements (None if it has none)."""
    try:
        return SaturatingLifParams(**report["measured_params"])
    except (KeyError, TypeError, ValueError):
        return None


def _fi_gain(report: Mapping, p) -> tuple[float | None, float | None]:
    """Slopes of the ideal and saturating LIF over the measured firing F-I points, Hz/A."""
    i = np.asarray([x for x, f in zip(report["fi"]["i_A"], report["fi"]["f_Hz"], strict=True)
                    if x is not None and f], float)
    if i.size < 2:
        return None, None
    return (fi_gain(i, np.asarray(theory.rate(p.ideal(), i), float)),
            fi_gain(i, np.asarray(theory.rate_saturating(p, i), float)))


def fi_gain(i, f) -> float | None:
    """Least-squares slope of the firing points (f > 0) of an F-I curve, Hz/A."""
    i, f = np.asarray(i, float), np.asarray(f, float)
    use = np.isfinite(i) & np.isfinite(f) & (f > 0)
    if use.sum() < 2:
        return None
    return float(np.polyfit(i[use], f[use], 1)[0])


def theory_values(quantity: str, current_a: float | None, report: Mapping,
                  guess: SaturatingLifParams | None) -> dict[str, float | None]:
    """``{"ideal", "saturating", "design"}`` for one datasheet row (SI units; None where
    not defined)."""
    p = measured_lif(report)
    out: dict[str, float | None] = {"ideal": None, "saturating": None, "design": None}
    if p is not None:
        if quantity == "rate" and current_a is not None:
            out["ideal"] = float(theory.rate(p.ideal(), current_a))
            out["saturating"] = float(theory.rate_saturating(p, current_a))
        elif quantity == "tau_m":
            out["ideal"] = out["saturating"] = p.tau_m
        elif quantity == "rheobase":
            out["ideal"] = max(0.0, p.g_leak * (p.v_th - p.v_rest))
            out["saturating"] = p.rheobase
        elif quantity == "g_m":
            out["ideal"] = out["saturating"] = p.g_leak
        elif quantity == "fi_gain":
            out["ideal"], out["saturating"] = _fi_gain(report, p)
    if guess is not None:
        design = {"tau_m": guess.tau_m, "v_th": guess.v_th, "v_reset": guess.v_reset,
                  "v_rest": guess.v_rest, "t_ref": guess.t_ref, "g_m": guess.g_leak,
                  "rheobase": guess.rheobase,
                  "rate": (float(theory.rate(guess.ideal(), current_a))
                           if current_a is not None else None)}
        out["design"] = design.get(quantity)
    return {k: (v if v is not None and math.isfinite(v) else None) for k, v in out.items()}


__all__ = ["fi_gain", "measured_lif", "theory_values"]
