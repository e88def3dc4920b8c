"""Monte Carlo engine: many :mod:`lifspice.flows.montecarlo.sample` samples, in batches, on all
cores or Dask.

A sweep is a :class:`~lifspice.flows.montecarlo.sweep.SweepPlan` (design, number of samples, master
seed, flags, currents). Sample ``k`` gets the seed :func:`sample_seed(seed, k) <sample_seed>`,
which depends on nothing else, so a sample is reproducible alone and every executor gives the same
numbers. Samples are grouped in batches of ``batch_size``; a worker measures a whole batch, and the
parent writes each finished batch at once to ``batches/batch_<b>.nc`` (NetCDF via xarray and
h5netcdf; seeds, design, corner and flags in the file). A crash or Ctrl-C loses only the batches in
flight; :func:`~lifspice.flows.montecarlo.sweep.run_sweep` with ``resume=True`` skips the written
ones.

Executors (:mod:`lifspice.flows.montecarlo.executor`): local (a
:class:`lifspice.sim.pool.SimPool`, one long-lived ngspice per process, a time limit per
sample) or a ``dask.distributed`` cluster
(``scheduler="tcp://host:port"`` or a ``Client``); a Dask worker process keeps its own
ngspice.

The output folder gets ``sweep.json`` (the plan), ``nominal.json`` (the design without any
draw), ``batches/``, ``floor.nc`` (numerical-noise floor: the first ``floor_samples`` samples
each rerun with the threshold reference nudged by 1 uV steps), and at the end ``samples.csv``
and ``summary.json`` (:mod:`lifspice.analysis.stats` does the statistics; the files:
:mod:`lifspice.flows.montecarlo.sweep_files`). What depends on the neuron's kind (its
quantities, how its mismatch is drawn) comes from its
:class:`~lifspice.flows.montecarlo.measurers.SampleMeasurer`.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from lifspice.analysis.stats import sweep_summary
from lifspice.circuits.kinds import kind_of
from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.executor import NO_WORKER_TIMEOUT_S, SAMPLE_TIME_LIMIT_S, Executor
from lifspice.flows.montecarlo.measurers import measurer_of, quantity_keys
from lifspice.flows.montecarlo.sample import NUDGE_V, SampleSpec, Spreads, draw_mode, nudged
from lifspice.flows.montecarlo.sweep_files import (
    batch_path,
    concat_tables,
    json_row,
    load_sweep,
    read_rows,
    write_rows,
    write_table,
)
from lifspice.flows.montecarlo.sweep_folder import (
    NOMINAL,
    check_folder,
    read_nominal,
    read_table_or_set_aside,
    remove_stale_tmp,
    write_manifest,
    written_batches,
)

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
        PDK device mismatch / global process variation (sky130).
    currents : tuple of float
        Input currents, A (the first is the reference current).
    spreads : Spreads, optional
        Behavioral spreads (default: :class:`~lifspice.flows.montecarlo.sample.Spreads` with its
        defaults).
    batch_size : int
        Samples per batch (per file, per task).
    floor_reruns : int
        Nudged reruns of each floor sample for the numerical floor (0: no floor).
    floor_samples : int
        How many samples (the first ones) are rerun for the floor: the floor is the pooled
        spread of their reruns, so one sample's luck does not set it.
    draw : {"auto", "alter", "reset"}
        How PDK workers redraw the mismatch
        (:class:`~lifspice.flows.montecarlo.sample.SampleSpec`).
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
        for name, option, low in (("n_samples", "--samples", 1), ("batch_size", "--batch-size", 1),
                                  ("seed", "--seed", 0), ("floor_samples", "", 1),
                                  ("floor_reruns", "", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise ParameterError(f"{name}{f' ({option})' if option else ''} must be an "
                                     f"integer >= {low}, got {v!r}")
        if not all(math.isfinite(i) and i > 0 for i in self.currents):
            raise ParameterError(f"currents (--currents) must be finite and > 0 A, got "
                                 f"{', '.join(f'{i:g}' for i in self.currents)}; give "
                                 "currents in A or multiples of the rheobase like 2x")
        corner = getattr(self.design, "corner", "tt")
        if self.mc and corner != "tt":
            raise ParameterError(f"--mc (process variation) exists for the typical corner "
                                 f"only, not --corner {corner}: use --corner tt with --mc, "
                                 "or drop --mc to sample the device mismatch at that corner")
        self.spec(0)  # checks the draw mode against mismatch / mc (needs a valid seed)
        if not measurer_of(self.design).draws_pdk_mismatch and self.spreads is None:
            object.__setattr__(self, "spreads", Spreads())

    @property
    def n_batches(self) -> int:
        return -(-self.n_samples // self.batch_size)

    def batch_indices(self, b: int) -> range:
        return range(b * self.batch_size, min((b + 1) * self.batch_size, self.n_samples))

    def to_dict(self) -> dict:
        d = self.design
        pdk_draw = measurer_of(d).draws_pdk_mismatch
        return {
            "format": FORMAT, "circuit": kind_of(d).name,
            "design": d.to_dict(), "n_samples": self.n_samples, "seed": self.seed,
            "mismatch": self.mismatch, "mc": self.mc, "currents_A": list(self.currents),
            "spreads": None if self.spreads is None else vars(self.spreads),
            "batch_size": self.batch_size, "floor_reruns": self.floor_reruns,
            "floor_samples": self.floor_samples,
            "draw": draw_mode(self.spec(0)) if pdk_draw else None,
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
    if measurer_of(plan.design).draws_pdk_mismatch and draw_mode(spec) == "alter":
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


# the sweep ------------------------------------------------------------------------------
def resolve_draw(plan: SweepPlan) -> tuple[SweepPlan, str | None]:
    """``plan`` with ``draw="auto"`` turned into ``"reset"`` where ``"alter"`` cannot draw
    its mismatch (a section without the continuous models, a device the explicit-draw library
    does not cover), and a note saying why; otherwise ``plan`` and ``None``."""
    refusal = measurer_of(plan.design).alter_refusal
    if refusal is None or plan.draw != "auto" or draw_mode(plan.spec(0)) != "alter":
        return plan, None
    reason = refusal(plan.spec(0))
    if reason is None:
        return plan, None
    note = f"mismatch drawn by setseed + reset: {reason}"
    log.warning(note)
    return replace(plan, draw="reset"), note


def nominal_windows(nominal: dict, plan: SweepPlan) -> tuple[float, ...]:
    """Transient length per current for the drawn samples of a kind whose runs ngspice stops
    where the firing cycle ends (sky130: 3 nominal ISIs; the cycle ends ~1.15 ISI in), so the
    length only bounds a draw that is slow or silent (the draws move the ISI by ~8 %; a
    sample with no whole cycle in it is rerun longer). Empty for other kinds."""
    window_isi = measurer_of(plan.design).nominal_window_isi
    rates = [nominal.get(f"rate_Hz_i{k}", 0.0) for k in range(len(plan.currents))]
    if window_isi is None or not nominal.get("ok") or not all(r > 0 for r in rates):
        return ()
    return tuple(window_isi / r for r in rates)


@dataclass(frozen=True)
class _SweepFolder:
    """One sweep being run into ``out``: its (resolved) plan and what its files hold."""

    out: Path
    plan: SweepPlan
    plan_dict: dict
    keys: list[str]
    written: dict[int, dict] = field(default_factory=dict)  # batch -> columns, files found

    @property
    def attrs(self) -> dict:
        """What each batch file records of the plan."""
        return {k: self.plan_dict[k] for k in ("circuit", "design", "seed", "corner",
                                               "temperature_c", "mismatch", "mc",
                                               "currents_A", "draw")}

    @property
    def floor_path(self) -> Path:
        return self.out / "floor.nc"

    @property
    def n_floor(self) -> int:
        """How many samples are rerun for the numerical floor."""
        p = self.plan
        return min(p.floor_samples, p.n_samples) if p.floor_reruns else 0


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
    no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
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
        Per-sample time limit, s (``None``: none): on the local pool a sample still running
        after it is recorded as failed and its worker replaced; on Dask a batch gets the
        limit times its samples (:mod:`lifspice.flows.montecarlo.executor`).
    no_worker_timeout_s : float
        Dask: stop with an error when the cluster has had no worker this long, s.

    Raises
    ------
    ParameterError
        Before any simulation: ``out_dir`` holds a sweep (and not ``resume``), or another
        plan or an unreadable ``sweep.json`` (``resume``); after the nominal neuron alone,
        when it fails (every sample would): nothing else is run or written.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan, draw_note = resolve_draw(plan)
    plan_dict = plan.to_dict()
    check_folder(out, plan_dict, resume)
    remove_stale_tmp(out)
    folder = _SweepFolder(out, plan, plan_dict, quantity_keys(plan.design, len(plan.currents)))
    ex = Executor(plan.design, workers, scheduler, client, time_limit_s=time_limit_s,
                  scratch=out, no_worker_timeout_s=no_worker_timeout_s)
    try:
        nominal = _nominal(ex, folder)
        write_manifest(out, plan_dict)
        jobs, done_b = _pending_jobs(folder, nominal_windows(nominal, plan))
        fresh = _run_jobs(ex, folder, jobs, done_b, progress)
    except BaseException:
        ex.close(cancel=True)  # Ctrl-C: drop queued batches; the written ones stay
        raise
    ex.close()
    summary, table, floor = _summarize(folder, fresh, nominal)
    if plan.mc and measurer_of(plan.design).process_mc_note is not None:
        summary["process_mc_note"] = measurer_of(plan.design).process_mc_note()
    if draw_note:
        summary["draw_note"] = draw_note
    elapsed = time.perf_counter() - t0
    n_run = sum(len(specs) for b, specs in jobs if b >= 0)
    summary["elapsed_s"] = elapsed
    summary["samples_run"] = n_run
    summary["samples_per_s"] = n_run / elapsed
    write_table(out / "samples.csv", table, folder.keys)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    return SweepResult(out_dir=out, summary=summary, table=table, floor=floor,
                       batches_run=len([j for j in jobs if j[0] >= 0]),
                       batches_reused=len(done_b), elapsed_s=summary["elapsed_s"])


def _nominal(ex: Executor, folder: _SweepFolder) -> dict:
    """The nominal neuron's row: read from ``nominal.json``, or measured and written there.
    A nominal neuron that fails stops the sweep here: every sample would fail the same way."""
    nominal = read_nominal(folder.out)
    if nominal is not None:
        return nominal
    (_, rows), = ex.map([(-1, [nominal_spec(folder.plan)])])
    nominal = json_row(rows[0])
    if not nominal["ok"]:
        raise ParameterError(
            f"the nominal neuron (no draw) fails, so every sample would: {nominal['error']}; "
            "no sample was run: check the design, --currents and --time-limit")
    (folder.out / NOMINAL).write_text(json.dumps(nominal, indent=2) + "\n")
    return nominal


def _pending_jobs(folder: _SweepFolder, windows: tuple[float, ...],
                  ) -> tuple[list[tuple[int, list[SampleSpec]]], set[int]]:
    """(jobs still to run, batches already written). A job is (batch, its specs); the floor
    samples' reruns are one job each, keyed -2, -3, ... (until ``floor.nc`` is written)."""
    plan = folder.plan
    folder.written.update(written_batches(
        folder.out, plan.n_batches, plan.batch_indices,
        lambda b: [sample_seed(plan.seed, k) for k in plan.batch_indices(b)]))
    done_b = set(folder.written)
    if folder.floor_path.exists():
        read_table_or_set_aside(folder.floor_path)  # one that cannot be read is redone
    jobs = [(b, [plan.spec(k, windows) for k in plan.batch_indices(b)])
            for b in range(plan.n_batches) if b not in done_b]
    runs = plan.floor_reruns + 1
    if folder.n_floor and not folder.floor_path.exists():
        jobs += [(-2 - s, [replace(nudged(plan.spec(s, windows), k), index=s * runs + k)
                           for k in range(runs)]) for s in range(folder.n_floor)]
    return jobs, done_b


def _run_jobs(ex: Executor, folder: _SweepFolder, jobs, done_b: set[int],
              progress: Callable[[int, int], None] | None) -> dict[int, dict[str, np.ndarray]]:
    """Run ``jobs``, writing each batch as it comes in and the floor once all its samples
    are in; returns the columns of the batches run now (no need to reread them)."""
    plan = folder.plan
    n_done = sum(len(plan.batch_indices(b)) for b in done_b)
    if progress:
        progress(n_done, plan.n_samples)
    floor_rows: dict[int, list[dict]] = {}
    fresh: dict[int, dict[str, np.ndarray]] = {}
    for b, rows in ex.map(jobs):
        if b <= -2:
            floor_rows[b] = rows
            if len(floor_rows) == folder.n_floor:
                write_rows(folder.floor_path, [r for key in sorted(floor_rows, reverse=True)
                                               for r in floor_rows[key]], folder.keys,
                           {**folder.attrs, "nudge_V": NUDGE_V})
            continue
        fresh[b] = write_rows(batch_path(folder.out, b), rows, folder.keys, folder.attrs)
        n_done += len(rows)
        if progress:
            progress(n_done, plan.n_samples)
    return fresh


def _summarize(folder: _SweepFolder, fresh: dict[int, dict[str, np.ndarray]], nominal: dict):
    """(summary, per-sample table, floor table) of the finished sweep."""
    plan, out = folder.plan, folder.out
    table = concat_tables([fresh[b] if b in fresh else folder.written.get(b) or
                           read_rows(batch_path(out, b)) for b in range(plan.n_batches)])
    floor = read_rows(folder.floor_path) if plan.floor_reruns else {}
    summary = sweep_summary(table, folder.keys, floor=floor, plan=folder.plan_dict,
                            nominal=nominal)
    return summary, table, floor


__all__ = ["SweepPlan", "SweepResult", "load_sweep", "nominal_spec", "nominal_windows",
           "resolve_draw", "run_sweep", "sample_seed"]
