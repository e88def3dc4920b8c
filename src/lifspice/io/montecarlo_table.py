"""Read a finished ``lifspice montecarlo`` folder without the sweep machinery (no xarray):
``sweep.json`` (the plan: design, currents) and ``samples.csv`` (one row per sample)."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import numpy as np

from lifspice.io.measurements import MeasurementFileError

__all__ = ["read_montecarlo"]


def read_montecarlo(folder: str | os.PathLike[str]) -> tuple[dict, dict[str, np.ndarray]]:
    """(plan, table) of a Monte Carlo folder: the plan of ``sweep.json`` and the successful
    samples' columns (SI floats). A behavioral run gets ``rheobase_A`` from its drawn g_m,
    the measured threshold and the design's v_rest; a run that measured ``gm_S`` and
    ``v_rest_V`` from those.

    Raises
    ------
    MeasurementFileError
        For a folder that is not a finished Monte Carlo run, naming the missing file.
    """
    folder = Path(folder)
    plan_path, table_path = folder / "sweep.json", folder / "samples.csv"
    for path in (plan_path, table_path):
        if not path.is_file():
            raise MeasurementFileError(
                f"--montecarlo {folder}: no {path.name}; give the folder of a finished "
                "`lifspice montecarlo` run (an interrupted one: finish it with --resume)")
    try:
        plan = json.loads(plan_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise MeasurementFileError(f"{plan_path}: not JSON ({e})") from None
    with table_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise MeasurementFileError(f"{table_path}: no samples")
    table: dict[str, np.ndarray] = {}
    for key in rows[0]:
        if key in ("sample", "seed", "ok", "error"):
            continue
        try:
            table[key] = np.array([float(r[key]) if r[key] not in ("", None) else math.nan
                                   for r in rows])
        except ValueError:
            continue
    ok = np.array([r.get("ok", "1") in ("1", "True", "true") for r in rows])
    table = {k: v[ok] for k, v in table.items()}
    if not ok.any():
        raise MeasurementFileError(f"{table_path}: every sample failed")
    design = plan.get("design", {})
    if "drawn_g_leak_S" in table and "v_th_V" in table and "v_rest" in design:
        table["rheobase_A"] = table["drawn_g_leak_S"] * (table["v_th_V"] - design["v_rest"])
    elif {"gm_S", "v_th_V", "v_rest_V"} <= set(table):
        table["rheobase_A"] = table["gm_S"] * (table["v_th_V"] - table["v_rest_V"])
    return plan, table
