"""Property-based: the LIF theory (closed form, saturating closed form and quadrature) against
``scipy.integrate.solve_ivp`` with events, on random designs and inputs over the design space
of the issue (C 10 fF..10 nF, g 1 pS..1 uS, voltages in -1..+2 V, t_ref 0..10 tau_m, linear
ranges from a thirtieth of the swing to ten times it, spontaneous designs included).

Runs in the ``ci`` hypothesis profile (tests/conftest.py) with the counts below;
``HYPOTHESIS_PROFILE=long`` runs many more, freshly drawn.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings, target
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from lifspice.analysis import theory
from lifspice.circuits.params import LifParams, SaturatingLifParams


def examples(ci: int, long: int) -> int:
    """Examples per test: ``ci`` by default, ``long`` under HYPOTHESIS_PROFILE=long."""
    return long if os.environ.get("HYPOTHESIS_PROFILE") == "long" else ci


@st.composite
def designs(draw, saturating: bool = True) -> SaturatingLifParams:
    """A random design: log-uniform C and g with tau_m in 1 us..10 s, voltages in -1..+2 V
    with v_th at least 1 mV above v_reset, t_ref 0 (a third of the time) or up to 10 tau_m,
    v_lin from 1/30 to 10x the swing."""
    c = 10 ** draw(st.floats(-14, -8))
    g = 10 ** draw(st.floats(-12, -6))
    assume(1e-6 <= c / g <= 10)
    v_reset = draw(st.floats(-1.0, 1.99))
    v_th = draw(st.floats(v_reset + 1e-3, 2.0))
    v_rest = draw(st.floats(-1.0, 2.0))
    t_ref = draw(st.sampled_from([0.0, 1.0])) * (c / g) * 10 ** draw(st.floats(-4, 1))
    swing = max(abs(v_th - v_rest), abs(v_reset - v_rest), 1e-3)
    v_lin = swing * 10 ** draw(st.floats(-1.5, 1.0)) if saturating else 1e3 * swing
    return SaturatingLifParams(c_mem=c, g_leak=g, v_rest=v_rest, v_th=v_th, v_reset=v_reset,
                               t_ref=t_ref, i_b=g * v_lin)


def _signed_rheobase(p: SaturatingLifParams) -> float:
    return theory.rheobase_saturating(p)


def _current(p: SaturatingLifParams, x: float) -> float:
    """Input above the signed rheobase by x times g (v_th - v_reset) (the current that moves
    the membrane's fixed point by x swings)."""
    return _signed_rheobase(p) + x * p.g_leak * (p.v_th - p.v_reset)


def _isi_ivp(p: SaturatingLifParams, i: float, leak) -> float:
    """Time from v_reset to v_th by solve_ivp (DOP853, rtol 1e-11) in units of tau_m with
    the membrane scaled to the swing, plus t_ref, s."""
    dv = p.v_th - p.v_reset

    def rhs(s, u):  # s = t / tau_m, u = (V - v_reset) / dv
        v = p.v_reset + u[0] * dv
        return [(i - leak(v)) / (p.g_leak * dv)]

    def hit(s, u):
        return u[0] - 1.0

    hit.terminal, hit.direction = True, 1
    # the ISI is at most ~tau_m (swing / overdrive) and ~tau_m ln(...) near rheobase
    s_end = 1e3
    sol = solve_ivp(rhs, (0.0, s_end), [0.0], method="DOP853", rtol=1e-11, atol=1e-13,
                    events=hit)
    if not sol.t_events[0].size:
        return math.inf
    return float(sol.t_events[0][0]) * p.tau_m + p.t_ref


@settings(max_examples=examples(40, 1000))
@given(p=designs(saturating=False), x=st.floats(-4, 3))
def test_ideal_isi_matches_solve_ivp(p, x):
    ideal = p.ideal()
    i = theory.rheobase(ideal) + 10 ** x * p.g_leak * (p.v_th - p.v_reset)
    expect = _isi_ivp(p, i, lambda v: p.g_leak * (v - p.v_rest))
    assume(math.isfinite(expect))  # an ISI over 1e3 tau_m: too close to rheobase to judge
    got = theory.isi(ideal, i)
    target(abs(got / expect - 1), label="ideal ISI vs solve_ivp")
    assert got == pytest.approx(expect, rel=5e-8)  # worst of 1000 (long run): 5.7e-9


@settings(max_examples=examples(40, 1000))
@given(p=designs(), x=st.floats(-4, 3))
def test_saturating_isi_closed_and_quadrature_match_solve_ivp(p, x):
    i = _current(p, 10 ** x)
    expect = _isi_ivp(p, i, lambda v: p.i_b * math.tanh((v - p.v_rest) / p.v_lin))
    assume(math.isfinite(expect))
    quad = theory.isi_saturating(p, i, method="quadrature")
    closed = theory.isi_saturating(p, i, method="closed")
    target(abs(quad / expect - 1), label="saturating quadrature vs solve_ivp")
    target(abs(closed / expect - 1), label="saturating closed form vs solve_ivp")
    assert quad == pytest.approx(expect, rel=5e-8)  # worst of 1000 (long run): 4.6e-9
    assert closed == pytest.approx(expect, rel=5e-8)  # worst of 1000 (long run): 4.6e-9


@settings(max_examples=examples(40, 1000))
@given(p=designs(), x=st.floats(1e-6, 1.0))
def test_silent_at_and_below_rheobase(p, x):
    """At or below the (signed) rheobase the membrane settles below threshold: no ISI."""
    i = _signed_rheobase(p) - x * abs(p.g_leak * (p.v_th - p.v_reset))
    assert theory.rate_saturating(p, i) == 0
    # where the leak balances the input (i < i_b: below rheobase i < i_b tanh(...))
    v_inf = p.v_rest + p.v_lin * math.atanh(i / p.i_b) if i > -p.i_b else -math.inf
    assert v_inf < p.v_th


@settings(max_examples=examples(40, 1000))
@given(p=designs())
def test_fi_monotone_and_below_one_over_t_ref(p):
    i = _current(p, np.geomspace(1e-4, 1e3, 60))
    f = np.asarray(theory.rate_saturating(p, i))
    assert np.all(f > 0)
    assert np.all(np.diff(f) >= 0)
    if p.t_ref > 0:
        assert np.all(f < 1 / p.t_ref)


def test_ideal_is_linear_limit_of_saturating():
    """Control: with v_lin a thousand swings the saturating ISI is the textbook one."""
    p = SaturatingLifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1,
                            t_ref=2e-3, i_b=1e-10 * 400)
    i = 2 * LifParams(**LifParams.as_dict(p)).rheobase
    assert theory.isi_saturating(p, i) == pytest.approx(theory.isi(p.ideal(), i), rel=1e-6)
