"""A user's own SPICE subcircuit as a neuron (``circuit = "subckt"``).

The netlist-reading layer, pure text (no ngspice): :mod:`~lifspice.circuits.subckt.parse`
reads a netlist file (:func:`~lifspice.circuits.subckt.parse.read_netlist`),
:mod:`~lifspice.circuits.subckt.hierarchy` writes a subcircuit's self-contained text and
flattens its hierarchy into devices with their ngspice paths, and
:mod:`~lifspice.circuits.subckt.parasitics` makes a synthetic post-layout version of a
subcircuit. :mod:`~lifspice.circuits.subckt.expr` evaluates SPICE numbers and expressions.
"""
