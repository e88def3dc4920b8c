"""The behavioral (ideal-element) LIF neuron: netlists (``neuron``) and its bench (``bench``)."""

from lifspice.circuits.behavioral.bench import BehavioralBench
from lifspice.circuits.behavioral.neuron import (
    BehavioralNeuron,
    default_step_current,
    leak_dc_netlist,
    neuron_netlist,
    step_netlist,
)

__all__ = ["BehavioralBench", "BehavioralNeuron", "default_step_current", "leak_dc_netlist",
           "neuron_netlist", "step_netlist"]
