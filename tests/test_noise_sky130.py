"""The transistor-level sky130 neuron with a noisy input current (trnoise): it fires below
its deterministic rheobase.  ngspice adds no device noise to a transient, so the input
source is the only noise here (see lifspice.flows.noise)."""

from __future__ import annotations

import math

import pytest

from lifspice.analysis import extract
from lifspice.circuits.kinds import make_bench
from lifspice.circuits.stimulus import NoisyDC
from lifspice.flows.noise import noisy_run
from lifspice.io.design import load_design
from lifspice.sim.backends import NgspiceShared

MU = 3.5e-10  # A: below this design's rheobase (400-600 pA in SPICE; 1 spike in 10 ms at 600)
T_STOP = 20e-3  # s, ~20 tau_m (deterministic run)
T_NOISY = 40e-3  # s

pytestmark = [pytest.mark.sky130, pytest.mark.slow]  # the models; 20-40 ms transients


@pytest.fixture(scope="module")
def bench_sim():
    bench = make_bench(load_design("sky130"))
    return bench, NgspiceShared(bench.init_commands)


def test_sky130_silent_without_noise(bench_sim):
    bench, sim = bench_sim
    pr = bench.probes
    res = sim.run(bench.fi_netlist(MU, t_stop=T_STOP, max_step=5e-6),
                  vectors=[pr.mem, pr.spike])
    assert extract.spike_times(res.time, res[pr.spike], pr.spike_level).size == 0


def test_sky130_fires_with_input_noise(bench_sim):
    """sigma_v = 0.3 V (sigma = 0.3 sqrt(g c) A s^0.5 with the design's guessed g_m and C),
    NT = tau_m/100 (this test needs firing, not the rate's last per cent).  Four trial runs
    of 40 ms gave 3, 10, 6 and 10 intervals (rate ~150-250 Hz, very irregular); asking for
    >= 2 intervals is a check that noise-driven firing happens, with little chance of a
    false failure."""
    bench, sim = bench_sim
    g = bench.guess()
    sigma = 0.3 * math.sqrt(g.g_leak * g.c_mem)
    isis = noisy_run(sim, (bench, NoisyDC(MU, sigma, g.tau_m / 100), T_NOISY))
    assert isis.size >= 2
    assert 1.0 / isis.mean() > 30.0
