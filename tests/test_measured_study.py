"""The issue's acceptance figure for the intervals, at full size (slow, ~30 s): over 200
seeded synthetic F-I curves (14 currents, 2 % lognormal rate jitter) the 95 % interval of
every quantity holds the true value in 90-99 % of draws (a true 95 % interval falls outside
[0.90, 0.99] with probability 0.16 %, binomial n = 200). The population test's power and
false-alarm rate are measured by benchmarks/measured_study.py (numbers in docs/measured.md)."""

from __future__ import annotations

import numpy as np
import pytest

from lifspice.analysis.measured.study import coverage
from lifspice.circuits.params import LifParams

pytestmark = pytest.mark.slow

P = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=2e-3)
FACTORS = np.array([0.8, 1.05, 1.1, 1.2, 1.35, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8])


def test_coverage_200_draws():
    cov = coverage(P, P.rheobase * FACTORS, 200, np.random.default_rng(200))["wald"]
    # measured (seed 200): 0.93-0.96 for the 7 quantities
    for k, c in cov.items():
        assert 0.90 <= c <= 0.99, (k, c)


def test_coverage_with_few_points_and_more_jitter():
    """8 currents, 5 % jitter, 4 degrees of freedom: the Wald intervals start to undercover
    (measured, seed 201: tau_m 0.895, rheobase 0.87, i_swing 0.91, t_ref 0.94, C 0.91,
    g 0.91, v_rest 0.87; the curve is nonlinear near the rheobase). The bound holds that
    figure, 0.85 (docs/measured.md says to add points or read the bootstrap interval)."""
    cov = coverage(P, P.rheobase * FACTORS[[1, 2, 4, 6, 8, 10, 12, 13]], 200,
                   np.random.default_rng(201), rel_jitter=0.05)["wald"]
    for k, c in cov.items():
        assert 0.85 <= c <= 0.99, (k, c)
