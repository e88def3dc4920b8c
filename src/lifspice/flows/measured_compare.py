"""Measured neurons against the simulated design (same currents) and against a Monte Carlo
folder of it. Used by :func:`lifspice.flows.measured.fit_measurements`."""

from __future__ import annotations

import math
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from lifspice.analysis.fit import FitIdentifiabilityWarning
from lifspice.analysis.measured import (
    Attribution,
    ModelChoice,
    PopulationComparison,
    attribute_difference,
    compare_population,
    select_model,
)
from lifspice.flows.characterize import Characterization, characterize
from lifspice.io.montecarlo_table import read_montecarlo

__all__ = ["DesignComparison", "SimulatedDesign", "compare_design", "compare_montecarlo",
           "simulate_design"]

SIDE_BY_SIDE = ("tau_m_s", "rheobase_A", "i_swing_A", "t_ref_s")


@dataclass
class SimulatedDesign:
    """The design simulated at the measured currents, and its F-I fitted like the data."""

    ch: Characterization
    choice: ModelChoice

    def rate(self, i) -> np.ndarray:
        """Simulated rate at currents ``i`` (A), Hz (interpolated between simulated points)."""
        return np.interp(np.asarray(i, float), self.ch.currents, self.ch.rates)

    def design_values(self) -> dict:
        ch = self.ch
        return {"tau_m_s": float(ch.step.tau), "v_th_V": float(ch.v_th),
                "v_reset_V": float(ch.v_reset), "t_ref_s": float(ch.t_ref),
                "rheobase_A": float(ch.rheobase), "c_mem_F": float(ch.bench.c_mem),
                "g_leak_S": float(ch.leak.g_m)}


@dataclass
class DesignComparison:
    """Per neuron: residuals against the simulation, parameters side by side, attribution."""

    simulated: SimulatedDesign
    neurons: dict = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        sim = self.simulated
        return {"design_values": sim.design_values(),
                "simulated_points": {"i_A": sim.ch.currents.tolist(),
                                     "f_Hz": sim.ch.rates.tolist()},
                "simulated_fit": sim.choice.chosen.to_dict(),
                "neurons": self.neurons, "summary": self.sentences}


def simulate_design(design, currents, *, workers: int | None = 1,
                    progress=None) -> SimulatedDesign:
    """Characterize ``design`` at ``currents`` (A) and fit its F-I like measured data (with
    its own measured threshold and reset)."""
    ch = characterize(design, currents=np.asarray(currents, float), workers=workers,
                      progress=progress)
    i, f = ch.currents, ch.rates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitIdentifiabilityWarning)
        choice = select_model(i, f, model="auto", v_th=ch.v_th, v_reset=ch.v_reset)
    return SimulatedDesign(ch, choice)


def _side_by_side(fit, sim_fit, design_values: dict) -> dict:
    """Each quantity measured against the simulated design's (fitted alike), with a 95 %
    interval of their ratio from both standard errors (log scale, normal quantile)."""
    out = {}
    for k in SIDE_BY_SIDE:
        e, s = fit.estimates[k], sim_fit.estimates[k]
        rel = e.value / s.value - 1 if s.value else math.nan
        ci = [math.nan, math.nan]
        if e.value > 0 and s.value > 0:
            se = math.hypot(e.stderr / e.value, s.stderr / s.value)
            ci = [math.exp(math.log1p(rel) + z * se) - 1 for z in (-1.96, 1.96)]
        out[k] = {"measured": e.value, "measured_ci95": list(e.ci95), "simulated": s.value,
                  "design_measured": design_values.get(k),
                  "relative_difference": rel, "relative_difference_ci95": ci,
                  "simulated_inside_ci": bool(e.ci95[0] <= s.value <= e.ci95[1])}
    return out


def _attribute(neuron, sim: SimulatedDesign) -> tuple[dict, Attribution | None]:
    d = neuron.data
    f_sim = sim.rate(d.i)
    resid = np.where((d.f > 0) & (f_sim > 0), d.f / np.where(f_sim > 0, f_sim, 1) - 1, np.nan)
    out = {"i_A": d.i.tolist(), "f_Hz": d.f.tolist(), "f_sim_Hz": f_sim.tolist(),
           "relative_residual": [None if not math.isfinite(r) else float(r) for r in resid]}
    try:
        att = attribute_difference(sim.ch.measured, d.i, d.f, f_sim)
    except ValueError as e:
        out["attribution"] = {"error": str(e)}
        return out, None
    out["attribution"] = att.to_dict()
    return out, att


def compare_design(neurons, sim: SimulatedDesign) -> DesignComparison:
    """Residuals, side-by-side parameters and attribution for every neuron with F-I data."""
    comp = DesignComparison(sim)
    best = Counter()
    for n in neurons:
        if n.fit is None:
            continue
        entry, att = _attribute(n, sim)
        entry["parameters"] = _side_by_side(n.fit, sim.choice.chosen, sim.design_values())
        comp.neurons[n.label] = entry
        if att is None:
            continue
        best[att.best.name] += 1
        tau = entry["parameters"]["tau_m_s"]
        rh = entry["parameters"]["rheobase_A"]
        if len(comp.sentences) < 6:
            comp.sentences.append(
                f"{n.label}: tau_m {abs(tau['relative_difference']):.1%} "
                f"{'longer' if tau['relative_difference'] > 0 else 'shorter'} than simulated, "
                f"rheobase {rh['relative_difference']:+.1%}; {att.sentence}")
    if len(comp.neurons) > 1 and best:
        name, count = best.most_common(1)[0]
        comp.sentences.append(f"{count} of {sum(best.values())} neurons best explained by a "
                              f"change of {name}")
    return comp


def _measured_table(neurons, currents) -> tuple[dict, dict]:
    """quantity -> per-neuron values and standard errors (NaN where not measured)."""
    values: dict[str, list] = {}
    errors: dict[str, list] = {}
    keys = sorted({k for n in neurons for k in n.values()})
    for n in neurons:
        v = n.values()
        for k in keys:
            values.setdefault(k, []).append(v.get(k, (math.nan, math.nan))[0])
            errors.setdefault(k, []).append(v.get(k, (math.nan, math.nan))[1])
        for j, i in enumerate(currents):
            key = f"rate_Hz_i{j}"
            inside = n.fit is not None and n.data.i.min() <= i <= n.data.i.max()
            values.setdefault(key, []).append(float(n.fit.rate([i])[0]) if inside else math.nan)
            errors.setdefault(key, []).append(float(n.fit.rate_stderr([i])[0]) if inside
                                              else math.nan)
    as_arrays = {k: np.asarray(v, float) for k, v in values.items()}
    return as_arrays, {k: np.asarray(v, float) for k, v in errors.items()}


def compare_montecarlo(neurons, folder: str | os.PathLike[str] | tuple[dict, dict]
                       ) -> tuple[PopulationComparison, dict, dict]:
    """The neurons' fitted quantities and rates at the Monte Carlo's currents against its
    samples: (comparison, measured table with ``<q>_stderr`` columns, Monte Carlo table).
    ``folder`` is a Monte Carlo folder or its (plan, table) already read."""
    plan, mc = folder if isinstance(folder, tuple) else read_montecarlo(folder)
    values, errors = _measured_table(neurons, plan.get("currents_A", []))
    comp = compare_population(values, mc, errors)
    table = {"neuron": [n.label for n in neurons], **values,
             **{f"{k}_stderr": v for k, v in errors.items()}}
    return comp, table, mc
