"""The instance paths and multipliers that ``flat_devices`` computes are ngspice's own.

A nested sky130 example (the xschem testbench's neuron, a leak pair called with ``m=2``, a
primitive two levels down) is loaded in ngspice 39 with the kit's tt mismatch library; every
``@<path>[delvto]`` / ``@<path>[capacitance]`` that ``flat_devices`` names prints a value,
``@<device>[m]`` equals the computed multiplier (the ``m=`` of enclosing instances
multiplied in), and a resistor's value evaluated through the hierarchy (a global parameter,
a default that uses an instance value) is ngspice's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lifspice.circuits.subckt.hierarchy import flat_devices, subckt_text
from lifspice.circuits.subckt.parse import read_netlist
from lifspice.pdk.sky130 import corner_lib, write_spiceinit

pytestmark = pytest.mark.sky130

DATA = Path(__file__).resolve().parent / "data" / "subckt"

WRAPPER = """\
.param rbase=1e9
.subckt deep a b w=1 l={2*w}
Rd a b {rbase*l}
.ends deep
.subckt wrap vm iin out vdd vss
xn vm iin out vdd vss neuron
xp vm iin vss leak_pair m=2
xd vm vss deep w=4
Rw vm vss 1e12
.ends wrap
"""


def test_flattened_paths_are_ngspice_paths(tmp_path):
    assert shutil.which("ngspice"), "ngspice is not installed (make test installs it)"
    tb = read_netlist(DATA / "xschem_tb.spice")
    user = tmp_path / "user.spice"
    user.write_text(subckt_text(tb, "neuron", models=False) + WRAPPER)
    devices = flat_devices(read_netlist(user), "wrap", "x1")
    queries = {}
    for d in devices:
        queries[f"@{d.spice_name}[m]"] = d.multiplier
        if d.mismatch:
            queries[d.mismatch] = None
        if d.name[0] in "Rr":  # values evaluated through the hierarchy: 1e9 * 2 * 4
            queries[f"@{d.spice_name}[resistance]"] = d.values["value"]
    assert queries["@r.x1.xd.rd[resistance]"] == 8e9
    assert "@m.x1.xp.xm1.msky130_fd_pr__nfet_01v8[m]" in queries  # nested, two m's
    write_spiceinit(tmp_path)
    deck = ["* lifspice: flattened paths", f'.include "{corner_lib("tt", mismatch=True)}"',
            f'.include "{user}"', "x1 vm iin out vdd 0 wrap", "V1 vdd 0 1.8",
            "I0 vdd iin 1n", ".control", "op", *(f"print {q}" for q in queries),
            ".endc", ".end"]
    (tmp_path / "deck.cir").write_text("\n".join(deck) + "\n")
    run = subprocess.run(["ngspice", "-b", "deck.cir"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    printed = {m.group(1): float(m.group(2)) for m in
               re.finditer(r"(?m)^(@\S+) = (\S+)$", run.stdout)}
    assert set(printed) == set(queries), run.stdout[-2000:] + run.stderr[-2000:]
    for query, expected in queries.items():
        if expected is not None:
            assert printed[query] == pytest.approx(expected, rel=1e-9), query
    # the multipliers are not all 1: the check could fail
    assert printed["@m.x1.xp.xm1.msky130_fd_pr__nfet_01v8[m]"] == 8.0
    assert printed["@m.x1.xn.x3.xm1.msky130_fd_pr__nfet_01v8[m]"] == 4.0
