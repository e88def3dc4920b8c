"""Measured silicon, pure computation (no ngspice): F-I fits with intervals that hold the
truth at their rate, model choice, identifiability notes, cleaning of real-bench data, spike
trains with missing spikes, traces with noise and offset, attribution to a parameter, the
population tests. Synthetic data from known LIFs (lifspice.analysis.measured.synthetic)."""

from __future__ import annotations

import contextlib
import dataclasses
import warnings

import numpy as np
import pytest

from lifspice.analysis import theory as th
from lifspice.analysis.fit import FitIdentifiabilityWarning
from lifspice.analysis.measured import (
    attribute_difference,
    bootstrap,
    clean_fi,
    compare_population,
    fit_fi_measured,
    fit_trace_measured,
    rates_from_spikes,
    select_model,
    synthetic_fi,
    synthetic_spikes,
    synthetic_trace,
)
from lifspice.analysis.measured.study import coverage
from lifspice.circuits.params import LifParams, SaturatingLifParams

P = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=2e-3)
FACTORS = np.array([0.8, 1.05, 1.1, 1.2, 1.35, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8])
CURRENTS = P.rheobase * FACTORS


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitIdentifiabilityWarning)
        yield


def test_coverage_of_the_95_intervals_cheap():
    """40 seeded draws (the 200-draw check is in test_measured_study.py, slow): each
    quantity's 95 % interval holds the truth in >= 34/40 draws (P(X <= 33) = 0.34 % for a
    true 95 % interval, binomial), and the mean over the 7 quantities is 0.90-0.99."""
    cov = coverage(P, CURRENTS, 40, np.random.default_rng(40))["wald"]
    assert min(cov.values()) >= 34 / 40, cov
    assert 0.90 <= np.mean(list(cov.values())) <= 0.99, cov


def test_fit_recovers_parameters_and_reports_what_is_identifiable():
    i, f = synthetic_fi(P, CURRENTS, np.random.default_rng(1), rel_jitter=0.005)
    with pytest.warns(FitIdentifiabilityWarning, match="not C and g separately"):
        fit = fit_fi_measured(i, f)  # no swing given: C, g conditional on 1 V
    e = fit.estimates
    assert fit.swing_assumed and e["c_mem_F"].conditional and not e["tau_m_s"].conditional
    assert e["tau_m_s"].value == pytest.approx(P.tau_m, rel=0.03)
    assert e["rheobase_A"].value == pytest.approx(P.rheobase, rel=0.005)
    assert e["t_ref_s"].value == pytest.approx(P.t_ref, rel=0.05)
    # with the swing known, C and g themselves
    fit = fit_fi_measured(i, f, v_th=P.v_th, v_reset=P.v_reset)
    for k, true in (("c_mem_F", P.c_mem), ("g_leak_S", P.g_leak), ("v_rest_V", P.v_rest)):
        assert abs(fit.estimates[k].value - true) < 3 * fit.estimates[k].stderr, k
    assert fit.lif_fit.to_dict()["model"] == "ideal" and fit.success
    # the fitted band at the data is about as wide as the jitter / sqrt(points)
    assert np.all(fit.rate_stderr(i[1:]) / fit.rate(i[1:]) < 0.005)


def test_too_few_points_say_so():
    i, f = synthetic_fi(P, CURRENTS[[2, 5, 8, 11]], np.random.default_rng(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_fi_measured(i, f, v_th=P.v_th, v_reset=P.v_reset)
    assert any("no error estimate" in str(w.message) for w in caught)
    assert not fit.success and fit.dof == 0


def test_model_choice_by_aicc():
    sat = SaturatingLifParams(**P.as_dict(), i_b=P.g_leak * 0.1)  # v_lin 100 mV < 400 mV
    rng = np.random.default_rng(3)
    cur = sat.rheobase * np.array([1.05, 1.1, 1.2, 1.35, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8])
    i, f = synthetic_fi(sat, cur, rng, rel_jitter=0.005)
    with quiet():
        choice = select_model(i, f, v_th=P.v_th, v_reset=P.v_reset)
    assert choice.chosen.model == "saturating", choice.reason
    assert "AICc" in choice.reason
    assert choice.chosen.estimates["i_b_A"].value == pytest.approx(sat.i_b, rel=0.05)
    i, f = synthetic_fi(P, CURRENTS, rng, rel_jitter=0.005)
    with quiet():
        choice = select_model(i, f, v_th=P.v_th, v_reset=P.v_reset)
    assert choice.chosen.model == "ideal", choice.reason


def test_bootstrap_interval_is_near_the_wald_one():
    rng = np.random.default_rng(4)
    i, f = synthetic_fi(P, CURRENTS, rng)
    fit = fit_fi_measured(i, f, v_th=P.v_th, v_reset=P.v_reset)
    with quiet():
        b = bootstrap(fit, i, f, n_boot=100, rng=rng, v_th=P.v_th, v_reset=P.v_reset)
    for k in ("tau_m_s", "rheobase_A", "t_ref_s"):
        w, bt = b.estimates[k].ci95, b.estimates[k].bootstrap_ci95
        width_w, width_b = w[1] - w[0], bt[1] - bt[0]
        assert 0.5 < width_b / width_w < 2.0, (k, w, bt)  # measured 0.8-1.1


def test_clean_fi_real_bench_faults():
    i, f = synthetic_fi(P, CURRENTS, np.random.default_rng(5), rel_jitter=0.01)
    top = np.array([i[-1] * 1.2, i[-1] * 1.5])
    i_all = np.concatenate([i, [np.nan, i[5]], top])[::-1]  # reversed rows
    f_all = np.concatenate([f, [10.0, f[5] * 1.01], [f.max() * 0.99, f.max() * 0.9]])[::-1]
    data = clean_fi(i_all, f_all)
    assert np.all(np.diff(data.i) >= 0)
    assert data.saturated.tolist() == pytest.approx(top.tolist())
    text = " ".join(data.notes)
    assert "non-finite" in text and "duplicate" in text and "saturated" in text
    assert "silent" in text  # the 0.8x rheobase point
    fit = fit_fi_measured(data.i, data.f, v_th=P.v_th, v_reset=P.v_reset)
    assert fit.estimates["tau_m_s"].value == pytest.approx(P.tau_m, rel=0.1)
    with pytest.raises(ValueError, match="negative"):
        clean_fi([1e-10, 2e-10], [1.0, -1.0])


def test_spike_trains_with_missing_spikes():
    rng = np.random.default_rng(6)
    i, t = synthetic_spikes(P, CURRENTS, rng, n_spikes=40, isi_cv=0.02, p_missing=0.15)
    data = rates_from_spikes(i, t)
    assert any("missing" in n for n in data.notes)
    true = th.rate(P, data.i)
    fire = true > 0
    # mean rate of 40 spikes with 2 % ISI jitter: ~0.3 % error; 1.5 % bound
    assert np.allclose(data.f[fire], true[fire], rtol=0.015)
    fit = fit_fi_measured(data.i, data.f, f_std=data.f_std, v_th=P.v_th, v_reset=P.v_reset)
    lo, hi = fit.estimates["tau_m_s"].ci95
    assert lo < P.tau_m < hi


def test_trace_gives_c_and_g_despite_noise_and_offset():
    rng = np.random.default_rng(7)
    t, v, i = synthetic_trace(P, [0.0, 0.6e-10, 1e-10], 0.03, rng, dt=1e-4, noise_v=2e-3,
                              offset_v=0.03)
    fit = fit_trace_measured(t, v, i)
    e = fit.estimates
    # measured: C 0.2 %, g 0.7 % off; the offset moves only the voltages
    assert e["c_mem_F"].value == pytest.approx(P.c_mem, rel=0.02)
    assert e["g_leak_S"].value == pytest.approx(P.g_leak, rel=0.02)
    assert e["v_th_V"].value == pytest.approx(P.v_th + 0.03, abs=3e-3)
    assert e["v_reset_V"].value == pytest.approx(P.v_reset + 0.03, abs=3e-3)
    assert e["t_ref_s"].value == pytest.approx(P.t_ref, rel=0.05)
    assert fit.noise_v == pytest.approx(2e-3, rel=0.2)
    t, v, i = synthetic_trace(P, [1e-10], 0.05, rng, dt=1e-4, noise_v=1e-3)
    fit = fit_trace_measured(t, v, i)
    assert any("not separable" in n for n in fit.notes)


@pytest.mark.parametrize("name, value", [("c_mem", 1.18e-12), ("g_leak", 0.85e-10),
                                         ("v_th", 0.63), ("t_ref", 2.4e-3), ("v_rest", 0.17)])
def test_attribution_names_the_parameter_that_changed(name, value):
    i = P.rheobase * np.array([1.1, 1.3, 1.6, 2, 2.5, 3, 4, 6])
    q = dataclasses.replace(P, **{name: value})
    f_meas = th.rate(q, i) * np.exp(0.01 * np.random.default_rng(8).standard_normal(i.size))
    att = attribute_difference(P, i, f_meas, th.rate(P, i))
    assert att.best.name == name, att.sentence
    true = value / getattr(P, name) - 1 if name in ("c_mem", "g_leak", "t_ref") \
        else value - getattr(P, name)
    assert att.best.change == pytest.approx(true, rel=0.25)
    assert att.best.explained > 0.9


def test_population_same_spread_passes_and_doubled_spread_is_flagged():
    rng = np.random.default_rng(9)
    mc = {"tau_m_s": rng.normal(10e-3, 0.3e-3, 200), "rate_Hz_i0": rng.normal(100, 2.4, 200)}
    se = {k: np.full(32, 0.3 * np.std(v)) for k, v in mc.items()}  # fit error 30 % of sd
    same = {k: rng.normal(np.mean(v), np.hypot(np.std(v), se[k][0]), 32) for k, v in mc.items()}
    c = compare_population(same, mc, se)
    assert not c.different, c.verdict
    double = {k: rng.normal(np.mean(v), np.hypot(2 * np.std(v), se[k][0]), 32)
              for k, v in mc.items()}
    c = compare_population(double, mc, se)
    assert set(c.spread_larger) == {"tau_m_s", "rate_Hz_i0"}, c.verdict
    assert "underestimates" in c.verdict
    q = c.quantities["tau_m_s"]
    assert 1.4 < q.std_ratio < 3.0  # 2 drawn
    # a fit error 3x the mismatch spread: the spread is reported, not tested
    se["tau_m_s"] = np.full(32, 3 * np.std(mc["tau_m_s"]))
    double["tau_m_s"] = rng.normal(10e-3, np.hypot(0.6e-3, se["tau_m_s"][0]), 32)
    c = compare_population(double, mc, se)
    assert not c.quantities["tau_m_s"].spread_testable
    assert "tau_m_s" not in c.spread_larger and "not tested" in c.verdict


def test_trace_intervals_cover_the_truth():
    """30 traces (2 mV noise, 25 mV offset, 10 kHz): each window's start is a fitted
    nuisance parameter, so the intervals of C, g, tau_m and t_ref hold the truth in >= 25/30
    draws (P(X <= 24) = 0.2 % for a true 95 % interval; measured 0.97-1.0)."""
    rng = np.random.default_rng(30)
    truth = {"c_mem_F": P.c_mem, "g_leak_S": P.g_leak, "tau_m_s": P.tau_m,
             "t_ref_s": P.t_ref, "v_th_V": P.v_th + 0.025, "v_reset_V": P.v_reset + 0.025}
    hits = dict.fromkeys(truth, 0)
    for _ in range(30):
        t, v, i = synthetic_trace(P, [0.0, 0.6e-10, 1e-10], 0.03, rng, dt=1e-4,
                                  noise_v=2e-3, offset_v=0.025)
        est = fit_trace_measured(t, v, i).estimates
        for k, val in truth.items():
            hits[k] += est[k].ci95[0] <= val <= est[k].ci95[1]
    assert min(hits.values()) >= 25, hits
