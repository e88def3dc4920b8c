"""The Monte Carlo sample of a user's subcircuit on sky130 or gf180mcu: the PDK's own mismatch
drawn into every device of the hierarchy, the neuron kept loaded, measured through its pins.

As for the kit's transistor neuron (:mod:`lifspice.flows.montecarlo.cmos_sample`): the worker
keeps the circuit loaded, with the explicit-draw library (:mod:`lifspice.pdk.sky130_mismatch`,
:func:`lifspice.pdk.gf180mcu.explicit_mismatch_lib`),
and a sample sets each drawn instance parameter to ``a + b z``, one standard normal per device in
netlist order, depth first through nested subcircuits (paths from
:func:`lifspice.circuits.subckt.hierarchy.flat_devices`; ``m=`` and ``mult`` enter as the PDK's
expressions make them). For the same seed and the same devices, a kit neuron exported with
``lifspice netlist --subckt`` draws the same normals in the same order as its native sample.

The nominal circuit is probed once per worker (:func:`lifspice.flows.probe.probe_subckt`: rest,
C and g, threshold) to place the transients. Then ``ac`` at the probed corner frequency (``v_rest``,
``g``, ``C``, tau_m = C / g) and one firing transient per current
(:func:`~lifspice.flows.montecarlo.sample.measure_firing`), with the energy where the circuit has
a supply pin. A numerical-floor rerun nudges the input by g x ``nudge_v`` (the circuit has no
threshold source to nudge).
"""

from __future__ import annotations

import functools
from dataclasses import replace

from lifspice.circuits.params import ParameterError
from lifspice.circuits.subckt.bench import SubcktBench, pdk_models
from lifspice.circuits.subckt.design import SubcktNeuron
from lifspice.circuits.subckt.hierarchy import flat_devices, undrawn_devices
from lifspice.circuits.subckt.parse import read_netlist
from lifspice.flows.montecarlo.cmos_sample import small_signal, standard_normals
from lifspice.flows.montecarlo.sample import (
    MIN_POINTS,
    WINDOW_ISI,
    SampleSpec,
    draw_mode,
    measure_firing,
    with_fit,
)
from lifspice.flows.probe import probe_subckt
from lifspice.sim.loaded import LoadedCircuit, apply_draw, run_analysis


@functools.lru_cache(maxsize=4)
def probed(design: SubcktNeuron, sim) -> SubcktBench:
    """The nominal bench of ``design`` probed on ``sim`` (once per worker and design)."""
    bench = probe_subckt(SubcktBench.for_design(design), sim)
    LoadedCircuit.forget()  # the probe ran other circuits in this session
    return bench


def drawn_paths(design: SubcktNeuron) -> tuple[str, ...]:
    """The mismatch parameter paths of every drawn device, in netlist order; raises
    :class:`~lifspice.circuits.params.ParameterError` naming devices it cannot draw."""
    devices = flat_devices(read_netlist(design.netlist), design.subckt, "x1")
    undrawn = undrawn_devices(devices)
    if undrawn:
        names = ", ".join(f"{d.path} ({d.target})" for d in undrawn[:8])
        raise ParameterError(f"the mismatch of {len(undrawn)} device(s) cannot be drawn "
                             f"explicitly: {names}; use draw = 'reset' (ngspice setseed)")
    return tuple(d.mismatch for d in devices if d.mismatch)


def subckt_alter_refusal(spec: SampleSpec) -> str | None:
    """Why an ``alter`` draw cannot draw ``spec``'s mismatch, or None."""
    if spec.design.pdk == "none":
        return "pdk 'none' has no mismatch to draw"
    try:
        drawn_paths(spec.design)
    except ParameterError as exc:
        return str(exc)
    return None


def _loaded_netlist(bench: SubcktBench, spec: SampleSpec) -> str:
    """The circuit a worker keeps loaded: no analysis card, the mismatch library."""
    d = spec.design
    if spec.mc:
        raise ParameterError("a subckt neuron's Monte Carlo draws device mismatch only (no "
                             "process variation, mc, yet)")
    if spec.mismatch:
        if draw_mode(spec) != "alter":
            raise ParameterError("a subckt neuron's mismatch is drawn by 'alter' only")
        lib, _ = pdk_models(d.pdk, d.corner, explicit=True, temperature_c=d.temperature_c)
        bench = replace(bench, model_library=lib)
    return bench.loaded_netlist()


def measure_subckt(sim, spec: SampleSpec) -> dict:
    """Draw and measure one sample of a PDK subcircuit (module docstring); the quantities
    of :func:`~lifspice.flows.montecarlo.cmos_sample.cmos_keys`, as the kit's transistor
    neuron (SI units)."""
    d = spec.design
    if d.pdk == "none":
        raise ParameterError("a Monte Carlo of a subckt neuron draws its PDK devices' "
                             "mismatch: this one has pdk = 'none'")
    nominal = probed(d, sim)
    pr = nominal.probes
    guess = nominal.guess()
    net = _loaded_netlist(nominal, spec)
    paths = drawn_paths(d) if spec.seed is not None and spec.mismatch else ()
    with LoadedCircuit.lock:
        ses = LoadedCircuit.ensure(net, nominal.init_commands)
        if paths:
            coefficients = LoadedCircuit.coefficients(ses, paths)
            apply_draw(ses, coefficients, standard_normals(spec.seed, len(paths)))
        ses.command("alter iin dc = 0.0")
        out = small_signal(ses, pr.mem, nominal.probed.f_c)
        i_nudge = spec.nudge_v * out["gm_S"]

        def run(i, t_stop, max_step, level):
            ses.command(f"alter iin dc = {float(i + i_nudge)!r}")
            step = min(max_step, t_stop / MIN_POINTS)
            tr = run_analysis(ses, f"tran {step!r} {t_stop!r} 0 {step!r}")
            return tr["time"], tr

        out.update(measure_firing(spec, guess, pr, run, WINDOW_ISI))
    return with_fit(out, spec, c_mem=out["c_mem_F"], v_rest=out["v_rest_V"])

