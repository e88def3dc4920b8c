"""Bench of the behavioral (ideal-element) neuron."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lifspice.circuits.behavioral import neuron as beh
from lifspice.circuits.bench import Probes, SweepResult
from lifspice.circuits.params import SaturatingLifParams
from lifspice.circuits.stimulus import DC, Stimulus


@dataclass(frozen=True)
class BehavioralBench:
    """Bench for :class:`lifspice.circuits.behavioral.neuron.BehavioralNeuron`."""

    design: beh.BehavioralNeuron
    kind = "behavioral"
    pdk = None
    model_library: Path | None = None
    init_commands: tuple[str, ...] = ()

    probes = Probes(mem="v(mem)", spike="v(cmp)", spike_level=0.5, reset="v(gate)",
                    reset_level=0.5)

    @property
    def c_mem(self) -> float:
        """Membrane capacitance, F."""
        return self.design.lif.c_mem

    @property
    def reset_overhead(self) -> float:
        """Time each reset adds beyond t_ref (hold and edges), s: the F-I range stops where
        it exceeds 0.1 % of the ISI (:func:`lifspice.flows.fi.fi_range`)."""
        return self.design.reset_overhead

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

    @classmethod
    def for_design(cls, design: beh.BehavioralNeuron) -> BehavioralBench:
        return cls(design)

    @staticmethod
    def leak_current(result: SweepResult) -> tuple[np.ndarray, np.ndarray]:
        """(V, current out of the membrane) from the sweep result."""
        return np.asarray(result.scale), -np.asarray(result["i(vmem)"])

    def step_test(self) -> tuple[str, float, float]:
        """Subthreshold step netlist, the step time (s) and its current (A)."""
        i_step = beh.default_step_current(self.design)
        t0 = 0.5 * self.design.lif.tau_m
        return beh.step_netlist(self.design, i_step, t_settle=t0), t0, i_step

    def extra_report(self, ch: Any) -> Mapping[str, Any]:
        """Nothing beyond the common report."""
        return {}
