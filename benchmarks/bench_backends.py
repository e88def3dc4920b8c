"""Per-run cost of the ngspice backends on a short transient, side by side.

    python benchmarks/bench_backends.py [--runs 200] [--workers 2]

Rows: the bare ``ngspice -b`` program (start-up only, no files read back), `NgspiceBatch`
(program + files + raw read), `NgspiceShared` (in-process), and `SimPool` with each
backend (wall time / runs, workers already started).  Ratios are against `NgspiceShared`.
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

# 100 output points: the analysis itself takes well under a millisecond
NETLIST = """short rc transient
V1 in 0 PULSE(0 1 1e-6 1e-9 1e-9 5e-6 1e-5)
R1 in out 1e3
C1 out 0 1e-9
.tran 1e-7 1e-5
.end
"""


def one_run(sim, _item: int) -> int:
    return sim.run(NETLIST, vectors=["out"]).time.size


def bare_batch(runs: int) -> float:
    folder = Path(tempfile.mkdtemp(prefix="lifspice-bench-"))
    try:
        (folder / ".spiceinit").write_text("set num_threads=1\n")
        (folder / "n.cir").write_text(NETLIST)
        exe = shutil.which("ngspice")
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        t0 = time.perf_counter()
        for _ in range(runs):
            subprocess.run([exe, "-b", "-r", "o.raw", "n.cir"], cwd=folder, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return (time.perf_counter() - t0) / runs
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serial(sim, runs: int) -> float:
    one_run(sim, 0)  # warm up (loads the library for the shared backend)
    t0 = time.perf_counter()
    for i in range(runs):
        one_run(sim, i)
    return (time.perf_counter() - t0) / runs


def pooled(backend: str, workers: int, runs: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    with SimPool(workers=workers, backend=backend) as pool:
        pool.map(one_run, range(2 * workers))  # start every worker and its session
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        pool.map(one_run, range(runs))
        return (time.perf_counter() - t0) / runs, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    n, w = args.runs, args.workers

    rows: list[tuple[str, float, str]] = []
    rows.append(("ngspice -b (bare subprocess)", bare_batch(n), ""))
    rows.append(("NgspiceBatch", serial(NgspiceBatch(), n), ""))
    rows.append(("NgspiceShared", serial(NgspiceShared(), n), ""))
    for backend in ("shared", "batch"):
        per_run, startup = pooled(backend, w, n)
        rows.append((f"SimPool({w}, {backend})", per_run, f"start-up {startup:.2f} s"))

    ref = dict((name, t) for name, t, _ in rows)["NgspiceShared"]
    print(f"{n} runs of a 100-point transient, {os.cpu_count()} cores\n")
    print(f"{'backend':32s} {'ms/run':>8s} {'x shared':>9s}")
    for name, t, note in rows:
        print(f"{name:32s} {1e3 * t:8.3f} {t / ref:9.2f}  {note}")


if __name__ == "__main__":
    main()
