"""One Monte Carlo sample: draw (or let ngspice draw) a neuron, measure it in a few runs.

A sample is a picklable :class:`SampleSpec` (the design, the seed of its draws, the
mismatch / process flags, the input currents); :func:`measure_sample` turns it into a flat
dict whose keys are those of ``report.json`` (``tau_m_s``, ``v_th_V``, ``v_reset_V``,
``t_ref_s``, ``gm_S``, ``v_rest_V``, ``energy_per_spike_J``, ...) plus ``rate_Hz_i<k>``, the
steady rate at ``currents[k]``, and with three or more currents the ideal LIF fitted to
that short F-I curve (``fit_tau_m_s``, ``fit_g_leak_S``, ``fit_t_ref_s``,
``fit_rms_rel_error``; :mod:`lifspice.analysis.sample_fit`).

sky130: the worker process keeps the neuron loaded in its one ngspice session
(:class:`lifspice.sim.loaded.LoadedCircuit`), so the model library is parsed once per
worker, not once per sample, and redraws the mismatch per sample in one of two ways
(``SampleSpec.draw``):

* ``"alter"`` (default for device mismatch): the PDK's mismatch is one standard normal per
  instance entering one instance parameter linearly (``delvto``, the MIM capacitance);
  numpy draws the normals from the sample's seed and ``alter`` sets each instance to the
  value the PDK's expressions give for them (evaluated by ngspice once per worker,
  :mod:`lifspice.pdk.sky130_mismatch`). ~0.4 ms per sample;
* ``"reset"`` (always with process variation ``mc``): ``setseed <seed>`` and ``reset``;
  ngspice re-evaluates every ``AGAUSS`` term (reproducible for the same seed, whatever ran
  before). ~18 ms per sample for the 33 instances of the reference neuron.

Then

* ``ac`` at one frequency near 1/(2 pi tau) with no DC input; the operating point it keeps
  (``.options keepopinfo``) gives ``v_rest_V`` (the leak's own equilibrium, OTA offset
  included), and the membrane admittance ``Y = g + j w C`` gives ``gm_S``, ``c_mem_F`` (MIM
  plus parasitics) and ``tau_m_s = C / g``, the small-signal time constant a subthreshold
  step measures (0.906 ms by AC vs 0.905 ms by a fitted 3 mV step for the same draw);
* one transient per current from ``v_reset`` with one spike, stopped by ngspice where the
  firing cycle ends (about 1.15 ISIs in): the ISI is the time between two upward crossings
  of a level early in the climb, the spike and its refractory period between them (a spike
  costs ~90 % of the Newton iterations of a transient; the climb is cheap). The rate, and
  at ``currents[0]`` the threshold, reset voltage, refractory time, and the energy per spike
  and static power over that one cycle.

Behavioral: the spreads are drawn here with a seeded :class:`numpy.random.Generator`
(:class:`Spreads`), and the drawn neuron is measured with the behavioral bench (step
response for tau_m, one transient per current); the drawn values are returned too
(``drawn_*``), so statistics can be checked against the draws.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from lifspice.analysis import extract
from lifspice.analysis.energy import energy_per_spike
from lifspice.analysis.sample_fit import fit_keys, fit_sample
from lifspice.circuits.behavioral.bench import BehavioralBench
from lifspice.circuits.behavioral.neuron import BehavioralNeuron
from lifspice.circuits.sky130 import nodes as s130
from lifspice.circuits.sky130.bench import Sky130Bench
from lifspice.circuits.sky130.netlists import neuron_netlist
from lifspice.circuits.stimulus import DC
from lifspice.flows.fi import transient_window
from lifspice.pdk.sky130 import corner_lib, spiceinit_lines
from lifspice.pdk.sky130_mismatch import drawn_instances, explicit_mismatch_lib
from lifspice.sim.loaded import LoadedCircuit, apply_draw, run_analysis

CYCLE_LEVEL = 0.25  # the ISI is cut where the membrane is this far from reset to threshold
WINDOW_ISI = 1.5  # transient length in predicted ISIs: the cycle ends ~1.15 ISI in
STOPPED_WINDOW_ISI = 3.0  # the same where ngspice stops the run at the cycle's end (sky130)
MIN_POINTS = 20  # at least this many output steps per transient
MAX_EXTEND = 2  # a too-short transient is rerun up to twice, each time twice as long
NUDGE_V = 1e-6  # V, v_th nudge of the numerical-floor reruns
DRAWS = ("auto", "alter", "reset")


class MeasurementError(RuntimeError):
    """A sample could not be measured (it is recorded as failed with this message)."""


@dataclass(frozen=True, kw_only=True)
class Spreads:
    """Gaussian spreads of a behavioral neuron's parameters (relative or in V).

    ``sigma_*_rel`` are relative standard deviations (0.05 = 5 %); ``sigma_v_th`` and
    ``sigma_v_reset`` are in V. Draws are truncated nowhere: a draw that makes an
    impossible neuron (v_th below v_reset, negative C) is a failed sample.
    """

    sigma_c_rel: float = 0.01
    sigma_gm_rel: float = 0.05
    sigma_v_th: float = 5e-3  # V
    sigma_v_reset: float = 2e-3  # V
    sigma_t_ref_rel: float = 0.03

    def __post_init__(self) -> None:
        for k, v in asdict(self).items():
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"Spreads.{k} must be finite and >= 0, got {v!r}")

    @classmethod
    def from_pelgrom(cls, *, a_vt: float, area_leak: float, area_cmp: float, area_c: float,
                     a_c: float = 0.0, n_ut: float = 0.0388, area_ref: float | None = None,
                     ) -> Spreads:
        """Spreads from Pelgrom coefficients and device areas.

        Parameters
        ----------
        a_vt : float
            Threshold-voltage matching coefficient of one device, V m (sky130 pfet_01v8:
            5.856e-3 V um = 5.856e-9 V m).
        area_leak, area_cmp, area_c : float
            Gate area W L of the leak OTA's tail mirror devices, of the comparator's input
            devices, and the capacitor area, m^2.
        a_c : float
            Capacitor matching coefficient, m (relative sigma times sqrt(area)).
        n_ut : float
            Slope factor times thermal voltage, V: a weak-inversion mirror turns a Vt offset
            dV into a relative current (so g_m) error dV / (n U_T).
        area_ref : float, optional
            Gate area of the refractory current mirror, m^2 (default ``area_leak``).

        Each spread is that of a pair (sqrt(2) times one device).
        """
        pair = math.sqrt(2.0) * a_vt
        ref = area_leak if area_ref is None else area_ref
        return cls(sigma_c_rel=a_c / math.sqrt(area_c),
                   sigma_gm_rel=pair / math.sqrt(area_leak) / n_ut,
                   sigma_v_th=pair / math.sqrt(area_cmp),
                   sigma_v_reset=0.0,
                   sigma_t_ref_rel=pair / math.sqrt(ref) / n_ut)


@dataclass(frozen=True, kw_only=True)
class SampleSpec:
    """One sample to measure (picklable: sent to pool or Dask workers).

    Parameters
    ----------
    design : BehavioralNeuron or Sky130Neuron
        The nominal design (its ``corner`` and ``temperature_c`` for sky130).
    seed : int or None
        Seed of this sample's draws (numpy; sky130 with ``draw="reset"``: ngspice
        ``setseed``). ``None``: no draw (the nominal design).
    index : int
        Position of the sample in its sweep.
    mismatch, mc : bool
        sky130 library sections: device mismatch (``<corner>_mm``) and/or global process
        variation (``mc``, typical corner only).
    currents : tuple of float
        Input currents, A; the first is the reference current for v_th, v_reset, t_ref and
        the energy per spike. Empty: only the small-signal quantities.
    t_stop : tuple of float
        Transient length per current, s (default: WINDOW_ISI predicted ISIs for a behavioral
        design, STOPPED_WINDOW_ISI for sky130, whose runs ngspice stops at the cycle's end;
        a sample that showed no whole firing cycle is rerun twice as long, at most twice).
    spreads : Spreads, optional
        Behavioral spreads (required for a behavioral draw).
    nudge_v : float
        Added to the v_th reference, V (numerical-floor reruns).
    draw : {"auto", "alter", "reset"}
        How a sky130 worker redraws the mismatch (module docstring): ``"auto"`` is
        ``"alter"`` for device mismatch alone, ``"reset"`` with ``mc``.
    """

    design: object
    seed: int | None = None
    index: int = 0
    mismatch: bool = True
    mc: bool = False
    currents: tuple[float, ...] = ()
    t_stop: tuple[float, ...] = ()
    spreads: Spreads | None = None
    nudge_v: float = 0.0
    draw: str = "auto"

    def __post_init__(self) -> None:
        if self.draw not in DRAWS:
            raise ValueError(f"draw must be one of {DRAWS}, got {self.draw!r}")
        if self.draw == "alter" and (self.mc or not self.mismatch):
            raise ValueError("draw='alter' draws device mismatch only: with mc=True (or "
                             "mismatch=False) use draw='reset' or 'auto'")
        if self.t_stop and len(self.t_stop) != len(self.currents):
            raise ValueError("t_stop needs one length per current")
        if self.seed is not None and (isinstance(self.seed, bool) or not 0 < self.seed < 2**31):
            raise ValueError(f"seed must be an int in 1 .. 2**31-1 or None, got {self.seed!r}")


def draw_mode(spec: SampleSpec) -> str:
    """``"alter"`` or ``"reset"``: how this sky130 sample's mismatch is redrawn."""
    if spec.draw == "auto":
        return "alter" if spec.mismatch and not spec.mc else "reset"
    return spec.draw


def standard_normals(seed: int | None, n: int) -> np.ndarray:
    """The ``n`` per-instance standard normals of a sky130 sample (zeros for no seed)."""
    return np.zeros(n) if seed is None else np.random.default_rng(seed).standard_normal(n)


def is_sky130(design) -> bool:
    return type(design).__name__ == "Sky130Neuron"


def rate_key(k: int) -> str:
    return f"rate_Hz_i{k}"


def quantity_keys(design, n_currents: int) -> list[str]:
    """The float quantities :func:`measure_sample` returns for this kind of design."""
    rates = [rate_key(k) for k in range(n_currents)]
    firing = ["v_th_V", "v_reset_V", "t_ref_s"] if n_currents else []
    rates += fit_keys(n_currents)
    if is_sky130(design):
        extra = ["energy_per_spike_J", "static_power_W"] if n_currents else []
        return ["tau_m_s", "gm_S", "c_mem_F", "v_rest_V", *firing, *rates, *extra]
    drawn = ["drawn_c_mem_F", "drawn_g_leak_S", "drawn_v_th_V", "drawn_v_reset_V",
             "drawn_t_ref_s"]
    return ["tau_m_s", *firing, *rates, *drawn]


def draw_behavioral(design: BehavioralNeuron, spreads: Spreads,
                    rng: np.random.Generator) -> BehavioralNeuron:
    """A behavioral neuron with its LIF parameters drawn around ``design``'s.

    Always five standard normals in the order C, g_m, V_th, V_reset, t_ref, so a sample's
    draw does not depend on which spreads are zero. Raises :class:`ParameterError` for an
    impossible draw.
    """
    z = rng.standard_normal(5)
    p, s = design.lif, spreads
    lif = replace(p, c_mem=p.c_mem * (1 + s.sigma_c_rel * z[0]),
                  g_leak=p.g_leak * (1 + s.sigma_gm_rel * z[1]),
                  v_th=p.v_th + s.sigma_v_th * z[2], v_reset=p.v_reset + s.sigma_v_reset * z[3],
                  t_ref=p.t_ref * (1 + s.sigma_t_ref_rel * z[4]))
    # the OTA keeps its saturation current, so its linear range scales as 1/g_m
    v_lin = design.i_b / lif.g_leak
    return replace(design, lif=lif, v_lin=v_lin)


def measure_sample(sim, spec: SampleSpec) -> dict:
    """Measure one sample; returns ``{"index", "seed", <quantities>}`` (SI units, NaN for
    a quantity that does not apply, e.g. the threshold of a silent neuron).

    ``sim`` is the worker's simulator; for sky130 the process's shared ngspice session is
    used directly (the circuit stays loaded between samples). Raises on failure (the
    engine records the message).
    """
    if is_sky130(spec.design):
        values = _measure_sky130(spec)
        c_mem, v_rest = values["c_mem_F"], values["v_rest_V"]
    else:
        values = _measure_behavioral(sim, spec)
        c_mem, v_rest = spec.design.lif.c_mem, spec.design.lif.v_rest
    if fit_keys(len(spec.currents)):
        values.update(fit_sample(
            spec.currents, [values[rate_key(k)] for k in range(len(spec.currents))],
            c_mem=c_mem, tau_m=values["tau_m_s"], v_rest=v_rest, v_th=values["v_th_V"],
            v_reset=values["v_reset_V"], t_ref=values["t_ref_s"]))
    return {"index": spec.index, "seed": spec.seed, **values}


# behavioral -----------------------------------------------------------------------------
def _measure_behavioral(sim, spec: SampleSpec) -> dict:

    design = spec.design
    if spec.seed is not None:
        if spec.spreads is None:
            raise ValueError("a behavioral draw needs spreads")
        design = draw_behavioral(design, spec.spreads, np.random.default_rng(spec.seed))
    if spec.nudge_v:
        design = replace(design, lif=replace(design.lif, v_th=design.lif.v_th + spec.nudge_v))
    bench = BehavioralBench(design)
    pr = bench.probes
    p = design.lif
    out = {"drawn_c_mem_F": p.c_mem, "drawn_g_leak_S": p.g_leak, "drawn_v_th_V": p.v_th,
           "drawn_v_reset_V": p.v_reset, "drawn_t_ref_s": p.t_ref}
    net, t0, _ = bench.step_test()
    res = sim.run(net, vectors=[pr.mem])
    out["tau_m_s"] = extract.fit_step_response(res.time, res[pr.mem], t0).tau
    guess = design.saturating_params()

    def run(i, t_stop, max_step, level):
        r = sim.run(bench.transient(DC(i), t_stop=t_stop, max_step=max_step,
                                    v_mem0=p.v_reset), vectors=list(pr.transient_vectors))
        return r.time, {k: r[k] for k in pr.transient_vectors}

    out.update(_firing(spec, guess, pr, run))
    return out


# common: the firing transients ----------------------------------------------------------
def cycle_level(guess) -> float:
    """Membrane level that cuts a firing cycle (a quarter of the way from reset to threshold,
    predicted): early in the climb, where the membrane moves fast and smoothly."""
    return guess.v_reset + CYCLE_LEVEL * (guess.v_th - guess.v_reset)


def _firing(spec: SampleSpec, guess, pr, run, window_isi: float = WINDOW_ISI) -> dict:
    """Rates at every current; threshold, reset, refractory and energy at the first.

    One spike per current: the transient starts at v_reset and the ISI is the time between
    two upward crossings of :func:`cycle_level`, the spike and its refractory period between
    them (:func:`~lifspice.analysis.extract.firing_cycle`). A spike is the expensive part of
    a transistor-level transient (~90 % of its Newton iterations), so this costs half of
    timing two spikes and measures the same steady ISI.
    """
    out: dict[str, float] = {}
    level = cycle_level(guess)
    for k, i in enumerate(spec.currents):
        t_stop, max_step = transient_window(guess, i, window_isi)
        if spec.t_stop:
            t_stop = spec.t_stop[k]
        for extend in range(MAX_EXTEND + 1):
            t, tr = run(i, t_stop * 2**extend, max_step, level)
            v_mem = np.asarray(tr[pr.mem])
            spikes = extract.spike_times(t, tr[pr.spike], pr.spike_level)
            cycle = extract.firing_cycle(t, v_mem, level, spikes)
            if cycle is not None:
                break
        out[rate_key(k)] = 1.0 / cycle.isi if cycle is not None else 0.0
        if k:
            continue
        if cycle is None:
            if spikes.size and np.asarray(tr[pr.reset])[-1] > pr.reset_level:
                raise MeasurementError(
                    f"stuck in reset: fired {spikes.size} time(s) at the reference current "
                    f"{i:.4g} A and held the reset to the end of the run ({t[-1]:.4g} s): the "
                    "comparator did not let go, so the reset does not take the membrane "
                    "below its hysteresis plus this sample's offset "
                    "(Sky130Neuron.hysteresis_width)")
            hint = (" (below this sample's rheobase: the first current, where V_th, t_ref and "
                    "the energy are measured, must fire every sample)" if not spikes.size else "")
            raise MeasurementError(f"silent: no whole firing cycle ({spikes.size} spike(s)) at "
                                   f"the reference current {i:.4g} A in {t[-1]:.4g} s{hint}")
        pulses = extract.reset_pulses(t, tr[pr.reset], pr.reset_level)
        own = (pulses.start > cycle.start) & (pulses.start < cycle.stop)
        pulses = extract.ResetPulses(pulses.start[own][:1], pulses.stop[own][:1])
        # the membrane peak before the spike (robust to the reset starting before ``spike``
        # crosses half swing, as at ff, 85 C)
        out["v_th_V"] = float(extract.threshold_at_spikes(t, v_mem, np.array([cycle.spike]))[0])
        out["v_reset_V"] = (float(extract.reset_voltage(t, v_mem, pulses)[0])
                            if pulses.start.size else math.nan)
        out["t_ref_s"] = float(pulses.width[0]) if pulses.start.size else math.nan
        if pr.supply:
            e = energy_per_spike(t, tr, pr, bounds=(cycle.start, cycle.stop))
            out.update(energy_per_spike_J=e.dynamic, static_power_W=e.static_power)
    return out


class _DcAc:
    """Stimulus text ``DC i AC 1``: the input source doubles as the AC probe."""

    def __init__(self, i: float):
        self.i = float(i)

    def spice_value(self) -> str:
        return f"DC {self.i!r} AC 1"


def sky130_netlist(spec: SampleSpec) -> tuple[str, tuple[str, ...]]:
    """The neuron netlist a worker keeps loaded (no analysis card) and its init commands."""
    return _sky130_netlist(spec.design, spec.mismatch, spec.mc, draw_mode(spec))


@functools.lru_cache(maxsize=8)
def _sky130_netlist(design, mismatch: bool, mc: bool,
                    draw: str) -> tuple[str, tuple[str, ...]]:
    if draw == "alter":
        lib = explicit_mismatch_lib(design.corner)
    else:
        lib = corner_lib(design.corner, mismatch=mismatch, mc=mc)
    save = (f"v({s130.NODE_MEM})", f"v({s130.NODE_SPIKE})", f"v({s130.NODE_RESET})",
            f"i({s130.SUPPLY})")
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
    extra = f".options keepopinfo\n.nodeset v({s130.NODE_MEM})={float(design.v_rest)!r}\n"
    lines.insert(next(k for k, line in enumerate(lines) if line.lower().startswith(".options"))
                 + 1, extra)
    return "".join(lines), tuple(spiceinit_lines())


def explicit_draw_paths(spec: SampleSpec) -> tuple[str, ...]:
    """The instance parameters an ``alter`` draw sets for ``spec``'s neuron; raises
    :class:`~lifspice.pdk.sky130_mismatch.ExplicitMismatchError` where it cannot draw."""
    return _drawn_paths(sky130_netlist(replace(spec, draw="alter"))[0])


@functools.lru_cache(maxsize=8)
def _drawn_paths(netlist: str) -> tuple[str, ...]:

    return tuple(x.path for x in drawn_instances(netlist))


def _measure_sky130(spec: SampleSpec) -> dict:

    d = spec.design
    net, init = sky130_netlist(spec)
    pr = Sky130Bench(design=d, model_library=None).probes  # probes only; netlists are made above
    guess = d.lif_guess()
    with LoadedCircuit.lock:
        ses = LoadedCircuit.ensure(net, init)
        if draw_mode(spec) == "alter":
            paths = _drawn_paths(net)
            coefficients = LoadedCircuit.coefficients(ses, paths)
            apply_draw(ses, coefficients, standard_normals(spec.seed, len(paths)))
        else:
            ses.command(f"setseed {spec.seed if spec.seed is not None else 1}")
            ses.command("reset")  # re-evaluates every AGAUSS draw, and undoes any alter
        # every value a sample sets is set again here: nothing carries over from the last
        ses.command(f"alter vth dc = {float(d.v_th + spec.nudge_v)!r}")
        ses.command("alter iin dc = 0.0")
        out: dict[str, float] = {}
        f = 1.0 / (2 * math.pi * guess.tau_m)
        ac = run_analysis(ses, f"ac lin 1 {f!r} {f!r}", also="op")
        out["v_rest_V"] = float(np.real(ac[f"op:{pr.mem}"][0]))
        y = 1.0 / ac[pr.mem][0]
        out["gm_S"] = float(y.real)
        out["c_mem_F"] = float(y.imag / (2 * math.pi * f))
        out["tau_m_s"] = out["c_mem_F"] / out["gm_S"]

        def run(i, t_stop, max_step, level):
            ses.command(f"alter iin dc = {float(i)!r}")
            step = min(max_step, t_stop / MIN_POINTS)
            # stop at the reset pulse, then where the membrane is back up at the cycle level
            rst, mem, lv, level = pr.reset, pr.mem, float(pr.reset_level), float(level)
            tr = run_analysis(ses, f"tran {step!r} {t_stop!r} 0 {step!r}",
                              until=(f"when {rst} > {lv!r}",
                                     f"when {mem} > {level!r} when {rst} < {lv!r}"))
            return tr["time"], tr

        out.update(_firing(spec, guess, pr, run, STOPPED_WINDOW_ISI))
    return out


def nudged(spec: SampleSpec, k: int) -> SampleSpec:
    """``spec`` with the v_th reference nudged by ``k`` NUDGE_V (numerical-floor rerun)."""
    return replace(spec, nudge_v=k * NUDGE_V)
