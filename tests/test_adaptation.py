"""Adaptive threshold: the theory (event map) against solve_ivp, and the behavioral circuit
against the theory (adapted F-I curve) with the adaptation recovered from its spikes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from lifspice.analysis import extract, theory
from lifspice.analysis.theory import adaptation as ta
from lifspice.circuits.behavioral.neuron import BehavioralNeuron, neuron_netlist
from lifspice.circuits.params import LifParams, ParameterError
from lifspice.circuits.stimulus import DC

P = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=2e-3)
DV, TAU_A = 0.05, 0.05  # V, s


def test_off_by_default_and_validation():
    plain = neuron_netlist(BehavioralNeuron(lif=P), DC(1e-10), t_stop=0.01)
    assert neuron_netlist(BehavioralNeuron(lif=P, dv_th=None), DC(1e-10), t_stop=0.01) == plain
    assert neuron_netlist(BehavioralNeuron(lif=P, dv_th=0.0, tau_a=0.1), DC(1e-10),
                          t_stop=0.01) == plain
    adapt = neuron_netlist(BehavioralNeuron(lif=P, dv_th=DV, tau_a=TAU_A), DC(1e-10),
                           t_stop=0.01)
    assert "Bath 0 ath" in adapt and "V(mem)-0.6-V(ath)" in adapt and "v(ath)=0" in adapt
    with pytest.raises(ParameterError):
        BehavioralNeuron(lif=P, dv_th=0.01)  # no tau_a
    with pytest.raises(ParameterError):
        BehavioralNeuron(lif=P, dv_th=-0.01, tau_a=0.1)


def _reference_spikes(i, t_stop):
    """solve_ivp (rtol 1e-10) of (V, a) with the threshold event; a decays through the hold
    and gains dv_th at its end."""
    def rhs(t, y):
        return [(-P.g_leak * (y[0] - P.v_rest) + i) / P.c_mem, -y[1] / TAU_A]

    def hit(t, y):
        return y[0] - P.v_th - y[1]

    hit.terminal, hit.direction = True, 1
    t, y, out = 0.0, [P.v_reset, 0.0], []
    while t < t_stop:
        sol = solve_ivp(rhs, (t, t_stop), y, events=hit, rtol=1e-10, atol=1e-13)
        if not sol.t_events[0].size:
            break
        t = float(sol.t_events[0][0])
        out.append(t)
        a = float(sol.y_events[0][0][1]) * math.exp(-P.t_ref / TAU_A) + DV
        t += P.t_ref
        y = [P.v_reset, a]
    return np.array(out)


def test_event_map_matches_solve_ivp():
    i = 1e-10
    spikes, _ = ta.adapting_spikes(P, i, DV, TAU_A, 0.3)
    ref = _reference_spikes(i, 0.3)
    assert spikes.size == ref.size > 20
    np.testing.assert_allclose(spikes, ref, atol=1e-9)
    # late ISIs converge to the steady state of the map (after 6 tau_a: within 0.1 %)
    # measured 1.4e-4
    assert 1 / np.diff(spikes)[-1] == pytest.approx(ta.adapted_rate(P, i, DV, TAU_A), rel=5e-4)


def test_adapted_rate_limits():
    i = np.array([0.9, 1.5, 3.0]) * P.rheobase
    np.testing.assert_allclose(ta.adapted_rate(P, i, 0.0, TAU_A), theory.rate(P, i), rtol=1e-10)
    f = ta.adapted_rate(P, i, DV, TAU_A)
    assert f[0] == 0 and np.all(f[1:] < theory.rate(P, i[1:])) and f[2] > f[1]


def test_fit_round_trip_on_theory():
    sp, th = ta.adapting_spikes(P, 1e-10, DV, TAU_A, 0.4)
    fit = ta.fit_adaptation(sp, th, P.t_ref)
    assert fit.success
    assert fit.dv_th == pytest.approx(DV, rel=1e-6)
    assert fit.tau_a == pytest.approx(TAU_A, rel=1e-6)
    assert fit.v_th == pytest.approx(P.v_th, abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("i", [60e-12, 100e-12, 160e-12])
def test_behavioral_adaptation_against_theory(sim, i):
    """8 tau_a of firing from v_reset.  Rates: the circuit's integrator step (ISI/200 at the
    unadapted ISI) moves each spike by ~1 step, ~0.5 %: bound 1.5 %.  The fit of the
    thresholds at the spikes (the membrane at the comparator's firing, sampled at that
    step: ~0.5 mV scatter) recovers dv_th and tau_a to ~1 %: bound 3 %."""
    n = BehavioralNeuron(lif=P, dv_th=DV, tau_a=TAU_A)
    t_stop = 8 * TAU_A
    res = sim.run(neuron_netlist(n, DC(i), t_stop=t_stop, max_step=theory.isi(P, i) / 200,
                                 v_mem0=P.v_reset), vectors=["v(mem)", "v(cmp)"])
    sp = extract.spike_times(res.time, res["v(cmp)"], 0.5)
    th = extract.threshold_at_spikes(res.time, res["v(mem)"], sp)
    f_late = 1 / np.mean(np.diff(sp)[-3:])
    assert f_late == pytest.approx(ta.adapted_rate(P, i, DV, TAU_A), rel=0.015)
    assert f_late < 0.75 * theory.rate(P, i)  # adaptation is large here, not a detail
    fit = ta.fit_adaptation(sp, th, P.t_ref)
    assert fit.success
    assert fit.dv_th == pytest.approx(DV, rel=0.03)  # measured 0.63 %
    assert fit.tau_a == pytest.approx(TAU_A, rel=0.03)  # measured 0.86 %
    assert fit.v_th == pytest.approx(P.v_th, abs=3e-3)


def test_trajectory_map_equals_closed_form_map():
    """The map on a recorded membrane (used for circuits that are not textbook LIFs) gives
    the closed-form adapted rate when fed the textbook membrane."""
    i = 1e-10
    t = np.linspace(0, 0.05, 200001)
    v = theory.membrane(P, P.v_reset, i, t)
    f = ta.adapted_rate_trajectory(t, v, P.v_th, P.t_ref, DV, TAU_A)
    assert f == pytest.approx(ta.adapted_rate(P, i, DV, TAU_A), rel=1e-6)
