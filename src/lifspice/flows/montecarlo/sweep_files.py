"""The files of a Monte Carlo sweep folder: batch and floor tables (NetCDF, one row per
sample) and ``samples.csv``.

A table is columns keyed by name (``sample``, ``seed``, ``ok``, ``error`` and the float
quantities, SI units), one row per sample, sorted by sample. Files are written under a
temporary name and renamed, so a half-written file never looks finished.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def batch_path(out: Path, b: int) -> Path:
    """Where batch ``b`` of the sweep in ``out`` is written."""
    return out / "batches" / f"batch_{b:05d}.nc"


def row_columns(rows: list[dict], keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Rows (sample dicts) as the columns :func:`read_rows` returns, sorted by sample."""
    rows = sorted(rows, key=lambda r: r["index"])
    cols = {"sample": np.array([r["index"] for r in rows], int)}
    cols.update({k: np.array([float(r.get(k, math.nan)) for r in rows]) for k in keys})
    cols["seed"] = np.array([r["seed"] or 0 for r in rows], np.int64)
    cols["ok"] = np.array([bool(r["ok"]) for r in rows])
    cols["error"] = np.array([str(r["error"]) for r in rows], dtype=object)
    return cols


def write_rows(path: Path, rows: list[dict], keys: Sequence[str],
               attrs: dict) -> dict[str, np.ndarray]:
    """One NetCDF file (dimension ``sample``), written under a temporary name, then renamed
    so that a half-written file never looks finished. Returns the columns written."""
    import xarray as xr

    cols = row_columns(rows, keys)
    data = {k: ("sample", v) for k, v in cols.items() if k != "sample"}
    data["ok"] = ("sample", cols["ok"].astype(np.int8))
    ds = xr.Dataset(data, coords={"sample": cols["sample"]},
                    attrs={k: json.dumps(v) for k, v in attrs.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C or a full disk: no half-written file left behind
        tmp.unlink(missing_ok=True)
        raise
    return cols


def read_rows(path: Path) -> dict[str, np.ndarray]:
    """Columns of one batch file (``sample``, ``seed``, ``ok``, ``error``, quantities)."""
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds = ds.load()
    cols = {"sample": ds["sample"].values.astype(int)}
    for name, var in ds.data_vars.items():
        cols[name] = var.values
    cols["ok"] = cols["ok"].astype(bool)
    cols["error"] = np.array([str(x) for x in cols["error"]], dtype=object)
    return cols


def concat_tables(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Tables joined and sorted by sample (empty for no parts)."""
    if not parts:
        return {}
    table = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(table["sample"])
    return {k: v[order] for k, v in table.items()}


def write_table(path: Path, table: dict[str, np.ndarray], keys: Sequence[str]) -> None:
    """The per-sample table as CSV: sample, seed, ok, the quantities (SI), error."""
    cols = ["sample", "seed", "ok", *keys, "error"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in range(len(table["sample"])):
            w.writerow([int(table["sample"][r]), int(table["seed"][r]), int(table["ok"][r]),
                        *(repr(float(table[k][r])) for k in keys), table["error"][r]])


def json_row(row: dict) -> dict:
    """A sample's row with JSON types (non-finite floats as None)."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else
                (float(v) if isinstance(v, np.floating) else v)) for k, v in row.items()}


def load_sweep(out_dir: str | os.PathLike[str]) -> tuple[dict, dict[str, np.ndarray]]:
    """(summary.json, per-sample table) of a finished sweep folder."""
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text())
    files = sorted((out / "batches").glob("batch_*.nc"))
    return summary, concat_tables([read_rows(p) for p in files])
