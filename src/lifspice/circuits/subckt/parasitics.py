"""A synthetic post-layout netlist: a subcircuit with its nets split into RC ladders.

A parasitic extraction (Magic, Calibre PEX, ...) turns each net of a layout into a resistor
network with capacitance to the substrate at every node; every device terminal hangs off
its own node of the network. :func:`add_parasitics` does that to a subcircuit's text,
deterministically from a seed, so that the kit can be tested on a netlist shaped like an
extracted one (hundreds of R and C) and its slowdown measured: each pin of each net (ground
and global nodes excepted) is moved to its own node at the end of a chain of resistors
(1..50 Ohm per segment by default) from the net's original node, which keeps its name (so
ports and probed nodes stay where they were), and every new node gets a capacitor
(0.05..0.5 fF) to ground. Pure text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from lifspice.circuits.netlist import spice_number
from lifspice.circuits.subckt.lines import Instance, LogicalLine, logical_lines, parse_instance
from lifspice.circuits.subckt.parse import parse_netlist

_GROUND = {"0", "gnd"}


def _pins(instances: list[Instance], skip: set[str]) -> dict[str, list[tuple[int, int]]]:
    """net (lower-case) -> (instance index, node index) of every terminal on it."""
    nets: dict[str, list[tuple[int, int]]] = {}
    for i, inst in enumerate(instances):
        if inst.letter == "a":  # XSPICE node lists: left as they are
            continue
        for j, node in enumerate(inst.nodes):
            if node.lower() not in skip:
                nets.setdefault(node.lower(), []).append((i, j))
    return nets


def _segments(total: int, pins: int) -> list[int]:
    """``total`` resistors spread over ``pins`` terminals, as evenly as they go."""
    base, extra = divmod(total, pins)
    return [base + (1 if k < extra else 0) for k in range(pins)]


def _ladders(instances: list[Instance], skip: set[str], n_r: int, rng: np.random.Generator,
             ground: str, r_range: tuple[float, float], c_range: tuple[float, float],
             ) -> tuple[list[list[str]], list[str]]:
    """(new node list of every instance, the parasitic element lines)."""
    nodes = [list(inst.nodes) for inst in instances]
    nets = _pins(instances, skip)
    used = {n.lower() for inst in instances for n in inst.nodes}
    counts = _segments(n_r, sum(len(p) for p in nets.values()))
    elements: list[str] = []
    k = 0
    for net, pins in nets.items():
        current = next(n for n in instances[pins[0][0]].nodes if n.lower() == net)
        for inst_index, node_index in pins:
            for _ in range(counts[k]):
                new = f"{current.split('__pex')[0]}__pex{len(elements) // 2}"
                while new.lower() in used:
                    new += "_"
                used.add(new.lower())
                n = len(elements) // 2
                elements.append(f"Rpex{n} {current} {new} "
                                f"{spice_number(rng.uniform(*r_range))}")
                elements.append(f"Cpex{n} {new} {ground} "
                                f"{spice_number(rng.uniform(*c_range))}")
                current = new
            nodes[inst_index][node_index] = current
            k += 1
    return nodes, elements


def _rebuilt(inst: Instance, nodes: list[str]) -> str:
    rest = inst.tokens[len(inst.nodes):]
    return " ".join([inst.name, *nodes, *rest])


def add_parasitics(text: str, name: str, *, n_elements: int = 1000, seed: int = 0,
                   ground: str = "0", r_range: tuple[float, float] = (1.0, 50.0),
                   c_range: tuple[float, float] = (0.05e-15, 0.5e-15)) -> str:
    """``text`` with subcircuit ``name`` turned into a synthetic extracted netlist.

    Parameters
    ----------
    text : str
        Netlist text holding ``.subckt name`` (e.g. from
        :func:`~lifspice.circuits.subckt.hierarchy.subckt_text`).
    name : str
        The subcircuit to extract; the others are copied unchanged.
    n_elements : int
        Parasitic elements to add: ``n_elements // 2`` resistors, as many capacitors, and
        one more capacitor (on the first port) if odd.
    seed : int
        Seed of the element values (the structure does not depend on it).
    ground : str
        Node the capacitors go to (``0``, or a port of the subcircuit).
    r_range, c_range : (float, float)
        Uniform ranges of the resistors (Ohm) and capacitors (F).

    Returns
    -------
    str
        The netlist text; comments of the input are dropped, the ports and all node names
        of the input are kept.
    """
    if n_elements < 2:
        raise ValueError(f"n_elements must be >= 2, got {n_elements!r}")
    text = "*\n" + text  # a first line that is no title, read alike by both passes
    netlist = parse_netlist(text, Path("parasitics.spice"), allow_missing=True)
    sub = netlist.subckt(name)
    skip = _GROUND | set(netlist.globals) | {ground.lower()}
    rng = np.random.default_rng(seed)
    nodes, elements = _ladders(list(sub.instances), skip, n_elements // 2, rng, ground,
                               r_range, c_range)
    if n_elements % 2 and sub.ports:
        elements.append(f"Cpex_port {sub.ports[0]} {ground} "
                        f"{spice_number(rng.uniform(*c_range))}")
    head = (f"* synthetic post-layout extraction of {sub.name}: "
            f"{sum(e.startswith('R') for e in elements)} R, "
            f"{sum(e.startswith('C') for e in elements)} C, seed {seed} "
            "(lifspice.circuits.subckt.parasitics)")
    out = [head]
    for line, depth_inside in _walk(text, sub.name.lower()):
        if depth_inside == 1 and not line.keyword.startswith("."):
            index = next(i for i, inst in enumerate(sub.instances)
                         if inst.location == line.location)
            out.append(_rebuilt(parse_instance(line), nodes[index]))
        elif depth_inside == 1 and line.keyword == ".ends":
            out += elements
            out.extend(line.raw)
        elif line.commented:  # an xschem top cell's **.subckt / **.ends
            out.append(line.text)
        else:
            out.extend(line.raw)
    return "\n".join(out) + "\n"


def _walk(text: str, target: str) -> Iterator[tuple[LogicalLine, int]]:
    """Logical lines with their depth inside subcircuit ``target`` (0 outside it; 1 for its
    own statements and its ``.ends``)."""
    depth = 0
    for line in logical_lines(text, Path("parasitics.spice").resolve()):
        kw = line.keyword
        if kw == ".subckt" and (depth or line.text.split()[1].lower() == target):
            depth += 1
            yield line, (0 if depth == 1 else depth)
            continue
        if kw == ".ends" and depth:
            yield line, depth
            depth -= 1
            continue
        yield line, depth
