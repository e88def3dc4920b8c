"""Write notebooks/07_measured_silicon.ipynb (no outputs): python notebooks/make_07_measured_silicon.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""# Measured silicon: fit a chip, hold it against the design and the Monte Carlo

A synthetic chip stands in for the bench: 32 neurons of the `behavioral` design on two dies,
each drawn with the Monte Carlo's own mismatch spreads, measured as an F-I table (10 currents,
1 % rate jitter, one silent point, a saturated point at the top, an empty cell) — and die `d2`
was made with **12 % more membrane capacitance** than designed. One neuron also has an
oscilloscope trace (noise, a 25 mV probe offset, 10 kHz sampling) and a spike-time recording
with missing spikes. We fit every neuron with uncertainties, compare with the simulated design
(ngspice at the same currents) and with a Monte Carlo of it.

`N_MC` sets the size of the Monte Carlo, `N_BOOT` the bootstrap (the test suite runs the
notebook as written, in about a minute)."""),
    new_code_cell("""N_MC = 48          # Monte Carlo samples of the design (ngspice)
N_BOOT = 200       # bootstrap draws for the neuron shown in detail

import tempfile
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import lifspice as ls
from lifspice.analysis.measured import synthetic_fi, synthetic_spikes, synthetic_trace
from lifspice.analysis.plots.measured import fi_fit_figure, population_figure
from lifspice.flows.montecarlo.behavioral_sample import draw_behavioral
from lifspice.flows.montecarlo.sample import Spreads

design = ls.load_design("behavioral")
rheobase = design.lif.rheobase
currents = rheobase * np.array([0.9, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0])
work = Path(tempfile.mkdtemp())
rng = np.random.default_rng(2026)"""),
    new_markdown_cell("""## 1. The bench files

One CSV for the F-I tables of all neurons (`die`, `neuron`, `i_A`, `f_Hz`: SI units in the
column names), one for the trace of `d1/n0`, one with its spike times."""),
    new_code_cell("""rows = ["die,neuron,i_A,f_Hz"]
truth = {}
for k in range(32):
    die = f"d{k % 2 + 1}"
    p = replace(draw_behavioral(design, Spreads(), rng).lif, v_rest=design.lif.v_rest)
    if die == "d2":
        p = replace(p, c_mem=1.12 * p.c_mem)
    truth[f"{die}/n{k}"] = p
    i, f = synthetic_fi(p, currents, rng, rel_jitter=0.01)
    rows += [f"{die},n{k},{a!r},{b!r}" for a, b in zip(i.tolist(), f.tolist())]
rows.append("d1,n0,2.2e-10,")                      # an empty cell
rows.append(f"d1,n0,3e-10,{0.97 * float(f.max())!r}")  # saturated at the top
(work / "chip_fi.csv").write_text("\\n".join(rows) + "\\n")

p0 = truth["d1/n0"]
t, v, i = synthetic_trace(p0, [0.0, 1.5 * rheobase, 2.5 * rheobase], 0.04, rng, dt=1e-4,
                          noise_v=2e-3, offset_v=0.025)
(work / "d1_n0_trace.csv").write_text("die,neuron,t_s,v_V,i_A\\n" + "".join(
    f"d1,n0,{a!r},{b!r},{c!r}\\n" for a, b, c in zip(t.tolist(), v.tolist(), i.tolist())))
si, st = synthetic_spikes(p0, currents, rng, n_spikes=30, p_missing=0.1)
(work / "d1_n0_spikes.csv").write_text("neuron,i_A,t_s\\n" + "".join(
    f"d1_n0_spikes,{a!r},{b!r}\\n" for a, b in zip(si.tolist(), st.tolist())))
plt.figure(figsize=(6, 2.5)); plt.plot(t * 1e3, v, lw=0.6)
plt.xlabel("t (ms)"); plt.ylabel("V (V)"); plt.title("d1/n0: the scope trace");"""),
    new_markdown_cell("""## 2. A Monte Carlo of the design

The kit's mismatch Monte Carlo (ngspice, default spreads), with the rate measured at twice
and three times the rheobase."""),
    new_code_cell("""mc = ls.montecarlo("behavioral", samples=N_MC, seed=1, out=work / "mc",
                   currents=("2x", "3x"), workers=1)
print(mc.summary["tau_m_s"]["mean"], mc.summary["tau_m_s"]["std"])"""),
    new_markdown_cell("""## 3. Fit, compare, test

One call: every neuron is fitted (ideal and saturating-leak LIF, AICc picks one and says
why), with Wald and bootstrap 95 % intervals; the design is simulated at the measured
currents and each neuron's difference is attributed to a parameter; the population is
tested against the Monte Carlo. `lifspice fit chip_fi.csv d1_n0_trace.csv --design
behavioral --montecarlo mc --out out` does the same."""),
    new_code_cell("""res = ls.fit_measurements([work / "chip_fi.csv", work / "d1_n0_trace.csv"],
                          design="behavioral", montecarlo=work / "mc", n_boot=0)
print(res.summary())"""),
    new_markdown_cell("""The notes of `d1/n0` show what the reader and the fit did with the bench's faults; its
trace gives C and g separately (the F-I alone gives only `tau_m`, the rheobase, the swing
current and `t_ref`); the residual bootstrap gives a second interval beside the Wald one
(`lifspice fit` runs it for every neuron, 200 draws by default):"""),
    new_code_cell("""from lifspice.analysis.measured import bootstrap

n0 = next(n for n in res.neurons if n.label == "d1/n0")
print("\\n".join(n0.notes))
swing = dict(v_th=n0.fit.params.v_th, v_reset=n0.fit.params.v_reset)
boot = bootstrap(n0.fit, n0.data.i, n0.data.f, n_boot=N_BOOT, rng=rng, **swing)
for k in ("tau_m_s", "rheobase_A", "t_ref_s"):
    e = boot.estimates[k]
    print(f"{k:11s} {e.value:.4g}  Wald [{e.ci95[0]:.4g}, {e.ci95[1]:.4g}]  bootstrap "
          f"[{e.bootstrap_ci95[0]:.4g}, {e.bootstrap_ci95[1]:.4g}]")
for k, e in n0.trace.estimates.items():
    print(f"{k:10s} {e.value:.4g}  95 % [{e.ci95[0]:.4g}, {e.ci95[1]:.4g}]")
print("true C", p0.c_mem, "g", p0.g_leak)
fi_fit_figure(n0.data, n0.fit, sim_i=res.comparison.simulated.ch.currents,
              sim_f=res.comparison.simulated.ch.rates, title="d1/n0");"""),
    new_markdown_cell("""The spike-time recording of the same neuron (10 % of the spikes lost): the rates are
counted back over the long intervals, and the fit agrees with the F-I table's."""),
    new_code_cell("""sp = ls.fit_measurements(work / "d1_n0_spikes.csv", n_boot=0).neurons[0]
print("\\n".join(sp.notes[:2]))
for k in ("tau_m_s", "rheobase_A", "t_ref_s"):
    a, b = sp.fit.estimates[k], n0.fit.estimates[k]
    print(f"{k:11s} spikes {a.value:.4g} [{a.ci95[0]:.4g}, {a.ci95[1]:.4g}]   F-I table "
          f"{b.value:.4g} [{b.ci95[0]:.4g}, {b.ci95[1]:.4g}]")"""),
    new_markdown_cell("""## 4. Against the design, die by die

The attribution names, for each neuron, the single parameter change that best explains its
departure from the simulation. One neuron carries its own mismatch (5 % on g_m, 5 mV on the
threshold) on top of its die's shift, so the die's shift shows best on the die's mean F-I
curve (geometric mean over its neurons, current by current)."""),
    new_code_cell("""comp = res.comparison.to_dict()["neurons"]
for die in ("d1", "d2"):
    best = [c["attribution"]["best"] for k, c in comp.items() if k.startswith(die + "/")]
    tau = [c["parameters"]["tau_m_s"]["relative_difference"] for k, c in comp.items()
           if k.startswith(die + "/")]
    print(f"{die}: tau_m {np.mean(tau):+.1%} vs simulated (mean); best single change:",
          {b: best.count(b) for b in set(best)})

from lifspice.analysis.measured import attribute_difference

sim = res.comparison.simulated
for die in ("d1", "d2"):
    ns = [n for n in res.neurons if n.label.startswith(die + "/")]
    f = np.exp(np.mean([np.log(np.maximum(n.fit.rate(currents), 1e-9)) for n in ns], axis=0))
    att = attribute_difference(sim.ch.measured, currents[1:], f[1:], sim.rate(currents[1:]))
    print(f"die {die} mean curve: {att.sentence}")"""),
    new_markdown_cell("""## 5. Against the Monte Carlo

Means (Welch t), spreads (one-sided Brown-Forsythe against the Monte Carlo given each
neuron's fit error; the F test net of fit error beside it), Holm over all the tests. Die `d2`'s capacitance shift moves the means, and the two dies
together spread wider than one die's mismatch (the verdict names both); die `d1` alone is
consistent with the Monte Carlo."""),
    new_code_cell("""print(res.population.verdict)
for k, q in res.population.quantities.items():
    print(f"{k:12s} p_mean {q.p_mean:.2g}  p_spread {q.p_spread_robust:.2g} (F test "
          f"{q.p_spread:.2g})  spread ratio {q.std_ratio:.2f}")
population_figure(res.population_table, res.montecarlo_table,
                  list(res.population.quantities));"""),
    new_code_cell("""d1 = ls.fit_measurements(work / "chip_fi.csv", montecarlo=work / "mc", n_boot=0,
                         model="ideal")
keep = [n for n in d1.neurons if n.label.startswith("d1/")]
from lifspice.flows.measured_compare import compare_montecarlo
pop, _, _ = compare_montecarlo(keep, work / "mc")
print("die d1 only:", pop.verdict)"""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = Path(__file__).with_name("07_measured_silicon.ipynb")
    nbformat.write(nb, path)
    print(path)


if __name__ == "__main__":
    main()
