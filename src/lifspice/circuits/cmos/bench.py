"""Test bench for the transistor-level sky130 neuron (:mod:`lifspice.circuits.cmos.neuron`,
netlists from :mod:`lifspice.circuits.cmos.netlists`).

The same measurements as the behavioral bench (leak DC sweep, subthreshold step, firing
transients), written with the real sky130 models through a small per-corner library
(:func:`lifspice.pdk.sky130.corner_lib`), plus what only a transistor circuit has: the supply
current (``Probes.supply``: the report derives the static power and the energy per spike from
it) and the comparator's offset.

Pure apart from :meth:`~lifspice.circuits.cmos.bench.Sky130Bench.for_design`, which locates the
PDK and writes the corner library (once, into the cache folder). The bench is a frozen dataclass so
that F-I points can be shipped to pool workers. It implements
:class:`lifspice.circuits.bench.Bench`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifspice.circuits.bench import Probes, SweepResult
from lifspice.circuits.params import SaturatingLifParams
from lifspice.circuits.cmos.netlists import (
    default_step_current,
    neuron_netlist,
    ota_dc_netlist,
    step_netlist,
)
from lifspice.circuits.cmos.neuron import Sky130Neuron
from lifspice.circuits.cmos.nodes import NODE_MEM, NODE_RESET, NODE_SPIKE, SUPPLY
from lifspice.circuits.stimulus import DC, Stimulus
from lifspice.pdk.sky130 import corner_lib, spiceinit_lines

_SUPPLY = f"i({SUPPLY})"
_DC_STEP = 1e-3  # V, leak sweep step: slope_at fits +-5 steps, well inside ~80 mV linear range


@dataclass(frozen=True)
class Sky130Bench:
    """Bench for :class:`lifspice.circuits.cmos.neuron.Sky130Neuron`.

    Parameters
    ----------
    design : Sky130Neuron
    model_library : Path
        The corner library the netlists ``.include`` (from :func:`lifspice.pdk.sky130.corner_lib`).
    init_commands : tuple of str
        ngspice commands the models need (``ngbehavior=hsa``, ...), sent once per session.
    """

    design: Sky130Neuron
    model_library: Path | None
    init_commands: tuple[str, ...] = ()
    kind = "sky130"
    pdk = "sky130"

    @classmethod
    def for_design(cls, design: Sky130Neuron) -> Sky130Bench:
        """Locate the PDK, write the design's corner library and return the bench.

        Raises :class:`lifspice.pdk.sky130.PdkNotFoundError` (saying how to install the models)
        when no sky130 library is found.
        """
        return cls(design=design, model_library=Path(corner_lib(design.corner)),
                   init_commands=tuple(spiceinit_lines()))

    @property
    def probes(self) -> Probes:
        """``v(mem)``; ``v(spike)`` rises through vdd/2 when the comparator fires; the reset
        switch gate ``v(rst)`` is on above vdd/2; supply current ``i(vdd)``."""
        half = 0.5 * self.design.vdd
        return Probes(mem=f"v({NODE_MEM})", spike=f"v({NODE_SPIKE})",
                      spike_level=half, reset=f"v({NODE_RESET})", reset_level=half,
                      supply=_SUPPLY, vdd=self.design.vdd)

    @property
    def c_mem(self) -> float:
        """Membrane capacitance the drawn MIM capacitor has (2 fF/um^2), F."""
        return self.design.c_mem_nominal

    @property
    def reset_overhead(self) -> float:
        """0 s: the transistor reset is the pulse whose width is the measured t_ref."""
        return 0.0

    def guess(self) -> SaturatingLifParams:
        """The saturating-leak LIF predicted from the sizes and biases (not simulated)."""
        return self.design.lif_guess()

    # netlists ---------------------------------------------------------------------------
    def transient(self, stim: Stimulus, *, t_stop: float, max_step: float,
                  v_mem0: float | None = None) -> str:
        """Whole neuron driven by ``stim``, membrane starting at ``v_mem0`` (V; default
        v_reset); saves mem, cmp, spike, rst, ext and the supply current."""
        return neuron_netlist(self.design, stim, t_stop=t_stop, lib_path=str(self.model_library),
                              max_step=self._max_step(t_stop, max_step), v_init=v_mem0)

    def fi_netlist(self, i: float, *, t_stop: float, max_step: float) -> str:
        """Neuron at constant input ``i`` (A) from v_reset, saving only mem and spike."""
        pr = self.probes
        return neuron_netlist(self.design, DC(i), t_stop=t_stop, lib_path=str(self.model_library),
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
        return ota_dc_netlist(d, str(self.model_library), 0.0, hi, _DC_STEP), ("i(vmem)",)

    @staticmethod
    def leak_current(result: SweepResult) -> tuple[np.ndarray, np.ndarray]:
        """(V, current out of the membrane, A) from the sweep: ``-i(vmem)``."""
        return np.asarray(result.scale), -np.asarray(result["i(vmem)"])

    def step_test(self) -> tuple[str, float, float]:
        """Subthreshold step (~3 mV at the guessed g_m) from rest; netlist, step time (s),
        current (A)."""
        i_step = default_step_current(self.design)
        t0 = 0.5 * self.guess().tau_m
        return step_netlist(self.design, str(self.model_library), i_step, t_step=t0), t0, i_step

    # report -----------------------------------------------------------------------------
    def extra_report(self, ch) -> dict:
        """The comparator's offset: its trip point (``ch.v_th``) against the reference
        voltage it compares with, V."""
        return {"comparator_offset_V": ch.v_th - self.design.v_th,
                "v_th_reference_V": self.design.v_th}
