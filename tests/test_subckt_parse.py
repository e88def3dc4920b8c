"""The netlist reader of ``circuit = "subckt"`` (issue 16): a hand-written netlist, xschem
exports, bad netlists, the hierarchy flattened, the self-contained subcircuit text and the
synthetic post-layout netlist. Pure text: no ngspice (tests/test_subckt_parse_ngspice.py
checks the instance paths against ngspice)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifspice.circuits.subckt.expr import ExpressionError, UnknownParameter, evaluate, spice_float
from lifspice.circuits.subckt.hierarchy import (
    device_table,
    flat_devices,
    model_conflicts,
    model_lines,
    subckt_text,
    undrawn_devices,
)
from lifspice.circuits.subckt.lines import NetlistError
from lifspice.circuits.subckt.parasitics import add_parasitics
from lifspice.circuits.subckt.parse import parse_netlist, read_netlist

DATA = Path(__file__).resolve().parent / "data" / "subckt"
HAND = DATA / "hand_neuron.spice"
XSCHEM_CELL = DATA / "xschem_neuron.spice"
XSCHEM_TB = DATA / "xschem_tb.spice"


# --- numbers and expressions -----------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("2.5meg", 2.5e6), ("0.5f", 0.5e-15), ("1u", 1e-6), ("10pF", 1e-11), ("1M", 1e-3),
    ("1kohm", 1e3), ("-3n", -3e-9), ("1e-6", 1e-6), (".5", 0.5), ("2mil", 50.8e-6),
    ("4T", 4e12), ("7g", 7e9), ("5.05e+06u", 5.05), ("2.828e+12p", 2.828),  # Magic's PEX
])
def test_spice_numbers(text, value):
    assert spice_float(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text, value", [
    ("{2*lmin}", 0.3), ("'0.5p * 2'", 1e-12), ("{w > 1 ? 2 : 3}", 3.0),
    ("2**3", 8.0), ("2^3", 8.0), ("-2^2", -4.0), ("{sqrt(w*4)}", 2.0),
    ("'int((nf+1)/2) * W/nf * 0.29'", 0.29), ("max(1, lmin, 2u)", 1.0),
    ("agauss(1.5, 0.1, 3)", 1.5), ("(1 + 2) * 3 - 4 / 2", 7.0), ("1 && 0 || 1", 1.0),
])
def test_expressions(text, value):
    assert evaluate(text, {"lmin": 0.15, "w": 1.0, "nf": 1.0}) == pytest.approx(value)


def test_expression_errors():
    with pytest.raises(UnknownParameter, match="'wx'"):
        evaluate("{2*wx}", {"w": 1.0})
    for bad in ("{2*}", "{(1+2}", "{1/0}", "{nosuch(1)}", "{1 2}"):
        with pytest.raises(ExpressionError):
            evaluate(bad)


# --- a hand-written netlist -------------------------------------------------------------------

@pytest.fixture(scope="module")
def hand():
    return read_netlist(HAND)


def test_hand_written_structure(hand):
    assert list(hand.subckts) == ["inverter", "comparator", "leak", "inner_reset", "lif"]
    lif = hand.subckt("LIF")  # any case
    assert lif.ports == ("vm", "iin", "out", "vdd", "vss")
    assert dict(lif.defaults) == {"cm": "1p", "wl": "4"}
    assert lif.children == ("inner_reset",) and hand.subckt("inner_reset").parent == "lif"
    assert hand.subckt("leak").defaults == {"w": "1", "l": "{2*lmin}", "mfing": "2"}
    # the includes were read, recursively, relative to the including file
    inv = hand.subckt("inverter")
    assert inv.location.file == DATA / "blocks" / "inverter.spice" and inv.location.line == 1
    assert hand.subckt("comparator").location.line == 3
    assert [p.name for p in hand.params] == ["vdd_nom", "wn", "lmin", "cmem", "ib", "unused_p"]
    # the testbench outside any subckt, the analysis recorded, nothing read after .end
    assert [i.name for i in hand.top_instances] == ["x1", "Vdd"]
    assert [text for text, _ in hand.ignored] == [".tran 1u 1m"]


def test_hand_written_instances(hand):
    lif = {i.name: i for i in hand.subckt("lif").instances}
    xmb = lif["XMb"]  # W from a global .param, nf and m from its continuation line
    assert xmb.target == "sky130_fd_pr__nfet_01v8" and xmb.nodes == ("nbias",) * 2 + ("vss",) * 2
    assert xmb.values["w"] == pytest.approx(0.84) and xmb.values["nf"] == 1.0
    assert xmb.params["w"] == "{wn}" and xmb.location.line == 23
    assert lif["Rth"].value == "1meg" and lif["Rth"].nodes == ("vdd", "vth")  # $ comment gone
    assert lif["Cm"].value == "{cm}" and lif["xleak"].values == {"w": 4.0, "m": 3.0}
    sr = hand.subckt("inner_reset").instances[0]
    assert (sr.letter, sr.nodes, sr.target) == ("s", ("a", "b", "ctl", "gnd"), "swmod")
    leak = hand.subckt("leak").instances[0]
    assert leak.values["l"] == pytest.approx(0.3) and leak.values["m"] == 2.0


def test_model_lines_are_recorded_not_read(hand):
    (lib,) = model_lines(hand)
    assert lib.kind == "lib" and lib.section == "tt"
    assert lib.path == DATA / "models" / "fake_pdk.lib" and lib.exists
    assert lib.location.line == 4 and lib.location.file == HAND
    assert lib.text == f'.lib "{DATA / "models" / "fake_pdk.lib"}" tt'


def test_model_conflicts(tmp_path):
    pdk_lib = tmp_path / "pdk" / "sky130A" / "libs.tech" / "ngspice" / "sky130.lib.spice"
    pdk_lib.parent.mkdir(parents=True)
    pdk_lib.write_text("* stand-in\n.lib tt\n.endl tt\n")
    path = tmp_path / "n.spice"
    path.write_text(f"* t\n.lib {pdk_lib} ss\n.lib {pdk_lib} tt_mm\n"
                    ".lib missing.lib tt\n.subckt n a\nR1 a 0 1\n.ends\n")
    net = read_netlist(path)
    problems = model_conflicts(net, pdk="sky130", corner="tt")
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}:2: ") and "section ss" in problems[0]
    assert problems[1].startswith(f"{path}:4: ") and "does not exist" in problems[1]
    assert len(model_conflicts(net, pdk="none", corner="tt")) == 3
    assert model_conflicts(net, pdk="sky130", corner="ss")[0].startswith(f"{path}:3: ")


def test_flat_devices_hand_written(hand):
    devices = {d.path: d for d in flat_devices(hand, "lif", "x1", params={"cm": "cmem"})}
    leak = devices["x1.xleak.xm1"]
    # w={wl} from lif's default 4, L = 2*lmin um, m = mfing (2) x the enclosing m=3
    assert (leak.w, leak.l, leak.multiplier, leak.nf) == pytest.approx((4e-6, 0.3e-6, 6.0, 2.0))
    assert leak.mismatch == "@m.x1.xleak.xm1.msky130_fd_pr__nfet_01v8[delvto]"
    assert leak.nodes == ("vm", "x1.nbias", "vss", "vss") and leak.kind == "nfet"
    assert devices["x1.cm"].values["value"] == pytest.approx(1e-12)  # cm=cmem = 0.5p*2
    assert devices["x1.cm"].spice_name == "c.x1.cm" and devices["x1.cm"].mismatch is None
    assert devices["x1.xcmp.xinv.xmp"].kind == "pfet"
    assert devices["x1.xcmp.xinv.xmp"].nodes == ("out", "x1.xcmp.d2", "vdd", "vdd")
    assert devices["x1.xc1"].mismatch == "@c.x1.xc1.c1[capacitance]"
    assert devices["x1.xr.sr"].nodes == ("vm", "vss", "out", "vss")  # nested, port 'gnd'
    assert len(devices) == 16
    # an instance parameter of the testbench reaches the devices
    # leak's default l={2*lmin}; an override of lmin would not reach it (a global), but a
    # default that uses a given parameter sees the given value
    wide = {d.path: d for d in flat_devices(hand, "lif", "xn", params={"wl": 2, "m": 2})}
    assert wide["xn.xleak.xm1"].w == pytest.approx(2e-6)
    assert wide["xn.xleak.xm1"].multiplier == 12.0 and wide["xn.cm"].multiplier == 2.0


def test_defaults_see_given_values(tmp_path):
    path = tmp_path / "defaults.spice"
    path.write_text("* t\n.param k=3\n.subckt inner a b w=1 l={2*w} n={k}\n"
                    "XM1 a a b b sky130_fd_pr__nfet_01v8 W={w} L={l} nf={n}\n.ends\n"
                    ".subckt outer a b\nxi a b inner w=4\nxj a b inner\n.ends\n")
    d = {x.path: x for x in flat_devices(read_netlist(path), "outer")}
    assert (d["x1.xi.xm1"].w, d["x1.xi.xm1"].l) == pytest.approx((4e-6, 8e-6))
    assert (d["x1.xj.xm1"].w, d["x1.xj.xm1"].l) == pytest.approx((1e-6, 2e-6))
    assert d["x1.xi.xm1"].nf == 3.0


def test_device_table_area(hand):
    table = device_table(flat_devices(hand, "lif"))
    um2 = {r.name: r.area * 1e12 for r in table.rows if r.area is not None}
    assert um2["x1.xleak.xm1"] == pytest.approx(4 * 0.3 * 6)
    assert um2["x1.xc1"] == pytest.approx(10 * 10 * 2)
    # 7.2 + 0.84 + comparator (0.5 + 0.5 + 1 + 1 + 2) + inverter (0.15 + 0.075) + MIM 200
    assert table.total_area * 1e12 == pytest.approx(213.265)
    assert "x1.rin" not in um2
    assert "213.3" in table.text().splitlines()[-1]


def test_subckt_text_is_self_contained(hand):
    text = subckt_text(hand, "lif")
    for needed in (".subckt leak a b vb", ".subckt comparator", ".subckt inverter",
                   ".subckt inner_reset", ".param wn={2*0.42}", ".param lmin=0.15",
                   ".param ib=10n", f'.lib "{DATA / "models" / "fake_pdk.lib"}" tt'):
        assert needed in text, needed
    for left_out in ("unused_p", "vdd_nom", "cmem", ".tran", "x1 mem", ".end\n"):
        assert left_out not in text, left_out
    assert text.endswith("\n") and ".lib" not in subckt_text(hand, "lif", models=False)
    again = parse_netlist(text, DATA / "again.spice")
    assert set(again.subckts) == set(hand.subckts)
    assert [i.values for i in again.subckt("leak").instances] == \
        [i.values for i in hand.subckt("leak").instances]
    # a subckt that calls nothing comes alone
    assert subckt_text(hand, "inverter", models=False).count(".subckt") == 1


# --- xschem exports ---------------------------------------------------------------------------

def test_xschem_top_cell():
    net = read_netlist(XSCHEM_CELL)
    cell = net.subckt("lif_sink")  # the **.subckt top cell
    assert cell.commented and cell.ports == ("vm", "iin", "out", "vdd", "vss", "vleak")
    xm1 = cell.instances[0]
    assert (xm1.name, xm1.letter, xm1.target) == ("XM1", "x", "sky130_fd_pr__nfet_01v8")
    assert xm1.values["ad"] == pytest.approx(0.42 * 0.29)  # W/nf of its own line
    assert [i.name for i in cell.instances] == ["XM1", "XC1", "x1", "x2", "XM2", "R1", "XC2"]
    # user architecture code belongs to the testbench
    assert [p.name for p in net.params] == ["mc_mm_switch"] and cell.params == ()
    (lib,) = net.models
    assert lib.location.line == 23 and lib.section == "tt" and not lib.exists
    assert lib.pdk == "sky130"
    assert net.control and net.control[0].startswith(".control") and net.globals == ("gnd",)
    text = subckt_text(net, "lif_sink", models=False)
    assert ".subckt lif_sink vm iin out vdd vss vleak\n" in text and ".ends lif_sink" in text
    assert "**" not in text and ".save" not in text and ".control" not in text
    assert ".subckt inv_cs A Y VDD VSS" in text


def test_xschem_testbench_flattened():
    net = read_netlist(XSCHEM_TB)
    assert [i.name for i in net.subckt("tb_neuron").instances] == ["x1", "V1", "I0"]
    devices = {d.path: d for d in flat_devices(net, "neuron", "x1")}
    assert list(devices) == ["x1.x3.xm1", "x1.x3.xm2", "x1.xc1", "x1.xm5", "x1.xm6"]
    assert devices["x1.x3.xm1"].multiplier == 4.0
    assert devices["x1.x3.xm2"].nf == 2.0 and devices["x1.x3.xm2"].w == pytest.approx(2e-6)
    assert devices["x1.xm6"].mismatch == "@m.x1.xm6.msky130_fd_pr__pfet_01v8[delvto]"
    assert devices["x1.x3.xm1"].nodes == ("vm", "vm", "vss", "vss")


def test_agrees_with_spicelib(tmp_path):
    """Where spicelib reads the netlist (upper-case element names), it finds the same nodes
    and parameters. spicelib 1.6.4 refuses xschem's lower-case ``x1``: if that test part
    fails, spicelib learned it and docs/your_own_neuron.md should say so."""
    from spicelib.editor.spice_editor import SpiceEditor

    upper = tmp_path / "tb.spice"
    upper.write_text("".join("X" + ln[1:] if ln.startswith("x") else ln
                             for ln in XSCHEM_TB.read_text().splitlines(keepends=True)))
    theirs, ours = SpiceEditor(upper), read_netlist(upper)
    assert theirs.get_subcircuit_names() == ["neuron", "leak_pair"]
    for name in ("neuron", "leak_pair"):
        sub = theirs.get_subcircuit_named(name)
        for inst in ours.subckt(name).instances:
            assert sub.get_component_nodes(inst.name) == list(inst.nodes)
            got = {k.lower(): str(v) for k, v in sub.get_component_parameters(inst.name).items()
                   if k != "Value"}
            assert {k: float(v) for k, v in got.items() if "'" not in v} == \
                {k: inst.values[k] for k, v in got.items() if "'" not in v}
    with pytest.raises(NotImplementedError):
        SpiceEditor(XSCHEM_TB).get_components()


# --- bad netlists -----------------------------------------------------------------------------

def test_missing_include_names_file_line_and_path():
    with pytest.raises(NetlistError) as err:
        read_netlist(DATA / "missing_include.spice")
    msg = str(err.value)
    assert f"{DATA / 'missing_include.spice'}:3:" in msg
    assert str(DATA / "parts" / "not_there.spice") in msg and ".include" in msg
    assert err.value.line == 3
    net = read_netlist(DATA / "missing_include.spice", allow_missing=True)
    assert net.models[0].path == DATA / "parts" / "not_there.spice" and not net.models[0].exists


def test_unclosed_subckt():
    with pytest.raises(NetlistError, match=r"bad_unclosed\.spice:2: \.subckt lif has no \.ends"):
        read_netlist(DATA / "bad_unclosed.spice")


def test_unknown_subckt_lists_the_found_ones(hand):
    with pytest.raises(NetlistError, match="no subcircuit 'neuron'.*found: inverter, "
                                           "comparator, leak, inner_reset, lif"):
        hand.subckt("neuron")
    with pytest.raises(NetlistError, match="found: inverter"):
        flat_devices(hand, "neuron")


@pytest.mark.parametrize("text, line, what", [
    ("* t\n.ends\n", 2, ".ends with no open .subckt"),
    ("+ R1 a b 1k\n", 1, "continuation"),
    ("* t\n.subckt a p\nR1 p\n.ends\n", 3, "too few nodes"),
    ("* t\n.subckt a p q\nR1 p q {1+\n.ends\n", 3, "unbalanced"),
    ("* t\n.subckt a p q\nR1 p q 1\n.ends b\n", 4, "closes .subckt a"),
    ("* t\n.param = 3\n", 2, ".param name=value"),
    ("* t\n.subckt a p\n.ends\n.subckt A q\n.ends\n", 4, "defined twice"),
    ("* t\n.subckt a p\n1R p 0 1\n.ends\n", 3, "neither a SPICE element"),
    ("* t\n.include\n", 2, "no file name"),
    ("* t\n.lib only.lib\n.lib a b c\n", 3, ".lib <file> <section>"),
    ("* t\n.control\nop\n", 2, "no .endc"),
])
def test_parse_errors_name_file_and_line(tmp_path, text, line, what):
    path = tmp_path / "bad.spice"
    path.write_text(text)
    with pytest.raises(NetlistError) as err:
        read_netlist(path)
    assert str(err.value).startswith(f"{path}:{line}: ") and what in str(err.value)


def test_include_cycle_and_model_include(tmp_path):
    (tmp_path / "a.spice").write_text("* a\n.include b.spice\n")
    (tmp_path / "b.spice").write_text("* b\n.include 'a.spice'\n")
    with pytest.raises(NetlistError, match=r"b\.spice:2: .*a\.spice includes itself"):
        read_netlist(tmp_path / "a.spice")
    (tmp_path / "models.spice").write_text("* models\n.model sw1 sw vt=1\n")
    (tmp_path / "top.spice").write_text("* top\n.inc models.spice\n.subckt t a\n"
                                        "S1 a 0 a 0 sw1\n.ends\n")
    net = read_netlist(tmp_path / "top.spice")
    assert [m.path.name for m in net.models] == ["models.spice"] and net.models[0].kind == \
        "include"
    assert net.files == (tmp_path / "top.spice",)
    # a user's file of subcircuits with a .model of its own is read, its card kept
    (tmp_path / "parts.spice").write_text("* parts\n.model sw2 sw vt=1\n.subckt p a\n"
                                          "S1 a 0 a 0 sw2\n.ends\n")
    (tmp_path / "top2.spice").write_text("* top\n.include parts.spice\n.subckt t a\n"
                                         "xp a p\n.ends\n")
    net = read_netlist(tmp_path / "top2.spice")
    assert net.models == () and "p" in net.subckts
    assert ".model sw2 sw vt=1" in subckt_text(net, "t")


def test_pdk_device_without_spiceprefix_is_flagged(tmp_path):
    path = tmp_path / "noprefix.spice"
    path.write_text("* t\n.subckt n d g s\nM1 d g s s sky130_fd_pr__nfet_01v8 W=1 L=1\n"
                    "XM2 d g s s sky130_fd_pr__nfet_01v8_lvt W=1 L=1\n.ends\n")
    net = read_netlist(path)
    (warning,) = net.warnings
    assert warning.startswith(f"{path}:3: M1 is an M element") and "XM1" in warning
    devices = flat_devices(net, "n")
    # an lvt device: ngspice's name is known, its mismatch draw is not handled by the kit
    assert devices[1].spice_name == "m.x1.xm2.msky130_fd_pr__nfet_01v8_lvt"
    assert [d.path for d in undrawn_devices(devices)] == ["x1.m1", "x1.xm2"]


def test_title_line_of_a_deck(tmp_path):
    path = tmp_path / "deck.cir"
    path.write_text("My neuron deck\n.subckt n a b\nR1 a b 1k\n.ends\n.end\n")
    net = read_netlist(path)  # the first line is the title, not an element "My"
    assert net.top_instances == () and net.subckt("n").instances[0].value == "1k"
    path.write_text(".subckt n a b\nR1 a b 1k\n.ends\n")  # a library: no title
    assert read_netlist(path).subckt("n").ports == ("a", "b")


# --- synthetic post-layout netlist ------------------------------------------------------------

def _extracted(n_elements: int, seed: int = 3) -> tuple[str, object]:
    net = read_netlist(XSCHEM_CELL)
    text = add_parasitics(subckt_text(net, "lif_sink", models=False), "lif_sink",
                          n_elements=n_elements, seed=seed)
    return text, parse_netlist(text)


@pytest.mark.parametrize("n", [1000, 41])
def test_parasitics_counts_and_ranges(n):
    text, pex = _extracted(n)
    cell = pex.subckt("lif_sink")
    r = [i for i in cell.instances if i.name.lower().startswith("rpex")]
    c = [i for i in cell.instances if i.name.lower().startswith("cpex")]
    assert len(r) == n // 2 and len(c) == n // 2 + n % 2
    assert all(1.0 <= float(i.value) <= 50.0 for i in r)
    assert all(0.05e-15 <= float(i.value) <= 0.5e-15 for i in c)
    assert cell.ports == ("vm", "iin", "out", "vdd", "vss", "vleak")
    # every original device is still there, now on its own extracted node
    originals = [i for i in cell.instances if "pex" not in i.name.lower()]
    assert [i.name for i in originals] == ["XM1", "XC1", "x1", "x2", "XM2", "R1", "XC2"]
    pins = [n for i in read_netlist(XSCHEM_CELL).subckt("lif_sink").instances for n in i.nodes]
    moved = [n for i in originals for n in i.nodes if "__pex" in n]
    # each pin with a resistor of its own sits on its own new node; with fewer resistors
    # than pins, the last pins share their net's last node
    assert len(set(moved)) == min(len(pins), n // 2)
    # the ladders connect back to the original nets: every port node is still used
    used = {n for i in cell.instances for n in i.nodes}
    assert set(cell.ports) <= used
    assert len(flat_devices(pex, "lif_sink")) == 5 + 2 * 3 + n  # 5 own, 2 x 3 in inv_cs


def test_parasitics_deterministic():
    a, _ = _extracted(200, seed=3)
    b, _ = _extracted(200, seed=3)
    c, _ = _extracted(200, seed=4)
    assert a == b and a != c
    assert [ln.split()[:3] for ln in a.splitlines()[1:]] == \
        [ln.split()[:3] for ln in c.splitlines()[1:]]  # same structure, other values
    with pytest.raises(ValueError, match="n_elements"):
        add_parasitics(a, "lif_sink", n_elements=1)


def test_shipped_post_layout_netlist_is_reproducible():
    shipped = DATA / "lif_sink_pex.spice"
    net = read_netlist(XSCHEM_CELL)
    again = add_parasitics(subckt_text(net, "lif_sink", models=False), "lif_sink",
                           n_elements=1000, seed=16)
    assert shipped.read_text() == again
    assert shipped.stat().st_size < 200_000
    assert not math.isnan(sum(d.values.get("value", 0.0)
                              for d in flat_devices(read_netlist(shipped), "lif_sink")))


# --- property: layout of the text does not change what is read ------------------------------

_WORDS = ["XM1", "d", "g", "s", "b", "sky130_fd_pr__nfet_01v8", "W={2*w}", "L = 0.15",
          "nf=2", "ad='int((nf+1)/2) * W/nf * 0.29'", "m=3", "mult=1"]


@settings(max_examples=60 * int(os.environ.get("EXAMPLES_SCALE", "1")))
@given(breaks=st.lists(st.booleans(), min_size=len(_WORDS) - 1, max_size=len(_WORDS) - 1),
       comments=st.lists(st.sampled_from(["", " ; note", " $ note", "\n* a comment line"]),
                         min_size=len(_WORDS) - 1, max_size=len(_WORDS) - 1),
       upper=st.booleans())
def test_continuations_and_comments_do_not_change_an_instance(breaks, comments, upper):
    """The same element line split over '+' continuation lines at any word boundary, with
    inline comments and comment lines between, in either case of its keywords, reads the
    same: nodes, target and parameter values."""
    text = _WORDS[0]
    for word, brk, comment in zip(_WORDS[1:], breaks, comments, strict=True):
        text += (comment + "\n+ " + word) if brk else (" " + word)
    head = ".SUBCKT" if upper else ".subckt"
    net = parse_netlist(f"* t\n{head} c d g s b w=1\n{text}\n.ENDS\n")
    (inst,) = net.subckt("c").instances
    assert inst.nodes == ("d", "g", "s", "b") and inst.target == "sky130_fd_pr__nfet_01v8"
    assert inst.values == pytest.approx({"w": 2.0, "l": 0.15, "nf": 2.0, "ad": 0.29,
                                         "m": 3.0, "mult": 1.0})
