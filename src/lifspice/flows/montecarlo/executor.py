"""Where the samples of a sweep run: batches of
:class:`~lifspice.flows.montecarlo.sample.SampleSpec` mapped to rows on the local pool or a
Dask cluster, with a time limit per sample on the local pool.

A sample's ngspice run cannot be interrupted from Python (the call blocks in the library), so on
the local pool a sample that takes longer than ``time_limit_s`` ends its worker: the worker's
watchdog thread writes a marker naming the sample and exits the process. The pool is then broken;
:class:`~lifspice.flows.montecarlo.executor.Executor` reads the markers, records those samples as
failed (``ok=0`` and the reason), starts a new pool and runs the batches that were in flight again
without them. A worker that dies without a marker (a crash in ngspice) still stops the sweep; the
written batches stay and ``resume`` continues. On Dask a batch gets the limit times its samples
(:mod:`lifspice.flows.montecarlo.dask_run`).

The markers go to ``<scratch>/.timeouts`` when the caller gives a ``scratch`` folder (the
sweep's output folder: a run killed with SIGKILL leaves nothing in the system's temporary
folder, and the next run clears it), else to a temporary folder removed on ``close``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from lifspice.circuits.kinds import make_bench
from lifspice.flows.montecarlo.dask_run import (
    NO_WORKER_TIMEOUT_S,
    close_quietly,
    connect,
    dask_map,
)
from lifspice.flows.montecarlo.measurers import measure_sample
from lifspice.sim.pool import SimPool

if TYPE_CHECKING:  # light at import: the CLI reads SAMPLE_TIME_LIMIT_S from here
    from lifspice.flows.montecarlo.sample import SampleSpec

SAMPLE_TIME_LIMIT_S = 300.0  # s; a reference sky130 sample takes ~0.15 s, a slow draw ~1 s
_EXIT_TIMEOUT = 75


# worker side ----------------------------------------------------------------------------
def sample_key(spec: SampleSpec) -> str:
    """Names a sample in a timeout marker (a floor rerun shares its sample's seed, not its
    nudge)."""
    return f"{spec.index}_{spec.seed}_{spec.nudge_v!r}"


def _time_out(marker_dir: str, key: str, limit: float) -> None:
    path = Path(marker_dir) / f"{key}.timeout"
    path.write_text(f"{limit!r}\n")
    print(f"lifspice worker {os.getpid()}: sample {key} took over {limit:g} s; "
          "stopping this worker", file=sys.stderr, flush=True)
    os._exit(_EXIT_TIMEOUT)


def run_specs(sim, specs: Sequence[SampleSpec], *, time_limit_s: float | None = None,
              marker_dir: str | None = None) -> list[dict]:
    """Measure ``specs`` one after the other; a failure becomes ``{"ok": False, "error"}``
    and the next sample goes on. Runs in a worker; with ``time_limit_s`` (and a
    ``marker_dir``) a sample that runs longer ends this process (module docstring)."""

    rows = []
    for spec in specs:
        watchdog = None
        if time_limit_s is not None and marker_dir is not None:
            watchdog = threading.Timer(time_limit_s, _time_out,
                                       (marker_dir, sample_key(spec), time_limit_s))
            watchdog.daemon = True
            watchdog.start()
        try:
            row = {**measure_sample(sim, spec), "ok": True, "error": ""}
        except Exception as exc:  # recorded, not raised: one bad draw must not stop a sweep
            reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
            row = {"index": spec.index, "seed": spec.seed, "ok": False,
                   "error": f"{type(exc).__name__}: {reason}"[:500]}
        finally:
            if watchdog is not None:
                watchdog.cancel()
        rows.append(row)
    return rows


def timed_out_row(spec: SampleSpec, limit: float, where: str = "") -> dict:
    if where == "Dask":
        why = (f"its batch got no result from Dask within the per-sample time limit of "
               f"{limit:g} s times its samples (its worker was restarted)")
    else:
        why = (f"no result within the per-sample time limit of {limit:g} s (its worker was "
               "stopped and replaced)")
    return {"index": spec.index, "seed": spec.seed, "ok": False, "error": f"TimeoutError: {why}"}


def _spawn_deaf_to_ctrl_c(pool: SimPool) -> None:
    """Start ``pool``'s workers now, with SIGINT ignored from birth (an ignored signal stays
    ignored across exec). Ctrl-C reaches the whole process group; a worker still importing
    (before its initializer ignores SIGINT) would print a traceback of its own. Uses the
    process pool's private ``_adjust_process_count`` (one worker per call), where it exists;
    otherwise the workers start lazily as before."""
    adjust = getattr(getattr(pool, "_executor", None), "_adjust_process_count", None)
    if adjust is None or threading.current_thread() is not threading.main_thread():
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for _ in range(pool.workers):
            adjust()
    finally:
        signal.signal(signal.SIGINT, old)


class Executor:
    """Maps batches of specs to rows on the local pool or a Dask client.

    ``time_limit_s`` (``None``: no limit) bounds each sample's time; ``scratch`` is a folder
    for the limit's markers (module docstring); ``no_worker_timeout_s`` (Dask) how long the
    cluster may have no worker before the map stops with an error.
    """

    def __init__(self, design, workers=None, scheduler=None, client=None, *,
                 time_limit_s: float | None = SAMPLE_TIME_LIMIT_S, scratch: Path | None = None,
                 no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S):
        self.design, self.workers = design, workers
        self.client, self._own, self._pool = client, None, None
        self.time_limit_s = time_limit_s
        self.no_worker_timeout_s = no_worker_timeout_s
        self._scratch = None if scratch is None else Path(scratch) / ".timeouts"
        self._markers: str | None = None
        self.timed_out: list[dict] = []  # rows of the samples stopped by the limit
        if client is None and scheduler is not None:
            self.client = self._own = connect(scheduler)

    def map(self, jobs):
        if not jobs:
            return iter(())
        if self.client is not None:
            return dask_map(jobs, self.client, run_specs, time_limit_s=self.time_limit_s,
                            no_worker_timeout_s=self.no_worker_timeout_s,
                            timed_out_row=partial(timed_out_row, where="Dask"))
        return self._local_map(jobs)

    def _start_pool(self):
        # the bench locates its models (a PDK's): were they missing, the workers would each
        # fail on every sample, so say it once, here
        init_commands = make_bench(self.design).init_commands
        if self.time_limit_s is not None and self._markers is None:
            if self._scratch is None:
                self._markers = tempfile.mkdtemp(prefix="lifspice-timeouts-")
            else:  # a killed run's markers are stale: start empty
                shutil.rmtree(self._scratch, ignore_errors=True)
                self._scratch.mkdir(parents=True)
                self._markers = str(self._scratch)
        # max_pending 2 per worker: few batches in flight, so an interrupt loses little
        self._pool = SimPool(self.workers, init_commands=init_commands,
                             max_pending=2 * (self.workers or os.cpu_count() or 1))
        self._pool.start()
        _spawn_deaf_to_ctrl_c(self._pool)

    def _local_map(self, jobs) -> Iterator[tuple[int, list]]:
        remaining = dict(jobs)
        stopped: dict[str, dict] = {}  # sample_key -> its failure row
        while remaining:
            if self._pool is None:
                self._start_pool()
            func = partial(run_specs, time_limit_s=self.time_limit_s, marker_dir=self._markers)
            items = [(key, [s for s in specs if sample_key(s) not in stopped])
                     for key, specs in remaining.items()]
            try:
                for k, rows in self._pool.as_completed(func, [specs for _, specs in items]):
                    key = items[k][0]
                    rows = rows + [stopped[sample_key(s)] for s in remaining.pop(key)
                                   if sample_key(s) in stopped]
                    yield key, sorted(rows, key=lambda r: r["index"])
            except BrokenProcessPool:
                self._pool.close(cancel=True)
                self._pool = None
                new = self._read_markers(remaining, stopped)
                if not new:
                    raise  # a crash, not a time limit: stop (written batches stay)
                stopped.update(new)
                self.timed_out += list(new.values())

    def _read_markers(self, remaining, stopped) -> dict[str, dict]:
        if self._markers is None:
            return {}
        names = {p.stem for p in Path(self._markers).glob("*.timeout")}
        return {sample_key(s): timed_out_row(s, self.time_limit_s)
                for specs in remaining.values() for s in specs
                if sample_key(s) in names and sample_key(s) not in stopped}

    def close(self, *, cancel: bool = False):
        if self._pool is not None:
            self._pool.close(cancel=cancel)
            self._pool = None
        if self._own is not None:
            close_quietly(self._own)
            self._own = None
        if self._markers is not None:
            shutil.rmtree(self._markers, ignore_errors=True)
            self._markers = None


__all__ = ["SAMPLE_TIME_LIMIT_S", "Executor", "run_specs", "sample_key", "timed_out_row"]
