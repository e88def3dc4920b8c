"""sky130 mismatch Monte Carlo: samples per second of the engine against one ``ngspice -b``
process per sample.

    python benchmarks/bench_montecarlo.py [--samples 200] [--baseline 10] [--workers 2]
                                          [--designs sky130 sky130_lean]

Every sample is the same measurement: a sky130 neuron (each of ``--designs``: by default the
31-transistor reference and its 24-transistor lean topology) with the ``tt_mm`` mismatch
library, operating point, one AC point (tau_m), and a firing transient at 600 pA (2x
rheobase) of 1.5 ISIs from v_reset: one whole firing cycle with its one spike. The
small-signal table (op + AC only) is for the first design.

* engine: :func:`lifspice.flows.montecarlo.sweep.run_sweep` on ``--workers`` processes, each keeping
  the neuron loaded in one ngspice and redrawing the mismatch per sample, twice: with
  ``alter`` on the explicit-draw library (the default, :mod:`lifspice.pdk.sky130_mismatch`)
  and with ``setseed`` + ``reset`` on the PDK's ``tt_mm`` library; wall time of the whole
  sweep (pool start, nominal run, files, summary included);
* per-process baseline, the common approach: for each sample write a netlist with
  ``.option seed=N`` and the three analyses and run ``ngspice -b -r`` on it, ``--workers``
  at a time; once with ``.lib sky130.lib.spice tt_mm`` (what most flows do) and once with
  the kit's small per-corner library (to separate model loading from process start-up).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import math
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from lifspice.flows.montecarlo.cmos_sample import cmos_netlist
from lifspice.flows.montecarlo.sample import WINDOW_ISI, SampleSpec
from lifspice.flows.montecarlo.sweep import SweepPlan, run_sweep, sample_seed
from lifspice.io.design import load_design
from lifspice.pdk.sky130 import corner_lib, find_sky130, spiceinit_lines

CURRENT = 6e-10  # A, 2x the reference design's rheobase


def engine(name: str, n: int, workers: int, folder: Path, firing: bool = True,
           draw: str = "alter") -> float:
    currents = (CURRENT,) if firing else ()
    plan = SweepPlan(design=load_design(name), n_samples=n, seed=1, currents=currents,
                     batch_size=max(1, min(25, n // (4 * workers))), floor_reruns=0,
                     draw=draw)
    t0 = time.perf_counter()
    res = run_sweep(plan, folder, workers=workers)
    elapsed = time.perf_counter() - t0
    assert res.summary["n_failed"] == 0, res.summary["failures"]
    return n / elapsed


def baseline_netlist(name: str, k: int, full_lib: bool, firing: bool = True) -> str:
    design = load_design(name)
    net, _ = cmos_netlist(SampleSpec(design=design, currents=(CURRENT,), draw="reset"))
    isi = 1 / 190.0  # s, nominal ISI at 600 pA (both designs: 188-190 Hz)
    t_stop = WINDOW_ISI * isi  # as the engine: one firing cycle and a margin
    step = isi / 200
    f = 1 / (2 * math.pi * design.lif_guess().tau_m)
    if full_lib:
        small = str(corner_lib("tt", mismatch=True))
        net = net.replace(f'.include "{small}"', f'.lib "{find_sky130()}" tt_mm')
    net = net.replace("DC 0.0 AC 1", f"DC {CURRENT!r} AC 1")
    assert f"DC {CURRENT!r} AC 1" in net
    cards = [f".option seed={sample_seed(1, k)}", ".op", f".ac lin 1 {f!r} {f!r}",
             *([f".tran {step!r} {t_stop!r} 0 {step!r}"] if firing else [])]
    return net.replace("\n.end\n", "\n" + "\n".join(cards) + "\n.end\n")


def per_process(name: str, n: int, workers: int, full_lib: bool, folder: Path,
                firing: bool = True) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".spiceinit").write_text("\n".join(spiceinit_lines()) + "\n")
    exe = shutil.which("ngspice")
    if exe is None:
        raise SystemExit("ngspice is not on PATH")

    def one(k: int) -> None:
        cir = folder / f"s{k}.cir"
        cir.write_text(baseline_netlist(name, k, full_lib, firing))
        p = subprocess.run([exe, "-b", "-r", f"s{k}.raw", cir.name], cwd=folder,
                           capture_output=True, text=True, timeout=600)
        raw = folder / f"s{k}.raw"
        if p.returncode != 0 or not raw.exists() or raw.stat().st_size < 100:
            raise RuntimeError(f"ngspice -b failed for sample {k}: {p.stdout[-500:]}")

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(workers) as ex:
        list(ex.map(one, range(n)))
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200, help="engine samples (default 200)")
    ap.add_argument("--baseline", type=int, default=10,
                    help="samples per baseline variant (default 10)")
    ap.add_argument("--small-signal", type=int, default=1000,
                    help="samples of the small-signal-only sweep (op + AC: tau_m, g_m, "
                    "v_rest; default 1000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--designs", nargs="+", default=["sky130", "sky130_lean"],
                    help="sky130 designs for the full-sample table (default: sky130 "
                    "sky130_lean)")
    args = ap.parse_args()
    tables = []
    with tempfile.TemporaryDirectory(prefix="lifspice-bench-mc-") as tmp:
        tmp = Path(tmp)
        for name in args.designs:
            d = tmp / name
            rows = (engine(name, args.samples, args.workers, d / "engine"),
                    engine(name, args.samples, args.workers, d / "engine_reset", draw="reset"),
                    per_process(name, args.baseline, args.workers, True, d / "full"),
                    per_process(name, args.baseline, args.workers, False, d / "small"))
            tables.append((f"{name}: full sample, op + AC + one-cycle transient at "
                           f"{CURRENT:g} A ({args.samples} engine samples)", rows))
        name, d = args.designs[0], tmp / "ss"
        rows = (engine(name, args.small_signal, args.workers, d / "engine", firing=False),
                engine(name, args.small_signal, args.workers, d / "reset", firing=False,
                       draw="reset"),
                per_process(name, args.baseline, args.workers, True, d / "full", False),
                per_process(name, args.baseline, args.workers, False, d / "small", False))
        tables.append((f"{name}: small-signal sample, op + AC only, tau_m g_m v_rest "
                       f"({args.small_signal} engine samples)", rows))
    for title, rows in tables:
        eng = rows[0]
        print(f"sky130 mismatch Monte Carlo, {args.workers} workers, {title}")
        print(f"  {'approach':<52}{'samples/s':>10}{'1000 samples':>14}{'speed-up':>10}")
        for label, r in zip(("engine (loaded circuit, draws set by alter)",
                             "engine (loaded circuit, setseed + reset)",
                             "ngspice -b per sample, .lib sky130.lib.spice tt_mm",
                             "ngspice -b per sample, small per-corner library"), rows,
                            strict=True):
            print(f"  {label:<52}{r:10.3g}{1000 / r:12.0f} s{eng / r:9.2f}x")
        print(f"  engine vs the common per-process approach (full library): {eng / rows[2]:.1f}x"
              f"; vs per-process with the kit's small library: {eng / rows[3]:.2f}x")


if __name__ == "__main__":
    main()
