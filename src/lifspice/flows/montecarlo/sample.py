"""One Monte Carlo sample: what to measure (:class:`~lifspice.flows.montecarlo.sample.SampleSpec`)
and the steps every kind of neuron shares.

A sample is a picklable :class:`~lifspice.flows.montecarlo.sample.SampleSpec` (the design, the seed
of its draws, the mismatch / process flags, the input currents);
:func:`~lifspice.flows.montecarlo.measurers.measure_sample` turns it into a flat dict whose keys
are those of ``report.json`` (``tau_m_s``, ``v_th_V``, ``v_reset_V``, ``t_ref_s``, ``gm_S``,
``v_rest_V``, ``energy_per_spike_J``, ...) plus ``rate_Hz_i<k>``, the steady rate at
``currents[k]``, and with three or more currents the ideal LIF fitted to that short F-I curve
(``fit_tau_m_s``, ``fit_g_leak_S``, ``fit_t_ref_s``, ``fit_rms_rel_error``;
:mod:`lifspice.analysis.sample_fit`).

How a sample is drawn and measured depends on the neuron's kind, and each kind has its module:
:mod:`~lifspice.flows.montecarlo.behavioral_sample` (Gaussian spreads drawn here,
:class:`~lifspice.flows.montecarlo.sample.Spreads`) and
:mod:`~lifspice.flows.montecarlo.cmos_sample` (the PDK's own mismatch, the neuron kept loaded in
ngspice); :mod:`~lifspice.flows.montecarlo.measurers` picks one by the design's kind. Both end in
:func:`~lifspice.flows.montecarlo.sample.measure_firing`: one transient per current from
``v_reset`` with one spike; the ISI is the time between two upward crossings of a level early in
the climb (:func:`~lifspice.flows.montecarlo.sample.cycle_level`), the spike and its refractory
period between them. The rate, and at ``currents[0]`` the threshold, reset voltage, refractory
time, and (where the bench has a supply probe) the energy per spike and static power over that one
cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

import numpy as np

from lifspice.analysis import events, extract
from lifspice.analysis.energy import energy_per_spike
from lifspice.analysis.sample_fit import fit_keys, fit_sample
from lifspice.circuits.bench import Probes
from lifspice.circuits.params import SaturatingLifParams
from lifspice.flows.fi import transient_window

CYCLE_LEVEL = 0.25  # the ISI is cut where the membrane is this far from reset to threshold
WINDOW_ISI = 1.5  # transient length in predicted ISIs: the cycle ends ~1.15 ISI in
STOPPED_WINDOW_ISI = 3.0  # the same where ngspice stops the run at the cycle's end (sky130)
MIN_POINTS = 20  # at least this many output steps per transient
MAX_EXTEND = 2  # a too-short transient is rerun up to twice, each time twice as long
NUDGE_V = 1e-6  # V, v_th nudge of the numerical-floor reruns
DRAWS = ("auto", "alter", "reset")

# (current A, t_stop s, max_step s, cycle level V) -> (time s, traces by vector name)
TransientRun = Callable[[float, float, float, float], tuple[np.ndarray, Mapping]]


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
        The nominal design (its ``corner`` and ``temperature_c`` for a PDK design).
    seed : int or None
        Seed of this sample's draws (numpy; with ``draw="reset"``: ngspice ``setseed``).
        ``None``: no draw (the nominal design).
    index : int
        Position of the sample in its sweep.
    mismatch, mc : bool
        PDK library sections: device mismatch (``<corner>_mm``) and/or global process
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
        How a PDK worker redraws the mismatch (:mod:`lifspice.flows.montecarlo.cmos_sample`):
        ``"auto"`` is ``"alter"`` for device mismatch alone, ``"reset"``
        with ``mc``.
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
    """``"alter"`` or ``"reset"``: how this PDK sample's mismatch is redrawn."""
    if spec.draw == "auto":
        return "alter" if spec.mismatch and not spec.mc else "reset"
    return spec.draw


def nudged(spec: SampleSpec, k: int) -> SampleSpec:
    """``spec`` with the v_th reference nudged by ``k`` NUDGE_V (numerical-floor rerun)."""
    return replace(spec, nudge_v=k * NUDGE_V)


def rate_key(k: int) -> str:
    return f"rate_Hz_i{k}"


def firing_keys(n_currents: int) -> tuple[list[str], list[str]]:
    """(threshold, reset, refractory keys; rate and F-I fit keys) for ``n_currents``."""
    firing = ["v_th_V", "v_reset_V", "t_ref_s"] if n_currents else []
    return firing, [rate_key(k) for k in range(n_currents)] + fit_keys(n_currents)


def with_fit(values: dict, spec: SampleSpec, *, c_mem: float, v_rest: float) -> dict:
    """``values`` plus the ideal LIF fitted to the sample's F-I points (three or more
    currents; ``c_mem`` in F and ``v_rest`` in V are held)."""
    if fit_keys(len(spec.currents)):
        values.update(fit_sample(
            spec.currents, [values[rate_key(k)] for k in range(len(spec.currents))],
            c_mem=c_mem, tau_m=values["tau_m_s"], v_rest=v_rest, v_th=values["v_th_V"],
            v_reset=values["v_reset_V"], t_ref=values["t_ref_s"]))
    return values


def cycle_level(guess: SaturatingLifParams) -> float:
    """Membrane level that cuts a firing cycle (a quarter of the way from reset to threshold,
    predicted): early in the climb, where the membrane moves fast and smoothly."""
    return guess.v_reset + CYCLE_LEVEL * (guess.v_th - guess.v_reset)


def measure_firing(spec: SampleSpec, guess: SaturatingLifParams, pr: Probes, run: TransientRun,
                   window_isi: float = WINDOW_ISI) -> dict:
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
            spikes = events.spike_times(pr, t, tr)
            cycle = extract.firing_cycle(t, np.asarray(tr[pr.mem]), level, spikes)
            if cycle is not None:
                break
        out[rate_key(k)] = 1.0 / cycle.isi if cycle is not None else 0.0
        if k:
            continue
        if cycle is None:
            raise _no_cycle_error(t, tr, pr, spikes, i)
        out.update(_reference_cycle(t, tr, pr, cycle))
    return out


def _no_cycle_error(t, tr, pr: Probes, spikes: np.ndarray, i: float) -> MeasurementError:
    """Why the reference current showed no whole firing cycle: stuck in reset, or silent."""
    if spikes.size and events.still_in_reset(pr, t, tr):
        return MeasurementError(
            f"stuck in reset: fired {spikes.size} time(s) at the reference current "
            f"{i:.4g} A and held the reset to the end of the run ({t[-1]:.4g} s): the "
            "comparator did not let go, so the reset does not take the membrane "
            "below its hysteresis plus this sample's offset "
            "(Sky130Neuron.hysteresis_width)")
    hint = (" (below this sample's rheobase: the first current, where V_th, t_ref and "
            "the energy are measured, must fire every sample)" if not spikes.size else "")
    return MeasurementError(f"silent: no whole firing cycle ({spikes.size} spike(s)) at "
                            f"the reference current {i:.4g} A in {t[-1]:.4g} s{hint}")


def _reference_cycle(t, tr, pr: Probes, cycle) -> dict[str, float]:
    """Threshold (V), reset voltage (V), refractory time (s) and, with a supply probe, energy
    per spike (J) and static power (W) of one firing cycle."""
    v_mem = np.asarray(tr[pr.mem])
    pulses = events.reset_pulses(pr, t, tr)
    own = (pulses.start > cycle.start) & (pulses.start < cycle.stop)
    pulses = extract.ResetPulses(pulses.start[own][:1], pulses.stop[own][:1])
    # the membrane peak before the spike (robust to the reset starting before ``spike``
    # crosses half swing, as at ff, 85 C)
    out = {"v_th_V": float(extract.threshold_at_spikes(t, v_mem, np.array([cycle.spike]))[0]),
           "v_reset_V": (float(extract.reset_voltage(t, v_mem, pulses)[0])
                         if pulses.start.size else math.nan),
           "t_ref_s": float(pulses.width[0]) if pulses.start.size else math.nan}
    if pr.supply:
        e = energy_per_spike(t, tr, pr, bounds=(cycle.start, cycle.stop))
        out.update(energy_per_spike_J=e.dynamic, static_power_W=e.static_power)
    return out
