"""Validation of the mismatch draws: the threshold offset of a transistor pair on a PDK.

Two identical diode-connected devices, each fed the same current, differ in gate-source
voltage by the difference of their threshold draws: its spread over seeds is the Pelgrom
prediction ``sqrt(2) A_VT / sqrt(W L)`` with the coefficient read from the PDK
(sky130: ``lifspice.flows.gmid.pelgrom_coefficients``; gf180mcu:
:func:`lifspice.pdk.gf180mcu.pelgrom`, per effective W and L). The PDK's devices, units and
libraries come from its :class:`~lifspice.pdk.process.Process` and
:mod:`lifspice.pdk.registry` entry. The netlist is pure text; the measurement runs in a pool
worker that keeps the pair loaded and redraws per seed.
"""

from __future__ import annotations

from lifspice.circuits.netlist import assemble, spice_number
from lifspice.pdk.process import Process
from lifspice.pdk.registry import get_pdk
from lifspice.pdk.sky130 import PROCESS as SKY130
from lifspice.sim.loaded import LoadedCircuit, run_analysis


def pair_netlist(kind: str, w: float, length: float, *, process: Process = SKY130,
                 corner: str = "tt", temperature_c: float = 27.0, i_bias: float = 1e-6,
                 vdd: float | None = None) -> str:
    """Two identical diode-connected transistors of ``process`` (``kind`` ``"nfet"`` or
    ``"pfet"``, or the PDK's device name), each fed ``i_bias`` (A); with the mismatch library
    their gate-source voltages differ by the difference of their threshold draws. ``w`` and
    ``length`` in m; ``vdd`` (V) defaults to the process's. The netlist has no analysis card
    (see :func:`pair_offset`)."""
    by_name = {v: k for k, v in process.devices.items()}
    kind = by_name.get(kind, kind)
    if kind not in ("nfet", "pfet"):
        raise ValueError(f"kind must be 'nfet' or 'pfet' (or {process.name}'s device), "
                         f"got {kind!r}")
    lib = get_pdk(process.name).corner_lib(corner, True, temperature_c)
    vdd = process.vdd if vdd is None else vdd
    body = [f'.include "{lib}"', f".temp {spice_number(temperature_c)}",
            ".options gmin=1e-15 abstol=1e-15 reltol=1e-4", f"Vdd vdd 0 DC {spice_number(vdd)}"]
    for k in (1, 2):
        if kind == "pfet":  # diode from vdd, current pulled out to ground
            body += [process.fet(str(k), f"d{k}", f"d{k}", "vdd", "vdd", kind, w, length),
                     f"I{k} d{k} 0 DC {spice_number(i_bias)}"]
        else:
            body += [process.fet(str(k), f"d{k}", f"d{k}", "0", "0", kind, w, length),
                     f"I{k} vdd d{k} DC {spice_number(i_bias)}"]
    body.append(".save v(d1) v(d2)")
    return assemble(f"lifspice mismatch pair {process.devices[kind]}", body)


def pair_offset(sim, job: tuple) -> float:
    """``V(d1) - V(d2)`` (V) of :func:`pair_netlist` text for one seed; ``job`` is
    ``(netlist, seed)`` (sky130) or ``(netlist, seed, pdk name)``. Runs in a pool worker
    (keeps the pair loaded)."""

    netlist, seed, *pdk = job
    init = get_pdk(pdk[0] if pdk else "sky130").init_commands()
    with LoadedCircuit.lock:
        ses = LoadedCircuit.ensure(netlist, tuple(init))
        ses.command(f"setseed {int(seed)}")
        ses.command("reset")
        op = run_analysis(ses, "op")
    return float(op["v(d1)"][0] - op["v(d2)"][0])
