"""The transistor-level LIF neuron on SkyWater sky130: netlists, bench, adaptive threshold."""

from lifspice.circuits.cmos.bench import Sky130Bench
from lifspice.circuits.cmos.neuron import Sky130Neuron

__all__ = ["Sky130Bench", "Sky130Neuron"]
