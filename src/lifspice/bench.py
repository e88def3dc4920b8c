"""Test benches: the netlists a characterization runs for one circuit, and how to read them.

A bench turns a design into netlist text for each measurement (neuron transient, leak DC
sweep, subthreshold step) and names the nodes extraction needs.  Pure: no simulator, no
files.  Each circuit kind has one bench; :func:`make_bench` picks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .circuits import behavioral as beh
from .circuits.params import SaturatingLifParams
from .circuits.stimulus import DC, Stimulus


@dataclass(frozen=True)
class Probes:
    """Node names and levels extraction uses (canonical vector names)."""

    mem: str
    spike: str  # comparator output; a spike is its rising crossing of spike_level
    spike_level: float
    reset: str  # reset drive; the reset is on while above reset_level
    reset_level: float
    supply: str | None = None  # supply source current vector, for energy per spike
    vdd: float | None = None  # V

    @property
    def transient_vectors(self) -> tuple[str, ...]:
        vecs = (self.mem, self.spike, self.reset)
        return vecs + ((self.supply,) if self.supply else ())


@dataclass(frozen=True)
class BehavioralBench:
    """Bench for :class:`lifspice.circuits.behavioral.BehavioralNeuron`."""

    design: beh.BehavioralNeuron
    kind = "behavioral"
    init_commands: tuple[str, ...] = ()

    probes = Probes(mem="v(mem)", spike="v(cmp)", spike_level=0.5, reset="v(gate)",
                    reset_level=0.5)

    @property
    def c_mem(self) -> float:
        """Membrane capacitance, F."""
        return self.design.lif.c_mem

    def guess(self) -> SaturatingLifParams:
        """The saturating-leak LIF the design is meant to be (for run lengths and currents)."""
        return self.design.saturating_params()

    def transient(self, stim: Stimulus, *, t_stop: float, max_step: float,
                  v_mem0: float | None = None) -> str:
        return beh.neuron_netlist(self.design, stim, t_stop=t_stop, max_step=max_step,
                                  v_mem0=v_mem0)

    def fi_netlist(self, i: float, *, t_stop: float, max_step: float) -> str:
        """Neuron at constant input ``i`` (A), starting from v_reset."""
        return self.transient(DC(i), t_stop=t_stop, max_step=max_step,
                              v_mem0=self.design.lif.v_reset)

    def leak_sweep(self) -> tuple[str, tuple[str, ...]]:
        """DC sweep netlist of the leak alone and the vectors to save."""
        p = self.design.lif
        span = max(p.swing, 3 * self.design.linear_range) * 1.5
        step = min(span, self.design.linear_range) / 200
        return beh.leak_dc_netlist(self.design, p.v_rest - span, p.v_rest + span, step), (
            "i(vmem)",
        )

    @staticmethod
    def leak_current(result) -> tuple[np.ndarray, np.ndarray]:
        """(V, current out of the membrane) from the sweep result."""
        return np.asarray(result.scale), -np.asarray(result["i(vmem)"])

    def step_test(self) -> tuple[str, float, float]:
        """Subthreshold step netlist, the step time (s) and its current (A)."""
        i_step = beh.default_step_current(self.design)
        t0 = 0.5 * self.design.lif.tau_m
        return beh.step_netlist(self.design, i_step, t_settle=t0), t0, i_step


def make_bench(design):
    """The bench for ``design`` (a behavioral or sky130 neuron)."""
    if isinstance(design, beh.BehavioralNeuron):
        return BehavioralBench(design)
    from .circuits.sky130 import Sky130Neuron

    if isinstance(design, Sky130Neuron):
        from .sky130_bench import Sky130Bench

        return Sky130Bench.for_design(design)
    raise TypeError(f"no bench for {type(design).__name__}")
