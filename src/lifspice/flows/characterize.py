"""Characterize a neuron circuit: measure it in ngspice, fit the LIF to it, compare to theory.

The flow (each step is one or more simulations of the design's bench):

1. the leak alone, DC-swept: v_rest, g_m at rest, saturation current, linear range;
2. a subthreshold current step: tau_m by an exponential fit, beside C / g_m;
3. one firing transient: threshold, reset voltage, refractory time (and supply current);
4. the F-I curve, one short transient per current, on all cores;
5. fits of the textbook and the saturating-leak LIF to the F-I curve, and the prediction
   of the saturating-leak LIF built from the measurements of 1-3 with nothing fitted.

The result is a :class:`~lifspice.flows.characterize.Characterization`: ``summary()``,
``report()``, ``save(folder)`` and plots; :mod:`lifspice.io.report` writes the files.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from lifspice.analysis import events, extract, theory
from lifspice.analysis.compare import deviation_text
from lifspice.analysis.fit import LifFit, fit_fi
from lifspice.analysis.leak_model import LeakModel, classify_leak
from lifspice.analysis.plots.characterization import fi_figure, membrane_figure, save_figures
from lifspice.analysis.theory.leak_curve import rate_leak_curve
from lifspice.circuits.bench import Bench
from lifspice.circuits.kinds import make_bench
from lifspice.circuits.params import ParameterError, SaturatingLifParams
from lifspice.circuits.stimulus import DC
from lifspice.flows.fi import FiPoint, FiRange, default_currents, fi_range, run_fi
from lifspice.flows.probe import prepare_bench
from lifspice.io.design import load_design
from lifspice.io.report import report_dict, write_report
from lifspice.io.summaries import characterization_summary
from lifspice.sim.backends import make_simulator
from lifspice.sim.pool import SimPool
from lifspice.sim.result import Simulator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Characterization:
    """Everything measured on one design (SI units)."""

    bench: Bench
    leak: extract.LeakCurve
    step: extract.StepFit
    i_step: float  # A
    trace_i: float  # A, input of the representative transient
    trace_t: np.ndarray  # s
    trace_v: np.ndarray  # V
    trace_extra: dict  # other vectors of that transient
    v_th: float  # V, static trip point (membrane at firing for a slow crossing)
    v_th_transient: float  # V, membrane at firing in the representative transient
    comparator: extract.ComparatorDelay | None  # trip point and delay (None: none seen)
    v_reset: float  # V
    t_ref: float  # s
    fi: list[FiPoint]
    measured: SaturatingLifParams  # the saturating LIF from measurements only
    fit_ideal: LifFit
    fit_saturating: LifFit
    netlists: dict[str, str] = field(default_factory=dict)  # name -> netlist text
    fi_range: FiRange | None = None  # the default F-I range and what limits it
    leak_model: LeakModel | None = None  # the leak's kind (linear, saturating, sink, none)
    currents_given: bool = False  # True when the caller chose the F-I currents

    @property
    def currents(self) -> np.ndarray:
        return np.array([p.i for p in self.fi])

    @property
    def rates(self) -> np.ndarray:
        return np.array([p.rate for p in self.fi])

    @property
    def tau_pred(self) -> float:
        """C / g_m, s."""
        return self.bench.c_mem / self.leak.g_m

    @property
    def rheobase(self) -> float:
        """Leak current at the measured threshold: the smallest input that can fire, A."""
        return max(0.0, float(self.leak.current(self.v_th)))

    def rheobase_bracket(self) -> tuple[float, float]:
        """(largest silent F-I current, smallest firing one), A."""
        i, f = self.currents, self.rates
        silent, firing = i[f == 0], i[f > 0]
        return (float(silent.max()) if silent.size else math.nan,
                float(firing.min()) if firing.size else math.nan)

    def theory_fi(self) -> np.ndarray:
        """Textbook-LIF rates from the design's own parameters at the F-I currents, Hz."""
        return np.asarray(theory.rate(self.bench.guess().ideal(), self.currents), float)

    def predicted_fi(self) -> np.ndarray:
        """The LIF with the measured leak curve (the DC sweep) and the measured C, trip
        point, reset, t_ref and comparator delay, nothing fitted, at the F-I currents, Hz
        (:func:`~lifspice.analysis.theory.leak_curve.rate_leak_curve`)."""
        return rate_leak_curve(self.leak.v, self.leak.i, self.measured, self.comparator,
                               self.currents)

    # results a person reads, files, plots ------------------------------------------------
    def report(self) -> dict:
        """The ``report.json`` dict (plain JSON types, units in the key names)."""
        return report_dict(self)

    def summary(self) -> str:
        """A few lines for the terminal, then how far silicon is from theory, in words."""
        return f"{characterization_summary(self.report())}\n\n{deviation_text(self)}"

    def save(self, folder: str | Path, *, plots: bool = True) -> Path:
        """Write what ``lifspice characterize`` writes into ``folder``: ``report.json``,
        ``fi.csv``, ``netlists/`` and (``plots``) ``membrane.png``, ``fi.png``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_report(self, folder)
        if plots:
            save_figures(self, folder)
        return folder

    def plot_membrane(self):
        """Figure: the SPICE membrane over the ideal and saturating LIF (matplotlib)."""
        return membrane_figure(self)

    def plot_fi(self):
        """Figure: F-I curve against theory, prediction and fits, with residuals."""
        return fi_figure(self)


def characterize(
    design,
    *,
    sim: Simulator | None = None,
    pool: SimPool | None = None,
    currents=None,
    n_fi: int = 16,
    workers: int | None = None,
    backend: str = "shared",
    progress: Callable[[str, int, int], None] | None = None,
) -> Characterization:
    """Measure a neuron with ngspice, fit the LIF to it, compare with theory.

    Parameters
    ----------
    design : str, path, mapping or design object
        A shipped design's name (``"sky130_lean"``), a design file, a table of design keys
        or a design (:func:`lifspice.io.design.load_design` reads the first three).
    sim : Simulator, optional
        Runs the single measurements; by default one of ``backend`` is made with the
        bench's init commands.
    pool : SimPool, optional
        Runs the F-I points in parallel; by default, when ``sim`` is not given either, a pool
        of ``workers`` processes (default: all cores) is made and closed at the end.
    currents : array_like, optional
        F-I input currents, A (default :func:`lifspice.flows.fi.default_currents`).
    n_fi : int
        Number of F-I points when ``currents`` is not given.
    backend : {"shared", "batch"}
        ngspice in-process (PySpice) or ``ngspice -b``, for the simulators made here.
    progress : callable, optional
        ``progress(stage, done, total)``.
    """
    bench = make_bench(load_design(design))
    if sim is None:
        sim = make_simulator(backend, bench.init_commands)
        if pool is None:
            with SimPool(workers=workers, init_commands=bench.init_commands,
                         backend=backend) as own_pool:
                return _characterize(bench, sim, own_pool, currents, n_fi, progress)
    return _characterize(bench, sim, pool, currents, n_fi, progress)


def _characterize(bench: Bench, sim: Simulator, pool: SimPool | None, currents, n_fi: int,
                  progress) -> Characterization:
    def step_done(stage):
        if progress:
            progress(stage, 1, 1)

    bench = prepare_bench(bench, sim)
    guess = bench.guess()
    netlists: dict[str, str] = {}
    leak = _leak(bench, sim, netlists)
    leak_model = classify_leak(leak.v, leak.i)
    if leak_model.kind == "linear":  # no saturation within the sweep: i_b is unbounded
        leak = replace(leak, i_sat_pos=_UNSATURATED * leak.g_m * float(np.ptp(leak.v)),
                       i_sat_neg=_UNSATURATED * leak.g_m * float(np.ptp(leak.v)))
    step_done("leak DC sweep")
    step, i_step = _step(bench, sim, netlists)
    step_done("step response")
    # The leak as measured, with the design's threshold, reset and t_ref: it places the
    # firing transient and the F-I currents (a guess from the sizes can be far off).
    pre = _lif(bench, leak, guess.v_th, guess.v_reset, guess.t_ref)
    tr = _firing_transient(bench, sim, pre, netlists)
    step_done("firing transient")
    placed = _lif(bench, leak, tr.v_th, tr.v_reset, tr.t_ref)

    # 4. F-I curve, placed and timed by the measured model
    # the range stops at 0.5 / t_ref, 20 / tau_m or where the reset's hold and edges beyond
    # t_ref stop being negligible, whichever comes first (fi_range)
    top = fi_range(placed, bench.reset_overhead)
    cur = (default_currents(placed, n_fi, top=top) if currents is None
           else np.asarray(currents, float))
    fi = run_fi(bench, cur, sim=sim, pool=pool, model=placed,
                progress=(lambda k, n: progress("F-I curve", k, n)) if progress else None)

    # The comparator fires a delay after the membrane crosses its trip point, so the
    # membrane at firing rises with its slope: separate the two over the F-I points (the
    # slope is (I - I_leak(V)) / C from the measured leak). The LIF threshold is the trip
    # point; the delay adds to each ISI.
    comp = _comparator(fi, leak, bench.c_mem)
    v_th = comp.v_trip if comp is not None else tr.v_th
    measured = _lif(bench, leak, v_th, tr.v_reset, tr.t_ref)
    fit_id, fit_sat = _fits(fi, measured)
    return Characterization(
        bench=bench, leak=leak, step=step, i_step=i_step, trace_i=tr.i, trace_t=tr.t,
        trace_v=tr.v, trace_extra=tr.extra, v_th=v_th, v_th_transient=tr.v_th,
        comparator=comp, v_reset=tr.v_reset, t_ref=tr.t_ref, fi=fi,
        measured=measured, fit_ideal=fit_id, fit_saturating=fit_sat, netlists=netlists,
        fi_range=top, currents_given=currents is not None, leak_model=leak_model,
    )


#: A leak that did not saturate over its sweep counts as saturating at this many times the
#: current its conductance draws over the swept span (a linear range ~1000x the sweep).
_UNSATURATED = 1e3


def _lif(bench: Bench, leak: extract.LeakCurve, v_th: float, v_reset: float,
         t_ref: float) -> SaturatingLifParams:
    """The saturating LIF of the measured leak with this threshold, reset and t_ref; its
    rheobase is the swept leak current at v_th
    (:meth:`~lifspice.analysis.extract.LeakCurve.i_b_through`)."""
    return SaturatingLifParams(
        c_mem=bench.c_mem, g_leak=leak.g_m, v_rest=leak.v_rest, v_th=v_th,
        v_reset=min(v_reset, v_th - 1e-6), t_ref=t_ref, i_b=leak.i_b_through(v_th),
    )


def _leak(bench: Bench, sim: Simulator, netlists: dict[str, str]) -> extract.LeakCurve:
    """1. The leak alone, DC-swept."""
    net, vecs = bench.leak_sweep()
    netlists["leak_dc"] = net
    v, i = bench.leak_current(sim.run(net, vectors=vecs))
    try:
        return extract.leak_curve(v, i)
    except ValueError as exc:
        raise ParameterError(
            f"leak DC sweep from {float(np.min(v)):.4g} to {float(np.max(v)):.4g} V: {exc} "
            f"(current {float(np.min(i)):.3g} to {float(np.max(i)):.3g} A); the membrane "
            "must rest inside the swept range with a leak that pulls it back (a subckt design "
            "sets the range with v_lo and v_hi)") from None


def _step(bench: Bench, sim: Simulator,
          netlists: dict[str, str]) -> tuple[extract.StepFit, float]:
    """2. A subthreshold current step: tau_m by an exponential fit; (fit, step current A)."""
    net, t0, i_step = bench.step_test()
    netlists["step"] = net
    res = sim.run(net, vectors=[bench.probes.mem])
    return extract.fit_step_response(res.time, res[bench.probes.mem], t0), i_step


@dataclass(frozen=True)
class _Transient:
    """The representative firing transient and what it shows (SI units)."""

    i: float
    t: np.ndarray
    v: np.ndarray
    extra: dict
    v_th: float
    v_reset: float
    t_ref: float


def _firing_transient(bench: Bench, sim: Simulator, pre: SaturatingLifParams,
                      netlists: dict[str, str]) -> _Transient:
    """3. One firing transient at twice the rheobase: threshold, reset, refractory time.

    The rheobase counts as at least 5 % of g (v_th - v_reset): with v_rest at v_th it is 0,
    and twice a femtoampere fired once in 90 tau_m (found by the property tests)."""
    i_tr = 2.0 * max(pre.rheobase, 0.05 * pre.g_leak * (pre.v_th - pre.v_reset), 1e-15)
    isi = float(theory.isi_saturating(pre, i_tr))
    t_stop = 4.5 * isi if math.isfinite(isi) else 10 * pre.tau_m
    net = bench.transient(DC(i_tr), t_stop=t_stop, max_step=t_stop / 2000,
                          v_mem0=pre.v_reset)
    netlists["transient"] = net
    pr = bench.probes
    res = sim.run(net, vectors=list(pr.transient_vectors))
    t, v = res.time, res[pr.mem]
    lv = events.firing_levels(pr, t, res)
    if not lv.complete:
        raise ParameterError(
            f"the neuron fired {lv.spikes.size} time(s) at {i_tr:.3g} A (twice its measured "
            f"rheobase, or of 5 % of g (v_th - v_reset)) in {t_stop:.3g} s, so threshold, "
            "reset and refractory time cannot be measured; check that the design spikes and "
            "resets (v_th, v_reset, t_ref, and for a transistor design its comparator and "
            "reset biases)"
        )
    return _Transient(
        i=i_tr, t=t, v=v, extra={k: res[k] for k in pr.transient_vectors if k != pr.mem},
        v_th=lv.v_th, v_reset=lv.v_reset, t_ref=lv.t_ref,
    )


def _fits(fi: list[FiPoint], measured: SaturatingLifParams) -> tuple[LifFit, LifFit]:
    """5. The textbook and the saturating-leak LIF fitted to the F-I curve."""
    i_arr = np.array([p.i for p in fi])
    f_arr = np.array([p.rate for p in fi])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_id = fit_fi(i_arr, f_arr, model="ideal", initial=measured.ideal())
        # i_b is only identifiable when the membrane swing reaches the leak's saturation
        sat_free = ("g_leak", "i_b", "t_ref") if measured.v_lin < 3 * measured.swing else (
            "g_leak", "t_ref")
        fit_sat = fit_fi(i_arr, f_arr, model="saturating", initial=measured, free=sat_free)
    for w in caught:
        log.warning("fit: %s", w.message)
    return fit_id, fit_sat


def _comparator(fi: list[FiPoint], leak: extract.LeakCurve,
                c_mem: float) -> extract.ComparatorDelay | None:
    """Trip point and delay from the firing F-I points, or None when they show no delay:
    too few points, or a membrane-at-firing that moves by less than three times the
    resolution it was read with (a simulator stepping over an ideal comparator's edge at
    its largest step reads the membrane up to one step late, which would pose as delay)."""
    firing = [p for p in fi if p.rate > 0 and p.v_th.size]
    if len(firing) < 3:
        return None
    v = np.array([float(np.median(p.v_th)) for p in firing])
    resolution = float(np.median(np.concatenate([p.v_th_resolution for p in firing])))
    if np.ptp(v) <= 3 * resolution:
        return None
    slope = (np.array([p.i for p in firing]) - leak.current(v)) / c_mem
    try:
        comp = extract.comparator_delay(v, slope)
    except (ValueError, RuntimeError):  # RuntimeError: curve_fit did not converge
        return None
    return comp if comp.gain > 0 else None
