"""Validation of the mismatch draws: the threshold offset of a sky130 transistor pair.

Two identical diode-connected devices, each fed the same current, differ in gate-source
voltage by the difference of their threshold draws: its spread over seeds is the Pelgrom
prediction ``sqrt(2) A_VT / sqrt(W L)`` with the coefficient read from the PDK
(``lifspice.flows.gmid.pelgrom_coefficients``). The netlist is pure text; the
measurement runs in a pool worker that keeps the pair loaded and redraws per seed.
"""

from __future__ import annotations

from lifspice.circuits.netlist import assemble, safe_name, spice_number
from lifspice.pdk.sky130 import corner_lib, spiceinit_lines
from lifspice.sim.loaded import LoadedCircuit, run_analysis


def pair_netlist(model: str, w: float, length: float, *, corner: str = "tt",
                 i_bias: float = 1e-6, vdd: float = 1.8) -> str:
    """Two identical diode-connected sky130 transistors, each fed ``i_bias`` (A); with the
    mismatch library their gate-source voltages differ by the difference of their threshold
    draws. ``w`` and ``length`` in m. The netlist has no analysis card (see
    :func:`pair_offset`)."""
    model = safe_name(model, "model")
    lib = corner_lib(corner, mismatch=True)
    um = lambda x: spice_number(round(x * 1e6, 6))  # noqa: E731
    pmos = "pfet" in model
    body = [f'.include "{lib}"', ".options gmin=1e-15 abstol=1e-15 reltol=1e-4",
            f"Vdd vdd 0 DC {spice_number(vdd)}"]
    for k in (1, 2):
        if pmos:  # diode from vdd, current pulled out to ground
            body += [f"X{k} d{k} d{k} vdd vdd {model} W={um(w)} L={um(length)} nf=1",
                     f"I{k} d{k} 0 DC {spice_number(i_bias)}"]
        else:
            body += [f"X{k} d{k} d{k} 0 0 {model} W={um(w)} L={um(length)} nf=1",
                     f"I{k} vdd d{k} DC {spice_number(i_bias)}"]
    body.append(".save v(d1) v(d2)")
    return assemble(f"lifspice mismatch pair {model}", body)


def pair_offset(sim, job: tuple[str, int]) -> float:
    """``V(d1) - V(d2)`` (V) of :func:`pair_netlist` text for one seed; ``job`` is
    ``(netlist, seed)``. Runs in a pool worker (keeps the pair loaded)."""

    netlist, seed = job
    with LoadedCircuit.lock:
        ses = LoadedCircuit.ensure(netlist, tuple(spiceinit_lines()))
        ses.command(f"setseed {int(seed)}")
        ses.command("reset")
        op = run_analysis(ses, "op")
    return float(op["v(d1)"][0] - op["v(d2)"][0])
