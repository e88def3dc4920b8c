"""A user's own neuron (circuit = "subckt"), measured through its pins only.

The main check is the round trip: each kit neuron written as a .subckt (lifspice netlist
--subckt) and characterized as a foreign circuit gives the native path's numbers at the same
currents. The hand-written textbook neuron (examples/textbook) is checked against the
closed-form LIF built from the kit's own measurements of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import lifspice as ls
from lifspice.analysis import theory
from lifspice.circuits.params import LifParams
from lifspice.circuits.subckt.hierarchy import flat_devices
from lifspice.circuits.subckt.parasitics import add_parasitics
from lifspice.circuits.subckt.parse import read_netlist
from lifspice.flows.montecarlo.subckt_sample import drawn_paths
from lifspice.flows.noise import noise_points
from lifspice.io.design import load_design
from lifspice.io.subckt_files import write_subckt
from lifspice.sim.backends import make_simulator

ROOT = Path(__file__).resolve().parents[1]
TEXTBOOK = ROOT / "examples" / "textbook" / "textbook.toml"
SAME = ("tau_m_s", "v_th_V", "v_reset_V", "t_ref_s", "rheobase_A")


def _round_trip(name: str, tmp_path: Path, points: int, **pins):
    native = ls.characterize(name, points=points, workers=1)
    _, toml = write_subckt(load_design(name), tmp_path)
    if pins:  # re-wire some pins (e.g. leave the spike and reset outputs open)
        text = toml.read_text()
        for pin, role in pins.items():
            text = text.replace(f'{pin} = "{pin if pin != "rst" else "reset"}"',
                                f'{pin} = "{role}"')
        toml.write_text(text)
    foreign = ls.characterize(toml, currents=native.currents, workers=1)
    return native, foreign


def _assert_same(native, foreign, rtol_fi: float, keys=SAME, rtol: float = 5e-3):
    rn, rf = native.report(), foreign.report()
    for key in keys:
        assert rf[key] == pytest.approx(rn[key], rel=rtol), key
    f_n, f_f = native.rates, foreign.rates
    np.testing.assert_array_equal(f_n > 0, f_f > 0)
    np.testing.assert_allclose(f_f[f_n > 0], f_n[f_n > 0], rtol=rtol_fi)
    assert rf["circuit"] == "subckt"


@pytest.mark.slow
def test_textbook_neuron_follows_the_closed_form_lif_of_its_measurements():
    ch = ls.characterize(TEXTBOOK, points=10, workers=1)
    rep = ch.report()
    assert rep["leak_model"]["kind"] == "linear"
    # the netlist's values: tau 1 ms, V_th 0.6, V_reset 0.1, t_ref 100 us, C 1 pF
    assert rep["tau_m_s"] == pytest.approx(1e-3, rel=1e-3)
    assert ch.bench.c_mem == pytest.approx(1e-12, rel=1e-3)
    lif = LifParams(c_mem=ch.bench.c_mem, g_leak=ch.bench.c_mem / rep["tau_m_s"],
                    v_rest=rep["v_rest_V"], v_th=rep["v_th_V"], v_reset=rep["v_reset_V"],
                    t_ref=rep["t_ref_s"])
    firing = ch.rates > 0
    assert firing.sum() >= 6
    i = ch.currents[firing]
    keep = i >= 1.2 * lif.rheobase
    np.testing.assert_allclose(ch.rates[firing][keep], theory.rate(lif, i[keep]), rtol=0.02)
    assert rep["t_ref_s"] == pytest.approx(1e-4, rel=0.02)
    assert rep["spikes_from_output_pin"] == 1.0 and rep["t_ref_from_reset_pin"] == 0.0
    # its spike output is the latch that holds the membrane: as wide as the hold
    assert rep["spike_width_s"] == pytest.approx(rep["t_ref_s"], rel=0.02)
    # no supply pin: the energy keys are there, null, with the reason
    assert rep["energy_per_spike_J"] is None and "vdd" in rep["null_reasons"]["static_power_W"]


@pytest.mark.slow
def test_behavioral_round_trip(tmp_path):
    native, foreign = _round_trip("behavioral", tmp_path, points=10)
    _assert_same(native, foreign, rtol_fi=5e-3)


@pytest.mark.slow
def test_behavioral_round_trip_from_the_membrane_alone(tmp_path):
    """Spike and reset outputs left open: spikes are the membrane's resets and t_ref the time
    it is held; the hold outlasts the reset drive's half-swing crossing by its edge."""
    native, foreign = _round_trip("behavioral", tmp_path, points=8, spike="open", rst="open")
    assert foreign.report()["spikes_from_output_pin"] == 0.0
    _assert_same(native, foreign, rtol_fi=5e-3, keys=("tau_m_s", "v_reset_V", "rheobase_A"))
    assert foreign.t_ref == pytest.approx(native.t_ref, rel=0.01)


@pytest.mark.sky130
@pytest.mark.parametrize("name", ["sky130", "sky130_lean"])
def test_sky130_round_trip(name, tmp_path):
    native, foreign = _round_trip(name, tmp_path, points=8)
    _assert_same(native, foreign, rtol_fi=5e-3)
    rn, rf = native.report(), foreign.report()
    assert rf["energy_per_spike_J"] == pytest.approx(rn["energy_per_spike_J"], rel=0.02)
    assert rf["static_power_W"] == pytest.approx(rn["static_power_W"], rel=0.02)
    assert rf["leak_model"]["kind"] == "saturating"
    # the same keys as the native report; what a subckt cannot know is null with a reason
    assert set(rn) <= set(rf)
    for key in set(rn):
        if rf[key] is None and rn[key] is not None:
            assert rf["null_reasons"][key], key
    # the membrane's C from the AC admittance: the MIM capacitor plus parasitics
    assert 1.0 <= foreign.bench.c_mem / native.bench.c_mem < 1.01


def test_example_folder_is_self_contained(tmp_path):
    """The textbook example runs from a copy elsewhere (the netlist path is relative)."""
    dst = tmp_path / "tb"
    shutil.copytree(TEXTBOOK.parent, dst)
    design = load_design(dst / "textbook.toml")
    assert Path(design.netlist) == (dst / "textbook_lif.spice").resolve()


@pytest.mark.sky130
def test_sky130_subckt_montecarlo_draws_the_native_samples(tmp_path):
    """Same seed, same devices in the same order: the exported neuron's mismatch samples
    measure as the native ones (explicit draws through the hierarchy)."""
    _, toml = write_subckt(load_design("sky130_lean"), tmp_path / "x")
    kw = dict(samples=3, seed=11, currents=[7e-10], workers=1)
    native = ls.montecarlo("sky130_lean", out=tmp_path / "native", **kw).table
    foreign = ls.montecarlo(toml, out=tmp_path / "foreign", **kw).table
    for key in ("tau_m_s", "c_mem_F", "v_th_V", "t_ref_s", "rate_Hz_i0",
                "energy_per_spike_J"):
        a, b = np.asarray(native[key], float), np.asarray(foreign[key], float)
        assert np.all(np.isfinite(a)) and np.std(a) > 0, key  # really drawn
        np.testing.assert_allclose(b, a, rtol=2e-3, err_msg=key)


@pytest.mark.sky130
def test_a_current_sink_leak_is_classified_and_predicted():
    """A foreign transistor neuron whose leak is one nMOS sink (examples/sink_neuron: nested
    subcircuit, m=2): classified as a current sink, rests at ground, and the LIF with the
    measured leak curve predicts its F-I with nothing fitted."""
    ch = ls.characterize(ROOT / "examples" / "sink_neuron" / "sink_lif.toml", points=8,
                         workers=1)
    rep = ch.report()
    assert rep["leak_model"]["kind"] == "current sink"
    assert abs(rep["v_rest_V"]) < 0.01
    assert rep["prediction_rms_rel_error"] < 0.02
    # the textbook LIF with the conductance at rest cannot follow a constant leak
    assert rep["theory_rms_rel_error"] > 0.3


@pytest.mark.slow
def test_a_neuron_that_fires_with_no_input_is_reported_spontaneous(tmp_path):
    """The textbook neuron with its rest above threshold: found firing, characterized, and
    reported as spontaneous (the leak sweep reaches past its rest point)."""
    folder = tmp_path / "spont"
    shutil.copytree(TEXTBOOK.parent, folder)
    net = folder / "textbook_lif.spice"
    net.write_text(net.read_text().replace("v_rest=0.2 v_th=0.6", "v_rest=0.7 v_th=0.6"))
    ch = ls.characterize(folder / "textbook.toml", points=8, workers=1)
    rep = ch.report()
    assert rep["spontaneous"] is True
    assert rep["v_rest_V"] == pytest.approx(0.7, abs=2e-3)
    assert rep["prediction_rms_rel_error"] < 0.02


@pytest.mark.sky130
def test_a_post_layout_netlist_with_1000_parasitics(tmp_path):
    """sky130_lean exported, then 'extracted' with 500 R and 500 C (RC ladders on every net):
    characterized through the same pins; its tau_m grows with the C the AC admittance sees,
    its threshold and reset stay put and its refractory time grows (the timer node's
    capacitance grows too)."""
    spice, toml = write_subckt(load_design("sky130_lean"), tmp_path / "schematic")
    pex = tmp_path / "pex" / "lifspice_sky130.spice"
    pex.parent.mkdir()
    pex.write_text(add_parasitics(spice.read_text(), "lifspice_sky130", n_elements=1000,
                                  seed=3, ground="vss"))
    (pex.parent / toml.name).write_text(toml.read_text())
    n_rc = sum(1 for line in pex.read_text().splitlines() if line[:1] in "RC")
    assert n_rc >= 1000
    schematic = ls.characterize(toml, points=6, workers=1).report()
    post = ls.characterize(pex.parent / toml.name, points=6, workers=1).report()
    c_ratio = post["c_mem_ac_F"] / schematic["c_mem_ac_F"]
    assert c_ratio > 1.0
    assert post["tau_m_s"] / schematic["tau_m_s"] == pytest.approx(c_ratio, rel=0.01)
    for key in ("v_th_V", "v_reset_V"):
        assert post[key] == pytest.approx(schematic[key], rel=0.005), key
    # the refractory timer's 0.1 pF node gains the ladders' capacitance too: t_ref grows
    assert post["t_ref_s"] > 1.02 * schematic["t_ref_s"]


@pytest.mark.slow
def test_noise_on_a_foreign_neuron_follows_diffusion_theory():
    """The characterization's bench (probed) drives the textbook neuron with white noise
    (trnoise); its rate matches Siegert's for the LIF of its own measurements."""
    ch = ls.characterize(TEXTBOOK, points=8, workers=1)
    rep = ch.report()
    lif = LifParams(c_mem=ch.bench.c_mem, g_leak=ch.bench.c_mem / rep["tau_m_s"],
                    v_rest=rep["v_rest_V"], v_th=rep["v_th_V"], v_reset=rep["v_reset_V"],
                    t_ref=rep["t_ref_s"])
    sigma = 0.1 * np.sqrt(lif.g_leak * lif.c_mem)
    (pt,) = noise_points(ch.bench, [(2.0 * lif.rheobase, sigma, 200)], runs=1, theory=lif,
                         sim=make_simulator("shared", ()))
    rate = 1.0 / np.mean(pt.isis)
    se = np.std(pt.isis) / np.mean(pt.isis) / np.sqrt(pt.isis.size)
    # 4 standard errors plus the 1.5 % colored-noise bias of NT = tau_m / 400
    assert rate == pytest.approx(pt.theory_rate, rel=4 * se + 0.015)



@pytest.mark.sky130
def test_montecarlo_draws_into_nested_subcircuits(tmp_path):
    """The current-sink neuron's leak transistor sits in a nested subcircuit with m=2: its
    mismatch is drawn (a path through both instances) and moves the sink current, so the
    rate spreads; every other sky130 device draws too."""
    design = load_design(ROOT / "examples" / "sink_neuron" / "sink_lif.toml")
    paths = drawn_paths(design)
    assert "@m.x1.xleak.xm1.msky130_fd_pr__nfet_01v8[delvto]" in paths
    assert len(paths) == sum(1 for d in flat_devices(read_netlist(design.netlist), "sink_lif")
                             if (d.target or "").startswith("sky130_fd_pr__"))
    mc = ls.montecarlo(design, samples=3, seed=2, currents=[8e-10], out=tmp_path / "mc",
                       workers=1)
    rates = np.asarray(mc.table["rate_Hz_i0"], float)
    assert np.all(rates > 0) and np.std(rates) / np.mean(rates) > 1e-3


@pytest.mark.slow
def test_a_neuron_driven_by_current_drawn_out_of_its_input(tmp_path):
    """input_sign = -1: the kit draws its test currents out of the input pin. The textbook
    neuron behind a unity current mirror (a CCCS) measures as the textbook neuron itself."""
    shutil.copy(TEXTBOOK.parent / "textbook_lif.spice", tmp_path)
    (tmp_path / "inv.spice").write_text(
        '.include "textbook_lif.spice"\n.subckt inv_lif vm iout spike vss\n'
        "Vsense vss iout 0\nFmir vss vmin Vsense 1\nX1 vm vmin spike vss textbook_lif\n"
        ".ends inv_lif\n")
    design = load_design(TEXTBOOK)
    inverted = {**design.to_dict(), "circuit": "subckt",
                "netlist": str(tmp_path / "inv.spice"), "subckt": "inv_lif", "input_sign": -1,
                "pins": {"vm": "membrane", "iout": "input", "spike": "spike", "vss": "ground"}}
    direct = ls.characterize(TEXTBOOK, points=8, workers=1)
    mirrored = ls.characterize(inverted, currents=direct.currents, workers=1)
    np.testing.assert_allclose(mirrored.rates, direct.rates, rtol=1e-2)  # 0.53 % at worst
    assert mirrored.report()["tau_m_s"] == pytest.approx(direct.report()["tau_m_s"], rel=1e-3)
