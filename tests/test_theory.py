"""LIF theory checked against an independent method: solve_ivp with events, or algebra."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from lifspice.analysis import theory as th
from lifspice.analysis.theory import saturating as ths
from lifspice.circuits.params import LifParams, ParameterError, SaturatingLifParams
from lifspice.circuits.stimulus import PulseTrain, Pwl

P = LifParams(c_mem=1e-12, g_leak=1e-9, v_rest=0.3, v_th=0.8, v_reset=0.2, t_ref=1e-4)
SP = SaturatingLifParams(
    c_mem=1e-12, g_leak=1e-9, v_rest=0.3, v_th=0.8, v_reset=0.2, t_ref=1e-4, i_b=0.3e-9
)
SPONT = LifParams(c_mem=2e-12, g_leak=1e-9, v_rest=0.9, v_th=0.8, v_reset=0.2, t_ref=5e-5)


def ideal_rhs(p, current):
    return lambda t, y: [(-p.g_leak * (y[0] - p.v_rest) + current(t)) / p.c_mem]


def saturating_rhs(p, current):
    def rhs(t, y):
        return [(current(t) - p.i_b * math.tanh((y[0] - p.v_rest) / p.v_lin)) / p.c_mem]

    return rhs


def reference_spikes(p, rhs, t_stop, knots=(), v0=None):
    """Spike times by solve_ivp + events (rtol 1e-11), restarted at input breakpoints."""
    stops = sorted({k for k in knots if 0 < k < t_stop} | {t_stop})
    t, v, spikes = 0.0, p.v_rest if v0 is None else v0, []

    def hit(t, y):
        return y[0] - p.v_th

    hit.terminal, hit.direction = True, 1
    for t1 in stops:
        while t < t1:
            sol = solve_ivp(rhs, (t, t1), [v], method="DOP853", rtol=1e-11, atol=1e-15, events=hit)
            if sol.t_events[0].size:
                spikes.append(sol.t_events[0][0])
                t, v = spikes[-1] + p.t_ref, p.v_reset
            else:
                t, v = t1, sol.y[0, -1]
    return np.array(spikes)


@pytest.mark.parametrize("factor", [1.02, 1.5, 4.0, 20.0])
def test_isi_closed_form_matches_solve_ivp(factor):
    i = factor * th.rheobase(P)
    spikes = reference_spikes(P, ideal_rhs(P, lambda t: i), 3.5 * th.isi(P, i), v0=P.v_reset)
    assert spikes.size >= 3
    # measured 8.7e-11 (solve_ivp rtol 1e-11)
    assert spikes[0] == pytest.approx(th.isi(P, i) - P.t_ref, rel=5e-10)
    np.testing.assert_allclose(np.diff(spikes), th.isi(P, i), rtol=5e-10)  # measured 8.5e-11


def test_no_spikes_below_rheobase():
    i = 0.98 * th.rheobase(P)
    assert th.rate(P, i) == 0.0 and th.isi(P, i) == math.inf
    assert th.rate(P, th.rheobase(P)) == 0.0
    trace = th.simulate(P, [0.0], [i], 50 * P.tau_m)
    assert trace.spikes.size == 0
    # the membrane approaches but never reaches threshold
    v_end = trace.v(np.array([50 * P.tau_m]))[0]
    assert v_end == pytest.approx(P.v_rest + i / P.g_leak, rel=1e-12)


def test_fi_monotone_and_bounded_by_refractory():
    i = np.linspace(0, 50, 2001) * th.rheobase(P)
    f = th.rate(P, i)
    above = i > th.rheobase(P)
    assert np.all(f[~above] == 0)
    assert np.all(np.diff(f[above]) > 0)
    assert np.all(f < 1 / P.t_ref)


def test_current_for_rate_inverts_rate():
    i = np.geomspace(1.001, 100, 50) * th.rheobase(P)
    np.testing.assert_allclose(th.current_for_rate(P, th.rate(P, i)), i, rtol=1e-10)
    assert th.current_for_rate(P, 0.0) == pytest.approx(th.rheobase(P), rel=1e-15)
    assert isinstance(th.current_for_rate(P, 100.0), float)


@pytest.mark.parametrize("bad", [-1.0, math.nan, 1 / P.t_ref, 2 / P.t_ref])
def test_current_for_rate_rejects_bad_rates(bad):
    with pytest.raises(ParameterError):
        th.current_for_rate(P, bad)


def test_bad_inputs_raise():
    with pytest.raises(ParameterError):
        th.isi(P, math.nan)
    with pytest.raises(ParameterError):
        th.simulate(P, [0.0, 2e-3, 1e-3], [0, 1e-9, 1e-9], 5e-3)  # times going backwards
    with pytest.raises(ParameterError):
        th.simulate(P, [0.0], [1e-9], -1.0)
    with pytest.raises(ParameterError):
        ths.isi_saturating(P, 1e-9)  # needs SaturatingLifParams
    with pytest.raises(ValueError):
        th.simulate(P, [0.0], [1e-9], 1e-3).v(np.array([2e-3]))


def test_membrane_matches_solve_ivp():
    i, t = 0.7e-9, np.linspace(0, 5 * P.tau_m, 11)
    sol = solve_ivp(
        ideal_rhs(P, lambda _: i),
        (0, t[-1]),
        [0.1],
        t_eval=t,
        rtol=1e-12,
        atol=1e-15,
        method="DOP853",
    )
    # measured 5.2e-13 (solve_ivp rtol 1e-12)
    np.testing.assert_allclose(th.membrane(P, 0.1, i, t), sol.y[0], rtol=3e-12)


def test_simulate_dc_matches_closed_form():
    i = 2.5 * th.rheobase(P)
    trace = th.simulate(P, [0.0], [i], 20 * P.tau_m)
    assert trace.spikes[0] == pytest.approx(th.first_spike_time(P, i), rel=1e-12)
    np.testing.assert_allclose(trace.isis, th.isi(P, i), rtol=1e-10)
    # V is held at reset during t_ref and exact in between
    s0 = trace.spikes[0]
    np.testing.assert_allclose(trace.v(s0 + np.array([0.0, 0.5, 1.0]) * P.t_ref), P.v_reset)
    dt = 0.3 * P.tau_m
    assert trace.v(np.array([s0 + P.t_ref + dt]))[0] == pytest.approx(
        th.membrane(P, P.v_reset, i, dt), rel=1e-12
    )


@pytest.mark.parametrize(
    "stim",
    [
        Pwl((0.0, 2e-3, 8e-3), (0.0, 0.0, 3e-9)),  # ramp through rheobase
        PulseTrain(0.2e-9, 2e-9, 0.5e-3, 1.3e-3, 3e-3, t_edge=0.2e-3),
    ],
)
def test_simulate_pwl_matches_solve_ivp(stim):
    t_stop = 10e-3
    t_pwl, i_pwl = stim.pwl(t_stop)
    trace = th.simulate(P, t_pwl, i_pwl, t_stop)
    ref = reference_spikes(P, ideal_rhs(P, lambda t: np.interp(t, t_pwl, i_pwl)), t_stop, t_pwl)
    assert trace.spikes.size == ref.size > 3
    np.testing.assert_allclose(trace.spikes, ref, rtol=0, atol=6e-14)  # measured 1.2e-14 s


def test_crossing_and_return_within_one_segment_is_found():
    # Input above rheobase at t = 0 falling steeply: V peaks inside the segment. Endpoint
    # signs are both below threshold, so only bracketing at the extremum finds the spike.
    tp, ip = [0.0, 2e-3], [1.5e-9, -3e-9]
    v0 = 0.78
    vm = th.membrane_pwl(P, tp, ip, np.linspace(0, 2e-3, 4001), v0=v0)
    assert vm[-1] < P.v_th < vm.max()
    trace = th.simulate(P, tp, ip, 2e-3, v0=v0)
    ref = reference_spikes(P, ideal_rhs(P, lambda t: np.interp(t, tp, ip)), 2e-3, v0=v0)
    assert trace.spikes.size == ref.size == 1
    assert trace.spikes[0] == pytest.approx(ref[0], abs=1e-12)
    # from a lower start V peaks 1e-5 V below threshold (found by bisection on a fine
    # grid): a grazing trajectory that must not spike
    grid = np.linspace(0, 2e-3, 40001)
    lo, hi = 0.3, v0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        peak = th.membrane_pwl(P, tp, ip, grid, v0=mid).max()
        lo, hi = (mid, hi) if peak < P.v_th - 1e-5 else (lo, mid)
    assert th.simulate(P, tp, ip, 2e-3, v0=lo).spikes.size == 0
    assert th.simulate(P, tp, ip, 2e-3, v0=lo + 2e-5).spikes.size == 1


def test_membrane_pwl_matches_solve_ivp():
    tp, ip = [0.0, 1e-3, 1e-3, 3e-3], [0.0, 0.4e-9, -0.2e-9, 0.3e-9]  # includes a jump
    t = np.linspace(0.5e-3, 4e-3, 15)
    sol = solve_ivp(
        ideal_rhs(P, lambda s: np.interp(s, tp, ip) if s != 1e-3 else 0.4e-9),
        (0.5e-3, 4e-3),
        [0.25],
        t_eval=t,
        rtol=1e-12,
        atol=1e-15,
        method="DOP853",
        max_step=1e-5,
    )
    np.testing.assert_allclose(
        th.membrane_pwl(P, tp, ip, t, v0=0.25, t0=0.5e-3), sol.y[0], rtol=1e-10  # measured 1.9e-11
    )


def test_spontaneous_neuron_fires_without_input():
    expected = 1 / (SPONT.tau_m * math.log((0.9 - 0.2) / (0.9 - 0.8)) + SPONT.t_ref)
    assert th.rate(SPONT, 0.0) == pytest.approx(expected, rel=1e-12)
    trace = th.simulate(SPONT, [0.0], [0.0], 20 * SPONT.tau_m)
    assert trace.spikes[0] == 0.0  # starts at v_rest, above threshold
    np.testing.assert_allclose(1 / trace.isis, expected, rtol=1e-10)
    rh = th.rheobase(SPONT)
    assert rh < 0
    assert th.rate(SPONT, 0.5 * rh) > 0 and th.rate(SPONT, 1.01 * rh) == 0


# ---------------------------------------------------------------- saturating leak


def test_saturating_quadrature_matches_closed_form():
    rh = ths.rheobase_saturating(SP)
    i = np.r_[np.array([1.01, 1.1, 2, 5, 30, 1e3]) * rh, SP.i_b * np.array([1 - 1e-9, 1, 1 + 1e-9])]
    quad = ths.isi_saturating(SP, i, method="quadrature")
    closed = ths.isi_saturating(SP, i, method="closed")
    np.testing.assert_allclose(closed, quad, rtol=1e-9)
    # a = b has an elementary integral: (e^{2x}/4 + x/2) / i_b
    x0, x1 = (SP.v_reset - SP.v_rest) / SP.v_lin, (SP.v_th - SP.v_rest) / SP.v_lin
    exact = (
        SP.c_mem * SP.v_lin / SP.i_b * ((math.exp(2 * x1) - math.exp(2 * x0)) / 4 + (x1 - x0) / 2)
        + SP.t_ref
    )
    assert ths.isi_saturating(SP, SP.i_b, method="closed") == pytest.approx(exact, rel=1e-13)


def test_saturating_strongly_saturated_closed_vs_quadrature():
    p = SaturatingLifParams(
        c_mem=1e-12, g_leak=2e-9, v_rest=0.0, v_th=0.8, v_reset=-0.5, i_b=1e-10
    )  # swing 16 v_lin
    i = p.i_b * np.array([1 - 1e-3, 1 + 1e-12, 1 + 1e-3, 2.0])
    np.testing.assert_allclose(
        ths.isi_saturating(p, i, method="closed"), ths.isi_saturating(p, i), rtol=1e-9
    )


@pytest.mark.parametrize("factor", [1.05, 3.0])
def test_saturating_isi_matches_solve_ivp(factor):
    i = factor * ths.rheobase_saturating(SP)
    t_isi = ths.isi_saturating(SP, i)
    spikes = reference_spikes(SP, saturating_rhs(SP, lambda t: i), 2.5 * t_isi, v0=SP.v_reset)
    np.testing.assert_allclose(np.diff(spikes), t_isi, rtol=3e-10)  # measured 1.3e-11
    trace = ths.simulate_saturating(SP, [0.0], [i], 4.5 * t_isi, v0=SP.v_reset)
    np.testing.assert_allclose(trace.isis, t_isi, rtol=3e-10)  # measured 4.7e-11
    assert trace.spikes[0] == pytest.approx(t_isi - SP.t_ref, rel=3e-10)  # measured 5.2e-11


def test_simulate_saturating_pwl_matches_reference():
    stim = PulseTrain(0.0, 1.5e-9, 0.5e-3, 1.3e-3, 3e-3, t_edge=0.2e-3)
    t_pwl, i_pwl = stim.pwl(8e-3)
    trace = ths.simulate_saturating(SP, t_pwl, i_pwl, 8e-3)
    ref = reference_spikes(
        SP, saturating_rhs(SP, lambda t: np.interp(t, t_pwl, i_pwl)), 8e-3, t_pwl
    )
    assert trace.spikes.size == ref.size > 3
    np.testing.assert_allclose(trace.spikes, ref, rtol=0, atol=5e-13)  # measured 1.1e-13 s
    t = np.linspace(0.1e-3, 0.99 * trace.spikes[0], 7)  # before the first spike
    # measured 3.2e-11
    np.testing.assert_allclose(
        trace.v(t), ths.membrane_pwl_saturating(SP, t_pwl, i_pwl, t), rtol=1.5e-10
    )


def test_saturating_no_spikes_below_rheobase():
    i = 0.98 * ths.rheobase_saturating(SP)
    assert ths.rate_saturating(SP, i) == 0.0
    assert ths.simulate_saturating(SP, [0.0], [i], 50 * SP.tau_m).spikes.size == 0


def test_saturating_tends_to_ideal_for_wide_linear_range():
    swing = P.swing
    p = SaturatingLifParams(**P.as_dict(), i_b=20 * swing * P.g_leak)  # v_lin = 20 x swing
    i = np.linspace(1.5, 20, 30) * th.rheobase(P)
    # measured 3.7e-4
    np.testing.assert_allclose(ths.rate_saturating(p, i), th.rate(P, i), rtol=1.5e-3)
    dev = ths.saturation_deviation(p, i)
    assert dev.max_abs_rel_rate_diff < 5e-3
    assert dev.rheobase_ratio == pytest.approx(1.0, abs=1e-3)


def test_saturation_deviation_of_a_saturating_neuron():
    dev = ths.saturation_deviation(SP, np.linspace(0.1e-9, 5e-9, 20))
    y = (SP.v_th - SP.v_rest) / SP.v_lin
    assert dev.rheobase_ratio == pytest.approx(math.tanh(y) / y, rel=1e-12)
    assert dev.rheobase_saturating == pytest.approx(dev.rheobase_ratio * dev.rheobase_ideal)
    # a capped leak is weaker: wherever the ideal neuron fires, the saturating one fires faster
    ok = ~np.isnan(dev.rel_rate_diff)
    assert np.all(dev.rel_rate_diff[ok] > 0) and dev.max_abs_rel_rate_diff > 0.01
    assert "rheobase" in dev.describe()
    assert dev.to_dict()["rel_rate_diff"][0] is None  # below ideal rheobase: NaN -> None


def test_spontaneous_saturating_neuron():
    p = SaturatingLifParams(**SPONT.as_dict(), i_b=0.2e-9)
    rh = ths.rheobase_saturating(p)
    assert rh < 0
    f0 = ths.rate_saturating(p, 0.0)
    assert f0 > 0
    assert f0 == pytest.approx(ths.rate_saturating(p, 0.0, method="quadrature"), rel=1e-9)
    trace = ths.simulate_saturating(p, [0.0], [0.0], 4 / f0)
    np.testing.assert_allclose(1 / trace.isis, f0, rtol=3e-10)  # measured 6.5e-11


def test_saturating_names_are_reexported_from_theory():
    assert th.isi_saturating is ths.isi_saturating
    assert th.SaturationDeviation is ths.SaturationDeviation
    with pytest.raises(AttributeError):
        th.no_such_function  # noqa: B018
