"""Per-run cost of the ngspice backends on a short transient, side by side.

    python benchmarks/bench_backends.py [--runs 200] [--workers 2] [--points 100]

Rows: the bare ``ngspice -b`` program (start-up only, no files read back), `NgspiceBatch`
(program + files + raw read), `NgspiceShared` (in-process), and `SimPool` with each
backend (wall time / runs, workers already started).  Ratios are against `NgspiceShared`.
With ``--points 20000`` the analysis dominates and the pool's scaling shows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from lifspice.sim.backends import NgspiceBatch, NgspiceShared
from lifspice.sim.pool import SimPool


def rc_netlist(points: int) -> str:
    """An RC driven by a 10 us period pulse, ``points`` output steps of 0.1 us."""
    return f"""rc transient
V1 in 0 PULSE(0 1 1e-6 1e-9 1e-9 5e-6 1e-5)
R1 in out 1e3
C1 out 0 1e-9
.tran 1e-7 {points * 1e-7!r}
.end
"""


def one_run(sim, netlist: str) -> int:
    return sim.run(netlist, vectors=["out"]).time.size


def bare_batch(netlist: str, runs: int) -> float:
    folder = Path(tempfile.mkdtemp(prefix="lifspice-bench-"))
    try:
        (folder / ".spiceinit").write_text("set num_threads=1\n")
        (folder / "n.cir").write_text(netlist)
        exe = shutil.which("ngspice")
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        t0 = time.perf_counter()
        for _ in range(runs):
            subprocess.run([exe, "-b", "-r", "o.raw", "n.cir"], cwd=folder, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return (time.perf_counter() - t0) / runs
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serial(sim, netlist: str, runs: int) -> float:
    one_run(sim, netlist)  # warm up (loads the library for the shared backend)
    t0 = time.perf_counter()
    for _ in range(runs):
        one_run(sim, netlist)
    return (time.perf_counter() - t0) / runs


def pooled(backend: str, workers: int, netlist: str, runs: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    with SimPool(workers=workers, backend=backend) as pool:
        pool.map(one_run, [netlist] * (2 * workers))  # start every worker and its session
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        pool.map(one_run, [netlist] * runs)
        return (time.perf_counter() - t0) / runs, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--points", type=int, default=100, help="time steps per transient")
    args = parser.parse_args()
    n, w, netlist = args.runs, args.workers, rc_netlist(args.points)

    rows: list[tuple[str, float, str]] = [
        ("ngspice -b (bare subprocess)", bare_batch(netlist, n), ""),
        ("NgspiceBatch", serial(NgspiceBatch(), netlist, n), ""),
        ("NgspiceShared", serial(NgspiceShared(), netlist, n), ""),
    ]
    for backend in ("shared", "batch"):
        per_run, startup = pooled(backend, w, netlist, n)
        rows.append((f"SimPool({w}, {backend})", per_run, f"start-up {startup:.2f} s"))

    ref = rows[2][1]
    print(f"{n} runs of a {args.points}-step transient, {os.cpu_count()} cores\n")
    print(f"{'backend':32s} {'ms/run':>8s} {'x shared':>9s}")
    for name, t, note in rows:
        print(f"{name:32s} {1e3 * t:8.3f} {t / ref:9.2f}  {note}")


if __name__ == "__main__":
    main()
