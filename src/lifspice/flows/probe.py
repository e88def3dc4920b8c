"""First simulations of a circuit the kit did not build: where it rests, its membrane C and g,
and whether and where it fires, before the characterization places its measurements.

A kit neuron's bench knows its design (the sizes give tau_m, the threshold is a source); a user's
subcircuit (:mod:`lifspice.circuits.subckt`) is known only by its pins. :func:`prepare_bench`
runs, for a bench that needs it (:data:`PREPARE`), the rest point (``op``), the membrane's
admittance (``ac``, :func:`lifspice.analysis.admittance.membrane_admittance`) and a firing
transient at decreasing currents until the membrane resets, and hands back the bench with
what they showed. Benches of the kit's own kinds pass through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lifspice.analysis import events, extract
from lifspice.analysis.admittance import membrane_admittance
from lifspice.circuits.bench import Bench
from lifspice.circuits.params import ParameterError
from lifspice.circuits.stimulus import DC
from lifspice.circuits.subckt.bench import Probed, SubcktBench, probe_currents
from lifspice.sim.result import SimResult, Simulator

#: Probe transient length in membrane time constants (C / g at the corner).
PROBE_TAUS = 20.0


def probe_subckt(bench: SubcktBench, sim: Simulator) -> SubcktBench:
    """The bench with :class:`~lifspice.circuits.subckt.bench.Probed` filled in.

    Raises :class:`~lifspice.circuits.params.ParameterError` saying what the membrane did when
    the circuit never resets over the currents tried.
    """
    d = bench.design
    op = sim.run(bench.op_netlist(), vectors=["v(mem)"])
    v_rest = float(np.asarray(op["v(mem)"]).ravel()[0])
    ac = sim.run(bench.ac_netlist(), vectors=["v(mem)"])
    adm = membrane_admittance(np.real(ac.scale), np.asarray(ac["v(mem)"]))
    c = d.c_mem_hint if d.c_mem_hint is not None else adm.c
    tau = c / adm.g
    lo, hi = d.sweep_range
    tried = []
    for i in probe_currents(adm.g, v_rest, hi):
        fired = _fire(bench, sim, i, tau, lo)
        if isinstance(fired, tuple):
            v_th, v_reset, t_ref = fired
            return bench.with_probed(Probed(v_rest=v_rest, g=adm.g, c=adm.c, f_c=adm.f_c,
                                            v_th=v_th, v_reset=v_reset, t_ref=t_ref))
        tried.append(f"{i:.3g} A: {fired}")
    raise ParameterError(
        f"{d.subckt} ({d.netlist}) never fired and reset in {PROBE_TAUS:g} tau_m "
        f"({PROBE_TAUS * tau:.3g} s, tau_m = C/g = {c:.3g} F / {adm.g:.3g} S) at any input "
        f"tried; the membrane rests at {v_rest:.4g} V. " + "; ".join(tried)
        + ". Check the input pin's role and input_sign, the bias pins, and that the "
        "comparator and reset work")


def _fire(bench: SubcktBench, sim: Simulator, i: float, tau: float,
          v_start: float) -> tuple[float, float, float] | str:
    """(v_th, v_reset, t_ref) of a transient at input ``i``, or what the membrane did
    instead. It starts from the low end of the sweep range, below any threshold (the
    operating point with the membrane there has the comparator off even where the
    membrane would rest above threshold: a spontaneously firing neuron)."""
    t_stop = PROBE_TAUS * tau
    res = sim.run(bench.transient(DC(i), t_stop=t_stop, max_step=tau / 200, v_mem0=v_start),
                  vectors=list(bench.probes.transient_vectors))
    return fired_levels(bench, res)


def fired_levels(bench: Bench, res: SimResult) -> tuple[float, float, float] | str:
    """Median threshold (membrane peak), reset level and refractory time of a firing
    transient (:func:`lifspice.analysis.events.firing_levels`), or a sentence on what the
    membrane did when it shows fewer than 2 spikes or no complete reset."""
    pr = bench.probes
    t, v = res.time, np.asarray(res[pr.mem], float)
    lv = events.firing_levels(pr, t, res)
    spikes = lv.spikes
    if not lv.complete:
        if spikes.size >= 1 and events.still_in_reset(pr, t, res):
            return (f"locked up after {spikes.size} spike(s): the membrane is held at "
                    f"{v[-1]:.4g} V from {spikes[-1]:.3g} s to the end of the run "
                    f"({t[-1]:.3g} s), the reset never released")
        return (f"{spikes.size} spike(s), membrane from {v.min():.4g} to {v.max():.4g} V, "
                f"ending at {v[-1]:.4g} V")
    if not (math.isfinite(lv.v_th) and lv.v_th > lv.v_reset):
        return f"peaks at {lv.v_th:.4g} V not above the reset level {lv.v_reset:.4g} V"
    return lv.v_th, lv.v_reset, lv.t_ref


#: Benches that need first simulations before they can place their measurements, by kind.
PREPARE: dict[str, Callable[[Bench, Simulator], Bench]] = {"subckt": probe_subckt}


def simulated_rheobase(bench: Bench, sim: Simulator) -> float:
    """The rheobase of a bench's circuit from simulation alone, A: probed, then the leak
    current at the probed threshold from the leak sweep (what currents given as multiples of
    the rheobase mean for a circuit known only by its pins)."""
    bench = prepare_bench(bench, sim)
    net, vecs = bench.leak_sweep()
    leak = extract.leak_curve(*bench.leak_current(sim.run(net, vectors=vecs)))
    return max(0.0, float(leak.current(bench.guess().v_th)))


def prepare_bench(bench: Bench, sim: Simulator) -> Bench:
    """``bench`` ready to measure: probed where its kind needs it (:data:`PREPARE`)."""
    step = PREPARE.get(bench.kind)
    return step(bench, sim) if step is not None else bench
