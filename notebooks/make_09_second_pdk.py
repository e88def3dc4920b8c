"""Write notebooks/09_second_pdk.ipynb (no outputs): python notebooks/make_09_second_pdk.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""# A second PDK: the neuron on gf180mcu beside sky130

The kit's transistor neuron is one circuit; the PDK is a part that swaps. `gf180` is the
`sky130` design drawn with GlobalFoundries gf180mcu 3.3 V devices (`nmos_3p3`, `pmos_3p3`,
`mim_2p0fF`) at a 3.3 V supply. This notebook

1. characterizes both and puts their F-I curves, membranes and numbers side by side;
2. sweeps gf180's corners and temperatures;
3. runs a small mismatch Monte Carlo of each (gf180's per-instance draws against sky130's);
4. sizes a gf180 neuron for a tau_m target and checks it by simulation.

`SAMPLES` sets the Monte Carlo (the test suite runs the notebook as written, ~2 minutes)."""),
    new_code_cell("""SAMPLES = 40   # Monte Carlo samples per PDK

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import lifspice as ls
from lifspice.flows.datasheet_parts import device_rows
from lifspice.io.design import load_design

work = Path(tempfile.mkdtemp(prefix="lifspice-nb09-"))
designs = {name: load_design(name) for name in ("sky130", "gf180")}
ch = {name: ls.characterize(d, points=12, workers=1) for name, d in designs.items()}
for name, c in ch.items():
    r = c.report()
    area = device_rows(designs[name])["total_area_m2"]
    print(f"{name:7s} vdd {designs[name].vdd:.1f} V  tau_m {r['tau_m_s'] * 1e6:6.0f} us  "
          f"V_th {r['v_th_V'] * 1e3:6.1f} mV  t_ref {r['t_ref_s'] * 1e6:4.0f} us  "
          f"E/spike {r['energy_per_spike_J'] * 1e12:5.2f} pJ  P_static "
          f"{r['static_power_W'] * 1e9:5.1f} nW  area {area * 1e12:5.0f} um^2  "
          f"prediction {r['prediction_rms_rel_error']:.2%}")"""),
    new_markdown_cell("""Same sizes and biases: gf180's pMOS pair has a lower slope factor (1.3 against 1.5),
so its g_m is higher and its tau_m shorter; the membrane capacitor has the same area (both
MIMs are ~2 fF/um^2); the refractory capacitor is emptied and refilled through 3.3 V
instead of 1.8 V, which is most of the energy per spike. In both, the saturating-leak LIF
built from the measurements predicts the F-I curve with nothing fitted."""),
    new_code_cell("""fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for name, c in ch.items():
    line, = ax1.plot(c.currents * 1e9, c.rates, "o", label=f"{name} (ngspice)")
    ax1.plot(c.currents * 1e9, c.predicted_fi(), "-", color=line.get_color(),
             label=f"{name} predicted, no fit")
    t, v = c.trace_t, c.trace_v
    ax2.plot(t * 1e3, v, color=line.get_color(), label=f"{name} at {c.trace_i * 1e12:.0f} pA")
ax1.set_xlabel("input current (nA)"); ax1.set_ylabel("rate (Hz)"); ax1.legend(fontsize=8)
ax2.set_xlabel("time (ms)"); ax2.set_ylabel("membrane (V)"); ax2.legend(fontsize=8)
fig.tight_layout()"""),
    new_markdown_cell("""## 2. gf180 over its corners and temperatures

Every process corner (tt ss ff sf fs) at -40, 27 and 85 degC. The leak's bias is a current,
so g_m follows U_T and the slope factor; gf180's MIM corners move the capacitance by
about 10 % (ss high, ff low), which sky130's do not."""),
    new_code_cell("""rows = ls.corners("gf180", out=work / "corners", workers=1)
fig, ax = plt.subplots(figsize=(6, 3.5))
for corner in ("ss", "tt", "ff", "sf", "fs"):
    pts = sorted((r["temperature_c"], r["tau_m_s"]) for r in rows if r["corner"] == corner)
    ax.plot([p[0] for p in pts], [p[1] * 1e3 for p in pts], "o-", label=corner)
ax.set_xlabel("temperature (degC)"); ax.set_ylabel("tau_m (ms)"); ax.legend(ncol=5, fontsize=8)
ax.set_title("gf180: tau_m over corners and temperature")
fig.tight_layout()"""),
    new_markdown_cell("""## 3. Mismatch Monte Carlo, one PDK beside the other

Each sample draws every transistor's threshold offset from its PDK's own statistics
(sky130: the `*_mm` libraries' coefficients; gf180: `par_vth` of each device), explicitly
and reproducibly by seed. sigma(V_th) is the comparator's input offset; the cv of tau_m comes
from the leak's tail mirror."""),
    new_code_cell("""mc = {name: ls.montecarlo(name, samples=SAMPLES, seed=1, out=work / f"mc_{name}",
                          currents=["2x"], workers=1).table for name in designs}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
for ax, key, scale, unit in zip(axes, ("tau_m_s", "v_th_V", "rate_Hz_i0"), (1e3, 1e3, 1),
                                ("ms", "mV", "Hz")):
    for name, t in mc.items():
        x = np.asarray(t[key], float) * scale
        ax.hist(x, bins=12, alpha=0.6, label=f"{name}: sd {np.std(x, ddof=1):.3g} {unit}")
    ax.set_xlabel(f"{key} ({unit})"); ax.legend(fontsize=8)
fig.tight_layout()"""),
    new_markdown_cell("""## 4. Sizing on gf180

`ls.size(tau_m, pdk="gf180mcu")` sizes the neuron from gf180's own gm/Id tables (swept once
and cached), Pelgrom coefficients and MIM density, then simulates it and corrects the bias
until the simulated tau_m is within 2 % of the target."""),
    new_code_cell("""res = ls.size(2e-3, pdk="gf180mcu", t_ref=1e-3, out=work / "sized")
print(res.message)
print(f"target 2 ms: simulated {res.tau_simulated * 1e3:.4f} ms "
      f"({res.tau_simulated / 2e-3 - 1:+.2%}), first guess {res.tau_predicted * 1e3:.3f} ms")
sized = ls.characterize(work / "sized" / "design.toml", points=8, workers=1).report()
print(f"sized design: C {res.design.neuron.c_mem * 1e12:.2f} pF, i_b "
      f"{res.design.neuron.i_b * 1e12:.1f} pA; characterized tau_m "
      f"{sized['tau_m_s'] * 1e3:.4f} ms, prediction {sized['prediction_rms_rel_error']:.2%}")"""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3",
                                                            "display_name": "Python 3",
                                                            "language": "python"}})
    out = Path(__file__).with_name("09_second_pdk.ipynb")
    nbformat.write(nb, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
