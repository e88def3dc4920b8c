"""White-noise LIF theory (Siegert rate, ISI CV) against its limits and an independent
stochastic simulator (exact OU update + Brownian-bridge threshold test)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lifspice.analysis import theory
from lifspice.analysis import theory as tn
from lifspice.circuits.params import LifParams, ParameterError
from lifspice.flows.noise import cv_standard_error

P = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=1e-3)
RH = P.rheobase  # 40 pA
SQ = math.sqrt(P.g_leak * P.c_mem)  # sigma (A s^0.5) per volt of Brunel's sigma_v


def test_convention_membrane_std():
    """sigma in A s^0.5: the free membrane's std is sigma / sqrt(2 g c) (OU variance)."""
    sigma = 2e-12 * math.sqrt(1e-3)
    assert tn.membrane_std(P, sigma) == pytest.approx(sigma / math.sqrt(2 * 1e-10 * 1e-12))
    assert tn.sigma_v(P, sigma) == pytest.approx(math.sqrt(2) * tn.membrane_std(P, sigma))


@pytest.mark.parametrize("mu_over_rh", [1.05, 1.2, 2.0, 5.0])
def test_small_noise_limit_is_closed_form(mu_over_rh):
    """sigma -> 0 (sigma_v = 1 uV against a 500 mV climb) gives the deterministic F-I curve;
    the first correction is O(sigma_v^2): measured 1.9e-10 relative, bound 1e-9."""
    mu = mu_over_rh * RH
    sigma = 1e-6 * SQ
    # measured 1.9e-10
    assert tn.rate_siegert(P, mu, sigma) == pytest.approx(theory.rate(P, mu), rel=1e-9)
    assert tn.rate_siegert(P, mu, 0.0) == theory.rate(P, mu)
    # the CV is linear in sigma as sigma -> 0
    cv1, cv2 = tn.cv_siegert(P, mu, sigma), tn.cv_siegert(P, mu, 2 * sigma)
    assert 0 < cv1 < 1e-4
    assert cv2 == pytest.approx(2 * cv1, rel=2e-8)  # measured 4.1e-9


def test_small_noise_silent_below_rheobase():
    assert tn.rate_siegert(P, 0.9 * RH, 1e-6 * SQ) == 0.0
    assert math.isnan(tn.cv_siegert(P, 0.9 * RH, 1e-6 * SQ))


def test_noise_fires_below_rheobase_and_smooths_the_curve():
    mus = RH * np.linspace(0.5, 2.0, 16)
    f = tn.rate_siegert(P, mus, 0.1 * SQ)
    assert np.all(f > 0)
    assert np.all(np.diff(f) > 0)  # monotone in mu
    # more noise, more firing below rheobase
    assert tn.rate_siegert(P, 0.8 * RH, 0.2 * SQ) > tn.rate_siegert(P, 0.8 * RH, 0.1 * SQ)


def test_poisson_limit_deep_below_threshold():
    """Far below threshold (y_th = 4) without refractoriness, escapes are rare and
    memoryless: CV -> 1; t_ref can only lower it (it adds to the mean, not the variance)."""
    p0 = LifParams(**{**P.as_dict(), "t_ref": 0.0})
    assert tn.cv_siegert(p0, 0.0, 0.1 * SQ) == pytest.approx(1.0, abs=3e-6)  # measured 6.8e-7
    assert tn.cv_siegert(P, 0.0, 0.2 * SQ) < tn.cv_siegert(p0, 0.0, 0.2 * SQ)


def test_arrays_broadcast_and_bad_input():
    f = tn.rate_siegert(P, [RH, 2 * RH], 0.1 * SQ)
    assert f.shape == (2,)
    with pytest.raises(ParameterError):
        tn.rate_siegert(P, RH, -1.0)
    with pytest.raises(ParameterError):
        tn.cv_siegert(P, math.nan, 1e-13)


def test_simulator_reproducible_and_deterministic_limit():
    a = tn.simulate_noisy(P, 1.5 * RH, 0.1 * SQ, n_isi=3, n_trials=20, rng=7)
    b = tn.simulate_noisy(P, 1.5 * RH, 0.1 * SQ, n_isi=3, n_trials=20, rng=7)
    np.testing.assert_array_equal(a.isis, b.isis)
    assert a.seed == 7
    d = tn.simulate_noisy(P, 1.5 * RH, 0.0, n_isi=2, n_trials=3, rng=1)
    # no noise: every ISI is the closed form, to the linear interpolation of the crossing
    np.testing.assert_allclose(d.isis, theory.isi(P, 1.5 * RH), rtol=2e-6)  # measured 3.8e-7


# below, at and above rheobase; fluctuation- and mean-driven; CV from 0.3 to 0.75
SIM_POINTS = [(0.6, 0.3), (0.8, 0.1), (1.0, 0.1), (1.3, 0.2)]


@pytest.mark.parametrize(("mu_over_rh", "sigma_v"), SIM_POINTS)
def test_simulator_matches_siegert_rate_and_cv(mu_over_rh, sigma_v):
    """4000 independent ISIs (2000 neurons x 2, each a renewal process from reset).

    Tolerance = 4 standard errors of the estimate (rate: rate CV / sqrt(n); CV: delta
    method), so a correct simulator fails with probability ~6e-5 per check, plus the
    discretisation allowance: dt = tau/400 with the exact OU update and the bridge test
    leaves ~1 % in the rate (measured between dt = tau/400 and tau/1600) and 0.01 in CV.
    """
    mu, sigma = mu_over_rh * RH, sigma_v * SQ
    res = tn.simulate_noisy(P, mu, sigma, n_isi=2, n_trials=2000, rng=12345)
    f, cv = tn.rate_siegert(P, mu, sigma), tn.cv_siegert(P, mu, sigma)
    isis = res.isis.ravel()
    rate_se = res.rate * res.cv / math.sqrt(isis.size)
    assert abs(res.rate - f) < 4 * rate_se + 0.01 * f, (res.rate, f, rate_se)
    assert abs(res.cv - cv) < 4 * cv_standard_error(isis) + 0.01, (res.cv, cv)


def test_saturating_leak_siegert_limits():
    """General-drift first passage: equals the linear Siegert for a 100 V linear range
    (quadrature tolerance 1e-5), and the saturating closed form for vanishing noise."""
    from lifspice.analysis.theory import saturating as ts
    from lifspice.circuits.params import SaturatingLifParams

    wide = SaturatingLifParams(**P.as_dict(), i_b=P.g_leak * 100.0)
    for m, s in [(0.6, 0.3), (1.0, 0.1), (2.0, 0.02)]:
        assert tn.rate_siegert_saturating(wide, m * RH, s * SQ) == pytest.approx(
            tn.rate_siegert(P, m * RH, s * SQ), rel=2e-5)
    sat = SaturatingLifParams(**P.as_dict(), i_b=P.g_leak * 0.05)  # v_lin = 50 mV
    for m in (1.2, 2.0):
        mu = m * sat.rheobase
        assert tn.rate_siegert_saturating(sat, mu, 1e-4 * SQ) == pytest.approx(
            ts.rate_saturating(sat, mu), rel=3e-6)  # measured 7.0e-7
    # noise makes the saturating neuron fire below its (5 pA) rheobase
    below = tn.rate_siegert_saturating(sat, 0.8 * sat.rheobase, [0.03 * SQ, 0.05 * SQ])
    assert 0 < below[0] < below[1]


def test_trnoise_correlation_time_bias():
    """ngspice-style noise (samples every NT, linear in between) is white only for
    NT << tau_m: the rate falls short of Siegert by ~sqrt(NT/tau_m).  At 1.3 rheobase,
    sigma_v 0.2 V (Siegert 69.5 Hz, CV 0.44): 15-30k ISIs, so the rate's standard error is
    0.25-0.35 %; NT = tau_m/50 is 5-9 % low, NT = tau_m/400 (the kit's default) within
    -3 % .. +1 %."""
    mu, sigma = 1.3 * RH, 0.2 * SQ
    f = tn.rate_siegert(P, mu, sigma)
    coarse = tn.simulate_interpolated_noise(P, mu, sigma, P.tau_m / 50, 0.5, rng=3)
    fine = tn.simulate_interpolated_noise(P, mu, sigma, P.tau_m / 400, 0.25, rng=4)
    assert -0.09 < coarse.rate / f - 1 < -0.05
    assert -0.03 < fine.rate / f - 1 < 0.01
    assert abs(fine.cv - tn.cv_siegert(P, mu, sigma)) < 0.02
