"""The kit's own neurons written out as a ``.subckt`` file with a ``circuit = "subckt"`` design
(``lifspice netlist --subckt``): to hand a neuron to another tool, and to check the pins-only
bench against the native one on a circuit whose answers are known (the round trip).

Each export keeps the neuron's elements as its native netlists have them, with ground renamed to
the ``vss`` port, the input as its own port (a 0 V source into the membrane), the supply and
reference voltages as ports driven by the design's bias sources, and the spike output and the
reset drive as ports with the roles ``spike`` and ``reset``. Pure text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lifspice.circuits.behavioral import neuron as beh
from lifspice.circuits.cmos.blocks import neuron_core
from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.circuits.cmos.nodes import (
    NODE_MEM,
    NODE_RESET,
    NODE_SPIKE,
    NODE_VRESET,
    NODE_VREST,
    NODE_VTH,
    SUPPLY,
)
from lifspice.circuits.params import ParameterError
from lifspice.pdk.registry import MISMATCH_DEVICES

# number of node tokens after the element name, by element letter (X: up to the subckt name)
_NODES = {"b": 2, "c": 2, "r": 2, "l": 2, "i": 2, "v": 2, "d": 2, "s": 4, "e": 4, "g": 4,
          "m": 4}
#: A state node's shunt, in units of its capacitor's time constant over the reset hold: the
#: exported behavioral neuron needs a DC path on its latch and timer for the operating point
#: (the native netlists skip it with ``uic``); at 1e6 holds it changes the hold by ~1e-6.
_SHUNT_HOLDS = 1e6


@dataclass(frozen=True)
class SubcktExport:
    """A neuron as a subcircuit: the netlist text and the design-file keys that measure it."""

    name: str
    text: str
    design: dict[str, Any]  # keys of a circuit = "subckt" design (netlist path left to fill)


def ground_as(line: str, node: str) -> str:
    """``line`` with its ground node ``0`` renamed ``node`` (element node positions only;
    comments, directives and expressions unchanged)."""
    words = line.split()
    if not words or words[0][0] in "*.+":
        return line
    letter = words[0][0].lower()
    if letter == "x":
        last = next((k for k, w in enumerate(words) if k and "=" not in w
                     and MISMATCH_DEVICES.fullmatch(w.lower())), len(words) - 1)
        span = range(1, last)
    else:
        span = range(1, 1 + _NODES.get(letter, 0))
    return " ".join(node if k in span and w == "0" else w for k, w in enumerate(words))


def _subckt(name: str, ports: list[str], body: list[str], header: str) -> str:
    lines = [f"* {header}", f".subckt {name} {' '.join(ports)}", *body, f".ends {name}", ""]
    return "\n".join(lines)


def behavioral_subckt(n: beh.BehavioralNeuron, name: str = "lifspice_behavioral") -> SubcktExport:
    """The behavioral neuron: ports ``vm iin spike rst vss`` (spike: comparator output,
    rst: reset switch drive, both 0-1 V)."""
    if n.adapting:
        raise ParameterError("an adapting behavioral neuron (dv_th, tau_a) cannot be written "
                             "as a subckt yet: its threshold state has no pin")
    r = _SHUNT_HOLDS * n.t_hold / beh.C_STATE
    names = {beh.NODE_MEM: "vm", beh.NODE_CMP: "spike", beh.NODE_GATE: "rst"}
    body = [_rename(ground_as(x, "vss"), names) for x in beh.core_lines(n)]
    body += ["Viin iin vm 0", f"Rshunt_q {beh.NODE_LATCH} vss {r!r}",
             f"Rshunt_tmr {beh.NODE_TIMER} vss {r!r}"]
    text = _subckt(name, ["vm", "iin", "spike", "rst", "vss"], body,
                   f"lifspice behavioral LIF neuron as a subcircuit: {n.lif}")
    design = {"circuit": "subckt", "subckt": name, "pdk": "none", "spike_level": 0.5,
              "options": beh.sim_options(n),
              "pins": {"vm": "membrane", "iin": "input", "spike": "spike", "rst": "reset",
                       "vss": "ground"}}
    return SubcktExport(name, text, design)


def _rename(line: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        line = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w.])", new, line)
    return line


_SKY_SOURCES = {SUPPLY: "vdd", NODE_VREST: "vrest", NODE_VTH: "vth", NODE_VRESET: "vreset"}


def cmos_subckt(n: CmosNeuron, name: str | None = None) -> SubcktExport:
    """The kit's transistor neuron on its PDK (default name ``lifspice_<circuit>``): ports
    ``vm iin spike rst vdd vss vrest vth vreset``; the supply and
    the three reference voltages become pins driven by the design file."""
    body = []
    for line in neuron_core(n):
        words = line.split()
        if words and words[0].lower() in _SKY_SOURCES:
            continue  # the supply and references: pins now
        body.append(ground_as(line, "vss"))
    body = [_rename(x, {NODE_MEM: "vm"}) for x in body]
    body.append("Viin iin vm 0")
    ports = ["vm", "iin", NODE_SPIKE, NODE_RESET, "vdd", "vss", "vrest", "vth", "vreset"]
    name = name or f"lifspice_{n.CIRCUIT}"
    pdk = n.PROCESS.name
    text = _subckt(name, ports, body,
                   f"lifspice {n.CIRCUIT} LIF neuron ({n.topology}) as a subcircuit; models: "
                   f"include the {pdk} corner library before it")
    design = {"circuit": "subckt", "subckt": name, "pdk": pdk, "corner": n.corner,
              "temp": n.temperature_c, "vdd": n.vdd,
              "pins": {"vm": "membrane", "iin": "input", NODE_SPIKE: "spike",
                       NODE_RESET: "reset", "vdd": "vdd", "vss": "ground",
                       "vrest": {"voltage": n.v_rest}, "vth": {"voltage": n.v_th},
                       "vreset": {"voltage": n.v_reset}}}
    if n.SPIKE_LEVEL != 0.5:  # read the outputs where the native bench reads them
        design["spike_level"] = n.SPIKE_LEVEL * n.vdd
        design["reset_level"] = 0.5 * n.vdd
    return SubcktExport(name, text, design)


#: Writers of each kind that can be exported, by kind name.
EXPORTS: dict[str, Callable[[Any], SubcktExport]] = {
    "behavioral": behavioral_subckt, "sky130": cmos_subckt, "gf180": cmos_subckt,
}
