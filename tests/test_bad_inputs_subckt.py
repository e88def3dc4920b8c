"""Bad subckt designs and netlists (circuit = "subckt"): one line, exit 2, the fault named.
The netlist and pin cases are refused before any simulation; the last ones simulate a few
ideal elements (a neuron that never fires, one that locks up after its first spike)."""

from __future__ import annotations

from pathlib import Path

import pytest
from badinput import check_error

ROOT = Path(__file__).resolve().parents[1]
NETLIST = (ROOT / "examples" / "textbook" / "textbook_lif.spice").read_text()
PINS = {"vm": '"membrane"', "iin": '"input"', "spike": '"spike"', "vss": '"ground"'}


def design(netlist: str = "n.spice", subckt: str = "textbook_lif", extra: str = "",
           **pins) -> str:
    table = {**PINS, **pins}
    rows = "".join(f"{k} = {v}\n" for k, v in table.items() if v is not None)
    return (f'circuit = "subckt"\nnetlist = "{netlist}"\nsubckt = "{subckt}"\n'
            f'pdk = "none"\n{extra}\n[pins]\n{rows}')


def run(name: str = "d.toml") -> list[str]:
    return ["characterize", "--design", name, "--out", "{tmp}/out", "--workers", "1",
            "--no-plots"]


CASES = [
    # pins against the .subckt line
    (run(), ["foo", "vm iin spike vss"], {"d.toml": design(foo='"open"'), "n.spice": NETLIST}),
    (run(), ["lacks", "spike"], {"d.toml": design(spike=None), "n.spice": NETLIST}),
    (run(), ["membrane"], {"d.toml": design(vm='"open"'), "n.spice": NETLIST}),
    (run(), ["ground"], {"d.toml": design(vss='"open"'), "n.spice": NETLIST}),
    (run(), ["role", "membrain"], {"d.toml": design(vm='"membrain"'), "n.spice": NETLIST}),
    (run(), ["voltage", "finite"],
     {"d.toml": design(spike='{ voltage = "high" }'), "n.spice": NETLIST}),
    (run(), ["vdd"], {"d.toml": design(spike='"vdd"'), "n.spice": NETLIST}),
    (run(), ["more than one pin", "input"],
     {"d.toml": design(spike='"input"'), "n.spice": NETLIST}),
    # the design file's keys
    (run(), ["subckt", "needs"], {"d.toml": 'circuit = "subckt"\nnetlist = "n.spice"\n'
                                  "[pins]\nvm = \"membrane\"\n", "n.spice": NETLIST}),
    (run(), ["unknown", "vdd_v"], {"d.toml": design(extra="vdd_v = 1.8"), "n.spice": NETLIST}),
    (run(), ["pdk", "gf180"], {"d.toml": design().replace('"none"', '"gf180"'),
                               "n.spice": NETLIST}),
    (run(), ["input_sign"], {"d.toml": design(extra="input_sign = 2"), "n.spice": NETLIST}),
    (run(), ["vdd", "number"], {"d.toml": design(extra='vdd = "1.8V"'), "n.spice": NETLIST}),
    (run(), ["temperature_c", "number"],
     {"d.toml": design(extra='temp = "hot"'), "n.spice": NETLIST}),
    # the netlist
    (run(), ["n.spice", "not found"], {"d.toml": design()}),
    (run(), ["other_lif", "textbook_lif"],
     {"d.toml": design(subckt="other_lif"), "n.spice": NETLIST}),
    (run(), ["n.spice", "missing.spice"],
     {"d.toml": design(), "n.spice": '.include "missing.spice"\n' + NETLIST}),
    (run(), ["n.spice", ".ends"],
     {"d.toml": design(), "n.spice": NETLIST.replace(".ends textbook_lif", "")}),
    # model lines in the user's netlist (a file whose path names the PDK)
    (run(), ["n.spice", "section", "'ff'", "corner"],
     {"d.toml": design(extra='models = "own"'), "sky130.lib.spice": "* models\n",
      "n.spice": '.lib "sky130.lib.spice" ff\n' + NETLIST}),
    (run(), ["n.spice", "sky130", "pdk"],
     {"d.toml": design(), "sky130.lib.spice": "* models\n",
      "n.spice": '.lib "sky130.lib.spice" tt\n' + NETLIST}),
    (run(), ["models", "'kit'", "'own'"], {"d.toml": design(extra='models = "theirs"'),
                                            "n.spice": NETLIST}),
    # circuits that simulate but are no working neuron
    (run(), ["never fired", "textbook_lif"],
     {"d.toml": design(), "n.spice": NETLIST.replace("v_th=0.6", "v_th=5")}),
    (run(), ["locked up"],
     {"d.toml": design(), "n.spice": NETLIST.replace("t_ref=100u c_h=1p",
                                                     "t_ref=1e6 c_h=1p")}),
]


@pytest.mark.parametrize(("argv", "named", "files"), CASES,
                         ids=[f"{k}-{c[1][0]}" for k, c in enumerate(CASES)])
def test_bad_subckt_input(argv, named, files, tmp_path, capsys):
    check_error(argv, named, files, tmp_path, capsys)
