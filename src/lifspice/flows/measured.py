"""Fit measured silicon: read bench files, fit every neuron with uncertainty, and (optional)
hold the neurons against a simulated design and a Monte Carlo of it.

>>> import lifspice as ls
>>> res = ls.fit_measurements(["chip.csv"], design="behavioral")   # doctest: +SKIP
>>> print(res.summary()); res.save("out/chip")                     # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lifspice.analysis.fit import FitIdentifiabilityWarning
from lifspice.analysis.measured import (
    FiData,
    ModelChoice,
    PopulationComparison,
    TraceFit,
    bootstrap,
    clean_fi,
    fit_trace_measured,
    rates_from_spikes,
    select_model,
)
from lifspice.flows.measured_compare import (
    DesignComparison,
    compare_design,
    compare_montecarlo,
    simulate_design,
)
from lifspice.io.measured_outputs import write_fit_outputs
from lifspice.io.measurements import Measurement, MeasurementFileError, read_measurements
from lifspice.io.montecarlo_table import read_montecarlo

__all__ = ["MeasuredResult", "NeuronResult", "fit_measurements"]

log = logging.getLogger(__name__)


@dataclass
class NeuronResult:
    """One measured neuron.

    Attributes
    ----------
    label : str
    data : ~lifspice.analysis.measured.data.FiData or None
        Its cleaned F-I points (from an F-I table or spike times).
    choice : ~lifspice.analysis.measured.choice.ModelChoice or None
        The ideal / saturating fits and the one chosen.
    trace : ~lifspice.analysis.measured.trace.TraceFit or None
    notes : list of str
        Data cleaning and identifiability notes.
    """

    label: str
    data: FiData | None = None
    choice: ModelChoice | None = None
    trace: TraceFit | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def fit(self):
        """The chosen :class:`~lifspice.analysis.measured.fi.MeasuredFit` (None: no F-I)."""
        return None if self.choice is None else self.choice.chosen

    def values(self) -> dict[str, tuple[float, float]]:
        """quantity -> (value, standard error), SI: what the population compares."""
        out = {}
        if self.fit is not None:
            for k in ("tau_m_s", "t_ref_s", "rheobase_A"):
                e = self.fit.estimates[k]
                out[k] = (e.value, e.stderr)
        if self.trace is not None:
            for k in ("v_th_V", "v_reset_V", "c_mem_F", "g_leak_S"):
                e = self.trace.estimates[k]
                out[k] = (e.value, e.stderr)
            if self.fit is None:
                e = self.trace.estimates["tau_m_s"]
                out["tau_m_s"] = (e.value, e.stderr)
        return out

    def to_dict(self) -> dict:
        d = {"notes": list(self.notes)}
        if self.data is not None:
            d["points"] = {"i_A": self.data.i.tolist(), "f_Hz": self.data.f.tolist(),
                           "saturated_i_A": self.data.saturated.tolist()}
        if self.choice is not None:
            d["model_choice"] = self.choice.to_dict()
            for key, name in (("fit", "ideal"), ("fit_saturating", "saturating")):
                f = self.choice.fits.get(name)
                d[key] = None if f is None else f.to_dict()
        if self.trace is not None:
            d["trace"] = self.trace.to_dict()
        return d


@dataclass
class MeasuredResult:
    """What :func:`fit_measurements` found; ``report()`` is ``fit.json``."""

    neurons: list[NeuronResult]
    model: str
    seed: int
    n_boot: int
    comparison: DesignComparison | None = None
    population: PopulationComparison | None = None
    population_table: dict = field(default_factory=dict)
    montecarlo_table: dict = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def report(self) -> dict:
        """The ``fit.json`` dict: ``fit`` / ``fit_saturating`` of the first neuron in the form
        of ``report.json``, every neuron under ``neurons``, ``comparison``, ``population``."""
        first = self.neurons[0].to_dict()
        return {"format": 1, "sources": self.sources, "model": self.model, "seed": self.seed,
                "bootstrap_draws": self.n_boot,
                "fit": first.get("fit"), "fit_saturating": first.get("fit_saturating"),
                "neurons": {n.label: n.to_dict() for n in self.neurons},
                "comparison": None if self.comparison is None else self.comparison.to_dict(),
                "population": None if self.population is None else self.population.to_dict()}

    def summary(self) -> str:
        """A few lines a person reads."""
        lines = [f"{len(self.neurons)} neuron(s) from {', '.join(self.sources)}"]
        for n in self.neurons[:8]:
            lines.append(_neuron_line(n))
        if len(self.neurons) > 8:
            lines.append(f"  ... and {len(self.neurons) - 8} more (neurons.csv)")
        if self.comparison is not None:
            lines += ["against the design:", *("  " + s for s in self.comparison.sentences)]
        if self.population is not None:
            lines.append(f"against the Monte Carlo: {self.population.verdict}")
        return "\n".join(lines)

    def save(self, folder: str | os.PathLike[str], *, plots: bool = True) -> Path:
        """Write ``fit.json``, ``neurons.csv``, ``points.csv`` (``population.csv``) and the
        plots (``fi_<neuron>.png``, ``population.png``) into ``folder``."""
        folder = Path(folder)
        write_fit_outputs(self, folder, plots=plots)
        return folder


def _neuron_line(n: NeuronResult) -> str:
    parts = [f"  {n.label}:"]
    if n.fit is not None:
        e = n.fit.estimates
        lo, hi = e["tau_m_s"].ci95
        parts.append(f"{n.fit.model} LIF, tau_m {e['tau_m_s'].value * 1e3:.4g} ms "
                     f"[{lo * 1e3:.4g}, {hi * 1e3:.4g}], rheobase "
                     f"{e['rheobase_A'].value * 1e12:.4g} pA, t_ref "
                     f"{e['t_ref_s'].value * 1e3:.3g} ms ({n.choice.reason.split(':')[0]})")
    if n.trace is not None:
        e = n.trace.estimates
        if math.isfinite(e["c_mem_F"].stderr):
            parts.append(f"trace: C {e['c_mem_F'].value * 1e12:.4g} pF, g "
                         f"{e['g_leak_S'].value * 1e9:.4g} nS, V_th {e['v_th_V'].value:.4g} V")
        else:
            parts.append(f"trace: tau_m {e['tau_m_s'].value * 1e3:.4g} ms (C and g not "
                         f"separable), V_th {e['v_th_V'].value:.4g} V")
    return " ".join(parts)


def _group(measurements: Sequence[Measurement]) -> dict[str, dict[str, list]]:
    """neuron label -> kind -> list of row tables (and "files" -> the files it is in)."""
    out: dict[str, dict[str, list]] = {}
    for m in measurements:
        for label in m.neurons():
            out.setdefault(label, {}).setdefault(m.kind, []).append(m.rows_of(label))
            out[label].setdefault("files", []).append(str(m.path))
    return out


def _fi_data(parts: dict, label: str) -> FiData | None:
    if "fi" in parts:
        cols = {k: np.concatenate([p[k] for p in parts["fi"]]) for k in parts["fi"][0]}
        return clean_fi(cols["i_A"], cols["f_Hz"], cols.get("f_std_Hz"), cols.get("n_spikes"))
    if "spikes" in parts:
        cols = {k: np.concatenate([p[k] for p in parts["spikes"]]) for k in ("i_A", "t_s")}
        return rates_from_spikes(cols["i_A"], cols["t_s"])
    return None


def _fit_neuron(label: str, parts: dict, *, model: str, swing, current, n_boot: int,
                rng: np.random.Generator) -> NeuronResult:
    res = NeuronResult(label)
    if "trace" in parts:
        p = parts["trace"][0]
        i = p.get("i_A", current)
        if i is None:
            raise MeasurementFileError(f"trace of {label} ({', '.join(parts['files'])}): no "
                                       "i_A column; give the input with --current (A)")
        try:
            res.trace = fit_trace_measured(p["t_s"], p["v_V"], i)
        except ValueError as e:
            raise MeasurementFileError(f"trace of {label} ({', '.join(parts['files'])}): "
                                       f"{e}") from None
        res.notes += list(res.trace.notes)
        swing = (res.trace.estimates["v_th_V"].value, res.trace.estimates["v_reset_V"].value)
    try:
        res.data = _fi_data(parts, label)
    except ValueError as e:
        raise MeasurementFileError(f"neuron {label} ({', '.join(parts['files'])}): {e}") \
            from None
    if res.data is None:
        return res
    res.notes += list(res.data.notes)
    kw = {**res.data.weights(), "v_th": swing[0] if swing else None,
          "v_reset": swing[1] if swing else None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitIdentifiabilityWarning)
        try:
            res.choice = select_model(res.data.i, res.data.f, model=model, **kw)
        except ValueError as e:
            raise MeasurementFileError(f"neuron {label} ({', '.join(parts['files'])}): "
                                       f"{e}") from None
        if n_boot:
            chosen = bootstrap(res.choice.chosen, res.data.i, res.data.f, n_boot=n_boot,
                               rng=rng, **kw)
            fits = {**res.choice.fits, chosen.model: chosen}
            res.choice = ModelChoice(chosen, fits, res.choice.reason)
    res.notes += list(dict.fromkeys(str(w.message) for w in caught))
    return res


def fit_measurements(data: str | os.PathLike[str] | Sequence, *, design=None,
                     montecarlo: str | os.PathLike[str] | None = None, model: str = "auto",
                     current: float | None = None, n_boot: int = 200, seed: int = 0,
                     workers: int | None = 1,
                     progress: Callable[[str, int, int], None] | None = None
                     ) -> MeasuredResult:
    """Fit measured neurons, and compare them with a design and a Monte Carlo.

    Parameters
    ----------
    data : path or sequence of paths / Measurement
        F-I tables, spike-time tables, traces
        (:func:`~lifspice.io.measurements.read_measurements`); rows of the same ``neuron``
        label across files are one neuron.
    design : str, path, mapping or design, optional
        Simulated at the measured currents: residuals, parameters side by side, the
        parameter change that explains the difference.
    montecarlo : path, optional
        Folder of a finished ``lifspice montecarlo`` run of the design.
    model : {"auto", "ideal", "saturating"}
    current : float, optional
        Input (A) of traces that have no ``i_A`` column.
    n_boot : int
        Bootstrap draws per neuron (0: none).
    seed : int
        Seed of the bootstrap.
    """
    paths = [data] if isinstance(data, (str, os.PathLike, Measurement)) else list(data)
    ms = [p if isinstance(p, Measurement) else read_measurements(p) for p in paths]
    groups = _group(ms)
    mc = None if montecarlo is None else read_montecarlo(montecarlo)  # refused before fits
    rng = np.random.default_rng(seed)
    sim = None
    if design is not None:
        sim = simulate_design(design, _all_currents(groups), workers=workers,
                              progress=progress)
    swing = None if sim is None else (sim.ch.v_th, sim.ch.v_reset)
    neurons = []
    for k, (label, parts) in enumerate(groups.items()):
        if progress:
            progress("fit", k, len(groups))
        neurons.append(_fit_neuron(label, parts, model=model, swing=swing, current=current,
                                   n_boot=n_boot, rng=rng))
    result = MeasuredResult(neurons, model, seed, n_boot, sources=[str(m.path) for m in ms])
    if sim is not None:
        result.comparison = compare_design(neurons, sim)
    if mc is not None:
        result.population, result.population_table, result.montecarlo_table = \
            compare_montecarlo(neurons, mc)
    return result


def _all_currents(groups: dict, max_points: int = 24) -> np.ndarray:
    """The measured currents (A) to simulate: all distinct ones, or ``max_points`` of them
    spread over the range."""
    cur = []
    for parts in groups.values():
        for kind in ("fi", "spikes"):
            for p in parts.get(kind, []):
                cur.append(p["i_A"])
    if not cur:
        raise MeasurementFileError("--design needs F-I points or spike times to simulate "
                                   "at their currents (traces alone are not compared yet)")
    cur = np.unique(np.concatenate(cur))
    cur = cur[np.isfinite(cur) & (cur > 0)]
    if cur.size > max_points:
        cur = np.unique(np.quantile(cur, np.linspace(0, 1, max_points)))
    if not math.isfinite(float(cur.max())):
        raise MeasurementFileError("no finite current to simulate")
    return cur
