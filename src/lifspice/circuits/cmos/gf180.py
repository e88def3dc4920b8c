"""The kit's transistor neuron on GlobalFoundries gf180mcu 3.3 V devices
(``circuit = "gf180"``): the circuit of :mod:`lifspice.circuits.cmos.neuron` (both topologies)
drawn with ``nmos_3p3`` / ``pmos_3p3`` and the ``mim_2p0fF`` capacitor
(:data:`lifspice.pdk.gf180mcu.PROCESS`), at a 3.3 V supply.

The sizes are sky130's where the 3.3 V bins allow them (the shortest channel is 0.28 um, not
0.15 um); the three calibration constants are measured on gf180mcu (see
:class:`~lifspice.circuits.cmos.gf180.Gf180Neuron`). Pure: no files, no ngspice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lifspice.circuits.cmos.lean import GF180_LEAN, LeanComparator
from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.pdk import gf180mcu
from lifspice.pdk.process import Process

CIRCUIT = "gf180"


@dataclass(frozen=True, kw_only=True)
class Gf180Neuron(CmosNeuron):
    """The neuron on gf180mcu's 3.3 V devices; fields and checks are
    :class:`~lifspice.circuits.cmos.neuron.CmosNeuron`'s, with the ranges of
    :data:`lifspice.pdk.gf180mcu.PROCESS` (supply 2.5 .. 3.63 V, widths 0.22 .. 100 um,
    lengths 0.28 .. 50 um, MIM sides 5 .. 200 um).

    Calibration (tt, 27 degC, simulated): ``N_SLOPE`` the leak pair's slope factor,
    ``NUT_CMP`` the comparator pair's n U_T at release, ``REF_DROP`` how far below the
    supply the refractory inverter lets ``rst`` fall.
    """

    CIRCUIT: ClassVar[str] = CIRCUIT
    PROCESS: ClassVar[Process] = gf180mcu.PROCESS
    CORNERS: ClassVar[tuple[str, ...]] = gf180mcu.CORNERS
    # g_m 4.444 nS simulated at i_b = 300 pA (gf180.toml): n = i_b / (2 U_T g_m) = 1.305
    N_SLOPE: ClassVar[float] = 1.305
    # bisected release of the reference comparator (i_hys at which a 50 mV reset swing stops
    # letting go: i_hys / i_cmp = 0.605, tt 27 degC): 35.7 mV (n U_T of the leak pair: 33.7)
    NUT_CMP: ClassVar[float] = 35.7e-3
    # the lean comparator (gf180_lean.toml, i_cmp 8 nA) bisected the same way: releases at
    # i_hys / i_cmp 0.567-0.572 over a 50 mV swing (38.6 mV) and 0.865-0.869 over 100 mV
    # (37.8 mV; the reference's 35.1 mV there); sky130_lean's 42.1 mV stays within 4 % of
    # sky130's 43.6, gf180's 7 % off: its own
    NUT_CMP_LEAN: ClassVar[float] = 38.2e-3
    # rst falls with ext at 2.97 V (reference: t_ref 296.7 us) and 2.90 V (lean: 290.1 us)
    REF_DROP: ClassVar[dict[str, float]] = {"reference": 0.33, "lean": 0.4}
    # the 3.3 V logic is slow next to the reset: at vdd / 2 the spike output crossed after
    # the membrane was reset (spike at 0.77 V when rst rose), so the threshold read 0.4 V;
    # at 0.2 vdd its edge stalled on the level at ff (0.661 V, dip to 0.646 V): two spikes
    SPIKE_LEVEL: ClassVar[float] = 0.1
    LEAN_CMP: ClassVar[LeanComparator] = GF180_LEAN

    vdd: float = gf180mcu.VDD
    l_reset: float = 0.28e-6


__all__ = ["CIRCUIT", "Gf180Neuron"]
