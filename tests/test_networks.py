"""Export to networks: NIR graphs (physical and snnTorch-normalised) of a characterized neuron
and of a Monte Carlo population, read back with ``nir.read``, simulated in numpy against the
kit's fitted LIF; snnTorch's importer formula; Monte Carlo populations in Brian2 and NEST
against the samples' measured rates."""

from __future__ import annotations

import csv
import importlib.util
import json

import nir
import numpy as np
import pytest

from lifspice.analysis import theory
from lifspice.analysis.nir_graph import (
    LifNode,
    simulate_leaky_steps,
    simulate_lif_node,
    snntorch_leaky_from_nir,
    steps_rate,
)
from lifspice.circuits.params import LifParams
from lifspice.cli.main import main
from lifspice.io.population import read_montecarlo

P = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=2e-3)


@pytest.fixture(scope="module")
def spice_report(tmp_path_factory, sim):
    """A SPICE characterization of the default behavioral neuron, written as report.json."""
    from lifspice.circuits.behavioral.neuron import BehavioralNeuron
    from lifspice.flows.characterize import characterize
    from lifspice.io.report import write_report

    out = tmp_path_factory.mktemp("char")
    ch = characterize(BehavioralNeuron(lif=P), sim=sim, n_fi=10)
    return write_report(ch, out), out / "report.json"


@pytest.fixture(scope="module")
def mc_folder(tmp_path_factory):
    """A behavioral mismatch Monte Carlo: 10 samples, 4 currents (a per-sample fit with an
    RMS error), one worker (~10 s)."""
    import lifspice as ls

    out = tmp_path_factory.mktemp("mc")
    ls.montecarlo("behavioral", samples=10, seed=3, out=out, workers=1,
                  currents=["1.3x", "2x", "3x", "4x"])
    return out


def _fit(rep) -> LifParams:
    return LifParams(**{k: rep["fit"]["params"][k] for k in
                        ("c_mem", "g_leak", "v_rest", "v_th", "v_reset", "t_ref")})


def _node(g) -> LifNode:
    n = g.nodes["lif"]
    return LifNode(tau=n.tau, r=n.r, v_leak=n.v_leak, v_threshold=n.v_threshold,
                   v_reset=n.v_reset)


def test_nir_report_round_trip(spice_report, tmp_path):
    rep, path = spice_report
    out = tmp_path / "neuron.nir"
    assert main(["export", str(path), "--to", "nir", "--out", str(out)]) == 0
    g = nir.read(out)
    assert [tuple(e) for e in g.edges] == [("input", "lif"), ("lif", "output")]
    lif, fit = g.nodes["lif"], _fit(rep)
    np.testing.assert_allclose(lif.tau, [fit.tau_m], rtol=1e-12)
    np.testing.assert_allclose(lif.r, [1 / fit.g_leak], rtol=1e-12)
    np.testing.assert_allclose([lif.v_leak[0], lif.v_threshold[0], lif.v_reset[0]],
                               [fit.v_rest, fit.v_th, fit.v_reset], rtol=1e-12)
    meta = lif.metadata
    np.testing.assert_allclose(meta["t_ref_s"], [fit.t_ref], rtol=1e-12)
    assert meta["circuit"] == "behavioral" and "t_ref" in meta["dropped"]
    assert meta["measured_t_ref_s"] == pytest.approx(rep["t_ref_s"])
    assert meta["saturating_fit_i_b_A"] == pytest.approx(rep["fit_saturating"]["params"]["i_b"])
    assert meta["design"]["c_mem"] == pytest.approx(P.c_mem)


def test_nir_graph_fi_matches_fitted_lif(spice_report, tmp_path):
    """The exported graph simulated in numpy (exact exponential steps, crossings timed
    exactly) fires as the fitted LIF: within 1 % from 1.2x rheobase to the top of the
    characterized range, with t_ref 0 (NIR has none) against the fit at t_ref 0, and with
    the metadata's t_ref against the fit itself (measured 4e-14: the steps are exact), and
    with t_ref within 1 % of the SPICE rates themselves (measured 0.12 %). Leaving t_ref out
    doubles the top rate (250.8 -> 499.8 Hz, +99 %: the range ends where t_ref is half
    the period)."""
    rep, path = spice_report
    out = tmp_path / "neuron.nir"
    assert main(["export", str(path), "--to", "nir", "--out", str(out)]) == 0
    g = nir.read(out)
    fit = _fit(rep)
    i_all, f_all = np.array(rep["fi"]["i_A"], float), np.array(rep["fi"]["f_Hz"], float)
    above = i_all >= 1.2 * theory.rheobase(fit)
    i, f_spice = i_all[above], f_all[above]
    assert i.size >= 5
    dt = fit.tau_m / 2000
    duration = 8.0 / theory.rate(fit, i.min())
    no_ref = simulate_lif_node(_node(g), i, duration, dt)[:, 0]
    with_ref = simulate_lif_node(_node(g), i, duration, dt,
                                 t_ref=g.nodes["lif"].metadata["t_ref_s"])[:, 0]
    ideal0 = theory.rate(LifParams(**{**fit.as_dict(), "t_ref": 0.0}), i)
    err0 = np.max(np.abs(no_ref / ideal0 - 1))
    err = np.max(np.abs(with_ref / theory.rate(fit, i) - 1))
    top = no_ref[-1] / with_ref[-1] - 1
    print(f"graph vs fit: {err0:.2e} (t_ref 0), {err:.2e} (t_ref {fit.t_ref:.4g} s); "
          f"t_ref left out: top rate {with_ref[-1]:.4g} -> {no_ref[-1]:.4g} Hz ({top:+.1%})")
    spice = np.max(np.abs(with_ref / f_spice - 1))
    print(f"graph with t_ref vs SPICE: {spice:.2e}")
    assert err0 < 0.01 and err < 0.01
    assert spice < 0.01
    assert top > 0.5  # the refractory time matters at the top of the range


def test_snntorch_normalized_imports_as_intended(spice_report, tmp_path):
    """snnTorch 1.0's importer turns the normalised graph into the intended Leaky.

    The formula is that of ``snntorch/import_nir.py`` lines 242-276 (snntorch 1.0.0 wheel,
    the ``nir.LIF`` branch of ``_nir_to_snntorch_module``)::

        dt = 1e-4
        assert np.allclose(node.v_leak, 0.0), "v_leak not supported"
        beta = 1 - (dt / node.tau)
        vthr = node.v_threshold
        w_scale = node.r * dt / node.tau
        if not np.allclose(w_scale, 1.0): vthr = vthr / np.unique(w_scale)[0]  (hack_w_scale)
        return snn.Leaky(beta=beta, threshold=np.unique(vthr)[0], reset_mechanism="zero",
                         reset_delay=False)

    transcribed in :func:`~lifspice.analysis.nir_graph.snntorch_leaky_from_nir`; the Affine
    node becomes ``torch.nn.Linear`` with its weight and bias (lines 184-191). The Leaky's
    step (``snntorch/_neurons/leaky.py`` ``forward``, lines 196-236: ``mem = beta mem +
    input``, spike where ``mem > threshold``, then ``mem = 0``) run in numpy with those
    values fires within 1.5 % of the fitted LIF at t_ref 0 (forward Euler at dt = tau/400:
    measured <= 0.7 %). The physical graph is refused, as snnTorch refuses it."""
    rep, path = spice_report
    fit = _fit(rep)
    dt = fit.tau_m / 400
    out = tmp_path / "snn.nir"
    assert main(["export", str(path), "--to", "nir", "--normalize", "snntorch",
                 "--dt", repr(dt), "--out", str(out)]) == 0
    g = nir.read(out)
    lif, aff = g.nodes["lif"], g.nodes["affine"]
    beta, threshold = snntorch_leaky_from_nir(lif.tau, lif.r, lif.v_leak, lif.v_threshold)
    np.testing.assert_allclose(beta, [1 - dt / fit.tau_m], rtol=1e-12)
    assert threshold == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(lif.r * 1e-4 / lif.tau, 1.0, rtol=1e-12)  # no w_scale hack
    i = np.array(rep["fi"]["i_A"], float)
    i = i[i >= 1.2 * theory.rheobase(fit)]
    steps = int(8.0 / theory.rate(fit, i.min()) / dt)
    f = steps_rate(simulate_leaky_steps(beta, threshold, aff.weight, aff.bias, i, steps), dt)
    ideal0 = theory.rate(LifParams(**{**fit.as_dict(), "t_ref": 0.0}), i)
    err = np.abs(f[:, 0] / ideal0 - 1)
    print("snnTorch steps vs fit (t_ref 0):", np.round(err, 4))
    assert err.max() < 0.015
    phys = tmp_path / "phys.nir"
    assert main(["export", str(path), "--to", "nir", "--out", str(phys)]) == 0
    node = nir.read(phys).nodes["lif"]
    with pytest.raises(ValueError, match="v_leak"):
        snntorch_leaky_from_nir(node.tau, node.r, node.v_leak, node.v_threshold)


def test_nir_population_round_trip(mc_folder, tmp_path):
    pop = read_montecarlo(mc_folder)
    for extra in ([], ["--normalize", "snntorch", "--dt", "1e-5"]):
        out = tmp_path / f"pop{len(extra)}.nir"
        assert main(["export", str(mc_folder), "--to", "nir", "--out", str(out), *extra]) == 0
        lif = nir.read(out).nodes["lif"]
        assert lif.tau.shape == (pop.n,) == (10,)
        np.testing.assert_allclose(lif.metadata["t_ref_s"], pop.t_ref, rtol=1e-12)
        np.testing.assert_allclose(lif.metadata["montecarlo_rates_Hz"], pop.rates_Hz)
        assert lif.metadata["seed"] == 3
    node = _node(nir.read(tmp_path / "pop0.nir"))
    np.testing.assert_allclose(node.tau, pop.tau_m, rtol=1e-12)
    np.testing.assert_allclose(node.v_threshold, pop.v_th, rtol=1e-12)
    # the normalised population: one threshold, beta per neuron (snnTorch accepts it)
    lif = nir.read(tmp_path / "pop4.nir").nodes["lif"]
    beta, threshold = snntorch_leaky_from_nir(lif.tau, lif.r, lif.v_leak, lif.v_threshold)
    np.testing.assert_allclose(beta, 1 - 1e-5 / pop.tau_m, rtol=1e-12)
    assert threshold == 1.0


def _load_script(path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_brian2_population_matches_montecarlo(mc_folder, tmp_path):
    """The Brian2 population (one neuron per sample, its fitted LIF and t_ref) fires at
    each Monte Carlo current as the sample did, within the sample's fit error: 3x its RMS
    fit error plus 0.5 % (Brian2's grid threshold at the script's dt, t_ref/200 ~ 10 us:
    dt/(2 ISI) <= 0.4 %).
    Measured: worst 0.39 % (fit RMS errors <= 0.10 %)."""
    out = tmp_path / "pop.py"
    assert main(["export", str(mc_folder), "--to", "brian2", "--out", str(out)]) == 0
    mod = _load_script(out)
    import brian2 as b2

    pop = read_montecarlo(mc_folder)
    n, m = pop.n, pop.currents_A.size
    group = mod.build(n=n * m, currents=np.repeat(pop.currents_A, n))
    mon = b2.SpikeMonitor(group)
    b2.Network(group, mon).run(8.0 / np.nanmin(pop.rates_Hz) * b2.second)
    trains = mon.spike_trains()
    rates = np.zeros(n * m)
    for k in range(n * m):
        t = np.asarray(trains[k] / b2.second)
        rates[k] = (t.size - 1) / (t[-1] - t[0]) if t.size >= 2 else 0.0
    rates = rates.reshape(m, n).T  # (neuron, current)
    rel = np.abs(rates / pop.rates_Hz - 1)
    tol = 3 * pop.fit_rms_rel_error[:, None] + 0.005
    print(f"Brian2 population vs Monte Carlo: worst {rel.max():.2%}, "
          f"fit RMS error up to {pop.fit_rms_rel_error.max():.2%}")
    assert np.all(np.isfinite(pop.rates_Hz)) and np.all(rel <= tol)
    # the spread is the Monte Carlo's: not a population of copies
    assert np.std(rates[:, 1]) / np.mean(rates[:, 1]) > 0.01


def test_nest_population_per_neuron(mc_folder, tmp_path):
    out = tmp_path / "pop.json"
    assert main(["export", str(mc_folder), "--to", "nest", "--out", str(out)]) == 0
    d = json.loads(out.read_text())
    with open(mc_folder / "samples.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["ok"] == "1"]
    assert d["n"] == len(rows) == 10
    for row, p in zip(rows, d["params"], strict=True):
        assert p["t_ref"] == pytest.approx(float(row["fit_t_ref_s"]) * 1e3, rel=1e-12)
        assert p["tau_m"] == pytest.approx(float(row["fit_tau_m_s"]) * 1e3, rel=1e-12)
        assert p["V_th"] == pytest.approx(float(row["v_th_V"]) * 1e3, rel=1e-12)
    assert d["meta"]["seed"] == 3


def test_cli_nir_errors(spice_report, tmp_path, capsys):
    _, path = spice_report
    assert main(["export", str(path), "--to", "nir"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["export", str(path), "--to", "nir", "--normalize", "snntorch",
                 "--out", str(tmp_path / "x.nir")]) == 2
    assert "--dt" in capsys.readouterr().err
    assert main(["export", str(path), "--to", "nir", "--normalize", "snntorch", "--dt", "1",
                 "--out", str(tmp_path / "x.nir")]) == 2
    assert "below every tau_m" in capsys.readouterr().err


@pytest.mark.slow
def test_brian2_population_saturating_leak(tmp_path):
    """A Monte Carlo folder of a design with a saturating leak (v_lin = 50 mV against a
    400 mV swing), exported with --params measured: each Brian2 neuron leaks
    ``i_b tanh(g (v_rest - v) / i_b)`` with its own ``i_b = g v_lin`` and fires at the
    saturating-leak LIF's closed-form rate within 1 % (Brian2's grid threshold, dt/(2 ISI);
    measured 0.04 %, rk4 at dt = t_ref/200); the same neurons with a linear leak are
    silent there (rheobase ~40 pA)."""
    from lifspice.circuits.params import SaturatingLifParams

    rng = np.random.default_rng(4)
    design = {"circuit": "behavioral", "c_mem": 1e-12, "g_leak": 1e-10, "v_rest": 0.2,
              "v_th": 0.6, "v_reset": 0.1, "t_ref": 2e-3, "v_lin": 0.05}
    neurons = [SaturatingLifParams(c_mem=1e-12, g_leak=g, v_rest=0.2, v_th=vth, v_reset=0.1,
                                   t_ref=2e-3, i_b=g * 0.05)
               for g, vth in zip(1e-10 * (1 + 0.05 * rng.standard_normal(4)),
                                 0.6 + 5e-3 * rng.standard_normal(4), strict=True)]
    currents = 5e-12 * np.array([2.5, 4.0, 6.0])  # A; the rheobase is i_b tanh(8) ~ 5 pA
    rates = np.array([theory.rate_saturating(p, currents) for p in neurons])
    (tmp_path / "sweep.json").write_text(json.dumps(
        {"circuit": "behavioral", "design": design, "n_samples": 4, "seed": 4,
         "currents_A": currents.tolist()}))
    with open(tmp_path / "samples.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sample", "ok", "tau_m_s", "drawn_g_leak_S", "t_ref_s", "v_th_V",
                    "v_reset_V", "rate_Hz_i0", "rate_Hz_i1", "rate_Hz_i2"])
        for k, p in enumerate(neurons):
            w.writerow([k, 1, p.tau_m, p.g_leak, p.t_ref, p.v_th, p.v_reset, *rates[k]])
    out = tmp_path / "pop.py"
    assert main(["export", str(tmp_path), "--to", "brian2", "--params", "measured",
                 "--out", str(out)]) == 0
    mod = _load_script(out)
    np.testing.assert_allclose(mod.PARAMS["i_b"], [p.i_b for p in neurons], rtol=1e-12)
    import brian2 as b2

    n, m = len(neurons), currents.size
    group = mod.build(n=n * m, currents=np.repeat(currents, n))
    mon = b2.SpikeMonitor(group)
    b2.Network(group, mon).run(5.0 / rates.min() * b2.second)
    f = np.zeros(n * m)
    for k, t in mon.spike_trains().items():
        t = np.asarray(t / b2.second)
        f[k] = (t.size - 1) / (t[-1] - t[0]) if t.size >= 2 else 0.0
    f = f.reshape(m, n).T
    rel = np.abs(f / rates - 1)
    print(f"saturating Brian2 population vs closed form: worst {rel.max():.2%}")
    assert rel.max() < 0.01
    linear = np.array([theory.rate(LifParams(**{k: getattr(p, k) for k in
                                                ("c_mem", "g_leak", "v_rest", "v_th",
                                                 "v_reset", "t_ref")}), currents)
                       for p in neurons])
    assert np.all(linear == 0)


def test_population_skips_samples_without_parameters(mc_folder, tmp_path, capsys):
    """Failed samples (ok = 0) and samples whose fit failed (NaN) are no neurons; a sweep
    with no per-sample fit at all is refused with the fix, in one line."""
    import shutil

    shutil.copy(mc_folder / "sweep.json", tmp_path / "sweep.json")
    with open(mc_folder / "samples.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["fit_tau_m_s"] = "nan"
    rows[1]["ok"] = "0"
    with open(tmp_path / "samples.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    pop = read_montecarlo(tmp_path)
    assert pop.n == 8 and list(pop.sample) == [int(r["sample"]) for r in rows[2:]]
    assert pop.meta["samples_without_parameters"] == 1
    np.testing.assert_allclose(pop.t_ref, [float(r["fit_t_ref_s"]) for r in rows[2:]])
    with open(tmp_path / "samples.csv", "w", newline="") as fh:
        keep = [k for k in rows[0] if not k.startswith("fit_")]
        w = csv.DictWriter(fh, fieldnames=keep, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    assert main(["export", str(tmp_path), "--to", "nir", "--out", str(tmp_path / "x.nir")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--params measured" in err and "fit_tau_m_s" in err
    assert main(["export", str(tmp_path), "--to", "nir", "--params", "measured",
                 "--out", str(tmp_path / "x.nir")]) == 0
