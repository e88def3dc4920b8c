"""The transistor-level LIF neuron on a PDK (SkyWater sky130, GlobalFoundries gf180mcu): netlists,
bench, adaptive threshold."""

from lifspice.circuits.cmos.bench import CmosBench
from lifspice.circuits.cmos.neuron import Sky130Neuron

__all__ = ["CmosBench", "Sky130Neuron"]
