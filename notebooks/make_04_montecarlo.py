"""Write notebooks/04_montecarlo.ipynb (no outputs): python notebooks/make_04_montecarlo.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""# Mismatch Monte Carlo of the sky130 LIF neuron

How much do neurons built to the same design differ? Each sample is the reference sky130
neuron with the PDK's own device mismatch (library section `tt_mm`: one standard normal per
transistor and MIM capacitor, scaled by the PDK's coefficients), drawn from a seed recorded
with the sample; every worker process keeps one ngspice with the neuron loaded and sets each
instance's drawn value per sample with `alter` (`--draw reset` lets ngspice redraw with
`setseed` + `reset`, slower). The lean topology (`sky130_lean`, 24 transistors instead of
31, same leak and comparator pair) runs ~1.3x faster for large runs. Per sample: `tau_m`
(small-signal, AC), `g_m`, `v_rest`, `V_th`, `V_reset`, `t_ref`, the rate at a few currents
and the energy per spike.

`N` and `N_AREA` set the size (the test suite runs it as written, in about a minute)."""),
    new_code_cell("""N = 16            # mismatch samples with firing transients (3 currents each)
N_AREA = 40       # small-signal samples per OTA size for the area trade-off
WORKERS = 2

import tempfile
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import lifspice as ls
from lifspice.analysis.plots import montecarlo as mc_plots
from lifspice.io.design import load_design
from lifspice.flows.montecarlo.sweep import SweepPlan, run_sweep

design = load_design("sky130")
rheobase = design.lif_guess().rheobase
currents = tuple(k * rheobase for k in (1.5, 2.0, 3.0))
out = Path(tempfile.mkdtemp(prefix="lifspice-mc-"))
print(f"rheobase (predicted) {rheobase * 1e12:.0f} pA; currents",
      [f"{i * 1e12:.0f} pA" for i in currents])"""),
    new_markdown_cell("""## 1. A mismatch run

Results are written batch by batch into `out/batches/*.nc` (NetCDF), then `samples.csv`
and `summary.json`. The numerical floor is measured with every run: the first three
samples are rerun with the threshold reference nudged by 1 uV steps; the pooled spread of
each sample's reruns must stay under 10 % of each quantity's mismatch sigma (it is why the
netlists use `reltol=1e-4`)."""),
    new_code_cell("""res = ls.montecarlo(design, samples=N, seed=2024, currents=currents,
                    batch_size=4, out=out / "mismatch", workers=WORKERS)
s = res.summary
print(f"{s['n_samples']} samples, {s['n_failed']} failed, {s['samples_per_s']:.2f} samples/s")
for k in s["quantities"]:
    q = s[k]
    print(f"{k:<20} mean {q['mean']:.4g}  cv {100 * q['cv']:.2f} %  "
          f"floor/std {q['floor_over_std']:.2g}")
print("numerical floor under 10 % of every sigma:", s["noise_floor"]["under_limit"])"""),
    new_markdown_cell("""## 2. Histograms

The leak's `tau_m` and `g_m` spread by ~6 %: the OTA is biased in weak inversion, where its
tail mirror turns a threshold offset into a relative current error `dV_T / (n U_T)`."""),
    new_code_cell("""keys = ["tau_m_s", "v_rest_V", "v_th_V", "t_ref_s", "rate_Hz_i1",
        "energy_per_spike_J"]
mc_plots.histograms(res.table, keys);"""),
    new_markdown_cell("""## 3. The F-I spread over the nominal curve

5-95 percentile band of the samples' rates at the three currents, with the median and the
nominal (mismatch-free) neuron."""),
    new_code_cell("""ok = res.table["ok"]
rates = np.column_stack([res.table[f"rate_Hz_i{k}"][ok] for k in range(len(currents))])
nominal = [s["nominal"][f"rate_Hz_i{k}"] for k in range(len(currents))]
mc_plots.fi_band(currents, rates, nominal);"""),
    new_markdown_cell("""## 4. Correlations

A larger `g_m` means a shorter `tau_m` and (above rheobase, with a leak that saturates at
the tail current) a lower rate; the comparator's offset moves `V_th` on its own."""),
    new_code_cell("""mc_plots.correlations(s);"""),
    new_markdown_cell("""## 5. Area trade-off

Scale every leak-OTA transistor by `k` in W and L (area `k^2`) and measure only the
small-signal quantities (fast: an operating point and one AC point per sample). Pelgrom:
`sigma(tau_m)/tau_m` should fall as `1/sqrt(area)`. The same seeds are used for every size
(each device gets the same standard-normal draw, scaled by `1/sqrt(area)`), so the
comparison is not blurred by sampling noise."""),
    new_code_cell("""sizes = ("w_ota_in", "l_ota_in", "w_ota_mirror", "l_ota_mirror", "w_ota_tail",
         "l_ota_tail")
areas, cvs = [], []
for k in (1.0, 1.5, 2.0):
    d = replace(design, **{n: k * getattr(design, n) for n in sizes})
    r = run_sweep(SweepPlan(design=d, n_samples=N_AREA, seed=7, currents=(), batch_size=20,
                            floor_reruns=2), out / f"area_{k}", workers=WORKERS)
    areas.append(d.w_ota_tail * d.l_ota_tail)
    cvs.append(r.summary["tau_m_s"]["cv"])
    print(f"OTA x{k}: tail device {areas[-1] * 1e12:.0f} um^2, cv(tau_m) {100 * cvs[-1]:.2f} %"
          f"  (1/sqrt(area) predicts {100 * cvs[0] / k:.2f} %)")
mc_plots.area_tradeoff(areas, cvs);"""),
]


def main() -> None:
    nb = new_notebook(cells=CELLS, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = Path(__file__).with_name("04_montecarlo.ipynb")
    nbformat.write(nb, path)
    print(path)


if __name__ == "__main__":
    main()
