"""Long-lived worker processes, each holding one simulator for all the runs it is given.

The shared library allows one ngspice per process, so parallel runs need processes; keeping
them alive keeps the per-run cost at the analysis plus ~1 ms, and lets each worker do its
expensive setup (``init_commands``, ``worker_setup``) once.

Work is a picklable top-level function called in a worker as ``func(sim, item)``::

    def spike_count(sim, i_in):
        res = sim.run(netlist_for(i_in), vectors=["mem"])
        return count_spikes(res.time, res["mem"])

    with SimPool(workers=2) as pool:
        for i, n in pool.as_completed(spike_count, currents):   # as they finish
            ...
        counts = pool.map(spike_count, currents)                 # in order

Workers are started with ``spawn`` (a clean interpreter: no ngspice state inherited from
the parent), so scripts that use a pool need ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from numbers import Integral
from typing import Any, TypeVar

from lifspice.sim.backends import make_simulator
from lifspice.sim.result import Simulator

T = TypeVar("T")
R = TypeVar("R")

_worker_sim: Simulator | None = None  # this worker's simulator, made by _init_worker
_worker_error: BaseException | None = None  # why _init_worker could not make it


class SimPool:
    """A process pool whose workers each hold one simulator.

    Parameters
    ----------
    workers : int, optional
        Number of processes, >= 1 (default None: the CPUs this process may use; 0 is
        refused rather than read as the default).
    init_commands : sequence of str
        Sent once per worker before any circuit, e.g. ``("set ngbehavior=hsa",)``.
    backend : {"shared", "batch"}
        The simulator each worker holds.
    backend_options : mapping, optional
        More keyword arguments for the backend (``timeout``, ``workdir``, ...).
    worker_setup : callable, optional
        Picklable top-level ``f(sim)`` called once in each worker after its simulator is
        made (to check a model library, warm caches, ...).
    max_pending : int, optional
        Most items submitted and not yet returned (default ``4 * workers``), so long
        iterables are consumed lazily and finished results can be saved as they come.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        init_commands: Sequence[str] = (),
        backend: str = "shared",
        backend_options: Mapping[str, Any] | None = None,
        worker_setup: Callable[[Simulator], None] | None = None,
        max_pending: int | None = None,
    ):
        if workers is not None and (isinstance(workers, bool) or not isinstance(
                workers, Integral) or workers < 1):
            # 0 is refused, not read as "all cores": leave workers out (None) for that
            raise ValueError(f"workers must be a whole number >= 1 (workers, --workers), got "
                             f"{workers!r}; leave it out to use all cores")
        self.workers = int(workers if workers is not None else _usable_cpus())
        self.max_pending = int(max_pending or 4 * self.workers)
        self._initargs = (backend, tuple(init_commands), dict(backend_options or {}),
                          worker_setup)
        self._executor: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> SimPool:
        self.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close(cancel=exc_type is not None)

    def start(self) -> None:
        """Start the executor (done by ``with``); workers start with the first items."""
        if self._executor is None:
            one_thread_per_worker()
            self._executor = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=self._initargs,
            )

    def close(self, *, cancel: bool = False) -> None:
        """Wait for running items and stop the workers. ``cancel`` (an error or Ctrl-C in
        the caller) drops queued items and ends the workers at once, also one blocked in a
        long ngspice run, instead of waiting for it."""
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        if not cancel:
            executor.shutdown(wait=True)
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.join(timeout=5)

    def as_completed(
        self,
        func: Callable[[Simulator, T], R],
        items: Iterable[T],
        *,
        return_exceptions: bool = False,
    ) -> Iterator[tuple[int, R]]:
        """Yield ``(index, func(sim, item))`` as items finish, in any order.

        An exception in ``func`` is raised here (the remote traceback is its cause) and the
        items not yet started are cancelled; with ``return_exceptions`` it is yielded in
        place of the result instead.  Leaving the loop early cancels the rest too.
        """
        if self._executor is None:
            raise RuntimeError("SimPool is not started; use `with SimPool(...) as pool:`")
        executor = self._executor
        source = enumerate(items)
        pending: dict[cf.Future, int] = {}

        def submit_next() -> None:
            for i, item in source:
                pending[executor.submit(_call, func, item)] = i
                return

        try:
            for _ in range(self.max_pending):
                submit_next()
            while pending:
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                finished = sorted((pending.pop(f), f) for f in done)
                for _ in finished:  # refill first, so workers stay busy while we yield
                    submit_next()
                for i, fut in finished:
                    try:
                        value = fut.result()
                    except Exception as exc:
                        if not return_exceptions:
                            raise
                        value = exc
                    yield i, value
        finally:
            for fut in pending:
                fut.cancel()

    def imap(self, func: Callable[[Simulator, T], R], items: Iterable[T]) -> Iterator[R]:
        """Yield ``func(sim, item)`` in the order of ``items``, each as soon as it and all
        before it are done."""
        waiting: dict[int, R] = {}
        next_index = 0
        for i, value in self.as_completed(func, items):
            waiting[i] = value
            while next_index in waiting:
                yield waiting.pop(next_index)
                next_index += 1

    def map(self, func: Callable[[Simulator, T], R], items: Iterable[T]) -> list[R]:
        """``[func(sim, item) for item in items]``, computed by the workers."""
        return list(self.imap(func, items))


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours taskset and container CPU sets
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Thread pools a worker's libraries would start: each worker is one core's job, and an
# OpenBLAS thread spinning after a numpy call takes the other worker's core.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread_per_worker() -> None:
    """Make processes started from now on (spawned workers inherit the environment) run their
    BLAS / OpenMP libraries on one thread, unless the user set those variables. This
    process's own libraries are already loaded and keep their settings."""
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def _init_worker(backend: str, init_commands: tuple[str, ...], options: dict[str, Any],
                 setup: Callable[[Simulator], None] | None) -> None:

    global _worker_sim, _worker_error
    _exit_with_parent(os.getppid())
    # Ctrl-C reaches the whole process group: the parent alone handles it (and ends the
    # workers), so that one interrupt prints one message, not one traceback per worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Before the library (and libgomp with it) loads; num_threads=1 is sent to ngspice too.
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        sim = make_simulator(backend, init_commands, **options)
        if setup is not None:
            setup(sim)
    except Exception as exc:
        # An initializer that raises breaks the whole pool with a bare BrokenProcessPool;
        # keep the reason and give it to every item instead.
        _worker_error = exc
        return
    _worker_sim = sim


PARENT_CHECK_S = 0.5  # s between a worker's looks at whether its parent still lives


def _exit_with_parent(parent: int) -> None:
    """End this worker within ``PARENT_CHECK_S`` once its parent is gone (SIGKILL, an
    out-of-memory kill, a CI timeout): the pool's own shutdown never comes then, and an
    orphan would hold its ngspice and ~100 MB for ever. A daemon thread, since the worker's
    main thread may be blocked inside ngspice (which releases the GIL)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(70)

    threading.Thread(target=watch, name="lifspice-parent-watch", daemon=True).start()


def _call(func: Callable[[Simulator, T], R], item: T) -> R:
    if _worker_sim is None:
        raise RuntimeError(f"this worker could not make its simulator: {_worker_error!r}") \
            from _worker_error
    return func(_worker_sim, item)


def worker_simulator() -> Simulator:
    """The simulator of the current worker process (for code already running in one)."""
    if _worker_sim is None:
        raise RuntimeError("not in a SimPool worker")
    return _worker_sim
