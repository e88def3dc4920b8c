"""A spec held against measurements: values per condition, min/typ/max, pass or fail, and
the Monte Carlo yield with its exact (Clopper-Pearson) 95 % interval.

Pure numpy/scipy: :class:`Measurements` in (what the datasheet flow measured, SI units, the
keys of :class:`~lifspice.analysis.datasheet.spec.Quantity`), plain JSON-ready dicts out.

A parameter passes when every value it has under its conditions lies within its limits;
under Monte Carlo (statistic ``value``) when the fraction of samples within them (failed
samples count as outside) reaches its ``yield_min`` (default 1: every sample, CACE's
worst case). A cell or sample that failed to measure fails a parameter with limits.
Without limits the status is ``info``; with nothing measured, ``no data``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from lifspice.analysis.datasheet.spec import QUANTITIES, Spec, SpecParameter

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Measurements:
    """What one datasheet run measured (SI units).

    Attributes
    ----------
    nominal : mapping
        The nominal characterization's values by ``Quantity.nominal`` key; rates as
        ``rate_Hz_i<k>`` at ``currents_A[k]``.
    cells : sequence of dict
        Corner and supply cells: ``condition`` ("corners" or "supply"), ``corner``,
        ``temperature_c``, ``vdd_V``, ``ok``, ``error`` and the ``Quantity.cell`` keys
        (``rate_Hz`` at ``currents_A[0]``).
    samples : mapping or None
        The Monte Carlo table (``ok`` and the ``Quantity.sample`` keys), one row per sample.
    currents_A : sequence of float
        The spec's currents, A, in its order.
    """

    nominal: Mapping[str, float | None]
    cells: Sequence[dict] = ()
    samples: Mapping[str, np.ndarray] | None = None
    currents_A: Sequence[float] = ()
    current_labels: Sequence[str] = field(default_factory=tuple)


def binomial_interval(k: int, n: int, level: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Clopper-Pearson) ``level`` interval of a proportion ``k`` of ``n``."""
    if n <= 0:
        return (math.nan, math.nan)
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="exact")
    return (float(ci.low), float(ci.high))


def within(x: np.ndarray, p: SpecParameter) -> np.ndarray:
    """True where ``x`` is finite and within the limits of ``p``."""
    x = np.asarray(x, float)
    ok = np.isfinite(x)
    if p.minimum is not None:
        ok &= x >= p.minimum
    if p.maximum is not None:
        ok &= x <= p.maximum
    return ok


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _key(template: str | None, p: SpecParameter, m: Measurements) -> str | None:
    if template is None or "{k}" not in template:
        return template
    return template.format(k=list(m.current_labels).index(p.current))


def _nominal(p: SpecParameter, m: Measurements) -> list[dict]:
    key = _key(QUANTITIES[p.quantity].nominal, p, m)
    return [{"condition": "nominal", "label": "nominal", "value": _num(m.nominal.get(key))}]


def _cells(p: SpecParameter, m: Measurements, condition: str) -> list[dict]:
    key = QUANTITIES[p.quantity].cell
    out = []
    for c in m.cells:
        if c["condition"] != condition:
            continue
        if condition == "corners" and ((p.corners and c["corner"] not in p.corners) or (
                p.temperatures_c and c["temperature_c"] not in p.temperatures_c)):
            continue
        label = (f"{c['corner']} {c['temperature_c']:g} C" if condition == "corners"
                 else f"vdd {c['vdd_V']:g} V")
        out.append({"condition": condition, "label": label, "corner": c["corner"],
                    "temperature_c": c["temperature_c"], "vdd_V": c.get("vdd_V"),
                    "value": _num(c.get(key)) if c["ok"] else None,
                    "error": c.get("error") or ""})
    return out


def sample_values(p: SpecParameter, m: Measurements) -> np.ndarray:
    """The Monte Carlo values of ``p``'s quantity, one per sample (NaN where it failed)."""
    key = _key(QUANTITIES[p.quantity].sample, p, m)
    ok = np.asarray(m.samples["ok"], bool)
    x = np.asarray(m.samples.get(key, np.full(ok.size, np.nan)), float).copy()
    x[~ok] = np.nan
    return x


def _montecarlo(p: SpecParameter, m: Measurements, yield_mask: np.ndarray | None) -> dict:
    n = int(np.asarray(m.samples["ok"]).size)
    if p.quantity == "yield":
        k = int(yield_mask.sum())
        lo, hi = binomial_interval(k, n)
        return {"condition": "montecarlo", "label": f"Monte Carlo ({n})", "n": n,
                "value": k / n if n else None, "pass_count": k, "yield": k / n if n else None,
                "yield_ci95": [_num(lo), _num(hi)]}
    x = sample_values(p, m)
    good = x[np.isfinite(x)]
    row = {"condition": "montecarlo", "label": f"Monte Carlo ({n})", "n": n,
           "n_measured": int(good.size), "statistic": p.statistic,
           "mean": _num(good.mean()) if good.size else None,
           "std": _num(good.std(ddof=1)) if good.size > 1 else None,
           "min": _num(good.min()) if good.size else None,
           "max": _num(good.max()) if good.size else None}
    row["cv"] = (_num(row["std"] / abs(row["mean"])) if row["std"] is not None
                 and row["mean"] else None)
    if p.statistic == "value":
        k = int(within(x, p).sum())
        lo, hi = binomial_interval(k, n)
        row.update({"value": row["mean"], "pass_count": k, "yield": k / n if n else None,
                    "yield_ci95": [_num(lo), _num(hi)]})
    else:
        row["value"] = row[p.statistic]
    return row


def _status(p: SpecParameter, rows: list[dict]) -> tuple[str, list[str]]:
    """("pass" | "fail" | "info" | "no data", reasons for a fail)."""
    values = [r["value"] for r in rows if r["value"] is not None]
    if not values and not any(r.get("n_measured") for r in rows):
        return "no data", ["nothing measured"]
    if not p.has_limits and p.quantity != "yield":
        return "info", []
    reasons = []
    for r in rows:
        if r["condition"] == "montecarlo" and (p.statistic == "value" or p.quantity == "yield"):
            y = r["yield"]
            goal = p.minimum if p.quantity == "yield" else p.yield_min
            if goal is not None and (y is None or y < goal):
                reasons.append(f"Monte Carlo: yield {y if y is None else f'{y:.4g}'} below "
                               f"{goal:g}")
            continue
        v = r["value"]
        if v is None:
            why = f": {r['error']}" if r.get("error") else ""
            reasons.append(f"{r['label']}: not measured{why}")
        elif not within(np.array([v]), p)[0]:
            lo = "-inf" if p.minimum is None else f"{p.minimum:.4g}"
            hi = "inf" if p.maximum is None else f"{p.maximum:.4g}"
            reasons.append(f"{r['label']}: {v:.4g} {p.unit} outside [{lo}, {hi}]".replace(
                "  ", " "))
    return ("fail" if reasons else "pass"), reasons


def _typical(rows: list[dict], values: list[float]) -> float | None:
    """The typical value: nominal, else the Monte Carlo mean (or statistic), else the tt,
    27 degC cell, else the median."""
    for pick in (lambda r: r["condition"] == "nominal",
                 lambda r: r["condition"] == "montecarlo",
                 lambda r: r.get("corner") == "tt" and r.get("temperature_c") == 27.0):
        found = [r["value"] for r in rows if pick(r) and r["value"] is not None]
        if found:
            return found[0]
    return float(np.median(values)) if values else None


def evaluate_parameter(p: SpecParameter, m: Measurements,
                       yield_mask: np.ndarray | None = None) -> dict:
    """One datasheet row: limits, values per condition, min/typ/max, status."""
    rows: list[dict] = []
    for c in p.conditions:
        if c == "nominal":
            rows += _nominal(p, m)
        elif c in ("corners", "supply"):
            rows += _cells(p, m, c)
        elif m.samples is not None:
            rows.append(_montecarlo(p, m, yield_mask))
    values = [r["value"] for r in rows if r["value"] is not None]
    extremes = values + [r[k] for r in rows if r["condition"] == "montecarlo"
                         and p.statistic == "value" and p.quantity != "yield"
                         for k in ("min", "max") if r.get(k) is not None]
    status, reasons = _status(p, rows)
    typ = _typical(rows, values)
    current = (m.currents_A[list(m.current_labels).index(p.current)]
               if p.current is not None else None)
    return {"name": p.name, "quantity": p.quantity, "unit": p.unit,
            "description": p.description or QUANTITIES[p.quantity].label,
            "statistic": p.statistic, "current": p.current, "current_A": _num(current),
            "limits": {"minimum": p.minimum, "typical": p.typical, "maximum": p.maximum},
            "yield_min": p.yield_min, "conditions": rows,
            "min": min(extremes) if extremes else None, "typ": typ,
            "max": max(extremes) if extremes else None,
            "status": status, "fail_reasons": reasons}


def yield_mask(spec: Spec, m: Measurements) -> np.ndarray:
    """Samples that worked and meet the limits of every Monte Carlo ``value`` parameter."""
    ok = np.asarray(m.samples["ok"], bool).copy()
    for p in spec.parameters:
        if "montecarlo" in p.conditions and p.statistic == "value" and p.quantity != "yield" \
                and p.has_limits:
            ok &= within(sample_values(p, m), p)
    return ok


def evaluate(spec: Spec, m: Measurements) -> list[dict]:
    """Every parameter of ``spec`` against ``m``, in the spec's order."""
    mask = yield_mask(spec, m) if m.samples is not None else None
    return [evaluate_parameter(p, m, mask) for p in spec.parameters]


def overall_status(rows: Sequence[dict]) -> str:
    """"fail" when any row fails or has no data, else "pass"."""
    return "fail" if any(r["status"] in ("fail", "no data") for r in rows) else "pass"


__all__ = ["CONFIDENCE", "Measurements", "binomial_interval", "evaluate", "evaluate_parameter",
           "overall_status", "sample_values", "within", "yield_mask"]
