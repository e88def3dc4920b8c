"""A post-layout netlist against its schematic: how much slower is characterizing it?

The kit's sky130_lean neuron is written as a subcircuit (``lifspice netlist --subckt``), then
"extracted" with N parasitic elements (RC ladders on every net,
:func:`lifspice.circuits.subckt.parasitics.add_parasitics`), and both are characterized through
their pins with the same F-I currents, side by side in one run. Prints the wall times, their
ratio, and what the parasitics changed (tau_m, C seen at the membrane, t_ref).

    python benchmarks/bench_postlayout.py [--elements 1000] [--points 8] [--workers 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import lifspice as ls
from lifspice.circuits.subckt.parasitics import add_parasitics
from lifspice.io.design import load_design
from lifspice.io.subckt_files import write_subckt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elements", type=int, default=1000)
    ap.add_argument("--points", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spice, toml = write_subckt(load_design("sky130_lean"), Path(tmp) / "schematic")
        pex_dir = Path(tmp) / "pex"
        pex_dir.mkdir()
        (pex_dir / spice.name).write_text(add_parasitics(
            spice.read_text(), "lifspice_sky130", n_elements=args.elements, seed=3,
            ground="vss"))
        (pex_dir / toml.name).write_text(toml.read_text())
        times, reports, currents = {}, {}, None
        for label, design in (("schematic", toml), ("post-layout", pex_dir / toml.name)):
            t0 = time.perf_counter()
            ch = ls.characterize(design, points=args.points, currents=currents,
                                 workers=args.workers)
            times[label] = time.perf_counter() - t0
            currents = ch.currents if currents is None else currents
            reports[label] = ch.report()
    s, p = reports["schematic"], reports["post-layout"]
    print(f"{args.elements} parasitic elements, {args.points} F-I points, "
          f"{args.workers} worker(s)")
    print(f"  schematic   {times['schematic']:7.1f} s")
    ratio = times["post-layout"] / times["schematic"]
    print(f"  post-layout {times['post-layout']:7.1f} s   ratio {ratio:.2f}x")
    for key in ("tau_m_s", "c_mem_ac_F", "t_ref_s", "v_th_V", "energy_per_spike_J"):
        print(f"  {key:20s} {s[key]:.5g} -> {p[key]:.5g} ({100 * (p[key] / s[key] - 1):+.2f} %)")


if __name__ == "__main__":
    main()
