"""Batches of samples on a ``dask.distributed`` cluster, with the failures a cluster has
turned into one readable error each.

- connecting: a scheduler that does not answer within
  :data:`~lifspice.flows.montecarlo.dask_run.CONNECT_TIMEOUT_S` is a
  :class:`~lifspice.circuits.params.ParameterError` naming ``--scheduler``;
- a time limit per batch: ``time_limit_s`` times its samples plus
  :data:`~lifspice.flows.montecarlo.dask_run.START_SLACK_S`
  (a new worker starts ngspice and loads its models), counted from when the batch is handed
  to a free worker (at most one batch per worker thread is submitted at a time, so a batch
  starts when it is submitted). A batch past its limit is recorded as failed, sample by
  sample, and the worker running it is restarted (an ngspice run cannot be interrupted);
- no worker: when the cluster has had no worker for ``no_worker_timeout_s`` the sweep stops
  with a :class:`~lifspice.sim.result.SimulationError` (the written batches stay);
- a lost scheduler, or a batch that kept killing its workers, is a
  :class:`~lifspice.sim.result.SimulationError`.

The numbers are those of the local pool: a sample depends only on its spec.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence

from lifspice.circuits.kinds import make_bench
from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.sample import SampleSpec
from lifspice.sim.backends import NgspiceShared
from lifspice.sim.result import SimulationError

log = logging.getLogger(__name__)

#: s, to reach the scheduler.
CONNECT_TIMEOUT_S = 5.0
NO_WORKER_TIMEOUT_S = 30.0  # s without any worker before a sweep stops
#: s added to a batch's limit: a fresh worker loads ngspice and the models.
START_SLACK_S = 60.0
POLL_S = 0.05  # s between looks at the futures
WORKERS_POLL_S = 1.0  # s between asking the scheduler for its workers

_dask_sim = None  # this Dask worker process's simulator, made on first use


def dask_batch(specs: Sequence[SampleSpec], run_specs) -> list[dict]:
    """Run on a Dask worker: ``run_specs(sim, specs)`` on this worker process's simulator."""
    global _dask_sim
    if _dask_sim is None:
        os.environ["OMP_NUM_THREADS"] = "1"
        _dask_sim = NgspiceShared(make_bench(specs[0].design).init_commands)
    return run_specs(_dask_sim, specs)


def connect(scheduler: str, timeout_s: float = CONNECT_TIMEOUT_S):
    """A ``Client`` of the scheduler at ``scheduler``, or a one-line ParameterError."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout_s)
    except Exception as e:  # OSError, TimeoutError, ValueError for a malformed address
        why = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise ParameterError(
            f"--scheduler {scheduler}: no Dask scheduler answered within {timeout_s:g} s "
            f"({why}); start one (`dask scheduler`) and give its address, like "
            "tcp://host:8786, or drop --scheduler to run on this machine") from None


def close_quietly(client) -> None:
    try:
        client.close(timeout=2)
    except Exception as e:  # a lost scheduler: nothing left to close
        log.info("closing the Dask client: %s", e)


class _Batch:
    """A batch on the cluster: its key, specs, future and deadline (monotonic s)."""

    def __init__(self, key, specs, future, deadline):
        self.key, self.specs, self.future, self.deadline = key, specs, future, deadline


def dask_map(jobs: list[tuple[int, list[SampleSpec]]], client, run_specs, *,
             time_limit_s: float | None, no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S,
             timed_out_row=None) -> Iterator[tuple[int, list[dict]]]:
    """Yield ``(key, rows)`` as the batches of ``jobs`` finish on ``client``'s cluster
    (module docstring: time limits, no worker, lost scheduler)."""
    queue = deque(jobs)
    running: list[_Batch] = []
    threads, asked, no_worker_since = 0, -math.inf, None
    try:
        while queue or running:
            now = time.monotonic()
            _check_scheduler(client)
            if now - asked >= WORKERS_POLL_S:
                threads, asked = _threads(client), now
                no_worker_since = None if threads else (no_worker_since or now)
            if no_worker_since is not None and now - no_worker_since > no_worker_timeout_s:
                raise SimulationError(
                    f"the Dask cluster at {_address(client)} has had no worker for "
                    f"{no_worker_timeout_s:g} s (--no-worker-timeout); finished batches are "
                    "kept: start workers (`dask worker ADDRESS`) and run the same command "
                    "with --resume")
            while queue and len(running) < threads:
                key, specs = queue.popleft()
                limit = (math.inf if time_limit_s is None
                         else time_limit_s * len(specs) + START_SLACK_S)
                fut = client.submit(dask_batch, specs, run_specs, pure=False)
                running.append(_Batch(key, specs, fut, now + limit))
            for batch in [b for b in running if b.future.done() or now > b.deadline]:
                running.remove(batch)
                yield batch.key, _rows(batch, client, time_limit_s, timed_out_row, now)
            time.sleep(POLL_S)
    finally:
        for batch in running:
            try:
                batch.future.cancel()
            except Exception as e:  # the scheduler is gone
                log.info("cancelling a Dask future: %s", e)


def _rows(batch: _Batch, client, time_limit_s, timed_out_row, now) -> list[dict]:
    """The rows of a finished batch, or its samples recorded as timed out (the batch
    passed its deadline); a failed task is a SimulationError."""
    fut = batch.future
    if not fut.done():
        _restart_worker_of(fut, client)
        return [timed_out_row(s, time_limit_s) for s in batch.specs]
    if fut.status == "finished":
        return fut.result()
    if fut.status == "cancelled":
        _check_scheduler(client)
        raise SimulationError(f"the Dask scheduler at {_address(client)} cancelled batch "
                              f"{batch.key}; finished batches are kept: run the same command "
                              "with --resume")
    exc = fut.exception()
    if type(exc).__name__ == "KilledWorker":
        raise SimulationError(f"batch {batch.key} ended every Dask worker that ran it (a "
                              "crash in ngspice, or out of memory); finished batches are "
                              "kept: run the same command with --resume, or run it on this "
                              "machine to see the sample that fails") from None
    raise SimulationError(f"batch {batch.key} failed on Dask: {type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}") from None


def _restart_worker_of(fut, client) -> None:
    """Restart the worker stuck in ``fut`` (its ngspice run cannot be interrupted)."""
    try:
        workers = [w for w, keys in client.processing().items() if fut.key in keys]
        fut.cancel()
        if workers:
            client.restart_workers(workers, timeout=30, raise_for_error=False)
    except Exception as e:  # no nanny, or the worker is already gone: it stays busy
        log.warning("could not restart the Dask worker of a timed-out batch: %s", e)


def _check_scheduler(client) -> None:
    if client.status != "running":
        raise SimulationError(f"lost the connection to the Dask scheduler at "
                              f"{_address(client)} (client {client.status}); finished batches "
                              "are kept: run the same command with --resume once it is back")


def _threads(client) -> int:
    try:
        return sum(client.nthreads().values())
    except Exception as e:  # the scheduler went away while we asked
        raise SimulationError(f"lost the connection to the Dask scheduler at "
                              f"{_address(client)} ({type(e).__name__}); finished batches are "
                              "kept: run the same command with --resume once it is back"
                              ) from None


def _address(client) -> str:
    try:
        return str(client.scheduler.address)
    except Exception:  # closed
        return "(unknown address)"
