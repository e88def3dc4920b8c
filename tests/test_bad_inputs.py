"""Bad design files, values and output folders: one line, exit 2, the fault named, and
found before any simulation (these cases run in milliseconds because nothing is simulated).
The Monte Carlo, sizing and fit cases are in test_bad_inputs_*.py, in the same format."""

from __future__ import annotations

import pytest
from badinput import check_error

LIF = "c_mem = 1e-12\ng_leak = 1e-10\nv_rest = 0.2\nv_th = 0.6\nv_reset = 0.1\n"


def lif(**changes) -> str:
    keys = {"c_mem": "1e-12", "g_leak": "1e-10", "v_rest": "0.2", "v_th": "0.6",
            "v_reset": "0.1", **changes}
    return "".join(f"{k} = {v}\n" for k, v in keys.items() if v is not None)


def netlist(design: str) -> list[str]:
    return ["netlist", "--design", design, "--out", "{tmp}/out"]


CASES = [
    # design files
    (netlist("d.toml"), ["d.toml", "UTF-8"], {"d.toml": b"\xff\xfe\x00\x01binary"}),
    (netlist("d.toml"), ["d.toml", "UTF-8"],
     {"d.toml": "c_mem = 1e-12\n# caf\xe9\n".encode("latin-1")}),
    (netlist("d.json"), ["c_mem", "null"], {"d.json": '{"c_mem": null, "g_leak": 1e-10}'}),
    (netlist("d.json"), ["c_mem", "finite"],
     {"d.json": '{"c_mem": 1' + "0" * 400 + ', "g_leak": 1e-10, "v_rest": 0.2, "v_th": 0.6, '
                '"v_reset": 0.1}'}),
    (netlist("d.json"), ["table"], {"d.json": "[1, 2, 3]"}),
    (netlist("d.json"), ["JSON"], {"d.json": "{not json"}),
    (netlist("d.toml"), ["TOML"], {"d.toml": "c_mem = = 1"}),
    (netlist("d.toml"), ["c_mem", "number"], {"d.toml": lif(c_mem='"1p"')}),
    (netlist("d.toml"), ["folder"], {"d.toml": None}),
    (netlist("missing.toml"), ["missing.toml", "does not exist"], {}),
    (netlist("no_such_design"), ["no_such_design", "reference designs"], {}),
    (netlist("d.toml"), ["unknown", "c_mme"], {"d.toml": lif() + "c_mme = 1\n"}),
    (netlist("d.toml"), ["missing", "g_leak"], {"d.toml": lif(g_leak=None)}),
    (netlist("d.toml"), ["circuit", "behavioral"], {"d.toml": 'circuit = "spice2"\n' + lif()}),
    (netlist("d.json"), ["v_th", "list"], {"d.json": '{"v_th": [0.6]}'}),
    # values
    (netlist("d.toml"), ["c_mem", "> 0"], {"d.toml": lif(c_mem="-1e-12")}),
    (netlist("d.toml"), ["g_leak", "> 0"], {"d.toml": lif(g_leak="0.0")}),
    (netlist("d.toml"), ["v_th", "v_reset"], {"d.toml": lif(v_th="0.1", v_reset="0.6")}),
    (netlist("d.toml"), ["t_ref", ">= 0"], {"d.toml": lif() + "t_ref = -1e-3\n"}),
    (netlist("d.toml"), ["c_mem", "finite"], {"d.toml": lif(c_mem="nan")}),
    (netlist("d.toml"), ["v_rest", "finite"], {"d.toml": lif(v_rest="inf")}),
    (netlist("d.toml"), ["g_leak", "plausible"], {"d.toml": lif(g_leak="1e300")}),
    (netlist("d.toml"), ["c_mem", "plausible"], {"d.toml": lif(c_mem="1e-300")}),
    (netlist("d.toml"), ["c_mem", "plausible"], {"d.toml": lif(c_mem="1e300")}),
    (netlist("d.toml"), ["v_th", "plausible"], {"d.toml": lif(v_th="1e6")}),
    (netlist("d.toml"), ["t_ref", "plausible"], {"d.toml": lif() + "t_ref = 1e9\n"}),
    (netlist("d.toml"), ["tau_m", "plausible"], {"d.toml": lif(c_mem="1e-18", g_leak="1e3")}),
    (netlist("d.toml"), ["ota_degeneration"],
     {"d.toml": 'circuit = "sky130"\nota_degeneration = 1.0\n'}),
    (netlist("d.toml"), ["topology"], {"d.toml": 'circuit = "sky130"\ntopology = "fancy"\n'}),
    (netlist("d.toml"), ["corner"], {"d.toml": 'circuit = "sky130"\ncorner = "xx"\n'}),
    (netlist("d.toml"), ["unknown", "i_bb"], {"d.toml": 'circuit = "sky130"\ni_bb = 1e-9\n'}),
    # gf180mcu: its own bins, supply and corners (not sky130's)
    (netlist("d.toml"), ["l_reset", "2.8e-07"],
     {"d.toml": 'circuit = "gf180"\nl_reset = 0.15e-6\n'}),
    (netlist("d.toml"), ["vdd", "2.5 .. 3.63 V"], {"d.toml": 'circuit = "gf180"\nvdd = 1.8\n'}),
    (netlist("d.toml"), ["corner", "tt_mm"], {"d.toml": 'circuit = "gf180"\ncorner = "tt_mm"\n'}),
    # output folders, for every command that writes one
    (["netlist", "--out", "{tmp}/f"], ["--out", "is a file"], {"f": "x"}),
    (["netlist", "--out", "{tmp}/f/sub"], ["--out", "under the file"], {"f": "x"}),
    (["characterize", "--out", "{tmp}/f"], ["--out", "is a file"], {"f": "x"}),
    (["characterize", "--out", "{tmp}/f/sub"], ["--out", "under the file"], {"f": "x"}),
    (["montecarlo", "behavioral", "--samples", "2", "--seed", "1", "--out", "{tmp}/f"],
     ["--out", "is a file"], {"f": "x"}),
    (["corners", "--out", "{tmp}/f"], ["--out", "is a file"], {"f": "x"}),
    (["size", "--tau", "1ms", "--out", "{tmp}/f"], ["--out", "is a file"], {"f": "x"}),
    (["gmid", "--out", "{tmp}/f"], ["--out", "is a file"], {"f": "x"}),
]


@pytest.mark.parametrize("argv,named,files", CASES, ids=lambda c: None)
def test_bad_input_is_one_line(argv, named, files, tmp_path, capsys):
    check_error(argv, named, files, tmp_path, capsys)


def test_unwritable_out_folder(tmp_path, capsys):
    # a folder nobody may create, root included (the tests run as root in CI)
    check_error(["netlist", "--out", "/sys/lifspice-test/out"], ["--out", "cannot create"], {},
                tmp_path, capsys)
