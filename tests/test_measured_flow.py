"""Measured silicon against the kit's own simulations (behavioral neuron, ngspice):
"measurements" made by simulating a changed design are attributed to the parameter that was
changed; a population drawn from the Monte Carlo's own spreads is not flagged against the
Monte Carlo, one with doubled spreads is. Through the command line and the API."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

import lifspice as ls
from lifspice.analysis.measured import synthetic_fi, synthetic_trace
from lifspice.cli import main
from lifspice.flows.montecarlo.behavioral_sample import draw_behavioral
from lifspice.flows.montecarlo.sample import Spreads
from lifspice.io.design import design_to_dict, load_design
from lifspice.io.montecarlo_table import read_montecarlo

DESIGN = load_design("behavioral")
RHEOBASE = DESIGN.lif.rheobase  # 40 pA
FI = RHEOBASE * np.array([0.9, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0])


@pytest.fixture(scope="module")
def mc_folder(tmp_path_factory):
    """A behavioral mismatch Monte Carlo, 64 samples at 2x and 3x the rheobase (~8 s)."""
    out = tmp_path_factory.mktemp("mc")
    ls.montecarlo("behavioral", samples=64, seed=5, out=out, currents=("2x", "3x"),
                  workers=1)
    return out


def _write_population(path, spreads: Spreads, rng, n=32):
    """32 neurons on 2 dies drawn with ``spreads``, F-I at 10 currents, 1 % rate jitter."""
    rows = ["die,neuron,i_A,f_Hz"]
    for k in range(n):
        p = replace(draw_behavioral(DESIGN, spreads, rng).lif, v_rest=DESIGN.lif.v_rest)
        i, f = synthetic_fi(p, FI, rng, rel_jitter=0.01)
        rows += [f"d{k % 2},n{k},{a!r},{b!r}" for a, b in zip(i.tolist(), f.tolist(),
                                                              strict=True)]
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("factor, flagged", [(1.0, False), (2.0, True)])
def test_population_against_the_montecarlo(mc_folder, tmp_path, factor, flagged, capsys):
    plan, _ = read_montecarlo(mc_folder)
    spreads = Spreads(**{k: factor * v for k, v in plan["spreads"].items()})
    _write_population(tmp_path / "chips.csv", spreads, np.random.default_rng(11))
    code = main(["fit", str(tmp_path / "chips.csv"), "--montecarlo", str(mc_folder),
                 "--model", "ideal", "--bootstrap", "0", "--out", str(tmp_path / "o"),
                 *([] if flagged else ["--no-plots"])])
    out = capsys.readouterr().out
    assert code == 0
    rep = json.loads((tmp_path / "o" / "fit.json").read_text())
    pop = rep["population"]
    assert len(rep["neurons"]) == 32 and "d1/n31" in rep["neurons"]
    assert pop["different"] is flagged, pop["verdict"]
    assert {"tau_m_s", "rate_Hz_i0", "rate_Hz_i1", "rheobase_A"} <= set(pop["quantities"])
    if flagged:
        assert "rate_Hz_i0" in pop["spread_larger"] and "underestimates" in out
        assert pop["quantities"]["rate_Hz_i0"]["std_ratio"] > 1.4
        assert (tmp_path / "o" / "population.png").stat().st_size > 10_000
    else:
        assert not pop["mean_differs"] and "consistent with the Monte Carlo" in out
    assert (tmp_path / "o" / "population.png").is_file() is flagged
    assert (tmp_path / "o" / "population.csv").read_text().count("\n") == 33


@pytest.mark.parametrize("key, factor, meaning", [("c_mem", 1.2, "capacitance"),
                                                  ("g_leak", 0.85, "bias current")])
def test_design_comparison_names_the_changed_parameter(tmp_path, key, factor, meaning):
    """The chip is the behavioral design with one value changed, simulated by ngspice at
    the measured currents; the comparison with the nominal design must name that value."""
    chip = design_to_dict(DESIGN)
    chip[key] *= factor
    ch = ls.characterize(chip, currents=FI, workers=1)
    (tmp_path / "chip.csv").write_text(
        "i_A,f_Hz\n" + "".join(f"{i!r},{f!r}\n" for i, f in zip(ch.currents.tolist(),
                                                              ch.rates.tolist(), strict=True)))
    res = ls.fit_measurements(tmp_path / "chip.csv", design="behavioral", n_boot=50)
    comp = res.comparison.to_dict()["neurons"]["chip"]
    att = comp["attribution"]
    assert att["best"] == key, att["sentence"]
    assert att["candidates"][0]["change"] == pytest.approx(factor - 1, abs=0.02)
    assert meaning in res.summary()
    tau = comp["parameters"]["tau_m_s"]
    # tau_m = C/g moves by the factor (or its inverse): inside the interval of the ratio
    # (F-I fits of 9 points: +-5 % on tau_m), and the simulated tau outside the measured one
    expect = factor - 1 if key == "c_mem" else 1 / factor - 1
    lo, hi = tau["relative_difference_ci95"]
    assert lo < expect < hi and lo > 0.05
    assert not tau["simulated_inside_ci"]
    # with the design given the fit takes its threshold and reset: C and g not conditional
    est = res.neurons[0].fit.estimates
    assert not res.neurons[0].fit.swing_assumed
    assert est["c_mem_F"].value == pytest.approx(chip["c_mem"], rel=0.05)
    assert est["tau_m_s"].bootstrap_ci95 is not None
    res.save(tmp_path / "o")
    rep = json.loads((tmp_path / "o" / "fit.json").read_text())
    assert rep["fit"]["model"] in ("ideal", "saturating") and "params" in rep["fit"]
    assert rep["comparison"]["neurons"]["chip"]["attribution"]["best"] == key


def test_trace_and_fi_of_one_neuron_give_c_and_g(tmp_path):
    """A trace (noise, 20 mV offset) and an F-I table of the same neuron: the trace's
    threshold and reset make C and g of the F-I fit absolute; both agree with the truth."""
    p = DESIGN.lif
    rng = np.random.default_rng(12)
    t, v, i = synthetic_trace(p, [0.0, 1.5 * RHEOBASE, 2.5 * RHEOBASE], 0.04, rng, dt=1e-4,
                              noise_v=1e-3, offset_v=0.0)
    (tmp_path / "trace.csv").write_text(
        "neuron,t_s,v_V,i_A\n" + "".join(f"a,{a!r},{b!r},{c!r}\n" for a, b, c in
                                         zip(t.tolist(), v.tolist(), i.tolist(), strict=True)))
    fi_i, fi_f = synthetic_fi(p, FI, rng, rel_jitter=0.01)
    (tmp_path / "fi.csv").write_text(
        "neuron;i_A;f_Hz\n" + "".join(f"a;{a!r};{b!r}\n" for a, b in zip(fi_i.tolist(),
                                                                      fi_f.tolist(),
                                                                      strict=True)))
    res = ls.fit_measurements([tmp_path / "trace.csv", tmp_path / "fi.csv"], n_boot=0)
    (n,) = res.neurons
    assert n.trace is not None and n.fit is not None and not n.fit.swing_assumed
    assert n.trace.estimates["c_mem_F"].value == pytest.approx(p.c_mem, rel=0.03)
    lo, hi = n.fit.estimates["c_mem_F"].ci95
    assert lo < p.c_mem < hi
    assert "trace: C" in res.summary()
