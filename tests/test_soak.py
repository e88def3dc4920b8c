"""Soak: 2,000 short simulations through this process's shared-library session and 2,000
through the pool's workers, without a failure and with memory that stays flat (each run's
circuit is removed from ngspice: ``remcirc`` + ``destroy``)."""

from __future__ import annotations

import os

import pytest

from lifspice.sim.pool import SimPool

N_RUNS = 2000
MAX_GROWTH_B = 50e6  # the limit asked for; measured: 1.1 MB (session), 0.3-0.4 MB per worker

pytestmark = pytest.mark.slow


def netlist(k: int) -> str:
    r = 1e3 * (1 + k % 7)
    return (f"* soak {k}\nI1 0 a 1e-6\nR1 a 0 {r!r}\nC1 a 0 1e-9\n"
            ".tran 1e-7 2e-5\n.end\n")


def rss() -> int:
    """Resident memory of this process, bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def run_one(sim, k: int) -> tuple[float, int, int]:
    """(final voltage V, pid, rss bytes) of one run."""
    res = sim.run(netlist(k), vectors=["v(a)"])
    return float(res["v(a)"][-1]), os.getpid(), rss()


def expected(k: int) -> float:
    """I R: the transient starts at the operating point and stays there."""
    return 1e-6 * 1e3 * (1 + k % 7)


def test_shared_session_soak(sim):
    for k in range(50):  # warm up: the library's own first allocations
        run_one(sim, k)
    start = rss()
    for k in range(N_RUNS):
        v, _, _ = run_one(sim, k)
        assert v == pytest.approx(expected(k), rel=2e-3)
    growth = rss() - start
    print(f"shared session: {N_RUNS} runs, RSS growth {growth / 1e6:.1f} MB")
    assert growth < MAX_GROWTH_B


def test_pool_soak():
    with SimPool(workers=2) as pool:
        first = {}
        last = {}
        for k, (v, pid, mem) in enumerate(pool.imap(run_one, range(N_RUNS))):
            assert v == pytest.approx(expected(k), rel=2e-3)
            if k >= 100:  # after each worker's warm-up
                first.setdefault(pid, mem)
            last[pid] = mem
    growth = {pid: last[pid] - first[pid] for pid in first}
    print(f"pool: {N_RUNS} runs, RSS growth per worker (MB): "
          + ", ".join(f"{g / 1e6:.1f}" for g in growth.values()))
    assert len(growth) == 2
    assert max(growth.values()) < MAX_GROWTH_B
