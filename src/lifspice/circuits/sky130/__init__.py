"""The transistor-level LIF neuron on SkyWater sky130: netlists, bench, adaptive threshold."""

from lifspice.circuits.sky130.bench import Sky130Bench
from lifspice.circuits.sky130.neuron import Sky130Neuron

__all__ = ["Sky130Bench", "Sky130Neuron"]
