"""Test bench for the transistor-level sky130 neuron (:mod:`lifspice.circuits.sky130`).

The same measurements as the behavioral bench (leak DC sweep, subthreshold step, firing
transients), written with the real sky130 models through a small per-corner library
(:func:`lifspice.sim.pdk.corner_lib`), plus what only a transistor circuit has: the supply
current, hence the static power and the energy per spike, and the comparator's offset.

Pure apart from :meth:`Sky130Bench.for_design`, which locates the PDK and writes the corner
library (once, into the cache folder). The bench is a frozen dataclass so that F-I points
can be shipped to pool workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .analysis import extract
from .bench import Probes  # bench imports this module only inside make_bench: no cycle
from .circuits import sky130 as s130
from .circuits.params import SaturatingLifParams
from .circuits.stimulus import DC, Stimulus

# Published energy per spike of silicon LIF neurons (and a biological reference), to place
# the kit's number beside the literature: (source, technology, J, note). Only figures read
# in the cited source; copied from the project's reference table of published silicon LIFs.
PUBLISHED_ENERGY_PER_SPIKE: tuple[tuple[str, str, float, str], ...] = (
    ("Sourikopoulos et al. 2017, Front. Neurosci. 11:123", "65 nm CMOS", 4e-15,
     "artificial neuron"),
    ("Besrour et al. 2024, arXiv 2408.07734", "28 nm CMOS", 1.61e-15,
     "up to 300 kHz at 250 mV"),
    ("JLPEA 13(4):55, 2023", "65 nm CMOS", 2.1e-12, "LIF; 20 pJ per synaptic operation"),
    ("ACS Omega 2024 (PMC11044232)", "biological neuron", 1e-11,
     "order-of-magnitude reference"),
)

_SUPPLY = f"i({s130.SUPPLY})"
_DC_STEP = 1e-3  # V, leak sweep step: slope_at fits +-5 steps, well inside ~80 mV linear range


@dataclass(frozen=True)
class Sky130Bench:
    """Bench for :class:`lifspice.circuits.sky130.Sky130Neuron`.

    Parameters
    ----------
    design : Sky130Neuron
    lib_path : Path
        The corner library the netlists ``.include`` (from :func:`pdk.corner_lib`).
    init_commands : tuple of str
        ngspice commands the models need (``ngbehavior=hsa``, ...), sent once per session.
    """

    design: s130.Sky130Neuron
    lib_path: Path
    init_commands: tuple[str, ...] = ()
    kind = "sky130"

    @classmethod
    def for_design(cls, design: s130.Sky130Neuron) -> Sky130Bench:
        """Locate the PDK, write the design's corner library and return the bench.

        Raises :class:`lifspice.sim.pdk.PdkNotFoundError` (saying how to install the models)
        when no sky130 library is found.
        """
        from .sim.pdk import corner_lib, spiceinit_lines

        return cls(design=design, lib_path=Path(corner_lib(design.corner)),
                   init_commands=tuple(spiceinit_lines()))

    @property
    def probes(self) -> Probes:
        """``v(mem)``; ``v(spike)`` rises through vdd/2 when the comparator fires; the reset
        switch gate ``v(rst)`` is on above vdd/2; supply current ``i(vdd)``."""
        half = 0.5 * self.design.vdd
        return Probes(mem=f"v({s130.NODE_MEM})", spike=f"v({s130.NODE_SPIKE})",
                      spike_level=half, reset=f"v({s130.NODE_RESET})", reset_level=half,
                      supply=_SUPPLY, vdd=self.design.vdd)

    @property
    def c_mem(self) -> float:
        """Membrane capacitance the drawn MIM capacitor has (2 fF/um^2), F."""
        return self.design.c_mem_nominal

    def guess(self) -> SaturatingLifParams:
        """The saturating-leak LIF predicted from the sizes and biases (not simulated)."""
        return self.design.lif_guess()

    # netlists ---------------------------------------------------------------------------
    def transient(self, stim: Stimulus, *, t_stop: float, max_step: float,
                  v_mem0: float | None = None) -> str:
        """Whole neuron driven by ``stim``, membrane starting at ``v_mem0`` (V; default
        v_reset); saves mem, cmp, spike, rst, ext and the supply current."""
        return s130.neuron_netlist(self.design, stim, t_stop=t_stop, lib_path=str(self.lib_path),
                                   max_step=self._max_step(t_stop, max_step), v_init=v_mem0)

    def fi_netlist(self, i: float, *, t_stop: float, max_step: float) -> str:
        """Neuron at constant input ``i`` (A) from v_reset, saving only mem and spike."""
        pr = self.probes
        return s130.neuron_netlist(self.design, DC(i), t_stop=t_stop, lib_path=str(self.lib_path),
                                   max_step=self._max_step(t_stop, max_step),
                                   v_init=self.design.v_reset, save=(pr.mem, pr.spike))

    @staticmethod
    def _max_step(t_stop: float, max_step: float) -> float:
        # Only a guard against a step longer than the run. The step is deliberately not
        # tied to t_ref: the F-I flow reruns silent points near rheobase up to 64x longer
        # with the same step, and ngspice shortens the step at the reset edges by itself.
        return float(min(max_step, t_stop / 200))

    def leak_sweep(self) -> tuple[str, tuple[str, ...]]:
        """DC sweep of the leak OTA alone, 0 V to well above v_th, and the vector to save."""
        d = self.design
        v_lin = d.i_b / d.g_m_guess()
        hi = min(d.vdd, d.v_th + max(0.3, 4 * v_lin))
        return s130.ota_dc_netlist(d, str(self.lib_path), 0.0, hi, _DC_STEP), ("i(vmem)",)

    @staticmethod
    def leak_current(result) -> tuple[np.ndarray, np.ndarray]:
        """(V, current out of the membrane, A) from the sweep: ``-i(vmem)``."""
        return np.asarray(result.scale), -np.asarray(result["i(vmem)"])

    def step_test(self) -> tuple[str, float, float]:
        """Subthreshold step (~3 mV at the guessed g_m) from rest; netlist, step time (s),
        current (A)."""
        i_step = s130.default_step_current(self.design)
        t0 = 0.5 * self.guess().tau_m
        return s130.step_netlist(self.design, str(self.lib_path), i_step, t_step=t0), t0, i_step

    # report -----------------------------------------------------------------------------
    def extra_report(self, ch) -> dict:
        """Energy per spike, static power and comparator offset, for report.json."""
        from .report import json_number

        e = energy_per_spike(ch.trace_t, ch.trace_extra, self.probes)
        return {
            "energy_per_spike_J": json_number(e.dynamic),
            "energy_per_spike_total_J": json_number(e.total),
            "static_power_W": json_number(e.static_power),
            "energy_spikes_counted": e.n_isi,
            "energy_trace_i_A": json_number(ch.trace_i),  # the input the energy was measured at
            "published_energy_per_spike": [
                {"source": src, "technology": tech, "energy_per_spike_J": j, "note": note}
                for src, tech, j, note in PUBLISHED_ENERGY_PER_SPIKE
            ],
            "comparator_offset_V": json_number(ch.v_th - self.design.v_th),
            "v_th_reference_V": self.design.v_th,
        }


@dataclass(frozen=True)
class SpikeEnergy:
    """Supply energy of a periodically firing neuron (SI units)."""

    total: float  # J per spike, everything the supply delivered over whole ISIs
    static_power: float  # W, supply power in the quiet middle of the ISIs
    dynamic: float  # J per spike, total minus static power x ISI
    n_isi: int  # whole inter-spike intervals integrated


def energy_per_spike(t: np.ndarray, traces, probes, bounds=None) -> SpikeEnergy:
    """Energy per spike from a firing transient's supply current.

    The supply power (``probes.supply`` is the current into the source's + terminal, so
    negative while it delivers) is integrated over whole periods whose ends fall in the quiet
    climb, not on the spike edges, where a shift of one time step moved the integral by ~15 %
    of its mismatch spread (measured with the Monte Carlo floor reruns). By default each
    period runs from 0.1 ISI before one spike to 0.1 ISI before the next (a first spike too
    early for that, less than 0.1 ISI into the record, is left out); ``bounds`` gives the
    cuts instead, e.g. the start and stop of a :class:`~lifspice.analysis.extract.FiringCycle`.
    The static power is the median supply power in the quiet part of each period: the climb,
    more than 0.1 period after the end of the reset pulse and more than 0.1 period before the
    spike, where the comparator sits low and only the bias currents flow. What is left over
    per spike is the energy of firing (edges, comparator crowbar near threshold, hysteresis,
    refractory recharge).

    Parameters
    ----------
    t : ndarray
        Time, s.
    traces : mapping
        Vectors of the transient, holding ``probes.spike``, ``probes.reset`` and
        ``probes.supply``.
    bounds : sequence of float, optional
        Increasing times, s, cutting the record into whole periods of one spike each.
    """
    t = np.asarray(t, float)
    p = -np.asarray(traces[probes.supply], float) * probes.vdd  # W, delivered by the supply
    spikes = extract.spike_times(t, np.asarray(traces[probes.spike]), probes.spike_level)
    if bounds is None:
        if spikes.size >= 3 and spikes[0] - 0.1 * (spikes[1] - spikes[0]) < t[0]:
            spikes = spikes[1:]
        if spikes.size < 2 or spikes[0] - 0.1 * (spikes[1] - spikes[0]) < t[0]:
            return SpikeEnergy(math.nan, math.nan, math.nan, 0)
        isi = np.diff(spikes)
        bounds = spikes - 0.1 * np.concatenate([isi[:1], isi])
    bounds = np.asarray(bounds, float)
    if bounds.size < 2 or np.any(np.diff(bounds) <= 0) or bounds[0] < t[0] or bounds[-1] > t[-1]:
        return SpikeEnergy(math.nan, math.nan, math.nan, 0)
    a, b = float(bounds[0]), float(bounds[-1])
    inside = (t > a) & (t < b)
    ts = np.concatenate([[a], t[inside], [b]])
    e_total = float(np.trapezoid(np.interp(ts, t, p), ts))
    n = bounds.size - 1
    ends = np.asarray(extract.reset_pulses(t, np.asarray(traces[probes.reset]),
                                           probes.reset_level).stop)
    quiet = np.zeros(t.size, bool)
    for p0, p1 in zip(bounds[:-1], bounds[1:], strict=True):
        guard = 0.1 * (p1 - p0)
        s = spikes[(spikes > p0) & (spikes < p1)]
        if s.size == 0:
            continue
        after = ends[(ends > s[0]) & (ends < p1)]
        period = (t >= p0) & (t <= p1)
        busy = (t > s[0] - guard) & (t < (after[0] + guard if after.size else np.inf))
        quiet |= period & ~busy
    if not quiet.any():
        return SpikeEnergy(e_total / n, math.nan, math.nan, n)
    p_static = float(np.median(p[quiet]))
    return SpikeEnergy(e_total / n, p_static, (e_total - p_static * (b - a)) / n, n)
