"""The transistor-level LIF neuron on SkyWater sky130: netlists, bench, adaptive threshold."""

from lifspice.circuits.cmos.bench import CmosBench
from lifspice.circuits.cmos.neuron import Sky130Neuron

__all__ = ["CmosBench", "Sky130Neuron"]
