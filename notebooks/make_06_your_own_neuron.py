"""Write notebooks/06_your_own_neuron.ipynb (no outputs):
python notebooks/make_06_your_own_neuron.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""# Your own neuron: a .subckt measured through its pins

lifspice measures any neuron written as a SPICE subcircuit: drawn in xschem and exported,
written by hand, or extracted from layout. A design file with `circuit = "subckt"` names the
netlist, the subcircuit and what each of its ports is (membrane, input, ground, spike output,
reset output, supply, or a bias source); the kit finds everything else by simulation, through
the pins only.

1. A hand-written textbook LIF (ideal elements) against the closed-form LIF of its own
   measurements.
2. The kit's sky130 neuron written out as a subcircuit and measured as a foreign circuit: the
   round trip that shows the pins-only bench measures what the native bench measures.
3. A foreign transistor neuron whose leak is one current-sink transistor, not an OTA: the
   kit classifies the leak and picks the LIF that follows from it.

`POINTS` sets the F-I points per characterization (the test suite runs the notebook as
written, in about a minute)."""),
    new_code_cell("""POINTS = 8

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import lifspice as ls
from lifspice.analysis import theory
from lifspice.circuits.params import LifParams
from lifspice.circuits.subckt.hierarchy import device_table, flat_devices
from lifspice.circuits.subckt.parse import read_netlist
from lifspice.io.design import load_design
from lifspice.io.subckt_files import write_subckt

EXAMPLES = Path(ls.__file__).resolve().parents[2] / "examples"
print(EXAMPLES)"""),
    new_markdown_cell("""## 1. A textbook neuron written by hand

Membrane capacitor, resistor leak to V_rest, a B-source comparator and a switch reset held by
a one-shot (a latch and a timer ramp). The design file wires its four ports."""),
    new_code_cell("""tb = EXAMPLES / "textbook"
print((tb / "textbook.toml").read_text())
print((tb / "textbook_lif.spice").read_text())"""),
    new_code_cell("""ch = ls.characterize(tb / "textbook.toml", points=POINTS, workers=1)
print(ch.summary())
rep = ch.report()
print(rep["leak_model"]["description"])"""),
    new_markdown_cell("""The closed-form LIF built from the kit's own measurements (tau_m from the step response, C
from the membrane's AC admittance, V_th, V_reset and t_ref from the firing transient) against
the circuit's F-I curve:"""),
    new_code_cell("""lif = LifParams(c_mem=ch.bench.c_mem, g_leak=ch.bench.c_mem / rep["tau_m_s"],
                v_rest=rep["v_rest_V"], v_th=rep["v_th_V"], v_reset=rep["v_reset_V"],
                t_ref=rep["t_ref_s"])
i = ch.currents
closed = theory.rate(lif, i)
firing = (ch.rates > 0) & (i >= 1.2 * lif.rheobase)
err = np.abs(ch.rates[firing] / closed[firing] - 1)
print(f"largest F-I error against the closed form above 1.2x rheobase: {100 * err.max():.2f} %")
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(i * 1e9, closed, "-", label="closed-form LIF (measured parameters)")
ax.plot(i * 1e9, ch.rates, "o", label="ngspice (pins only)")
ax.set_xlabel("input current (nA)")
ax.set_ylabel("rate (Hz)")
ax.legend()
plt.show()"""),
    new_markdown_cell("""## 2. The round trip: the kit's sky130 neuron as a foreign circuit

`lifspice netlist --subckt --design sky130_lean` writes the neuron as a `.subckt` (ground as a
`vss` port, supply and reference voltages as pins, the spike output and reset drive as
outputs) and the design file that measures it. Characterized through its pins at the native
run's currents, it should give the native numbers."""),
    new_code_cell("""out = Path(tempfile.mkdtemp())
spice, toml = write_subckt(load_design("sky130_lean"), out)
print(toml.read_text())
native = ls.characterize("sky130_lean", points=POINTS, workers=1)
foreign = ls.characterize(toml, currents=native.currents, workers=1)
rn, rf = native.report(), foreign.report()
for key in ("tau_m_s", "v_th_V", "v_reset_V", "t_ref_s", "rheobase_A", "energy_per_spike_J"):
    print(f"{key:20s} native {rn[key]:.5g}   subckt {rf[key]:.5g}   "
          f"({100 * (rf[key] / rn[key] - 1):+.3f} %)")
ok = native.rates > 0
print(f"F-I: largest difference {100 * np.max(np.abs(foreign.rates[ok] / native.rates[ok] - 1)):.3f} %")
print(f"membrane C: drawn MIM {native.bench.c_mem * 1e12:.4f} pF, seen at the pin (AC) "
      f"{foreign.bench.c_mem * 1e12:.4f} pF")"""),
    new_markdown_cell("""## 3. A neuron whose leak is not an OTA

`examples/sink_neuron` is a sky130 neuron whose leak is a single nMOS current sink (a nested
subcircuit with `m=2`), biased in weak inversion from a pin. Its membrane rests at ground and
the leak is nearly constant above ~100 mV: neither the textbook LIF nor an OTA's tanh."""),
    new_code_cell("""sink = EXAMPLES / "sink_neuron" / "sink_lif.toml"
sk = ls.characterize(sink, points=POINTS, workers=1)
print(sk.summary())
model = sk.leak_model
print(model.describe(), "->", model.lif_variant, "LIF")"""),
    new_code_cell("""fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(sk.leak.v, sk.leak.i * 1e12, label="leak I-V (forced membrane)")
ax.plot(sk.leak.v, model.g * (sk.leak.v - model.v_rest) * 1e12, "--", label="linear at rest")
ax.plot(sk.leak.v, model.i_b * np.tanh(model.g * (sk.leak.v - model.v_rest) / model.i_b) * 1e12,
        ":", label="tanh fit")
ax.set_ylim(-50, 1.3 * sk.leak.i.max() * 1e12)
ax.set_xlabel("membrane (V)")
ax.set_ylabel("leak current (pA)")
ax.legend()
plt.show()
rep = sk.report()
print(f"prediction from the measured leak curve, nothing fitted: "
      f"{100 * rep['prediction_rms_rel_error']:.2f} % RMS; textbook-LIF fit: "
      f"{100 * rep['fit']['rms_rel_error']:.1f} % RMS")"""),
    new_markdown_cell("""The devices of the netlist, hierarchy flattened (what a Monte Carlo draws mismatch into):"""),
    new_code_cell("""devices = flat_devices(read_netlist(load_design(sink).netlist), "sink_lif")
print(device_table(devices).text())"""),
    new_markdown_cell("""Everything else the kit does works on the same bench: `lifspice corners` and
`lifspice montecarlo` (the PDK's mismatch drawn into every device of the hierarchy),
noise, export, and a post-layout netlist with its parasitics
(`benchmarks/bench_postlayout.py` measures the slowdown)."""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3",
                                                             "display_name": "Python 3",
                                                             "language": "python"}})
    path = Path(__file__).with_name("06_your_own_neuron.ipynb")
    nbformat.write(nb, path)
    print(path)


if __name__ == "__main__":
    main()
