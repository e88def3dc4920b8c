"""Write notebooks/05_noise_and_export.ipynb (no outputs):
python notebooks/make_05_noise_and_export.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""# Noise, irregular firing, adaptive threshold, export to Brian2 / NEST

1. The LIF with white-noise input: the Siegert rate and the ISI CV, checked against a
   stochastic simulation.
2. The same in ngspice: a `trnoise` current into the behavioral neuron.
3. An adaptive threshold (spike-frequency adaptation): circuit, theory, extraction.
4. Export of a fitted neuron to a runnable Brian2 script and a NEST parameter set.

`N_ISI` sets the SPICE statistics (the test suite runs it as written, in under a minute)."""),
    new_code_cell("""N_ISI = 40        # ISIs per noisy SPICE point (the 5 % test uses 320)

import json
import math
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lifspice import LifParams
from lifspice.analysis.plots import noise as noise_plots
from lifspice.analysis import theory
from lifspice.analysis.theory import adaptation as ta
from lifspice.analysis import theory as tn
from lifspice.circuits.behavioral.bench import BehavioralBench
from lifspice.circuits.behavioral.neuron import BehavioralNeuron, neuron_netlist
from lifspice.circuits.stimulus import DC
from lifspice.sim.backends import NgspiceShared

p = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=1e-3)
sq = math.sqrt(p.g_leak * p.c_mem)   # sigma (A s^0.5) per volt of sigma_v
rh = p.rheobase
sim = NgspiceShared()
print(f"tau_m = {p.tau_m * 1e3:.3g} ms, rheobase = {rh * 1e12:.3g} pA")"""),
    new_markdown_cell("""## 1. Diffusion theory

Input current `mu + sigma xi(t)` with `sigma` in A s^0.5; in membrane units
`sigma_v = sigma / sqrt(g_leak c_mem)` (V).  Noise makes the neuron fire below rheobase
and rounds the F-I curve; the CV goes from 0 (regular, strong drive) to 1 (Poisson-like
escapes far below threshold)."""),
    new_code_cell("""mus = rh * np.linspace(0.3, 2.5, 60)
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax.plot(mus / rh, theory.rate(p, mus), "k--", label="no noise")
for sv in (0.05, 0.1, 0.2, 0.3):
    ax.plot(mus / rh, tn.rate_siegert(p, mus, sv * sq), label=f"sigma_v = {sv} V")
    ax2.plot(mus / rh, tn.cv_siegert(p, mus, sv * sq))
ax.set(xlabel="mu / rheobase", ylabel="rate (Hz)"); ax.legend(fontsize=8)
ax2.set(xlabel="mu / rheobase", ylabel="ISI CV")
mu, sigma = 0.8 * rh, 0.2 * sq
sim_ref = tn.simulate_noisy(p, mu, sigma, n_isi=2, n_trials=1000, rng=1)
print(f"mu = 0.8 rheobase, sigma_v = 0.2 V: Siegert {tn.rate_siegert(p, mu, sigma):.2f} Hz, "
      f"CV {tn.cv_siegert(p, mu, sigma):.3f}; simulated {sim_ref.rate:.2f} Hz, "
      f"CV {sim_ref.cv:.3f} (n = {sim_ref.n}, seed {sim_ref.seed})")"""),
    new_markdown_cell("""## 2. ngspice `trnoise`

`NoisyDC(mu, sigma, dt)` writes `DC mu TRNOISE(NA dt 0 0)` with `NA = sigma / sqrt(dt)`:
ngspice draws independent samples of rms `NA` every `dt` and interpolates linearly, which
is white noise of intensity `NA^2 dt` well below `1/dt`.  The check measures that in
ngspice; then the behavioral neuron runs at two operating points (`dt = tau_m / 400`)."""),
    new_code_cell("""from lifspice.flows.noise import noise_points, trnoise_check

print(trnoise_check(sim, sigma=1e-12, dt=1e-5, n_samples=20000))
bench = BehavioralBench(BehavioralNeuron(lif=p))
points = noise_points(bench, [(2.0 * rh, 0.1 * sq, N_ISI), (0.9 * rh, 0.2 * sq, N_ISI // 2)],
                      runs=1, sim=sim)
for pt in points:
    print(f"mu {pt.mu / rh:.2f} rh, sigma_v {tn.sigma_v(p, pt.sigma):.2f} V: SPICE "
          f"{pt.rate:.1f} +- {pt.rate_se:.1f} Hz (Siegert {pt.theory_rate:.1f}), CV "
          f"{pt.cv:.3f} +- {pt.cv_se:.3f} (theory {pt.theory_cv:.3f}), n = {pt.n}")
noise_plots.noisy_fi_figure(points, p, n_curve=30)
noise_plots.isi_histogram_figure(points, p, reference_isis=2000);"""),
    new_markdown_cell("""## 3. Adaptive threshold

`BehavioralNeuron(..., dv_th=50 mV, tau_a=50 ms)`: the threshold gains `dv_th` per spike and
relaxes with `tau_a`.  The thresholds at the spikes (the membrane when the comparator
fires) give back `dv_th` and `tau_a`; the late rate is the adapted F-I curve of the event
map."""),
    new_code_cell("""pa = LifParams(**{**p.as_dict(), "t_ref": 2e-3})
dv, tau_a = 0.05, 0.05
na = BehavioralNeuron(lif=pa, dv_th=dv, tau_a=tau_a)
from lifspice.analysis import extract

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
for i in (60e-12, 100e-12, 160e-12):
    res = sim.run(neuron_netlist(na, DC(i), t_stop=0.4, max_step=theory.isi(pa, i) / 200,
                                 v_mem0=pa.v_reset), vectors=["v(mem)", "v(cmp)", "v(ath)"])
    sp = extract.spike_times(res.time, res["v(cmp)"], 0.5)
    th = extract.threshold_at_spikes(res.time, res["v(mem)"], sp)
    fit = ta.fit_adaptation(sp, th, pa.t_ref)
    ax.plot(sp * 1e3, th, "o", ms=3, label=f"{i * 1e12:.0f} pA")
    late = 1 / np.mean(np.diff(sp)[-3:])
    print(f"{i * 1e12:.0f} pA: dv_th {fit.dv_th * 1e3:.2f} mV, tau_a {fit.tau_a * 1e3:.2f} ms; "
          f"adapted rate {late:.2f} Hz (theory {ta.adapted_rate(pa, i, dv, tau_a):.2f}, "
          f"unadapted {theory.rate(pa, i):.1f})")
ax.set(xlabel="time (ms)", ylabel="threshold at spike (V)"); ax.legend(fontsize=8)
ii = np.linspace(0, 300e-12, 60)
ax2.plot(ii * 1e12, theory.rate(pa, ii), "k--", label="no adaptation")
ax2.plot(ii * 1e12, ta.adapted_rate(pa, ii, dv, tau_a), label="adapted (theory)")
ax2.set(xlabel="input (pA)", ylabel="rate (Hz)"); ax2.legend(fontsize=8);"""),
    new_markdown_cell("""## 4. Export to Brian2 and NEST

Characterize the neuron in SPICE, then `lifspice export --to brian2 report.json` writes a
script with the fitted LIF (numpy code generation, no compiler) and
`--to nest` an `iaf_psc_delta` parameter set (mV, ms, pF, pA).  A population table (one
neuron per row, e.g. a Monte Carlo `samples.csv`) exports the same way."""),
    new_code_cell("""import importlib.util

import lifspice as ls
from lifspice.cli import main

out = Path(tempfile.mkdtemp(prefix="lifspice-export-"))
ch = ls.characterize(BehavioralNeuron(lif=pa), points=8, workers=2)
ch.save(out, plots=False)
rep = ch.report()
main(["export", "--to", "brian2", str(out / "report.json"), "--out", str(out / "model.py")])
main(["export", "--to", "nest", str(out / "report.json"), "--out", str(out / "nest.json")])
print(json.dumps(json.loads((out / "nest.json").read_text())["params"][0], indent=1))

spec = importlib.util.spec_from_file_location("exported_model", out / "model.py")
model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model)
i = np.array(rep["fi"]["i_A"]); f = np.array(rep["fi"]["f_Hz"])
f_b2 = model.fi_curve(i, duration=6 / f[f > 0].min())
plt.figure(figsize=(5, 3.5))
plt.plot(i * 1e12, f, "o", label="SPICE (behavioral)")
plt.plot(i * 1e12, f_b2, "x", label="Brian2 (exported fit)")
plt.xlabel("input (pA)"); plt.ylabel("rate (Hz)"); plt.legend()
print("largest Brian2/SPICE deviation:", f"{np.max(np.abs(f_b2[f > 0] / f[f > 0] - 1)):.2%}")"""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}})
    path = Path(__file__).with_name("05_noise_and_export.ipynb")
    nbformat.write(nb, path)
    print(path)


if __name__ == "__main__":
    main()
