"""Spikes and reset pulses from the membrane alone (lifspice.analysis.events), on synthetic
LIF traces with known peaks and holds, irregular sampling and noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifspice.analysis import events
from lifspice.circuits.bench import Probes

MEM_ONLY = Probes(mem="v(mem)", spike=None, spike_level=0.5, reset=None, reset_level=0.5)


def lif_trace(tau, v_inf, v_th, v_reset, t_ref, t_fall, n_spikes, rng, noise=0.0):
    """Exact LIF membrane: exponential climb to v_th, linear fall over t_fall, hold t_ref.
    Returns t, v, the peak times and the release times."""
    t_climb = tau * np.log((v_inf - v_reset) / (v_inf - v_th))
    ts, vs, peaks, releases = [], [], [], []
    t0 = 0.0
    for _ in range(n_spikes):
        tc = t0 + np.sort(rng.uniform(0, t_climb, 400))
        ts.append(tc)
        vs.append(v_inf - (v_inf - v_reset) * np.exp(-(tc - t0) / tau))
        tp = t0 + t_climb
        peaks.append(tp)
        tf = tp + np.linspace(0, t_fall, 12)[1:]
        ts.append(tf)
        vs.append(v_th - (v_th - v_reset) * (tf - tp) / t_fall)
        th = tp + t_fall + np.sort(rng.uniform(0, t_ref - t_fall, 30))
        ts.append(th)
        vs.append(np.full(th.size, v_reset))
        t0 = tp + t_ref
        releases.append(t0)
    t, v = np.concatenate(ts), np.concatenate(vs)
    v = v + noise * rng.standard_normal(v.size)
    return t, v, np.array(peaks), np.array(releases)


@given(tau=st.floats(1e-6, 1.0), ratio=st.floats(1.05, 20.0), t_ref_share=st.floats(0.02, 2.0),
       seed=st.integers(0, 2**31))
def test_membrane_events_find_peaks_and_releases(tau, ratio, t_ref_share, seed):
    rng = np.random.default_rng(seed)
    v_reset, v_th = 0.2, 0.8
    v_inf = v_reset + ratio * (v_th - v_reset)
    t_climb = tau * np.log((v_inf - v_reset) / (v_inf - v_th))
    t_ref = t_ref_share * t_climb
    t, v, peaks, releases = lif_trace(tau, v_inf, v_th, v_reset, t_ref, 0.01 * t_ref, 5, rng)
    found = events.spike_times(MEM_ONLY, t, {"v(mem)": v})
    assert found.size == 5
    # a peak is the last climb sample: within the largest climb step of the true peak
    assert np.all(np.abs(found - peaks) <= np.max(np.diff(t)) + 1e-12 * tau)
    pulses = events.reset_pulses(MEM_ONLY, t, {"v(mem)": v})
    # the last hold is cut by the end of the record
    assert pulses.stop.size == 4
    np.testing.assert_allclose(pulses.stop, releases[:4], rtol=0,
                               atol=2e-3 * t_ref + 0.2 * np.max(np.diff(t)))


def test_noisy_subthreshold_trace_has_no_spikes():
    rng = np.random.default_rng(1)
    t = np.linspace(0, 1, 5000)
    v = 0.5 - 0.3 * np.exp(-t / 0.1) + 1e-3 * rng.standard_normal(t.size)
    assert events.spike_times(MEM_ONLY, t, {"v(mem)": v}).size == 0
    assert events.reset_pulses(MEM_ONLY, t, {"v(mem)": v}).start.size == 0


def test_slow_relaxation_is_not_a_reset():
    t = np.linspace(0, 1, 2000)
    v = np.where(t < 0.5, 0.2 + 1.2 * t, 0.8 - 1.2 * (t - 0.5))  # as fast down as up
    assert events.spike_times(MEM_ONLY, t, {"v(mem)": v}).size == 0


def test_held_to_the_end_is_still_in_reset():
    rng = np.random.default_rng(0)
    t, v, _, _ = lif_trace(1e-3, 1.5, 0.8, 0.2, 5e-4, 1e-6, 2, rng)
    cut = t < t[-1] - 1e-4  # end inside the last hold
    assert events.still_in_reset(MEM_ONLY, t[cut], {"v(mem)": v[cut]})
    longer = np.concatenate([t, t[-1] + np.linspace(1e-5, 2e-4, 50)])
    climb = np.concatenate([v, 0.2 + 1e3 * (longer[t.size:] - t[-1])])
    assert not events.still_in_reset(MEM_ONLY, longer, {"v(mem)": climb})


@pytest.mark.parametrize("noise", [5e-5, 2e-4])  # the hold band is 1.2 mV
def test_release_is_robust_to_trace_noise(noise):
    rng = np.random.default_rng(3)
    t, v, peaks, releases = lif_trace(1e-3, 1.4, 0.8, 0.2, 2e-4, 2e-6, 6, rng, noise=noise)
    pulses = events.reset_pulses(MEM_ONLY, t, {"v(mem)": v})
    assert pulses.stop.size == 5
    np.testing.assert_allclose(pulses.width, releases[:5] - peaks[:5], rtol=0.05)
