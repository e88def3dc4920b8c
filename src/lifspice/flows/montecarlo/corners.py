"""Corner and temperature sweep of a PDK neuron (sky130, gf180mcu) on the Monte Carlo engine.

Each cell (process corner x temperature) is one
:class:`lifspice.flows.montecarlo.sample.SampleSpec` without mismatch and without a seed,
measured like a Monte Carlo sample (small-signal tau_m, one firing transient at the chosen
current), on the same executors (local pool or Dask). A cell whose simulation fails or whose
neuron does not fire at the current is recorded as failed with the reason; the other cells go
on (at 85 degC a pA-biased OTA can stop working: its own output mirror leaks about as much as
its bias).

The default current is twice the nominal rheobase of the design at tt, 27 degC
(:meth:`~lifspice.circuits.cmos.neuron.CmosNeuron.lif_guess`, ``i_b tanh((v_th -
v_rest)/v_lin)``: 600 pA for the reference design), so every corner whose rheobase moves by less
than 2x still fires.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.executor import Executor, run_specs
from lifspice.flows.montecarlo.measurers import measurer_of
from lifspice.flows.montecarlo.sample import SampleSpec
from lifspice.io.report import json_number

CORNERS = ("tt", "ss", "ff", "sf", "fs")
TEMPERATURES_C = (-40.0, 27.0, 85.0)
#: Quantities of each corner cell, SI units in the names.
COLUMNS = ("tau_m_s", "v_th_V", "rate_Hz", "gm_S", "v_rest_V", "t_ref_s",
           "energy_per_spike_J")


def default_current(design) -> float:
    """Twice the nominal (tt, 27 degC) rheobase predicted for ``design``, A."""
    nominal = replace(design, corner="tt", temperature_c=27.0)
    return 2.0 * nominal.lif_guess().rheobase


def run_corners(
    design,
    out_dir: str | os.PathLike[str],
    *,
    corners: Sequence[str] = CORNERS,
    temperatures_c: Sequence[float] = TEMPERATURES_C,
    current: float | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Measure ``design`` at every corner and temperature; write corners.csv and
    corners.json into ``out_dir`` and return the rows (corner, temperature_c, ok, error,
    and :data:`COLUMNS` in SI units; ``rate_Hz`` at ``current``)."""
    if measurer_of(design).pdk is None:
        raise TypeError("corners need a design on a PDK (circuit = 'sky130' or 'gf180')")
    allowed = getattr(design, "CORNERS", ()) or tuple(corners)
    unknown = [c for c in corners if c not in allowed]
    if unknown:
        raise ParameterError(f"corners {unknown} unknown for this design; choose from "
                             f"{allowed}")
    i = default_current(design) if current is None else float(current)
    if not (math.isfinite(i) and i > 0):
        raise ParameterError(f"current (--current) must be finite and > 0 A, got {i:g}; give "
                             "a current in A or a multiple of the rheobase like 2x")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cells = [(c, float(t)) for c in corners for t in temperatures_c]
    jobs = [(k, [SampleSpec(design=replace(design, corner=c, temperature_c=t), seed=None,
                            index=k, mismatch=False, currents=(i,))])
            for k, (c, t) in enumerate(cells)]
    rows: list[dict | None] = [None] * len(cells)
    ex = Executor(design, workers, scheduler, client, scratch=out)
    try:
        for n, (k, (row,)) in enumerate(ex.map(jobs), 1):
            c, t = cells[k]
            rows[k] = {"corner": c, "temperature_c": t, "ok": row["ok"], "error": row["error"],
                       **{col: json_number(row.get("rate_Hz_i0" if col == "rate_Hz" else col))
                          for col in COLUMNS}}
            if progress:
                progress(n, len(cells))
    except BaseException:
        ex.close(cancel=True)
        raise
    ex.close()
    write_corners(out, rows, i, design)
    return rows


def write_corners(out: Path, rows: list[dict], current: float, design) -> None:

    doc = {"current_A": current, "current_rule": "2 x nominal rheobase (tt, 27 degC) unless "
           "given", "design": design.to_dict(), "columns": list(COLUMNS), "cells": rows,
           "n_failed": sum(not r["ok"] for r in rows)}
    (out / "corners.json").write_text(json.dumps(doc, indent=2) + "\n")
    with open(out / "corners.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["corner", "temperature_c", "ok", *COLUMNS, "error"])
        for r in rows:
            w.writerow([r["corner"], r["temperature_c"], int(r["ok"]),
                        *("" if r[c] is None else repr(r[c]) for c in COLUMNS), r["error"]])


def corners_table(rows: list[dict], current: float) -> str:
    """The table as text: tau_m (ms), V_th (V), rate (Hz) at ``current`` per cell."""
    lines = [f"rate at {current:.4g} A",
             f"{'corner':<7}{'T (C)':>7}{'tau_m (ms)':>12}{'V_th (V)':>10}{'rate (Hz)':>11}"]
    for r in rows:
        if not r["ok"]:
            lines.append(f"{r['corner']:<7}{r['temperature_c']:>7.0f}  FAILED: {r['error']}")
            continue

        def f(x, scale, fmt):
            return format(x * scale, fmt) if x is not None else "-"

        lines.append(f"{r['corner']:<7}{r['temperature_c']:>7.0f}"
                     f"{f(r['tau_m_s'], 1e3, '12.4f')}{f(r['v_th_V'], 1, '10.4f')}"
                     f"{f(r['rate_Hz'], 1, '11.2f')}")
    return "\n".join(lines)


__all__ = ["CORNERS", "TEMPERATURES_C", "corners_table", "default_current", "run_corners",
           "run_specs"]
