"""LeakCurve.i_b_through: the saturating LIF's rheobase is the swept leak at threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lifspice.analysis.extract import leak_curve

V = np.linspace(0.0, 1.2, 1201)


def test_recovers_a_tanh_leak():
    i = 30e-12 * np.tanh((V - 0.5) / 0.08)
    leak = leak_curve(V, i)
    # slope_at over +-5 mV reads g 0.01 % low: i_b within 0.1 %
    assert leak.i_b_through(0.7) == pytest.approx(30e-12, rel=1e-3)


def test_passes_through_an_asymmetric_leak_that_keeps_rising():
    # the OTA's output conductance: +10 % per volt past the knee, a weaker negative side
    i = np.where(V > 0.5, 30e-12 * np.tanh((V - 0.5) / 0.08) * (1 + 0.1 * (V - 0.5)),
                 20e-12 * np.tanh((V - 0.5) / (0.08 * 2 / 3)))
    leak = leak_curve(V, i)
    for v_th in (0.6, 0.8, 1.1):
        i_b = leak.i_b_through(v_th)
        model = i_b * math.tanh((v_th - leak.v_rest) * leak.g_m / i_b)
        assert model == pytest.approx(float(leak.current(v_th)), rel=1e-9)
    # the mean saturation current misses it by 18 % at 1.1 V
    assert leak.i_b * math.tanh(0.6 / leak.v_lin) < 0.85 * float(leak.current(1.1))


def test_linear_leak_and_threshold_below_rest_keep_the_mean_saturation():
    linear = leak_curve(V, 1e-9 * (V - 0.5))
    assert linear.i_b_through(0.9) == linear.i_b
    tanh = leak_curve(V, 30e-12 * np.tanh((V - 0.5) / 0.08))
    assert tanh.i_b_through(0.4) == tanh.i_b
