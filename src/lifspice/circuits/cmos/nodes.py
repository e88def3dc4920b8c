"""Node and source names of the transistor neuron's netlists (sky130, gf180mcu), and the
vectors saved by default.

These names are the netlists' interface: the bench probes them, flows save them
(:mod:`lifspice.circuits.cmos.blocks` wires them, :mod:`lifspice.circuits.cmos.netlists`
writes the analyses).
"""

from __future__ import annotations

NODE_MEM = "mem"          # membrane
NODE_CMP = "cmp"          # comparator output (analog, before the inverters)
NODE_SPIKE = "spike"      # comparator after two inverters: high while above threshold
NODE_EXT = "ext"          # refractory timer capacitor (low during the refractory period)
NODE_RESET = "rst"        # reset switch gate: high = membrane held at v_reset
NODE_VREST = "vrest"
NODE_VTH = "vth"
NODE_VRESET = "vreset"
SUPPLY = "vdd"            # supply node and source name: i(vdd) is the supply current
STIM_SOURCE = "iin"
SAVE_VECTORS = (
    f"v({NODE_MEM})", f"v({NODE_CMP})", f"v({NODE_SPIKE})", f"v({NODE_RESET})",
    f"v({NODE_EXT})", f"i({SUPPLY})",
)

__all__ = [
    "NODE_CMP", "NODE_EXT", "NODE_MEM", "NODE_RESET", "NODE_SPIKE", "NODE_VREST", "NODE_VRESET",
    "NODE_VTH", "SAVE_VECTORS", "STIM_SOURCE", "SUPPLY",
]
