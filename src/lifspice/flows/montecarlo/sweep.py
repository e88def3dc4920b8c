"""Monte Carlo engine: many :mod:`lifspice.flows.montecarlo.sample` samples, in batches, on all cores or Dask.

A sweep is a :class:`SweepPlan` (design, number of samples, master seed, flags, currents).
Sample ``k`` gets the seed :func:`sample_seed(seed, k) <sample_seed>`, which depends on
nothing else, so a sample is reproducible alone and every executor gives the same numbers.
Samples are grouped in batches of ``batch_size``; a worker measures a whole batch, and the
parent writes each finished batch at once to ``batches/batch_<b>.nc`` (NetCDF via xarray
and h5netcdf; seeds, design, corner and flags in the file). A crash or Ctrl-C loses only
the batches in flight; :func:`run_sweep` with ``resume=True`` skips the written ones.

Executors (:mod:`lifspice.flows.montecarlo.executor`): local (a :class:`lifspice.sim.pool.SimPool`, one
long-lived ngspice per process, a time limit per sample) or a ``dask.distributed`` cluster
(``scheduler="tcp://host:port"`` or a ``Client``); a Dask worker process keeps its own
ngspice.

The output folder gets ``sweep.json`` (the plan), ``nominal.json`` (the design without any
draw), ``batches/``, ``floor.nc`` (numerical-noise floor: the first ``floor_samples`` samples
each rerun with the threshold reference nudged by 1 uV steps), and at the end ``samples.csv`` and
``summary.json`` (:mod:`lifspice.analysis.stats` does the statistics).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from lifspice.analysis.stats import sweep_summary
from lifspice.flows.montecarlo.executor import SAMPLE_TIME_LIMIT_S, Executor
from lifspice.flows.montecarlo.sample import (
    STOPPED_WINDOW_ISI,
    SampleSpec,
    Spreads,
    draw_mode,
    explicit_draw_paths,
    is_sky130,
    nudged,
    quantity_keys,
)
from lifspice.pdk.sky130 import mc_threshold_note
from lifspice.pdk.sky130_mismatch import ExplicitMismatchError

log = logging.getLogger(__name__)

FORMAT = 1
FLOOR_RERUNS = 4
FLOOR_SAMPLES = 3


@dataclass(frozen=True, kw_only=True)
class SweepPlan:
    """What to sample (SI units).

    Parameters
    ----------
    design : BehavioralNeuron or Sky130Neuron
    n_samples : int
    seed : int
        Master seed; sample ``k`` uses :func:`sample_seed` ``(seed, k)``.
    mismatch, mc : bool
        sky130 device mismatch / global process variation.
    currents : tuple of float
        Input currents, A (the first is the reference current).
    spreads : Spreads, optional
        Behavioral spreads (default :class:`Spreads()`).
    batch_size : int
        Samples per batch (per file, per task).
    floor_reruns : int
        Nudged reruns of each floor sample for the numerical floor (0: no floor).
    floor_samples : int
        How many samples (the first ones) are rerun for the floor: the floor is the pooled
        spread of their reruns, so one sample's luck does not set it.
    draw : {"auto", "alter", "reset"}
        How sky130 workers redraw the mismatch (:class:`~lifspice.flows.montecarlo.sample.SampleSpec`).
    """

    design: object
    n_samples: int
    seed: int
    mismatch: bool = True
    mc: bool = False
    currents: tuple[float, ...] = ()
    spreads: Spreads | None = None
    batch_size: int = 25
    floor_reruns: int = FLOOR_RERUNS
    floor_samples: int = FLOOR_SAMPLES
    draw: str = "auto"

    def __post_init__(self) -> None:
        if self.n_samples < 1 or self.batch_size < 1 or self.floor_samples < 1:
            raise ValueError("n_samples, batch_size and floor_samples must be >= 1")
        if self.floor_reruns < 0:
            raise ValueError(f"floor_reruns must be >= 0, got {self.floor_reruns!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an int >= 0, got {self.seed!r}")
        self.spec(0)  # checks the draw mode against mismatch / mc (needs a valid seed)
        if not is_sky130(self.design) and self.spreads is None:
            object.__setattr__(self, "spreads", Spreads())

    @property
    def n_batches(self) -> int:
        return -(-self.n_samples // self.batch_size)

    def batch_indices(self, b: int) -> range:
        return range(b * self.batch_size, min((b + 1) * self.batch_size, self.n_samples))

    def to_dict(self) -> dict:
        d = self.design
        return {
            "format": FORMAT, "circuit": "sky130" if is_sky130(d) else "behavioral",
            "design": d.to_dict(), "n_samples": self.n_samples, "seed": self.seed,
            "mismatch": self.mismatch, "mc": self.mc, "currents_A": list(self.currents),
            "spreads": None if self.spreads is None else vars(self.spreads),
            "batch_size": self.batch_size, "floor_reruns": self.floor_reruns,
            "floor_samples": self.floor_samples,
            "draw": draw_mode(self.spec(0)) if is_sky130(d) else None,
            "corner": getattr(d, "corner", None), "temperature_c": getattr(d, "temperature_c",
                                                                            None),
        }

    def spec(self, k: int, t_stop: tuple[float, ...] = ()) -> SampleSpec:
        return SampleSpec(design=self.design, seed=sample_seed(self.seed, k), index=k,
                          mismatch=self.mismatch, mc=self.mc, currents=self.currents,
                          t_stop=t_stop, spreads=self.spreads, draw=self.draw)


def nominal_spec(plan: SweepPlan) -> SampleSpec:
    """The nominal neuron of a sweep: no draw. With ``alter`` draws it is z = 0 on the
    workers' own explicit-draw library (the tt models bit for bit, no second library to
    load); otherwise the corner's library without mismatch or process variation."""
    spec = plan.spec(0)
    if is_sky130(plan.design) and draw_mode(spec) == "alter":
        return replace(spec, seed=None)
    return replace(spec, seed=None, mismatch=False, mc=False, draw="auto")


def sample_seed(seed: int, k: int) -> int:
    """Seed of sample ``k`` of a sweep with master ``seed``: 1 .. 2**31-1, a function of
    (seed, k) only (numpy's SeedSequence), so batching and executors do not change it."""
    word = np.random.SeedSequence(seed, spawn_key=(k,)).generate_state(1, np.uint32)[0]
    return int(word) % (2**31 - 1) + 1


@dataclass
class SweepResult:
    """What :func:`run_sweep` wrote (paths) and the summary it computed."""

    out_dir: Path
    summary: dict
    table: dict[str, np.ndarray]  # column -> values, one row per sample, by index
    floor: dict[str, np.ndarray] = field(default_factory=dict)
    batches_run: int = 0
    batches_reused: int = 0
    elapsed_s: float = 0.0


# files ----------------------------------------------------------------------------------
def _batch_path(out: Path, b: int) -> Path:
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
    ds.to_netcdf(tmp, engine="h5netcdf")
    os.replace(tmp, path)
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


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not parts:
        return {}
    table = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(table["sample"])
    return {k: v[order] for k, v in table.items()}


# the sweep ------------------------------------------------------------------------------
def resolve_draw(plan: SweepPlan) -> tuple[SweepPlan, str | None]:
    """``plan`` with ``draw="auto"`` turned into ``"reset"`` where ``"alter"`` cannot draw
    its mismatch (a section without the continuous models, a device the explicit-draw library
    does not cover), and a note saying why; otherwise ``plan`` and ``None``."""
    if not is_sky130(plan.design) or plan.draw != "auto" or draw_mode(plan.spec(0)) != "alter":
        return plan, None
    try:
        explicit_draw_paths(plan.spec(0))
    except ExplicitMismatchError as exc:
        note = f"mismatch drawn by setseed + reset: {exc}"
        log.warning(note)
        return replace(plan, draw="reset"), note
    return plan, None


def nominal_windows(nominal: dict, plan: SweepPlan) -> tuple[float, ...]:
    """Transient length per current for the drawn sky130 samples: 3 nominal ISIs. ngspice
    stops each run where its firing cycle ends (~1.15 ISI in), so the length only bounds a
    draw that is slow or silent (the draws move the ISI by ~8 %; a sample with no whole
    cycle in it is rerun longer)."""
    rates = [nominal.get(f"rate_Hz_i{k}", 0.0) for k in range(len(plan.currents))]
    if not is_sky130(plan.design) or not nominal.get("ok") or not all(r > 0 for r in rates):
        return ()
    return tuple(STOPPED_WINDOW_ISI / r for r in rates)


def run_sweep(
    plan: SweepPlan,
    out_dir: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    time_limit_s: float | None = SAMPLE_TIME_LIMIT_S,
) -> SweepResult:
    """Run (or finish) a sweep into ``out_dir``.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: all usable cores).
    scheduler : str, optional
        ``tcp://host:port`` of a Dask scheduler; ``client`` passes a ``Client`` instead.
    resume : bool
        Keep the batches ``out_dir`` already holds (the plan must be the same).
    progress : callable, optional
        ``progress(samples_done, n_samples)`` after each batch (reused ones included).
    time_limit_s : float or None
        Per-sample time limit on the local pool, s (``None``: none): a sample still running
        after it is recorded as failed and its worker replaced
        (:mod:`lifspice.flows.montecarlo.executor`).
    """

    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "sweep.json"
    plan, draw_note = resolve_draw(plan)
    plan_dict = plan.to_dict()
    if manifest.exists():
        old = json.loads(manifest.read_text())
        old.setdefault("floor_samples", plan_dict["floor_samples"])  # sweeps before the key
        if not resume:
            raise FileExistsError(f"{out} already holds a sweep: pass resume=True (--resume) "
                                  "to finish it, or choose another folder")
        if old != json.loads(json.dumps(plan_dict)) and not _same_plan(old, plan_dict):
            raise ValueError(f"{out} holds a different sweep ({manifest}); cannot resume it "
                             "with other settings")
    else:
        manifest.write_text(json.dumps(plan_dict, indent=2) + "\n")
    keys = quantity_keys(plan.design, len(plan.currents))
    attrs = {k: plan_dict[k] for k in ("circuit", "design", "seed", "corner", "temperature_c",
                                       "mismatch", "mc", "currents_A", "draw")}
    ex = Executor(plan.design, workers, scheduler, client, time_limit_s=time_limit_s)
    try:
        nominal_path = out / "nominal.json"
        if nominal_path.exists():
            nominal = json.loads(nominal_path.read_text())
        else:
            nom_spec = nominal_spec(plan)
            (_, rows), = ex.map([(-1, [nom_spec])])
            nominal = _json_row(rows[0])
            nominal_path.write_text(json.dumps(nominal, indent=2) + "\n")
        windows = nominal_windows(nominal, plan)

        done_b = {b for b in range(plan.n_batches) if _batch_path(out, b).exists()}
        jobs = [(b, [plan.spec(k, windows) for k in plan.batch_indices(b)])
                for b in range(plan.n_batches) if b not in done_b]
        n_done = sum(len(plan.batch_indices(b)) for b in done_b)
        if progress:
            progress(n_done, plan.n_samples)
        floor_path = out / "floor.nc"
        runs = plan.floor_reruns + 1
        n_floor = min(plan.floor_samples, plan.n_samples) if plan.floor_reruns else 0
        if n_floor and not floor_path.exists():
            # one job per floor sample (keys -2, -3, ...), written together once all are in
            jobs += [(-2 - s, [replace(nudged(plan.spec(s, windows), k), index=s * runs + k)
                               for k in range(runs)]) for s in range(n_floor)]
        floor_rows: dict[int, list[dict]] = {}
        fresh: dict[int, dict[str, np.ndarray]] = {}  # batches run now (no need to reread)
        for b, rows in ex.map(jobs):
            if b <= -2:
                floor_rows[b] = rows
                if len(floor_rows) == n_floor:
                    write_rows(floor_path, [r for key in sorted(floor_rows, reverse=True)
                                            for r in floor_rows[key]], keys,
                               {**attrs, "nudge_V": 1e-6})
                continue
            fresh[b] = write_rows(_batch_path(out, b), rows, keys, attrs)
            n_done += len(rows)
            if progress:
                progress(n_done, plan.n_samples)
    except BaseException:
        ex.close(cancel=True)  # Ctrl-C: drop queued batches; the written ones stay
        raise
    ex.close()

    table = _concat([fresh[b] if b in fresh else read_rows(_batch_path(out, b))
                     for b in range(plan.n_batches)])
    floor = read_rows(floor_path) if plan.floor_reruns else {}
    summary = sweep_summary(table, keys, floor=floor, plan=plan_dict, nominal=nominal)
    elapsed = time.perf_counter() - t0
    n_run = sum(len(specs) for b, specs in jobs if b >= 0)
    if plan.mc and is_sky130(plan.design):

        summary["process_mc_note"] = mc_threshold_note()
    if draw_note:
        summary["draw_note"] = draw_note
    summary["elapsed_s"] = elapsed
    summary["samples_run"] = n_run
    summary["samples_per_s"] = n_run / elapsed
    write_table(out / "samples.csv", table, keys)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    return SweepResult(out_dir=out, summary=summary, table=table, floor=floor,
                       batches_run=len([j for j in jobs if j[0] >= 0]),
                       batches_reused=len(done_b), elapsed_s=summary["elapsed_s"])


def _same_plan(old: dict, new: dict) -> bool:
    """Equal plans (design floats compared after a JSON round trip)."""
    return json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)


def _json_row(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else
                (float(v) if isinstance(v, np.floating) else v)) for k, v in row.items()}


def write_table(path: Path, table: dict[str, np.ndarray], keys: Sequence[str]) -> None:
    """The per-sample table as CSV: sample, seed, ok, the quantities (SI), error."""

    cols = ["sample", "seed", "ok", *keys, "error"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in range(len(table["sample"])):
            w.writerow([int(table["sample"][r]), int(table["seed"][r]), int(table["ok"][r]),
                        *(repr(float(table[k][r])) for k in keys), table["error"][r]])


def load_sweep(out_dir: str | os.PathLike[str]) -> tuple[dict, dict[str, np.ndarray]]:
    """(summary.json, per-sample table) of a finished sweep folder."""
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text())
    files = sorted((out / "batches").glob("batch_*.nc"))
    return summary, _concat([read_rows(p) for p in files])
