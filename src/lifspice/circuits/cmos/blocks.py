"""Netlist text of the transistor neuron's sub-blocks (any PDK): leak OTA, comparator and its
hysteresis, current-starved inverters, refractory timer (pulse extender), reset switch.

Each block returns a list of netlist lines; :func:`~lifspice.circuits.cmos.blocks.neuron_core`
puts them together for a topology (the circuit is described in
:mod:`lifspice.circuits.cmos.neuron`). Node names come from
:mod:`lifspice.circuits.cmos.nodes`. Sizes are in metres, written in um. Pure.
"""

from __future__ import annotations

from lifspice.circuits.cmos.neuron import CmosNeuron
from lifspice.circuits.cmos.nodes import (
    NODE_CMP,
    NODE_EXT,
    NODE_MEM,
    NODE_RESET,
    NODE_SPIKE,
    NODE_VRESET,
    NODE_VREST,
    NODE_VTH,
    SUPPLY,
)
from lifspice.circuits.netlist import spice_number
from lifspice.pdk.process import Process

# device kinds, as :class:`lifspice.pdk.process.Process` names them (its ``devices``)
NFET = "nfet"
PFET = "pfet"


def _inverter(name: str, inp: str, out: str, n: CmosNeuron, starve: str) -> list[str]:
    """Inverter with one side current-starved, so that a slowly moving input (the comparator
    output near threshold, the refractory ramp) draws at most the limit current through it.

    ``starve='n'``: the pull-down is limited to ``i_lim`` (switching point moves up, the
    falling output edge is slow); ``'p'``: the pull-up is limited to ``i_cmp`` by a copy of
    the comparator tail (switching point moves down, the rising output edge is slow).
    """
    f = n.PROCESS.fet
    mid = f"{name.lower()}s"
    if starve == "n":
        return [f(f"{name}p", out, inp, SUPPLY, SUPPLY, PFET, n.w_inv_p, n.l_inv),
                f(f"{name}n", out, inp, mid, "0", NFET, n.w_inv_n, n.l_inv),
                f(f"{name}l", mid, "nlim", "0", "0", NFET, n.w_lim, n.l_lim)]
    return [f(f"{name}l", mid, "cbias", SUPPLY, SUPPLY, PFET, n.w_cmp_tail, n.l_cmp_tail),
            f(f"{name}p", out, inp, mid, SUPPLY, PFET, n.w_inv_p, n.l_inv),
            f(f"{name}n", out, inp, "0", "0", NFET, n.w_inv_n, n.l_inv)]


def ota5(pr: Process, tag: str, in_x: str, in_out: str, out: str, *, tail: tuple[float, float],
         pair: tuple[float, float], mirror: tuple[float, float]) -> list[str]:
    """The six transistors of a 5-transistor pMOS-input OTA with its tail bias mirror.

    Instances ``X<tag>B``/``X<tag>T`` (pMOS mirror from ``<tag>bias``, which the caller
    feeds with a current source, to the tail ``<tag>tail``), ``X<tag>1``/``X<tag>2`` (the
    pair: gate ``in_x`` on the nMOS-diode side ``<tag>x``, gate ``in_out`` on the output
    side ``out``), ``X<tag>3``/``X<tag>4`` (nMOS mirror load). ``out`` rises when ``in_x``
    rises above ``in_out``. Sizes are (W, L) in metres.
    """
    f, t = pr.fet, tag.lower()
    bias, top, x = f"{t}bias", f"{t}tail", f"{t}x"
    return [
        f(f"{tag}B", bias, bias, SUPPLY, SUPPLY, PFET, *tail),
        f(f"{tag}T", top, bias, SUPPLY, SUPPLY, PFET, *tail),
        f(f"{tag}1", x, in_x, top, SUPPLY, PFET, *pair),
        f(f"{tag}2", out, in_out, top, SUPPLY, PFET, *pair),
        f(f"{tag}3", x, x, "0", "0", NFET, *mirror),
        f(f"{tag}4", out, x, "0", "0", NFET, *mirror),
    ]


def leak_ota(n: CmosNeuron, out: str) -> list[str]:
    """Leak OTA: + input v_rest, - input and output ``out``; bias branch included."""
    f = n.PROCESS.fet
    lines = [
        "* leak OTA: pMOS pair, nMOS mirror, tail mirrored from i_b",
        f"Ib lbias 0 DC {spice_number(n.i_b)}",
        f("LB", "lbias", "lbias", SUPPLY, SUPPLY, PFET, n.w_ota_tail, n.l_ota_tail),
        f("LT", "ltail", "lbias", SUPPLY, SUPPLY, PFET, n.w_ota_tail, n.l_ota_tail),
    ]
    for side, gate, drain in (("1", NODE_VREST, "lx"), ("2", out, out)):
        top = "ltail"
        for k in range(n.ota_degeneration):
            node = f"ld{side}{k}"
            bulk = SUPPLY if n.ota_bulk == "vdd" else top
            lines.append(f(f"LD{side}{k}", node, node, top, bulk, PFET, n.w_ota_in,
                              n.l_ota_in))
            top = node
        bulk = SUPPLY if n.ota_bulk == "vdd" else top
        lines.append(f(f"L{side}", drain, gate, top, bulk, PFET, n.w_ota_in, n.l_ota_in))
    lines += [f("L3", "lx", "lx", "0", "0", NFET, n.w_ota_mirror, n.l_ota_mirror),
              f("L4", out, "lx", "0", "0", NFET, n.w_ota_mirror, n.l_ota_mirror)]
    return lines


def _front(n: CmosNeuron) -> list[str]:
    """Supplies, membrane, leak OTA and comparator (``cmp``): common to both topologies."""
    s = spice_number
    w_mem, l_mem = n.mim_size
    return [
        f"{SUPPLY.capitalize()} {SUPPLY} 0 DC {s(n.vdd)}",
        f"{NODE_VREST.capitalize()} {NODE_VREST} 0 DC {s(n.v_rest)}",
        f"{NODE_VTH.capitalize()} {NODE_VTH} 0 DC {s(n.v_th)}",
        f"{NODE_VRESET.capitalize()} {NODE_VRESET} 0 DC {s(n.v_reset)}",
        "* membrane capacitor",
        n.PROCESS.cap("CM", NODE_MEM, "0", w_mem, l_mem),
        *leak_ota(n, NODE_MEM),
        "* comparator: pMOS pair (mem on the mirror-diode side: cmp high when mem > v_th)",
        # bias sources hang from vdd or to ground so that every bias current is in i(vdd)
        f"Icmp cbias 0 DC {s(n.i_cmp)}",
        *ota5(n.PROCESS, "C", NODE_MEM, NODE_VTH, NODE_CMP, tail=(n.w_cmp_tail, n.l_cmp_tail),
              pair=(n.w_cmp_in, n.l_cmp_in), mirror=(n.w_cmp_mirror, n.l_cmp_mirror)),
    ]


def _hysteresis(n: CmosNeuron, gate: str) -> list[str]:
    """i_hys into ``cmp`` while ``gate`` is low (a pMOS mirror and its bias diode)."""
    f = n.PROCESS.fet
    return [
        f"* hysteresis: i_hys into cmp while {gate} is low",
        f"Ihys hbias 0 DC {spice_number(n.i_hys)}",
        f("HB", "hbias", "hbias", SUPPLY, SUPPLY, PFET, n.w_cmp_tail, n.l_cmp_tail),
        f("H1", "hsrc", "hbias", SUPPLY, SUPPLY, PFET, n.w_cmp_tail, n.l_cmp_tail),
        f("H2", NODE_CMP, gate, "hsrc", SUPPLY, PFET, n.w_inv_p, n.l_inv),
    ]


def _extender(n: CmosNeuron, drive: str) -> list[str]:
    """``ext`` (capacitor c_ref) pulled low at once while ``drive`` is high, recharged by a
    pMOS starved to i_ref while it is low."""
    f = n.PROCESS.fet
    side_ref = n.PROCESS.mim_square_side(n.c_ref)
    return [
        f"Iref rbias 0 DC {spice_number(n.i_ref)}",
        f("RB", "rbias", "rbias", SUPPLY, SUPPLY, PFET, n.w_cmp_tail, n.l_cmp_tail),
        f("R1", "rsrc", "rbias", SUPPLY, SUPPLY, PFET, n.w_cmp_tail, n.l_cmp_tail),
        f("R2", NODE_EXT, drive, "rsrc", SUPPLY, PFET, n.w_inv_p, n.l_inv),
        f("R3", NODE_EXT, drive, "0", "0", NFET, 2 * n.w_inv_n, n.PROCESS.l_min),
        n.PROCESS.cap("CR", NODE_EXT, "0", side_ref, side_ref),
    ]


def _inverter_bias(n: CmosNeuron) -> list[str]:
    f = n.PROCESS.fet
    return [f"Ilim {SUPPLY} nlim DC {spice_number(n.i_lim)}",
            f("NL", "nlim", "nlim", "0", "0", NFET, n.w_lim, n.l_lim)]


def reset_switch(n: CmosNeuron) -> list[str]:
    """The nMOS reset switch: membrane to ``v_reset`` while ``rst`` is high."""
    f = n.PROCESS.fet
    return ["* reset switch",
            f("S", NODE_MEM, NODE_RESET, NODE_VRESET, "0", NFET, n.w_reset, n.l_reset)]


def neuron_core(n: CmosNeuron) -> list[str]:
    """Every device of the neuron for ``n.topology``: supplies and references, membrane,
    leak, comparator, logic, refractory timer and reset switch (no stimulus, no analysis)."""
    f = n.PROCESS.fet
    if n.topology == "lean":
        return [
            *_front(n),
            *_hysteresis(n, NODE_EXT),
            "* refractory: the comparator empties ext, i_ref refills it",
            *_extender(n, NODE_CMP),
            "* rst: inverter on ext starved to i_lim; spike is the same node",
            *_inverter_bias(n),
            *_inverter("I3", NODE_EXT, NODE_RESET, n, "n"),
            f"Vspike {NODE_SPIKE} {NODE_RESET} DC 0",
            *reset_switch(n),
        ]
    return [
        *_front(n),
        *_hysteresis(n, "cmpb"),
        "* logic: inverters starved to i_lim (one bias diode for all)",
        *_inverter_bias(n),
        *_inverter("I1", NODE_CMP, "cmpb", n, "p"),
        *_inverter("I2", "cmpb", NODE_SPIKE, n, "n"),
        "* refractory pulse extender: fast discharge of ext, recharge by i_ref",
        *_extender(n, NODE_SPIKE),
        *_inverter("I3", NODE_EXT, NODE_RESET, n, "n"),
        f("RF", NODE_EXT, NODE_RESET, SUPPLY, SUPPLY, PFET, n.w_ref_fb, n.l_ref_fb),
        *reset_switch(n),
    ]


__all__ = ["NFET", "PFET", "leak_ota", "neuron_core", "ota5", "reset_switch"]
