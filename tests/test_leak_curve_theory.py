"""The LIF with a swept leak curve against closed forms (pure, no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from lifspice.analysis.extract import ComparatorDelay
from lifspice.analysis.theory import isi, rate_with_delay
from lifspice.analysis.theory.leak_curve import isi_leak_curve, rate_leak_curve
from lifspice.analysis.theory.saturating import isi_saturating
from lifspice.circuits.params import LifParams, SaturatingLifParams

P = SaturatingLifParams(c_mem=1e-12, g_leak=1e-9, v_rest=0.5, v_th=0.9, v_reset=0.3,
                        t_ref=1e-4, i_b=50e-12)


def test_linear_leak_is_exact_on_a_coarse_sweep():
    """A linear leak is linear between any two points: 7 sweep points give the textbook
    ISI to rounding."""
    lif = LifParams(c_mem=1e-12, g_leak=1e-9, v_rest=0.5, v_th=0.9, v_reset=0.3, t_ref=1e-4)
    v = np.linspace(0.0, 1.2, 7)
    cur = np.array([0.41e-9, 0.5e-9, 3e-9])
    got = isi_leak_curve(v, 1e-9 * (v - 0.5), c_mem=1e-12, v_reset=0.3, v_th=0.9,
                         t_ref=1e-4, i=cur)
    np.testing.assert_allclose(got, isi(lif, cur), rtol=1e-10)


def test_tanh_leak_against_the_closed_form():
    """A 1 mV sweep of the tanh leak: the piecewise-linear curve's ISI within 1e-4 of the
    saturating closed form from 1.01x rheobase up (measured 4e-10 .. 1.2e-5)."""
    v = np.arange(0.0, 1.2, 1e-3)
    leak = P.i_b * np.tanh((v - P.v_rest) / P.v_lin)
    cur = P.rheobase * np.array([1.01, 1.05, 1.2, 2, 10, 100])
    got = isi_leak_curve(v, leak, c_mem=P.c_mem, v_reset=P.v_reset, v_th=P.v_th,
                         t_ref=P.t_ref, i=cur)
    np.testing.assert_allclose(got, isi_saturating(P, cur, method="closed"), rtol=1e-4)


def test_silent_up_to_the_largest_leak_of_the_climb():
    """A leak with a hump inside the climb: silent until the input passes its top, not the
    leak at v_th."""
    v = np.array([0.0, 0.3, 0.6, 0.9, 1.2])
    leak = np.array([-1e-11, 0.0, 4e-11, 3e-11, 5e-11])
    got = isi_leak_curve(v, leak, c_mem=1e-12, v_reset=0.3, v_th=0.9, t_ref=0.0,
                         i=np.array([3.5e-11, 3.99e-11, 4.01e-11]))
    assert np.isinf(got[:2]).all() and np.isfinite(got[2])


def test_rate_with_the_comparator_delay_and_the_fallback():
    comp = ComparatorDelay(v_trip=P.v_th, gain=1e-4, exponent=0.6, rms_residual=0.0, n=6)
    v = np.arange(0.0, 1.2, 1e-3)
    leak = P.i_b * np.tanh((v - P.v_rest) / P.v_lin)
    cur = P.rheobase * np.array([0.9, 1.2, 5.0, 50.0])
    np.testing.assert_allclose(rate_leak_curve(v, leak, P, comp, cur),
                               rate_with_delay(P, comp, cur), rtol=1e-4)
    # a sweep that stops below v_th: the saturating LIF stands in, exactly
    short = v < 0.8
    np.testing.assert_array_equal(rate_leak_curve(v[short], leak[short], P, comp, cur),
                                  rate_with_delay(P, comp, cur))


def test_refuses_a_curve_that_does_not_cover_the_climb():
    with pytest.raises(ValueError, match="does not cover"):
        isi_leak_curve([0.4, 1.0], [0.0, 1e-11], c_mem=1e-12, v_reset=0.3, v_th=0.9,
                       t_ref=0.0, i=1e-10)
