"""Property-based: extraction on synthetic traces whose answers are known exactly (spike
times, rates, reset pulses, the membrane at firing, the step response's tau_m, the leak's
g_m, v_rest and saturation current), sampled on random, uneven time grids."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifspice.analysis import extract


def examples(ci: int, long: int) -> int:
    """Examples per test: ``ci`` by default, ``long`` under HYPOTHESIS_PROFILE=long."""
    return long if os.environ.get("HYPOTHESIS_PROFILE") == "long" else ci


@st.composite
def pulse_trains(draw):
    """(period s, width s, edge s, first start s, count, time scale s, sampling seed): a
    train of trapezoid pulses 0 -> 1 with linear edges."""
    scale = 10 ** draw(st.floats(-9, 1))
    period = scale
    width = period * draw(st.floats(0.05, 0.6))
    edge = width * draw(st.floats(1e-4, 0.2))
    start = period * draw(st.floats(0.1, 1.0))
    count = draw(st.integers(2, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    return period, width, edge, start, count, seed


def _trapezoids(period, width, edge, start, count, seed):
    """Breakpoints of the train, the trace sampled on a random grid holding them (so linear
    interpolation is exact), and the up and down crossing times of 0.5."""
    rng = np.random.default_rng(seed)
    t_stop = start + count * period
    corners_t, corners_x = [0.0], [0.0]
    up, down = [], []
    for k in range(count):
        a = start + k * period
        corners_t += [a, a + edge, a + edge + width, a + 2 * edge + width]
        corners_x += [0.0, 1.0, 1.0, 0.0]
        up.append(a + 0.5 * edge)
        down.append(a + 1.5 * edge + width)
    corners_t.append(t_stop)
    corners_x.append(0.0)
    t = np.unique(np.concatenate([corners_t, np.sort(rng.uniform(0, t_stop, 400))]))
    return t, np.interp(t, corners_t, corners_x), np.array(up), np.array(down)


@settings(max_examples=examples(40, 2000))
@given(train=pulse_trains())
def test_spike_times_and_rate_of_a_pulse_train(train):
    period = train[0]
    t, x, up, _ = _trapezoids(*train)
    spikes = extract.spike_times(t, x, 0.5)
    np.testing.assert_allclose(spikes, up, rtol=0, atol=1e-9 * period)
    assert extract.steady_isi(spikes) == pytest.approx(period, rel=1e-9)
    assert extract.firing_rate(spikes) == pytest.approx(1 / period, rel=1e-9)


@settings(max_examples=examples(40, 2000))
@given(train=pulse_trains())
def test_reset_pulses_start_and_width(train):
    period, width, edge = train[:3]
    t, x, up, down = _trapezoids(*train)
    pulses = extract.reset_pulses(t, x, 0.5)
    np.testing.assert_allclose(pulses.start, up, rtol=0, atol=1e-9 * period)
    np.testing.assert_allclose(pulses.width, width + edge, rtol=1e-7)


@settings(max_examples=examples(40, 2000))
@given(train=pulse_trains(), v_th=st.floats(-1, 2), swing=st.floats(1e-3, 3))
def test_membrane_at_firing_and_reset_of_a_sawtooth(train, v_th, swing):
    """A sawtooth membrane that climbs to v_th, falls to v_th - swing while a reset pulse
    (the trapezoids) is on, and is read at each spike: v_th and the reset voltage."""
    period, width, edge, start, count, seed = train
    t, gate, up, _ = _trapezoids(*train)
    v_reset = v_th - swing
    # climbs linearly between pulses, held at v_reset while the gate is up
    phase = np.interp(t, np.concatenate([[0.0], up + 0.5 * edge]),
                      np.arange(up.size + 1, dtype=float))
    frac = phase - np.floor(phase)
    held = gate > 0.5
    v = np.where(held, v_reset, v_reset + swing * np.minimum(1.0, frac / 0.999))
    spikes = extract.spike_times(t, gate, 0.5)
    v_fire = extract.threshold_at_spikes(t, v, spikes)
    assert np.all(v_fire <= v_th + 1e-12)
    assert np.all(v_fire >= v_reset - 1e-12)
    pulses = extract.reset_pulses(t, gate, 0.5)
    np.testing.assert_allclose(extract.reset_voltage(t, v, pulses), v_reset, atol=1e-12)


@settings(max_examples=examples(30, 1000))
@given(tau=st.floats(-9, 1), v0=st.floats(-1, 2), dv=st.floats(1e-3, 1),
       sign=st.sampled_from([-1.0, 1.0]), seed=st.integers(0, 2**32 - 1))
def test_step_response_tau_recovered(tau, v0, dv, sign, seed):
    tau = 10 ** tau
    rng = np.random.default_rng(seed)
    t0 = 0.5 * tau
    t = np.unique(np.concatenate([np.linspace(0, t0 + 8 * tau, 600),
                                  rng.uniform(0, t0 + 8 * tau, 200)]))
    v_inf = v0 + sign * dv
    v = np.where(t <= t0, v0, v_inf + (v0 - v_inf) * np.exp(-(t - t0) / tau))
    fit = extract.fit_step_response(t, v, t0)
    assert fit.tau == pytest.approx(tau, rel=1e-6)  # exact data: the fit's own tolerance
    assert fit.v_inf == pytest.approx(v_inf, abs=1e-5 * dv)  # long run: 1.2e-6 dv


@settings(max_examples=examples(30, 1000))
@given(v_rest=st.floats(-1, 2), g=st.floats(-12, -6), v_lin=st.floats(-2.5, 0.5))
def test_leak_curve_of_a_tanh_leak(v_rest, g, v_lin):
    """The kit's DC sweep of a tanh leak: v_rest, g_m and i_b recovered (the sweep spans
    4.5 linear ranges each side at v_lin / 200 steps, as the behavioral bench's does)."""
    g, v_lin = 10 ** g, 10 ** v_lin
    i_b = g * v_lin
    v = np.arange(v_rest - 4.5 * v_lin, v_rest + 4.5 * v_lin, v_lin / 200)
    leak = extract.leak_curve(v, i_b * np.tanh((v - v_rest) / v_lin))
    assert leak.v_rest == pytest.approx(v_rest, abs=1e-6 * v_lin)
    assert leak.g_m == pytest.approx(g, rel=1e-3)  # the slope over +-5 steps: ~1e-4
    assert leak.i_b == pytest.approx(i_b * math.tanh(4.5), rel=1e-2)
