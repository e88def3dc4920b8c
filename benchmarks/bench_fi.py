"""F-I curve: the naive way against the kit's way, measured side by side in one run.

naive: 50 separate ``ngspice -b`` runs of a fixed 100 ms transient at 1 us steps, rate from
       the mean ISI of what fired in 100 ms;
kit:   :func:`lifspice.flows.fi.run_fi` on a 2-worker pool of long-lived ngspice sessions,
       each point simulated for ~3.6 predicted ISIs at ISI/200 steps.

Both are scored against the closed-form rates of the default behavioral neuron.  Also prints
the kit's Python overhead (netlist text, extraction, bookkeeping) as a share of the time
ngspice itself spends, measured in one process.

    python benchmarks/bench_fi.py [--points 50]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lifspice.analysis import extract, theory
from lifspice.circuits.behavioral.bench import BehavioralBench
from lifspice.circuits.behavioral.neuron import neuron_netlist
from lifspice.circuits.stimulus import DC
from lifspice.flows.fi import current_for_rate_saturating, fi_point, run_fi
from lifspice.io.design import load_design
from lifspice.sim.backends import NgspiceBatch, NgspiceShared
from lifspice.sim.pool import SimPool


def naive(bench, currents):
    sim = NgspiceBatch()
    rates = []
    for i in currents:
        net = neuron_netlist(bench.design, DC(i), t_stop=0.1, max_step=1e-6,
                             v_mem0=bench.design.lif.v_reset)
        net = net.replace(".tran 5e-05", ".tran 1e-06")  # fixed 1 us print step too
        res = sim.run(net, vectors=["v(cmp)"])
        spikes = extract.spike_times(res.time, res["v(cmp)"], 0.5)
        rates.append(extract.firing_rate(spikes, skip_first=False) if spikes.size >= 2 else 0.0)
    return np.array(rates)


class TimedSim:
    """Wraps a simulator and adds up the time spent inside ``run``."""

    def __init__(self, sim):
        self.sim, self.seconds = sim, 0.0

    def run(self, *a, **k):
        t0 = time.perf_counter()
        try:
            return self.sim.run(*a, **k)
        finally:
            self.seconds += time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=50)
    args = ap.parse_args()
    bench = BehavioralBench(load_design("behavioral"))
    sat = bench.guess()
    i_hi = current_for_rate_saturating(sat, 0.5 / sat.t_ref)
    currents = np.linspace(1.2 * sat.rheobase, i_hi, args.points)
    exact = np.asarray(theory.rate(sat.ideal(), currents))

    t0 = time.perf_counter()
    f_naive = naive(bench, currents)
    t_naive = time.perf_counter() - t0

    with SimPool(workers=2) as pool:
        pool.map(fi_point, [(bench, currents[0])] * 2)  # start both workers first
        t0 = time.perf_counter()
        pts = run_fi(bench, currents, pool=pool)
        t_kit = time.perf_counter() - t0
    f_kit = np.array([p.rate for p in pts])

    timed = TimedSim(NgspiceShared())
    t0 = time.perf_counter()
    for i in currents[:: max(1, args.points // 10)]:
        fi_point(timed, (bench, i))
    t_serial = time.perf_counter() - t0
    # what sim.run spends outside ngspice (PySpice vector copies) is counted as overhead too
    err = lambda f: np.max(np.abs(f / exact - 1))  # noqa: E731
    print(f"{args.points}-point F-I curve of the default behavioral neuron")
    print(f"  naive  (ngspice -b, 100 ms @ 1 us) : {t_naive:7.2f} s   max rate error "
          f"{100 * err(f_naive):.3f} %")
    print(f"  kit    (2 workers, ~3.6 ISIs)      : {t_kit:7.2f} s   max rate error "
          f"{100 * err(f_kit):.3f} %")
    print(f"  speed-up kit / naive               : {t_naive / t_kit:7.1f} x   (goal >= 20 x)")
    share = 100 * (t_serial - timed.seconds) / timed.seconds
    print(f"  kit Python overhead / ngspice time : {share:7.2f} %"
          "   (goal < 10 %; one process, serial)")


if __name__ == "__main__":
    main()
