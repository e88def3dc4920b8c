"""Write notebooks/03_sizing.ipynb (no outputs): python notebooks/make_03_sizing.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""# Sizing a sky130 LIF neuron for a target tau_m

"I need tau_m = 20 ms: what C, what bias current, what W/L?" The kit answers from gm/Id
tables of the PDK's own transistor models, then proves the answer by simulating the sized
neuron and correcting the bias until the simulated `tau_m` is within 2 % of the target.

1. gm/Id tables of `nfet_01v8` / `pfet_01v8` (ngspice DC sweeps, cached on disk);
2. the sizer: C, OTA bias `i_b`, W/L from the tables, mismatch from the PDK's Pelgrom
   coefficients, leakage from the tables' V_GS = 0 rows;
3. the closed loop: step response simulated, `tau_m` fitted, `i_b` corrected; then a
   firing transient for the refractory time, `i_ref` corrected.

`TARGETS` sets the size (the test suite runs it as written; the first run on a machine
sweeps the tables, ~40 s on 2 cores, later runs load them from the cache)."""),
    new_code_cell("""TARGETS = (100e-6, 3e-3, 30e-3)   # s, tau_m targets

import matplotlib.pyplot as plt
import numpy as np

from lifspice.analysis.plots.gmid import plot_gmid
from lifspice.analysis.sizing import InfeasibleTarget, SizingTargets, size_neuron
from lifspice.sim.backends import NgspiceShared
from lifspice.flows.gmid import gmid_tables, pelgrom_coefficients
from lifspice.pdk.sky130 import spiceinit_lines
from lifspice.flows.sizing import size_and_verify

tables = gmid_tables("tt", (27.0,))
mm = pelgrom_coefficients("tt")
print(mm)"""),
    new_markdown_cell("""## 1. gm/Id curves

g_m/I_D against the current density, the intrinsic gain g_m/g_ds and the transit frequency
g_m/(2 pi C_gg), one line per channel length. The neuron's leak OTA sits on the left
plateau: weak inversion, g_m/I_D = 1/(n U_T) ~ 26/V, at pA per um."""),
    new_code_cell("""for kind in ("nfet", "pfet"):
    plot_gmid(tables.get(kind, 27.0), vds=0.9)
plt.show()"""),
    new_markdown_cell("""## 2. Three targets, sized and simulated

The tables predict `tau_m = C / G` (G: g_m of one input device at `i_b / 2` plus output
conductances), so before any correction the prediction *is* the target; the first
simulation shows how good the tables are, the loop takes it the rest of the way."""),
    new_code_cell("""sim = NgspiceShared(spiceinit_lines())
results = [size_and_verify(SizingTargets(tau_m=tau, max_rate=100.0), tables=tables,
                           mismatch=mm, sim=sim) for tau in TARGETS]
print(f"{'target':>9} {'1st sim':>9} {'final':>9} {'err %':>6} {'runs':>4} {'C pF':>6} "
      f"{'i_b pA':>7} {'area um2':>8} {'P nW':>6} {'s(tau) %':>8} {'t_ref ms':>8}")
for r in results:
    d, n = r.design, r.neuron
    print(f"{d.targets.tau_m * 1e3:8.3g}m {r.history[0][1] * 1e3:8.4g}m "
          f"{r.tau_simulated * 1e3:8.4g}m {r.error * 100:+6.2f} {len(r.history):4d} "
          f"{n.c_mem_nominal * 1e12:6.3g} {n.i_b * 1e12:7.4g} {d.area['total'] * 1e12:8.0f} "
          f"{d.power * 1e9:6.3g} {d.sigma_tau_rel * 100:8.2g} {r.t_ref_simulated * 1e3:8.4g}")
assert all(r.success for r in results)"""),
    new_code_cell("""tau_t = np.array([r.design.targets.tau_m for r in results])
first = np.array([r.history[0][1] for r in results])
final = np.array([r.tau_simulated for r in results])
fig, ax = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
ax[0].loglog(tau_t, tau_t, "k:", label="target = tables' prediction")
ax[0].loglog(tau_t, first, "o", label="first simulation")
ax[0].loglog(tau_t, final, "x", ms=10, label="after the closed loop")
ax[0].set(xlabel="target tau_m (s)", ylabel="simulated tau_m (s)")
ax[0].legend()
labels = [f"{t * 1e3:g} ms" for t in tau_t]
parts = ("c_mem", "c_ref", "ota", "comparator", "logic_reset")
bottom = np.zeros(len(results))
for p in parts:
    v = np.array([r.design.area[p] * 1e12 for r in results])
    ax[1].bar(labels, v, bottom=bottom, label=p)
    bottom += v
ax[1].set(ylabel="area (um^2)", title="area per design")
ax[1].legend(fontsize=8)
ax[2].bar(labels, [r.design.power * 1e9 for r in results])
ax[2].set(ylabel="static power (nW)", title="power per design (comparator bias dominates)")
plt.show()"""),
    new_markdown_cell("""## 3. What cannot be done

The OTA bias must stay 10x above the leakage into the membrane, and C inside the area
budget; a target beyond both is an error that names the nearest feasible design."""),
    new_code_cell("""try:
    size_neuron(SizingTargets(tau_m=10.0), tables, mm)
except InfeasibleTarget as e:
    print(e)
    print(f"nearest: tau_m {e.nearest.tau_pred * 1e3:.4g} ms, "
          f"C {e.nearest.neuron.c_mem_nominal * 1e12:.3g} pF")"""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = Path(__file__).with_name("03_sizing.ipynb")
    nbformat.write(nb, path)
    print(path)


if __name__ == "__main__":
    main()
