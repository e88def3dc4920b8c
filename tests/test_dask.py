"""Sweeps on a real Dask cluster: a scheduler and workers started as separate processes on
127.0.0.1 (``dask scheduler`` / ``dask worker``), as on a cluster. The same plan gives the
same table as the local pool; a cluster whose workers all die ends the sweep within the
no-worker limit, with one readable error and the finished batches kept; a lost scheduler is
one readable error too."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.sweep import SweepPlan, run_sweep
from lifspice.io.design import load_design
from lifspice.sim.result import SimulationError

pytestmark = pytest.mark.slow
DASK = str(Path(sys.executable).with_name("dask"))
QUANT = ("seed", "ok", "tau_m_s", "v_th_V", "v_reset_V", "t_ref_s", "rate_Hz_i0")


def start(args: list[str], log: Path) -> subprocess.Popen:
    # own session: the test ends the process and its children (a worker's nanny) together
    with open(log, "w") as fh:
        return subprocess.Popen([DASK, *args], stdout=subprocess.DEVNULL, stderr=fh,
                                start_new_session=True)


def stop(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path):
    """(scheduler address, scheduler process, [worker processes]): 2 workers of 1 thread."""
    log = tmp_path / "scheduler.log"
    sched = start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"], log)
    procs = [sched]
    try:
        deadline = time.monotonic() + 60
        while not (m := re.search(r"Scheduler at:\s+(tcp://\S+)", log.read_text())):
            assert time.monotonic() < deadline and sched.poll() is None, log.read_text()
            time.sleep(0.2)
        addr = m.group(1)
        workers = [start(["worker", addr, "--nworkers", "1", "--nthreads", "1",
                          "--no-dashboard", "--host", "127.0.0.1"], tmp_path / f"w{k}.log")
                   for k in range(2)]
        procs += workers
        yield addr, sched, workers
    finally:
        for p in procs:
            stop(p)


def wait_for_workers(addr: str, n: int) -> None:
    from distributed import Client

    with Client(addr, timeout=30) as c:
        c.wait_for_workers(n, timeout=60)


@pytest.fixture(scope="module")
def plan():
    return SweepPlan(design=load_design("behavioral"), n_samples=6, seed=21, currents=(1e-10,),
                     batch_size=2, floor_reruns=1, floor_samples=1)


def test_a_dask_sweep_gives_the_local_table(cluster, plan, tmp_path):
    addr, _, _ = cluster
    wait_for_workers(addr, 2)
    local = run_sweep(plan, tmp_path / "local", workers=2)
    t0 = time.perf_counter()
    remote = run_sweep(plan, tmp_path / "dask", scheduler=addr)
    print(f"dask sweep of 6 samples + floor: {time.perf_counter() - t0:.2f} s")
    for k in QUANT:
        np.testing.assert_array_equal(local.table[k], remote.table[k], err_msg=k)
    assert remote.table["ok"].all() and remote.batches_run == 3
    assert (tmp_path / "local" / "samples.csv").read_text() == \
        (tmp_path / "dask" / "samples.csv").read_text()


def test_killing_every_worker_ends_the_sweep_with_one_error(cluster, tmp_path):
    """The workers are killed (SIGKILL, nanny and all) once the first batch is written: the
    sweep stops within the no-worker limit (5 s here) plus a poll, names the cause, and the
    batches written stay; --resume on a live cluster finishes it."""
    addr, _, workers = cluster
    wait_for_workers(addr, 2)
    plan = SweepPlan(design=load_design("behavioral"), n_samples=40, seed=3,
                     currents=(1e-10,), batch_size=1, floor_reruns=0)
    killed_at = []

    def kill_after_first(done, total):
        if done >= 1 and not killed_at:
            for w in workers:
                stop(w)
            killed_at.append(time.monotonic())

    with pytest.raises(SimulationError, match="has had no worker for 5 s") as e:
        run_sweep(plan, tmp_path / "mc", scheduler=addr, progress=kill_after_first,
                  no_worker_timeout_s=5.0)
    waited = time.monotonic() - killed_at[0]
    print(f"sweep stopped {waited:.1f} s after the workers were killed")
    assert waited < 5.0 + 8.0  # the limit, the scheduler noticing (~1 s), one worker poll
    assert "\n" not in str(e.value) and "--resume" in str(e.value)
    written = sorted((tmp_path / "mc" / "batches").glob("batch_*.nc"))
    assert 1 <= len(written) < 40
    assert not list((tmp_path / "mc").rglob("*.tmp"))


def test_a_lost_scheduler_is_one_error(cluster, tmp_path):
    addr, sched, _ = cluster
    wait_for_workers(addr, 2)
    plan = SweepPlan(design=load_design("behavioral"), n_samples=40, seed=4,
                     currents=(1e-10,), batch_size=1, floor_reruns=0)

    def kill_scheduler(done, total):
        if done >= 1 and sched.poll() is None:
            stop(sched)

    t0 = time.monotonic()
    with pytest.raises(SimulationError, match="Dask scheduler") as e:
        run_sweep(plan, tmp_path / "mc", scheduler=addr, progress=kill_scheduler)
    print(f"lost scheduler reported after {time.monotonic() - t0:.1f} s: {e.value}")
    assert "\n" not in str(e.value)
    assert e.value.__cause__ is None  # one error, not a chain of three
    assert e.value.__context__ is None or e.value.__suppress_context__
    assert list((tmp_path / "mc" / "batches").glob("batch_*.nc"))


def test_an_unreachable_scheduler_fails_fast(tmp_path, plan):
    t0 = time.monotonic()
    with pytest.raises(ParameterError, match="--scheduler tcp://127.0.0.1:1"):
        run_sweep(plan, tmp_path / "mc", scheduler="tcp://127.0.0.1:1")
    assert time.monotonic() - t0 < 10  # the 5 s connect timeout, not the 30 s default
