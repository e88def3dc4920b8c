"""The kit's neuron on sky130 and on gf180mcu, side by side in one run: what each measures
(tau_m, V_th, t_ref, energy per spike, static power, device area, F-I prediction error) and
how fast each simulates (characterization wall time, mismatch Monte Carlo samples per second
with the numerical floor against sigma).

    python benchmarks/bench_pdks.py [--designs sky130 gf180 sky130_lean gf180_lean]
                                    [--samples 200] [--points 16] [--workers 1]

Prints a Markdown table (the README's "sky130 and gf180mcu side by side") and the speed
ratios against the first design. Every design runs the same flows with the same settings
(``--workers`` ngspice processes; 1 by default so that the numbers do not depend on how busy
the machine's other core is), after an untimed warm-up characterization of each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import lifspice as ls
from lifspice.flows.datasheet_parts import device_rows
from lifspice.io.design import load_design


def measure(name: str, points: int, samples: int, workers: int, tmp: Path) -> dict:
    design = load_design(name)
    t0 = time.perf_counter()
    ch = ls.characterize(design, points=points, workers=workers)
    t_char = time.perf_counter() - t0
    rep = ch.report()
    devices = device_rows(design)
    t0 = time.perf_counter()
    mc = ls.montecarlo(design, samples=samples, seed=1, out=tmp / name, currents=("2x",),
                       workers=workers)
    t_mc = time.perf_counter() - t0
    s = mc.summary
    return {
        "design": name, "pdk": design.PROCESS.name, "vdd": design.vdd,
        "tau_m": rep["tau_m_s"], "v_th": rep["v_th_V"], "t_ref": rep["t_ref_s"],
        "energy": rep["energy_per_spike_J"], "static": rep["static_power_W"],
        "area": devices["total_area_m2"] if devices else float("nan"),
        "prediction": rep["prediction_rms_rel_error"], "t_char": t_char,
        "mc_rate": samples / t_mc, "mc_ok": int(mc.table["ok"].sum()),
        "cv_tau": s["tau_m_s"]["cv"], "sd_vth": s["v_th_V"]["std"],
        "floor": s["noise_floor"]["worst_floor_over_std"],
    }


ROWS = (
    ("supply", lambda r: f"{r['vdd']:g} V"),
    ("tau_m (step)", lambda r: f"{r['tau_m'] * 1e6:.0f} us"),
    ("V_th (trip point)", lambda r: f"{r['v_th'] * 1e3:.1f} mV"),
    ("t_ref", lambda r: f"{r['t_ref'] * 1e6:.0f} us"),
    ("energy per spike (dynamic)", lambda r: f"{r['energy'] * 1e12:.2f} pJ"),
    ("static power", lambda r: f"{r['static'] * 1e9:.1f} nW"),
    ("device area (sum of W L)", lambda r: f"{r['area'] * 1e12:.0f} um^2"),
    ("F-I prediction, nothing fitted", lambda r: f"{r['prediction'] * 100:.2f} % RMS"),
    ("characterization wall time", lambda r: f"{r['t_char']:.1f} s"),
    ("mismatch Monte Carlo", lambda r: f"{r['mc_rate']:.2f} samples/s ({r['mc_ok']} ok)"),
    ("tau_m cv / V_th sigma (MC)",
     lambda r: f"{r['cv_tau'] * 100:.2f} % / {r['sd_vth'] * 1e3:.2f} mV"),
    ("numerical floor / sigma (worst resolved quantity)", lambda r: f"{r['floor']:.4f}"),
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", nargs="+", default=["sky130", "gf180", "sky130_lean",
                                                     "gf180_lean"])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--points", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lifspice-bench-pdks-") as tmp:
        for name in args.designs:  # untimed: corner libraries written, imports warm
            ls.characterize(name, points=3, workers=args.workers)
        rows = [measure(n, args.points, args.samples, args.workers, Path(tmp))
                for n in args.designs]
    print("| | " + " | ".join(f"`{r['design']}` ({r['pdk']})" for r in rows) + " |")
    print("|---" * (len(rows) + 1) + "|")
    for label, fmt in ROWS:
        print(f"| {label} | " + " | ".join(fmt(r) for r in rows) + " |")
    base = rows[0]
    print()
    for r in rows[1:]:
        print(f"{r['design']} / {base['design']}: characterization "
              f"{r['t_char'] / base['t_char']:.2f}x the time, Monte Carlo "
              f"{r['mc_rate'] / base['mc_rate']:.2f}x the samples/s")


if __name__ == "__main__":
    main()
