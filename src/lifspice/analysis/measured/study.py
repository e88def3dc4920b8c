"""Check the statistics on synthetic data: the coverage of the 95 % intervals for a
measurement plan (a neuron, its currents, its rate jitter), and the false-alarm rate and
power of the population test. Used by the tests and ``benchmarks/measured_study.py``;
useful before a bench session to see whether a plan of currents determines what is wanted."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from lifspice.analysis.fit import FitIdentifiabilityWarning
from lifspice.analysis.measured.choice import bootstrap
from lifspice.analysis.measured.fi import fit_fi_measured
from lifspice.analysis.measured.population import compare_population
from lifspice.analysis.measured.synthetic import synthetic_fi
from lifspice.circuits.params import LifParams

__all__ = ["TRUE_QUANTITIES", "coverage", "population_trial"]

#: quantity -> its true value from the parameters
TRUE_QUANTITIES: dict[str, Callable[[LifParams], float]] = {
    "tau_m_s": lambda p: p.tau_m,
    "rheobase_A": lambda p: p.g_leak * (p.v_th - p.v_rest),
    "i_swing_A": lambda p: p.g_leak * (p.v_th - p.v_reset),
    "t_ref_s": lambda p: p.t_ref,
    "c_mem_F": lambda p: p.c_mem,
    "g_leak_S": lambda p: p.g_leak,
    "v_rest_V": lambda p: p.v_rest,
}


def coverage(p: LifParams, currents: Sequence[float], n_draws: int,
             rng: np.random.Generator, *, rel_jitter: float = 0.02, n_boot: int = 0
             ) -> dict[str, dict[str, float]]:
    """Fraction of ``n_draws`` synthetic F-I curves (``rel_jitter`` lognormal rate noise)
    whose 95 % interval holds the true value, per quantity: ``{"wald": {...},
    "bootstrap": {...}}`` (the latter with ``n_boot`` > 0)."""
    hits = {"wald": dict.fromkeys(TRUE_QUANTITIES, 0),
            "bootstrap": dict.fromkeys(TRUE_QUANTITIES, 0)}
    truth = {k: fn(p) for k, fn in TRUE_QUANTITIES.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitIdentifiabilityWarning)
        for _ in range(n_draws):
            i, f = synthetic_fi(p, currents, rng, rel_jitter=rel_jitter)
            fit = fit_fi_measured(i, f, v_th=p.v_th, v_reset=p.v_reset)
            if n_boot:
                fit = bootstrap(fit, i, f, n_boot=n_boot, rng=rng, v_th=p.v_th,
                                v_reset=p.v_reset)
            for k, v in truth.items():
                e = fit.estimates[k]
                hits["wald"][k] += e.ci95[0] <= v <= e.ci95[1]
                if n_boot:
                    hits["bootstrap"][k] += e.bootstrap_ci95[0] <= v <= e.bootstrap_ci95[1]
    out = {"wald": {k: h / n_draws for k, h in hits["wald"].items()}}
    if n_boot:
        out["bootstrap"] = {k: h / n_draws for k, h in hits["bootstrap"].items()}
    return out


def population_trial(draw: Callable[[np.random.Generator], LifParams], n_neurons: int,
                     reference: Mapping[str, np.ndarray], mc_currents: Sequence[float],
                     fi_currents: Sequence[float], rng: np.random.Generator, *,
                     rel_jitter: float = 0.01, alpha: float = 0.05,
                     spread_test: str = "robust"):
    """Draw ``n_neurons`` neurons (``draw(rng)``), measure each one's F-I at
    ``fi_currents`` with ``rel_jitter``, fit, and compare tau_m, t_ref, the rheobase and the
    rate at ``mc_currents`` with the Monte Carlo table ``reference``; returns the
    :class:`~lifspice.analysis.measured.population.PopulationComparison`."""
    keys = ("tau_m_s", "t_ref_s", "rheobase_A")
    vals: dict[str, list] = {k: [] for k in keys}
    errs: dict[str, list] = {k: [] for k in keys}
    for j in range(len(mc_currents)):
        vals[f"rate_Hz_i{j}"], errs[f"rate_Hz_i{j}"] = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitIdentifiabilityWarning)
        for _ in range(n_neurons):
            p = draw(rng)
            i, f = synthetic_fi(p, fi_currents, rng, rel_jitter=rel_jitter)
            fit = fit_fi_measured(i, f, v_th=p.v_th, v_reset=p.v_reset)
            for k in keys:
                vals[k].append(fit.estimates[k].value)
                errs[k].append(fit.estimates[k].stderr)
            rate, se = fit.rate(mc_currents), fit.rate_stderr(mc_currents)
            for j in range(len(mc_currents)):
                vals[f"rate_Hz_i{j}"].append(rate[j])
                errs[f"rate_Hz_i{j}"].append(se[j])
    return compare_population({k: np.array(v) for k, v in vals.items()}, reference,
                              {k: np.array(v) for k, v in errs.items()}, alpha=alpha,
                              spread_test=spread_test)
