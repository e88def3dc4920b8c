"""Statistics of Monte Carlo samples: summaries with confidence intervals, correlations,
percentile bands, the numerical-noise floor. Arrays in, numbers and dicts out; no files.

Confidence intervals assume normally distributed samples: the mean's is Student-t, the
standard deviation's chi-square (``std_ci95``); with n = 100 the std is known to about
+-14 % (95 %), with n = 1000 to +-4.4 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

#: The numerical floor must stay under this fraction (10 %) of the reported sigma.
FLOOR_LIMIT = 0.1
CV_RESOLVED = 1e-5  # a relative spread below this is no mismatch (see floor in sweep_summary)


def _clean(x) -> np.ndarray:
    x = np.asarray(x, float).ravel()
    return x[np.isfinite(x)]


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def summarize(x, level: float = 0.95) -> dict:
    """``mean``, ``std`` (n-1), ``cv`` (std / abs mean), ``n`` and ``level`` confidence intervals
    ``mean_ci95`` and ``std_ci95`` of the finite values of ``x`` (JSON types; None where
    undefined)."""
    x = _clean(x)
    n = int(x.size)
    out: dict = {"mean": None, "std": None, "cv": None, "n": n, "mean_ci95": [None, None],
                 "std_ci95": [None, None]}
    if n == 0:
        return out
    mean = float(np.mean(x))
    out["mean"] = mean
    if n < 2:
        return out
    std = float(np.std(x, ddof=1))
    a = 1 - level
    half = float(stats.t.ppf(1 - a / 2, n - 1)) * std / math.sqrt(n)
    lo = math.sqrt((n - 1) * std**2 / float(stats.chi2.ppf(1 - a / 2, n - 1)))
    hi = math.sqrt((n - 1) * std**2 / float(stats.chi2.ppf(a / 2, n - 1)))
    out.update(std=std, cv=_num(std / abs(mean)) if mean else None,
               mean_ci95=[mean - half, mean + half], std_ci95=[lo, hi])
    return out


def correlation_matrix(table: Mapping[str, np.ndarray], keys: Sequence[str]) -> np.ndarray:
    """Pearson correlations between ``keys`` over the rows where all are finite
    (NaN for a constant column)."""
    if not keys:  # e.g. a one-sample sweep: nothing varies
        return np.empty((0, 0))
    x = np.vstack([np.asarray(table[k], float) for k in keys])
    x = x[:, np.all(np.isfinite(x), axis=0)]
    if x.shape[1] < 3:
        return np.full((len(keys), len(keys)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = x.std(axis=1, ddof=1)
        xc = (x - x.mean(axis=1, keepdims=True))
        c = (xc @ xc.T) / (x.shape[1] - 1) / np.outer(sd, sd)
    c[~np.isfinite(c)] = np.nan
    return c


def percentile_band(rates: np.ndarray, q: Sequence[float] = (5, 50, 95)) -> np.ndarray:
    """Percentiles over samples (axis 0) of an (n_samples, n_currents) rate array, ignoring
    NaN; shape (len(q), n_currents)."""
    r = np.asarray(rates, float)
    return np.nanpercentile(r, q, axis=0)


def floor_summary(floor: Mapping[str, np.ndarray], keys: Sequence[str],
                  spread: Mapping[str, dict]) -> dict:
    """Numerical floor per quantity from near-identical reruns, and its ratio to the sample
    std (``floor_over_std``; must stay under :data:`FLOOR_LIMIT`).

    The reruns come in groups, one per base sample (same ``seed``, nudged inputs). The floor
    is the pooled within-group std (the groups' own means differ by their mismatch, which
    is not noise); ``floor_worst_over_std`` is the noisiest single group's std over the
    sample std. Without a ``seed`` column all reruns are one group.
    """
    ok = np.asarray(floor["ok"], bool)
    n = ok.size
    seeds = np.asarray(floor.get("seed", np.zeros(n)))
    out = {}
    for k in keys:
        v = np.asarray(floor.get(k, np.full(n, np.nan)), float)
        use = ok & np.isfinite(v)
        groups = [v[use & (seeds == s)] for s in np.unique(seeds)]
        groups = [g for g in groups if g.size >= 2]
        dof = sum(g.size - 1 for g in groups)
        f = (math.sqrt(sum(float(((g - g.mean()) ** 2).sum()) for g in groups) / dof)
             if dof else math.nan)
        worst = max((float(np.std(g, ddof=1)) for g in groups), default=math.nan)
        sd = spread.get(k, {}).get("std")
        out[k] = {"floor_std": _num(f), "floor_n": int(sum(g.size for g in groups)),
                  "floor_samples": len(groups),
                  "floor_over_std": _num(f / sd) if sd else None,
                  "floor_worst_over_std": _num(worst / sd) if sd else None}
    return out


def sweep_summary(table: Mapping[str, np.ndarray], keys: Sequence[str], *,
                  floor: Mapping[str, np.ndarray] | None = None, plan: Mapping | None = None,
                  nominal: Mapping | None = None) -> dict:
    """summary.json: per quantity (report.json names) ``mean``/``std``/``cv``/``n`` and
    CIs, ``n_samples``, ``n_failed``, ``seed``, ``corner``, the numerical floor, the
    correlations and the failures with their reasons."""
    plan = dict(plan or {})
    ok = np.asarray(table.get("ok", []), bool)
    out: dict = {
        "n_samples": int(ok.size), "n_failed": int((~ok).sum()), "seed": plan.get("seed"),
        "corner": plan.get("corner"), "temperature_c": plan.get("temperature_c"),
        "circuit": plan.get("circuit"), "mismatch": plan.get("mismatch"),
        "mc": plan.get("mc"), "currents_A": plan.get("currents_A", []),
        "quantities": list(keys),
    }
    for k in keys:
        out[k] = summarize(np.asarray(table[k], float)[ok])
    if floor:
        fl = floor_summary(floor, keys, out)
        for k in keys:
            out[k].update(fl[k])
        # A quantity whose whole spread is below CV_RESOLVED (V_reset: the switch ties the
        # membrane to an ideal source) has no mismatch to protect: its "sigma" is itself
        # numerical. It is reported but does not decide `under_limit`.
        flat = [k for k in keys if (out[k]["cv"] or 0.0) < CV_RESOLVED]
        ratios = [fl[k]["floor_over_std"] for k in keys
                  if fl[k]["floor_over_std"] is not None and k not in flat]
        worst = max(ratios) if ratios else None
        single = [fl[k]["floor_worst_over_std"] for k in keys
                  if fl[k]["floor_worst_over_std"] is not None and k not in flat]
        n_groups = np.unique(np.asarray(floor.get("seed", [0]))).size
        out["noise_floor"] = {"nudge_V": 1e-6, "reruns": int(np.asarray(floor["ok"]).size),
                              "samples": int(n_groups),
                              "worst_floor_over_std": worst,
                              "worst_single_sample_over_std": max(single) if single else None,
                              "under_limit": bool(worst is not None and worst < FLOOR_LIMIT),
                              "limit": FLOOR_LIMIT, "no_resolved_spread": flat,
                              "per_quantity": {k: fl[k]["floor_over_std"] for k in keys}}
    varying = [k for k in keys if (out[k]["std"] or 0) > 0]
    c = correlation_matrix({k: np.asarray(table[k], float)[ok] for k in varying}, varying)
    out["correlations"] = {"keys": varying,
                           "matrix": [[_num(v) for v in row] for row in c]}
    bad = np.nonzero(~ok)[0]
    out["failures"] = [{"sample": int(table["sample"][i]), "seed": int(table["seed"][i]),
                        "error": str(table["error"][i])} for i in bad[:100]]
    if nominal is not None:
        out["nominal"] = dict(nominal)
    return out
