"""A datasheet of one design: every spec parameter measured over its conditions, each
condition once, on the kit's own engines, written as JSON, Markdown and one HTML page.

Stages (each into its own folder under ``out``, each skipped when a finished one is there,
so an interrupted run continues where it stopped when run again):

1. ``nominal/``: :func:`lifspice.flows.characterize.characterize` (report.json, netlists,
   the firing transient) and the F-I points at the spec's currents
   (:func:`lifspice.flows.fi.run_fi`, on the same simulators);
2. ``corners/``: the corner grid (:func:`lifspice.flows.montecarlo.corners.run_corners`) at
   the reference current (the spec's first), a design on a PDK only;
3. ``supply/vdd_<V>/``: the same engine at each supply voltage (design corner and
   temperature);
4. ``montecarlo/``: the mismatch Monte Carlo (:func:`lifspice.flows.montecarlo.sweep.run_sweep`,
   its batches resumed) at every spec current.

Then :func:`lifspice.analysis.datasheet.limits.evaluate` holds the measurements to the spec and
:mod:`lifspice.io.datasheet` writes ``datasheet.json``, ``datasheet.md`` and
``datasheet.html``. A failing parameter is a result (``status`` "fail"), not an error.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from lifspice.analysis.datasheet import (
    Measurements,
    Spec,
    check_for_design,
    evaluate,
    fi_gain,
    overall_status,
    read_spec,
    spec_from_design,
    spec_from_sizing,
    theory_values,
)
from lifspice.analysis.energy import PUBLISHED_ENERGY_PER_SPIKE
from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.circuits.kinds import kind_of, make_bench
from lifspice.circuits.params import ParameterError
from lifspice.flows.characterize import characterize
from lifspice.flows.datasheet_parts import datasheet_figures, device_rows
from lifspice.flows.fi import run_fi
from lifspice.flows.montecarlo.corners import run_corners
from lifspice.flows.montecarlo.measurers import measurer_of
from lifspice.flows.montecarlo.sweep import SweepPlan, run_sweep
from lifspice.io.datasheet import write_datasheet
from lifspice.io.design import load_design
from lifspice.io.report import json_clean
from lifspice.sim.backends import make_simulator
from lifspice.sim.pool import SimPool

Progress = Callable[[str, int, int], None]
DATASHEET_VERSION = 1
DEFAULT_SAMPLES = 100


@dataclass
class DatasheetResult:
    """What :func:`datasheet` measured and wrote.

    ``rows`` are the parameters (limits, values per condition, min/typ/max, status, theory),
    ``status`` "pass" or "fail", ``paths`` the files by name (json, md, html)."""

    spec: Spec
    rows: list[dict]
    status: str
    document: dict
    out_dir: Path
    paths: dict[str, Path]

    @property
    def failing(self) -> list[dict]:
        """The rows that fail or have no data."""
        return [r for r in self.rows if r["status"] in ("fail", "no data")]

    @property
    def markdown(self) -> str:
        return self.paths["md"].read_text()


def _design_and_spec(design: Any, spec: Any, samples: int | None,
                     seed: int | None) -> tuple[Any, Spec]:
    """The design and its spec (a file, a :class:`Spec`, or the default), with the
    ``samples``/``seed`` overrides, checked against what the design can be measured under."""
    loaded = load_design(design)
    on_pdk = has_corners(loaded)
    valid = ("nominal", *(("corners", "supply") if on_pdk else ()),
             *(("montecarlo",) if has_montecarlo(loaded) else ()))
    if isinstance(spec, Spec):
        the_spec = spec
    elif spec is not None:
        the_spec = read_spec(spec)
    else:
        n = (DEFAULT_SAMPLES if samples is None else samples) if "montecarlo" in valid else 0
        the_spec = _default_spec(design, loaded, on_pdk, n)
    changes = {k: v for k, v in (("samples", samples), ("seed", seed)) if v is not None}
    for key, value in changes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ParameterError(f"{key} (--{key}) must be an integer >= 0, got {value!r}")
    the_spec = replace(the_spec, **changes)
    check_for_design(the_spec, valid)
    if "supply" in the_spec.conditions_used():
        if not the_spec.vdd_V or getattr(loaded, "vdd", None) is None:
            raise ParameterError(f"{the_spec.source}: the supply condition needs "
                                 "conditions.vdd_V = [volts, ...] and a design with a vdd")
    return loaded, the_spec


def has_corners(design: Any) -> bool:
    """True for a design on a PDK (corners, supply): a transistor design (sky130, gf180), or a
    subcircuit on a PDK (one with ideal elements, ``pdk = "none"``, has no corners)."""
    return measurer_of(design).pdk is not None and getattr(design, "pdk", "sky130") != "none"


def has_supply(design: Any) -> bool:
    """True where the bench measures a supply current (energy per spike, static power): a
    transistor design, or a subcircuit with a ``vdd`` pin."""
    if isinstance(design, CmosNeuron):
        return True
    return kind_of(design).name == "subckt" and design.pin_of("vdd") is not None


def has_montecarlo(design: Any) -> bool:
    """True unless the design is a subcircuit of ideal elements (no mismatch to draw)."""
    return kind_of(design).name != "subckt" or has_corners(design)


def _default_spec(source: Any, design: Any, on_pdk: bool, samples: int) -> Spec:
    """From ``sizing.json`` beside the design file (``lifspice size``), else the design."""
    if isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        sizing = Path(source).parent / "sizing.json"
        if sizing.is_file():
            return spec_from_sizing(json.loads(sizing.read_text()), samples=samples,
                                    source=f"default: the sizing targets in {sizing}")
    kind = kind_of(design)
    guess = None if kind.name == "subckt" else kind.guess(kind.nominal(design))
    return spec_from_design(guess, on_pdk=on_pdk, samples=samples,
                            energy=has_supply(design),
                            source=f"default: the {kind.name} design's own values")


def _amps(label: str, rheobase: float) -> float:
    return float(label[:-1]) * rheobase if label.endswith("x") else float(label)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _nominal(design, spec: Spec, folder: Path, workers: int | None, points: int,
             progress: Progress | None) -> dict:
    """Stage 1: the characterization and the rates at the spec's currents."""
    done = _read_json(folder / "stage.json")
    if done is not None and done.get("currents") == list(spec.currents):
        return {**done, "reused": True}
    bench = make_bench(design)
    sim = make_simulator("shared", bench.init_commands)
    with SimPool(workers=workers, init_commands=bench.init_commands) as pool:
        ch = characterize(design, sim=sim, pool=pool, n_fi=points, progress=progress)
        currents = [_amps(c, ch.rheobase) for c in spec.currents]
        fi = run_fi(ch.bench, currents, sim=sim, pool=pool, model=ch.measured,
                    progress=(lambda k, n: progress("rates at the spec currents", k, n))
                    if progress else None)
    ch.save(folder, plots=False)
    pr = ch.bench.probes
    extra = {k: ch.trace_extra[k] for k in (pr.spike, pr.reset) if k in ch.trace_extra}
    np.savez_compressed(folder / "trace.npz", t=ch.trace_t, v=ch.trace_v, **extra)
    stage = {"currents": list(spec.currents), "currents_A": currents,
             "rates_Hz": [p.rate for p in fi], "trace_i_A": ch.trace_i}
    (folder / "stage.json").write_text(json.dumps(json_clean(stage), indent=2) + "\n")
    return {**stage, "reused": False}


def _cells(design, spec: Spec, out: Path, current: float, workers: int | None,
           progress: Progress | None) -> list[dict]:
    """Stages 2-3: the corner grid and the supply voltages, each through run_corners."""
    used = spec.conditions_used()
    runs = []
    if "corners" in used:
        runs.append(("corners", design, out / "corners", spec.corners, spec.temperatures_c))
    if "supply" in used:
        runs += [("supply", replace(design, vdd=v), out / "supply" / f"vdd_{v:g}",
                  (design.corner,), (design.temperature_c,)) for v in spec.vdd_V]
    cells: list[dict] = []
    for condition, d, folder, corners, temps in runs:
        old = _read_json(folder / "corners.json")
        if old is not None and old.get("design") == json_clean(d.to_dict()) \
                and old.get("current_A") == current and len(old["cells"]) == \
                len(corners) * len(temps):
            rows = old["cells"]
        else:
            stage = condition if condition == "corners" else f"supply {d.vdd:g} V"
            rows = run_corners(d, folder, corners=corners, temperatures_c=temps,
                               current=current, workers=workers,
                               progress=(lambda k, n, s=stage: progress(s, k, n))
                               if progress else None)
        cells += [{**r, "condition": condition, "vdd_V": getattr(d, "vdd", None)}
                  for r in rows]
    return cells


def _montecarlo(design, spec: Spec, folder: Path, currents: list[float], workers: int | None,
                progress: Progress | None):
    """Stage 4: the Monte Carlo at every spec current (batches already written are kept)."""
    plan = SweepPlan(design=design, n_samples=spec.samples, seed=spec.seed,
                     currents=tuple(currents))
    return run_sweep(plan, folder, workers=workers, resume=True,
                     progress=(lambda k, n: progress("montecarlo", k, n)) if progress
                     else None)


def _check_folder(out: Path, design, spec: Spec) -> None:
    """Refuse an ``out`` holding the datasheet of another design or spec; record this one."""
    record = json_clean({"design": design.to_dict(), "circuit": kind_of(design).name,
                         "spec": spec.to_dict()})
    old = _read_json(out / "run.json")
    if old is not None and old != record:
        raise ParameterError(f"--out {out} holds the datasheet run of another design or spec "
                             "(run.json); choose another --out, or delete that folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / "run.json").write_text(json.dumps(record, indent=2) + "\n")


def datasheet(design: Any, *, out: str | os.PathLike[str], spec: Any = None,
              samples: int | None = None, seed: int | None = None, workers: int | None = None,
              points: int = 12, name: str | None = None,
              progress: Progress | None = None) -> DatasheetResult:
    """Measure ``design`` against ``spec`` and write the datasheet into ``out``.

    Parameters
    ----------
    design : str, path, mapping or design object
    out : path
        Output folder: ``datasheet.json``, ``datasheet.md``, ``datasheet.html`` and the
        stages' folders (``nominal/``, ``corners/``, ``supply/``, ``montecarlo/``).
    spec : path or lifspice.analysis.datasheet.spec.Spec, optional
        A spec file (TOML, or CACE-style YAML) or a spec; default: the sizing
        targets of a design written by ``lifspice size``, else the design's own values
        (:mod:`lifspice.analysis.datasheet.defaults`).
    samples, seed : int, optional
        Monte Carlo samples and master seed (override the spec's).
    workers : int, optional
        ngspice processes (default: all cores).
    points : int
        F-I points of the nominal characterization.
    """
    t0 = time.perf_counter()
    label = name or (Path(design).stem if isinstance(design, (str, os.PathLike)) else
                     kind_of(load_design(design)).name)
    design, spec = _design_and_spec(design, spec, samples, seed)
    out = Path(out)
    _check_folder(out, design, spec)
    stage = _nominal(design, spec, out / "nominal", workers, points, progress)
    report = json.loads((out / "nominal" / "report.json").read_text())
    currents = stage["currents_A"]
    cells = _cells(design, spec, out, currents[0], workers, progress)
    mc = None
    if "montecarlo" in spec.conditions_used():
        mc = _montecarlo(design, spec, out / "montecarlo", currents, workers, progress)
    devices = device_rows(design)
    nominal = {**report, **{f"rate_Hz_i{k}": r for k, r in enumerate(stage["rates_Hz"])},
               "fi_gain_Hz_per_A": fi_gain(report["fi"]["i_A"], report["fi"]["f_Hz"]),
               "area_m2": devices["total_area_m2"] if devices else None}
    m = Measurements(nominal=nominal, cells=cells, samples=None if mc is None else mc.table,
                     currents_A=currents, current_labels=spec.currents)
    rows = evaluate(spec, m)
    kind = kind_of(design)
    guess = None if kind.name == "subckt" else kind.guess(design)
    for r in rows:  # a Monte Carlo statistic (a spread) has no theory value
        r["theory"] = (theory_values(r["quantity"], r["current_A"], report, guess)
                       if r["statistic"] == "value" else {})
    doc = _document(label, design, spec, rows, report, stage, cells, mc, devices)
    doc["elapsed_s"] = time.perf_counter() - t0
    doc["reused"] = [name for name, reused in (
        ("nominal", stage["reused"]), ("montecarlo", mc is not None and mc.batches_run == 0
                                       and mc.batches_reused > 0)) if reused]
    trace = dict(np.load(out / "nominal" / "trace.npz"))
    figures = datasheet_figures(doc, spec, m, trace, report)
    paths = write_datasheet(doc, figures, out)
    return DatasheetResult(spec=spec, rows=rows, status=doc["status"], document=doc,
                           out_dir=out, paths=paths)


def _document(label: str, design, spec: Spec, rows: list[dict], report: dict, stage: dict,
              cells: list[dict], mc, devices: dict | None) -> dict:
    """datasheet.json (plain JSON types)."""
    counts = {s: sum(r["status"] == s for r in rows) for s in ("pass", "fail", "info",
                                                                "no data")}
    mc_doc = None
    if mc is not None:
        s = mc.summary
        mc_doc = {"n_samples": s["n_samples"], "n_failed": s["n_failed"], "seed": s["seed"],
                  "corner": s.get("corner"), "temperature_c": s.get("temperature_c"),
                  "currents_A": s.get("currents_A"), "folder": "montecarlo",
                  "failures": s.get("failures", [])[:10]}
    return json_clean({
        "datasheet_version": DATASHEET_VERSION, "name": label, "circuit": kind_of(design).name,
        "design": design.to_dict(), "spec": spec.to_dict(), "status": overall_status(rows),
        "counts": counts, "parameters": rows,
        "currents": [{"label": c, "current_A": a} for c, a in zip(spec.currents,
                                                                   stage["currents_A"],
                                                                   strict=True)],
        "nominal": {k: report.get(k) for k in (
            "tau_m_s", "tau_pred_s", "gm_S", "v_rest_V", "v_th_V", "v_reset_V", "t_ref_s",
            "rheobase_A", "energy_per_spike_J", "static_power_W", "prediction_rms_rel_error",
            "theory_rms_rel_error", "silicon_vs_theory")} | {
            "trace_i_A": stage["trace_i_A"], "report": "nominal/report.json"},
        "measured_params": report.get("measured_params"),
        "cells": cells, "montecarlo": mc_doc, "devices": devices,
        "published_energy_per_spike": [
            {"source": src, "technology": tech, "energy_per_spike_J": j, "note": note}
            for src, tech, j, note in PUBLISHED_ENERGY_PER_SPIKE],
    })


def failing_text(result: DatasheetResult) -> str:
    """The failing rows, one line each (what ``--strict`` prints)."""
    return "\n".join(f"FAIL {r['name']}: {'; '.join(r['fail_reasons'])}"
                     for r in result.failing)


__all__ = ["DEFAULT_SAMPLES", "DatasheetResult", "datasheet", "failing_text", "has_corners",
           "has_montecarlo", "has_supply"]
