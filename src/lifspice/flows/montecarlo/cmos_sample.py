"""The Monte Carlo sample of the kit's transistor neuron on any PDK
(:class:`~lifspice.circuits.cmos.neuron.CmosNeuron`: sky130, gf180mcu): the PDK's own mismatch,
the neuron kept loaded.

Everything PDK-specific comes from the design's PDK in :mod:`lifspice.pdk.registry`
(``get_pdk(design.PROCESS.name)``): the corner, explicit-draw and process-variation libraries,
the ngspice init commands, and which device subcircuits draw mismatch into which instance
parameter (``Pdk.drawn``). The worker process keeps the neuron loaded in its one ngspice session
(:class:`lifspice.sim.loaded.LoadedCircuit`), so the model library is parsed once per
worker, not once per sample, and redraws the mismatch per sample in one of two ways
(``SampleSpec.draw``):

* ``"alter"`` (default for device mismatch): the PDK's mismatch is one standard normal per
  instance entering one instance parameter linearly (``delvto``; sky130's MIM capacitance;
  gf180mcu's MIM capacitors draw none per instance); numpy draws the normals from the
  sample's seed and ``alter`` sets each instance to the value the PDK's expressions give for
  them (evaluated by ngspice once per worker, :mod:`lifspice.pdk.sky130_mismatch`,
  :func:`lifspice.pdk.gf180mcu.explicit_mismatch_lib`). ~0.4 ms per sample;
* ``"reset"`` (always with process variation ``mc``): ``setseed <seed>`` and ``reset``;
  ngspice re-evaluates every ``AGAUSS`` term (reproducible for the same seed, whatever ran
  before). ~18 ms per sample for the 33 instances of the sky130 reference neuron.

Then

* ``ac`` at one frequency near 1/(2 pi tau) with no DC input; the operating point it keeps
  (``.options keepopinfo``) gives ``v_rest_V`` (the leak's own equilibrium, OTA offset
  included), and the membrane admittance ``Y = g + j w C`` gives ``gm_S``, ``c_mem_F`` (MIM
  plus parasitics) and ``tau_m_s = C / g``, the small-signal time constant a subthreshold
  step measures (0.906 ms by AC vs 0.905 ms by a fitted 3 mV step for the same draw);
* one transient per current from ``v_reset`` with one spike, stopped by ngspice where the
  firing cycle ends (about 1.15 ISIs in; :func:`~lifspice.flows.montecarlo.sample.measure_firing`;
  a spike costs ~90 % of the Newton iterations of a transient, the climb is cheap), with the energy
  per spike and static power over that one cycle.
  """

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np

from lifspice.circuits.cmos import nodes
from lifspice.circuits.cmos.bench import CmosBench
from lifspice.circuits.cmos.netlists import neuron_netlist
from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.sample import (
    MIN_POINTS,
    STOPPED_WINDOW_ISI,
    SampleSpec,
    draw_mode,
    firing_keys,
    measure_firing,
    with_fit,
)
from lifspice.pdk.registry import Pdk, get_pdk
from lifspice.pdk.sky130_mismatch import ExplicitMismatchError
from lifspice.sim.loaded import LoadedCircuit, apply_draw, run_analysis


def cmos_keys(n_currents: int) -> list[str]:
    """The float quantities a transistor-neuron sample returns for ``n_currents`` currents."""
    firing, rates = firing_keys(n_currents)
    extra = ["energy_per_spike_J", "static_power_W"] if n_currents else []
    return ["tau_m_s", "gm_S", "c_mem_F", "v_rest_V", *firing, *rates, *extra]


def standard_normals(seed: int | None, n: int) -> np.ndarray:
    """The ``n`` per-instance standard normals of a PDK sample (zeros for no seed)."""
    return np.zeros(n) if seed is None else np.random.default_rng(seed).standard_normal(n)


class _DcAc:
    """Stimulus text ``DC i AC 1``: the input source doubles as the AC probe."""

    def __init__(self, i: float):
        self.i = float(i)

    def spice_value(self) -> str:
        return f"DC {self.i!r} AC 1"


def pdk_of(design) -> Pdk:
    """The registered PDK of a transistor neuron (its ``PROCESS``)."""
    return get_pdk(design.PROCESS.name)


def cmos_netlist(spec: SampleSpec) -> tuple[str, tuple[str, ...]]:
    """The neuron netlist a worker keeps loaded (no analysis card) and its init commands."""
    return _cmos_netlist(spec.design, spec.mismatch, spec.mc, draw_mode(spec))


def sample_library(design, mismatch: bool, mc: bool, draw: str):
    """The model library a sample of ``design`` loads: the explicit-draw one for ``alter``
    draws, the process-variation one with ``mc``, else the corner's (mismatch on or off)."""
    pdk = pdk_of(design)
    if draw == "alter":
        return pdk.explicit_lib(design.corner, design.temperature_c)
    if mc:
        if pdk.mc_lib is None:
            raise ParameterError(f"{pdk.name} has no process variation (mc) to draw")
        return pdk.mc_lib(design.corner, mismatch, design.temperature_c)
    return pdk.corner_lib(design.corner, mismatch, design.temperature_c)


@functools.lru_cache(maxsize=8)
def _cmos_netlist(design, mismatch: bool, mc: bool,
                  draw: str) -> tuple[str, tuple[str, ...]]:
    lib = sample_library(design, mismatch, mc, draw)
    save = (f"v({nodes.NODE_MEM})", f"v({nodes.NODE_SPIKE})", f"v({nodes.NODE_RESET})",
            f"i({nodes.SUPPLY})")
    net = neuron_netlist(design, _DcAc(0.0), t_stop=1.0, lib_path=str(lib), save=save)
    lines = [line for line in net.splitlines(keepends=True)
             if not line.lower().startswith(".tran")]
    # keepopinfo: the AC analysis keeps its operating point (v_rest without a separate op);
    # nodeset: that operating point starts from the membrane at v_rest. Without it ngspice's
    # Newton fails for a third of the draws and goes on to gmin stepping (over 30 draws
    # after reset: 95 iterations on average, 5.8 ms; with it 28.5, 1.9 ms; over 19 samples
    # of a sweep, AC and transient operating points together: 94 -> 76), ending up to ~1 uV
    # away from the solution reached from the nodeset (several nodesets agree to 1e-10 V).
    # The transient does not change (its .ic holds the membrane).
    extra = f".options keepopinfo\n.nodeset v({nodes.NODE_MEM})={float(design.v_rest)!r}\n"
    lines.insert(next(k for k, line in enumerate(lines) if line.lower().startswith(".options"))
                 + 1, extra)
    return "".join(lines), tuple(pdk_of(design).init_commands())


def explicit_draw_paths(spec: SampleSpec) -> tuple[str, ...]:
    """The instance parameters an ``alter`` draw sets for ``spec``'s neuron; raises
    :class:`~lifspice.pdk.sky130_mismatch.ExplicitMismatchError` where it cannot draw."""
    net = cmos_netlist(replace(spec, draw="alter"))[0]
    return _drawn_paths(net, spec.design.PROCESS.name)


def alter_refusal(spec: SampleSpec) -> str | None:
    """Why an ``alter`` draw cannot draw ``spec``'s mismatch (a section without the
    continuous models, a device the explicit-draw library does not cover), or None."""
    try:
        explicit_draw_paths(spec)
    except ExplicitMismatchError as exc:
        return str(exc)
    return None


def drawn_paths(netlist: str, pdk: Pdk) -> tuple[str, ...]:
    """The ngspice paths of the instance parameters a mismatch draw sets in a kit netlist, in
    netlist order: one per ``X`` instance of a subcircuit in ``pdk.drawn``. Another of the
    PDK's devices (``pdk.devices``) draws no per-instance mismatch and is skipped (gf180mcu's
    MIM capacitor); any other subcircuit raises
    :class:`~lifspice.pdk.sky130_mismatch.ExplicitMismatchError` (its draw would not be
    controlled)."""
    drawn = {k.lower(): v for k, v in pdk.drawn.items()}
    undrawn = {v.lower() for v in pdk.devices.values()} - set(drawn)
    out = []
    for line in netlist.splitlines():
        words = line.split()
        if not words or words[0][0].lower() != "x":
            continue
        target = [w for w in words[1:] if "=" not in w][-1].lower()
        if target in undrawn:
            continue
        if target not in drawn:
            raise ExplicitMismatchError(
                f"instance {words[0]} uses {target}, whose mismatch draw is not handled: "
                "draw mismatch with setseed + reset instead")
        inner, param = drawn[target]
        out.append(f"@{inner[0]}.{words[0].lower()}.{inner}[{param}]")
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _drawn_paths(netlist: str, pdk_name: str) -> tuple[str, ...]:
    return drawn_paths(netlist, get_pdk(pdk_name))


def measure_cmos(sim, spec: SampleSpec) -> dict:
    """Draw and measure one transistor neuron in this process's loaded-circuit session
    (``sim`` is not used: the circuit stays loaded between samples); the quantities of
    :func:`cmos_keys` (SI units). The F-I fit holds the measured C and v_rest."""
    d = spec.design
    net, init = cmos_netlist(spec)
    pr = CmosBench(design=d, model_library=None).probes  # probes only; netlists are made above
    guess = d.lif_guess()
    with LoadedCircuit.lock:
        ses = LoadedCircuit.ensure(net, init)
        _redraw(ses, net, spec)
        # every value a sample sets is set again here: nothing carries over from the last
        ses.command(f"alter vth dc = {float(d.v_th + spec.nudge_v)!r}")
        ses.command("alter iin dc = 0.0")
        out = small_signal(ses, pr.mem, 1.0 / (2 * math.pi * guess.tau_m))

        def run(i, t_stop, max_step, level):
            ses.command(f"alter iin dc = {float(i)!r}")
            step = min(max_step, t_stop / MIN_POINTS)
            # stop at the reset pulse, then where the membrane is back up at the cycle level
            rst, mem, lv, level = pr.reset, pr.mem, float(pr.reset_level), float(level)
            tr = run_analysis(ses, f"tran {step!r} {t_stop!r} 0 {step!r}",
                              until=(f"when {rst} > {lv!r}",
                                     f"when {mem} > {level!r} when {rst} < {lv!r}"))
            return tr["time"], tr

        out.update(measure_firing(spec, guess, pr, run, STOPPED_WINDOW_ISI))
    return with_fit(out, spec, c_mem=out["c_mem_F"], v_rest=out["v_rest_V"])


def _redraw(ses, net: str, spec: SampleSpec) -> None:
    """Set the loaded neuron's mismatch to ``spec``'s draw (module docstring)."""
    if draw_mode(spec) == "alter":
        paths = _drawn_paths(net, spec.design.PROCESS.name)
        coefficients = LoadedCircuit.coefficients(ses, paths)
        apply_draw(ses, coefficients, standard_normals(spec.seed, len(paths)))
    else:
        ses.command(f"setseed {spec.seed if spec.seed is not None else 1}")
        ses.command("reset")  # re-evaluates every AGAUSS draw, and undoes any alter


def small_signal(ses, mem: str, f: float) -> dict[str, float]:
    """v_rest (V), g_m (S), C (F) and tau_m = C/g (s) from one AC point at ``f`` (Hz)."""
    ac = run_analysis(ses, f"ac lin 1 {f!r} {f!r}", also="op")
    out = {"v_rest_V": float(np.real(ac[f"op:{mem}"][0]))}
    y = 1.0 / ac[mem][0]
    out["gm_S"] = float(y.real)
    out["c_mem_F"] = float(y.imag / (2 * math.pi * f))
    out["tau_m_s"] = out["c_mem_F"] / out["gm_S"]
    return out
