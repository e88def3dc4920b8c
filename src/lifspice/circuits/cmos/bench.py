"""Test bench for the kit's transistor-level neuron (:mod:`lifspice.circuits.cmos.neuron`,
netlists from :mod:`lifspice.circuits.cmos.netlists`).

The same measurements as the behavioral bench (leak DC sweep, subthreshold step, firing
transients), written with the PDK's models through a small per-corner library
(:mod:`lifspice.pdk.registry`), plus what only a transistor circuit has: the supply
current (``Probes.supply``: the report derives the static power and the energy per spike from
it) and the comparator's offset.

Pure apart from :meth:`~lifspice.circuits.cmos.bench.CmosBench.for_design`, which locates the
PDK and writes the corner library (once, into the cache folder). The bench is a frozen dataclass so
that F-I points can be shipped to pool workers. It implements
:class:`lifspice.circuits.bench.Bench`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lifspice.circuits.bench import Probes, SweepResult
from lifspice.circuits.cmos.netlists import (
    default_step_current,
    neuron_netlist,
    ota_dc_netlist,
    step_netlist,
)
from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.circuits.cmos.nodes import NODE_MEM, NODE_RESET, NODE_SPIKE, SUPPLY
from lifspice.circuits.params import SaturatingLifParams
from lifspice.circuits.stimulus import DC, Stimulus
from lifspice.pdk.registry import get_pdk

_SUPPLY = f"i({SUPPLY})"
_DC_STEP = 1e-3  # V, leak sweep step: slope_at fits +-5 steps, well inside ~80 mV linear range


@dataclass(frozen=True)
class CmosBench:
    """Bench for the kit's transistor neuron on any PDK
    (:class:`lifspice.circuits.cmos.neuron.CmosNeuron`).

    Parameters
    ----------
    design : CmosNeuron
    model_library : Path
        The corner library the netlists ``.include`` (the PDK's
        :attr:`lifspice.pdk.registry.Pdk.corner_lib`).
    init_commands : tuple of str
        ngspice commands the models need (``ngbehavior=hsa``, ...), sent once per session.
    c_scale : float
        The corner's factor on the MIM capacitance (1 but at gf180mcu's ss and ff).
    """

    design: CmosNeuron
    model_library: Path | None
    init_commands: tuple[str, ...] = ()
    c_scale: float = 1.0

    @property
    def kind(self) -> str:
        """The design's ``circuit`` (``sky130``, ``gf180``)."""
        return self.design.CIRCUIT

    @property
    def pdk(self) -> str:
        """The design's PDK (``sky130``, ``gf180mcu``)."""
        return self.design.PROCESS.name

    @classmethod
    def for_design(cls, design: CmosNeuron) -> CmosBench:
        """Locate the PDK, write the design's corner library and return the bench.

        Raises :class:`lifspice.pdk.sky130.PdkNotFoundError` (saying how to install the models)
        when the PDK's models are not found.
        """
        pdk = get_pdk(design.PROCESS.name)
        lib = pdk.corner_lib(design.corner, False, design.temperature_c)
        return cls(design=design, model_library=Path(lib), init_commands=pdk.init_commands(),
                   c_scale=pdk.mim_scale(design.corner))

    @property
    def probes(self) -> Probes:
        """``v(mem)``; ``v(spike)`` rises through ``SPIKE_LEVEL`` vdd (sky130: vdd/2) when
        the comparator fires; the reset switch gate ``v(rst)`` is on above vdd/2; supply
        current ``i(vdd)``."""
        d = self.design
        half = 0.5 * d.vdd
        return Probes(mem=f"v({NODE_MEM})", spike=f"v({NODE_SPIKE})",
                      spike_level=d.SPIKE_LEVEL * d.vdd, reset=f"v({NODE_RESET})",
                      reset_level=half,
                      supply=_SUPPLY, vdd=self.design.vdd)

    @property
    def c_mem(self) -> float:
        """Membrane capacitance the drawn MIM capacitor has (the PDK's density, times the
        corner's MIM factor: gf180mcu's ss / ff move it by +-10 %), F."""
        return self.design.c_mem_nominal * self.c_scale

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
