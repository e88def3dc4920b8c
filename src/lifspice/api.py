"""The one-call API: each function takes a design by name, path, table or object, builds
the simulators and worker processes it needs, closes them, and returns a result.

>>> import lifspice as ls
>>> ch = ls.characterize("sky130_lean", points=8)      # doctest: +SKIP
>>> print(ch.summary()); ch.save("out/lean"); ch.plot_fi()  # doctest: +SKIP

Everything here is a thin front to :mod:`lifspice.flows`; use the flows directly to share
one simulator or pool between calls.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lifspice.analysis.sizing import SizingTargets
from lifspice.circuits.kinds import kind_of, make_bench
from lifspice.circuits.params import ParameterError
from lifspice.flows.characterize import Characterization
from lifspice.flows.characterize import characterize as _characterize
from lifspice.flows.datasheet import DatasheetResult
from lifspice.flows.datasheet import datasheet as _datasheet
from lifspice.flows.measured import MeasuredResult, fit_measurements
from lifspice.flows.montecarlo.corners import run_corners
from lifspice.flows.montecarlo.sweep import SweepPlan, SweepResult, run_sweep
from lifspice.flows.probe import PREPARE, simulated_rheobase
from lifspice.flows.sizing import SizingResult, size_and_verify, write_sizing
from lifspice.io.design import load_design
from lifspice.sim.backends import make_simulator

Progress = Callable[[str, int, int], None]


def characterize(design: Any = "behavioral", *, points: int = 16, currents=None,
                 workers: int | None = None, backend: str = "shared",
                 progress: Progress | None = None) -> Characterization:
    """Characterize a neuron: leak, tau_m, threshold, reset, refractory time, F-I curve,
    LIF fits and the comparison with theory.

    Parameters
    ----------
    design : str, path, mapping or design object
        A shipped design's name (``lifspice designs``), a design file, a table of keys or
        a design.
    points : int
        F-I points (ignored when ``currents``, A, are given).
    workers : int, optional
        ngspice processes for the F-I curve (default: all cores).
    backend : {"shared", "batch"}
        ngspice in-process or ``ngspice -b``.

    Returns
    -------
    Characterization
        With ``summary()``, ``report()``, ``save(folder)``, ``plot_fi()``,
        ``plot_membrane()``.
    """
    return _characterize(design, currents=currents, n_fi=points, workers=workers,
                         backend=backend, progress=progress)


def nominal_rheobase(design: Any) -> float:
    """The rheobase the design is meant to have at its nominal conditions (a PDK design:
    typical corner, 27 degC), from its values alone, A: the reference for currents given as
    multiples (``"2x"``)."""
    kind = kind_of(design := load_design(design))
    nominal = kind.nominal(design)
    if kind.name in PREPARE:  # known by simulation only (a user's subcircuit)
        bench = make_bench(nominal)
        return simulated_rheobase(bench, make_simulator("shared", bench.init_commands))
    return float(kind.guess(nominal).rheobase)


def current_in_amps(spec: float | str, rheobase: float, option: str = "currents") -> float:
    """A current in A from a number (A) or a multiple of ``rheobase`` (A) like ``"2x"``;
    :class:`~lifspice.circuits.params.ParameterError` naming ``option`` unless it is finite
    and > 0."""
    text = str(spec).strip().lower()
    i = float(text[:-1]) * rheobase if text.endswith("x") else float(text)
    if not (math.isfinite(i) and i > 0):
        raise ParameterError(f"{option} {spec}: a current must be finite and > 0 A; give a "
                             "current in A or a multiple of the rheobase like 2x")
    return i


def currents_in_amps(currents: Sequence[float | str], design: Any) -> tuple[float, ...]:
    """Currents in A from numbers (A) or multiples of the nominal rheobase (``"2x"``; the
    rheobase is worked out only when a current is given so)."""
    multiples = any(str(c).strip().lower().endswith("x") for c in currents)
    rheobase = nominal_rheobase(design) if multiples else math.nan
    return tuple(current_in_amps(c, rheobase) for c in currents)


def montecarlo(design: Any, *, samples: int, seed: int, out: str | os.PathLike[str],
               currents: Sequence[float | str] = ("2x",), corner: str | None = None,
               temperature_c: float | None = None, mismatch: bool = True, mc: bool = False,
               spreads=None, batch_size: int = 25, workers: int | None = None,
               scheduler: str | None = None, resume: bool = False,
               progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Mismatch (and process) Monte Carlo of a design into the folder ``out``.

    Each sample is drawn from its own seed (from ``seed`` and its index) and measured:
    tau_m, g_m, v_rest, V_th, V_reset, t_ref, the rate at each of ``currents`` (A, or
    multiples of the nominal rheobase like ``"2x"``), energy per spike. Batches are written
    as they finish (``resume=True`` continues an interrupted run). A sky130 design draws
    the PDK's own mismatch at ``corner`` / ``temperature_c``; a behavioral one Gaussian
    ``spreads`` (:class:`lifspice.flows.montecarlo.sample.Spreads`).

    Returns
    -------
    SweepResult
        ``summary`` (mean, std, cv, 95 % intervals per quantity, the numerical floor),
        ``table`` (one row per sample), ``out_dir``.
    """
    design = load_design(design)
    changes = {k: v for k, v in (("corner", corner), ("temperature_c", temperature_c))
               if v is not None}
    if changes:
        design = replace(design, **changes)
    plan = SweepPlan(design=design, n_samples=samples, seed=seed, mismatch=mismatch, mc=mc,
                     currents=currents_in_amps(currents, design), spreads=spreads,
                     batch_size=batch_size)
    return run_sweep(plan, out, workers=workers, scheduler=scheduler, resume=resume,
                     progress=progress)


def corners(design: Any = "sky130", *, out: str | os.PathLike[str],
            corners: Sequence[str] = ("tt", "ss", "ff", "sf", "fs"),
            temperatures_c: Sequence[float] = (-40.0, 27.0, 85.0),
            current: float | str | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Every process corner at every temperature: tau_m, V_th and the rate at ``current``
    (A or ``"2x"``; default twice the nominal rheobase), into ``out/corners.csv``/``.json``;
    returns the rows."""
    design = load_design(design)
    amps = None if current is None else currents_in_amps([current], design)[0]
    return run_corners(design, out, corners=corners, temperatures_c=temperatures_c,
                       current=amps, workers=workers, progress=progress)


def size(tau_m: float, *, out: str | os.PathLike[str] | None = None,
         progress: Progress | None = None, **targets: Any) -> SizingResult:
    """Size a transistor neuron for ``tau_m`` (s) and the other targets
    (:class:`lifspice.analysis.sizing.SizingTargets`: ``v_th``, ``max_rate``,
    ``sigma_tau_rel``, ``area_max``, ``topology``, ``pdk`` -- ``"sky130"`` by default or
    ``"gf180mcu"`` --, ...), then simulate it and correct the
    bias until the simulated tau_m is within 2 %. ``out`` gets ``design.toml`` (a design
    file for :func:`characterize`), the netlists and ``sizing.json``."""
    result = size_and_verify(SizingTargets(tau_m=tau_m, **targets), progress=progress)
    if out is not None:
        write_sizing(result, Path(out))
    return result


def datasheet(design: Any, *, out: str | os.PathLike[str], spec: Any = None,
              samples: int | None = None, seed: int | None = None,
              workers: int | None = None, points: int = 12,
              progress: Progress | None = None) -> DatasheetResult:
    """A datasheet of ``design`` against ``spec`` (a TOML or CACE-style YAML file; default:
    the sizing targets, else the design's own values) into ``out``: ``datasheet.json``,
    ``datasheet.md``, ``datasheet.html``. Every condition (nominal, corners, supply, Monte
    Carlo with ``samples`` at ``seed``) is measured once; a run continues where an
    interrupted one stopped. Returns :class:`~lifspice.flows.datasheet.DatasheetResult`
    (``rows``, ``status``, ``failing``, ``paths``)."""
    return _datasheet(design, out=out, spec=spec, samples=samples, seed=seed,
                      workers=workers, points=points, progress=progress)


__all__ = ["DatasheetResult", "MeasuredResult", "characterize", "corners", "current_in_amps",
           "currents_in_amps", "datasheet", "fit_measurements", "load_design", "montecarlo",
           "nominal_rheobase", "size"]
