"""Populations from the kit's outputs: a Monte Carlo folder (one neuron per sample), a
``report.json`` (one neuron) or a population CSV; and a population written for Brian2 (one
``NeuronGroup`` with per-neuron constants, a saturating leak where the population has
``i_b``) and NEST (``iaf_psc_delta``, per-neuron dicts).

The parameter choice (``params="fit"`` / ``"measured"``) is described in
:mod:`lifspice.analysis.population`.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from lifspice.analysis.population import Population, population_from_params, population_from_rows
from lifspice.io.export import (
    ExportError,
    brian2_script,
    load_population,
    load_report_params,
    nest_params,
)


def is_montecarlo_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder ``lifspice montecarlo`` wrote (``sweep.json``)."""
    return (Path(path) / "sweep.json").is_file()


def read_montecarlo(folder: str | os.PathLike, params: str = "fit") -> Population:
    """The population of a Monte Carlo folder: one neuron per successful sample.

    Metadata: the circuit kind, the design's keys, corner, temperature, seed, sample count
    and the folder's name.
    """
    folder = Path(folder)
    try:
        plan = json.loads((folder / "sweep.json").read_text())
        with open(folder / "samples.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{folder}: not a readable Monte Carlo folder ({exc}); give the "
                          "--out folder of `lifspice montecarlo`") from exc
    design = plan.get("design") or {}
    meta = {"source": "montecarlo", "folder": folder.name, "circuit": plan.get("circuit"),
            "corner": plan.get("corner") or design.get("corner"),
            "temperature_c": plan.get("temperature_c", design.get("temperature_c")),
            "seed": plan.get("seed"), "n_samples": plan.get("n_samples"),
            "mismatch": plan.get("mismatch"), "process": plan.get("mc"),
            "design": {k: v for k, v in design.items() if isinstance(v, (int, float, str))}}
    try:
        return population_from_rows(rows, design, currents_A=plan.get("currents_A") or (),
                                    params=params, meta=meta)
    except ValueError as exc:
        raise ExportError(f"{folder}: {exc}") from exc


def read_montecarlo_nominal(folder: str | os.PathLike, params: str = "fit") -> Population:
    """The nominal neuron of a Monte Carlo folder (``nominal.json``: the design without
    draws, measured and fitted as the samples were) as a one-neuron population."""
    folder = Path(folder)
    try:
        plan = json.loads((folder / "sweep.json").read_text())
        row = json.loads((folder / "nominal.json").read_text())
        return population_from_rows([row], plan.get("design") or {},
                                    currents_A=plan.get("currents_A") or (), params=params,
                                    meta={"source": "montecarlo nominal"})
    except (OSError, ValueError) as exc:
        raise ExportError(f"{folder}: no usable nominal.json ({exc})") from exc


def _report_meta(rep: Mapping, which: str) -> dict:
    design = rep.get("design") if isinstance(rep.get("design"), Mapping) else {}
    comp = rep.get("comparator") if isinstance(rep.get("comparator"), Mapping) else {}
    sat = rep.get("fit_saturating") if isinstance(rep.get("fit_saturating"), Mapping) else {}
    sat_p = sat.get("params") if isinstance(sat.get("params"), Mapping) else {}
    meta = {"source": "report", "params": which, "circuit": rep.get("circuit"),
            "corner": design.get("corner"), "temperature_c": design.get("temperature_c"),
            "design": {k: v for k, v in design.items() if isinstance(v, (int, float, str))},
            "comparator_delay_s": comp.get("delay_at_trace_s"),
            "measured_t_ref_s": rep.get("t_ref_s")}
    if "i_b" in sat_p and sat_p.get("g_leak"):
        meta["saturating_fit_i_b_A"] = sat_p["i_b"]
        meta["saturating_fit_v_lin_V"] = sat_p["i_b"] / sat_p["g_leak"]
    return meta


def read_source(source: str | os.PathLike, params: str = "fit",
                defaults: Mapping[str, float] | None = None) -> Population:
    """A population from a Monte Carlo folder, a ``report.json`` or a population CSV."""
    path = Path(source)
    if path.is_dir():
        if not is_montecarlo_folder(path):
            raise ExportError(f"{path}: a folder without sweep.json; give a Monte Carlo "
                              "folder, a report.json or a population .csv")
        return read_montecarlo(path, params)
    if path.suffix.lower() == ".csv":
        return population_from_params(load_population(path, defaults),
                                      {"source": "csv", "file": path.name})
    rep = json.loads(path.read_text())
    if not isinstance(rep, Mapping):
        raise ExportError(f"{path}: not a lifspice report (a JSON object with 'fit')")
    return population_from_params([load_report_params(rep, params)], _report_meta(rep, params))


# ------------------------------------------------------------------- Brian2 / NEST

_LINEAR_LEAK = "dv/dt = (g_leak * (v_rest - v) + I_ext) / c_mem"
_SATURATING_LEAK = "dv/dt = (i_b * tanh(g_leak * (v_rest - v) / i_b) + I_ext) / c_mem"


def population_brian2_script(pop: Population, *, source: str = "lifspice",
                             dt: float | None = None) -> str:
    """A Brian2 script (:func:`lifspice.io.export.brian2_script`) of the population; with
    ``pop.i_b`` the leak is ``i_b tanh(g_leak (v_rest - v) / i_b)`` per neuron (integrated
    with ``rk4``)."""
    text = brian2_script([pop.neuron(k) for k in range(pop.n)], source=source, dt=dt)
    if pop.i_b is None:
        return text
    if _LINEAR_LEAK not in text:
        raise ExportError("the Brian2 template changed: cannot add the saturating leak")
    text = text.replace(_LINEAR_LEAK, _SATURATING_LEAK)
    # no closed-form update for the tanh leak: 4th-order Runge-Kutta at dt <= tau_m/200
    text = text.replace('method="exact"', 'method="rk4"', 1)
    text = text.replace("I_ext : amp\n", "I_ext : amp\ni_b : amp (constant)\n", 1)
    text = text.replace('"t_ref": b2.second}', '"t_ref": b2.second, "i_b": b2.amp}', 1)
    return text.replace("PARAMS = {\n", "PARAMS = {\n    'i_b': "
                        + repr([float(x) for x in pop.i_b]) + ",\n", 1)


def population_nest(pop: Population) -> dict:
    """NEST ``iaf_psc_delta`` parameters (:func:`lifspice.io.export.nest_params`) of the
    population; a saturating leak cannot be held and is named under ``dropped``."""
    d = nest_params([pop.neuron(k) for k in range(pop.n)])
    if pop.i_b is not None:
        d["dropped"] = ("saturating leak (i_b per neuron): iaf_psc_delta's leak is linear; "
                        "use --params fit, whose ideal LIF reproduces each sample's rates")
    d["meta"] = json_meta(pop.meta)
    return d


def json_meta(meta: Mapping) -> dict:
    """Metadata with None and non-finite values dropped (HDF5 and JSON both take it)."""
    out = {}
    for k, v in meta.items():
        if isinstance(v, Mapping):
            out[k] = json_meta(v)
        elif isinstance(v, (bool, np.bool_)):
            out[k] = int(v)
        elif isinstance(v, (int, float, np.number)) and math.isfinite(float(v)):
            out[k] = v.item() if isinstance(v, np.number) else v
        elif isinstance(v, str):
            out[k] = v
    return out
