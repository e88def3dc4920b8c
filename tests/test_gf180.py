"""gf180mcu (issue 19, first part): the models fetched without gdsfactory, corner and
explicit-mismatch libraries, Pelgrom coefficients from the model file, and a user's own
subcircuit on gf180mcu characterized and swept by Monte Carlo."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import lifspice as ls
from lifspice.pdk import gf180mcu
from lifspice.pdk.sky130 import PdkNotFoundError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "gf180_neuron" / "gf180_lif.toml"


def test_missing_models_say_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFSPICE_CACHE", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PDK_ROOT", str(tmp_path / "no_pdk"))
    with pytest.raises(PdkNotFoundError, match="lifspice.pdk.gf180mcu fetch"):
        gf180mcu.find_gf180mcu()


def test_open_pdks_layout_is_found(tmp_path, monkeypatch):
    folder = tmp_path / "gf180mcuD" / "libs.tech" / "ngspice"
    folder.mkdir(parents=True)
    (folder / gf180mcu.MODEL_FILE).write_text("* models\n")
    monkeypatch.setenv("PDK_ROOT", str(tmp_path))
    assert gf180mcu.find_gf180mcu() == folder.resolve()


def test_pelgrom_coefficients_are_read_from_the_model_file():
    # sm141064.ngspice fets_mm: par_vth = 0.007148 (nmos_3p3), 0.00666 (pmos_3p3), V um
    assert gf180mcu.pelgrom("nmos_3p3") == pytest.approx(7.148e-9)
    assert gf180mcu.pelgrom("pmos_3p3") == pytest.approx(6.66e-9)


@pytest.mark.slow
def test_explicit_draws_follow_the_pelgrom_law(tmp_path):
    """ngspice (a batch run of its own: no other PDK's settings) evaluates each device's
    delvto per unit draw; it must be the model's 0.7071 A_VT / sqrt(Leff Weff) (Leff = L -
    0.15 um, Weff = W + 0.1 um) for every size, and 0 without a draw."""
    sizes = [(1e-6, 1e-6), (4e-6, 1e-6), (2e-6, 4e-6), (10e-6, 0.5e-6)]
    lines = [f'.include "{gf180mcu.explicit_mismatch_lib("tt")}"', "Vd d 0 0.9", "Vg g 0 0.6"]
    lines += [f"X{k} d g 0 0 {'nmos_3p3' if k % 2 == 0 else 'pmos_3p3'} w={w!r} l={length!r}"
              for k, (w, length) in enumerate(sizes)]
    paths = " ".join(f"@m.x{k}.m0[delvto]" for k in range(len(sizes)))
    control = [".control", "set num_threads=1", "set numdgt=12", "op", f"print {paths}",
               "alterparam lifspice_mm_z=1", "reset", "op", f"print {paths}", "quit", ".endc"]
    (tmp_path / "t.cir").write_text("* pelgrom\n" + "\n".join(lines + control) + "\n.end\n")
    out = subprocess.run(["ngspice", "-b", "t.cir"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120).stdout
    values = [float(m) for m in re.findall(r"\[delvto\]\s*=\s*(\S+)", out)]
    assert len(values) == 2 * len(sizes), out[-2000:]
    a, b = np.array(values[: len(sizes)]), np.array(values[len(sizes):])
    np.testing.assert_array_equal(a, 0.0)
    for k, (w, length) in enumerate(sizes):
        a_vt = gf180mcu.pelgrom("nmos_3p3" if k % 2 == 0 else "pmos_3p3")
        want = 0.7071 * a_vt / math.sqrt((length - 0.15e-6) * (w + 0.1e-6))
        assert b[k] == pytest.approx(want, rel=1e-4)


@pytest.mark.slow
def test_a_user_neuron_on_gf180mcu_characterizes_and_sweeps(tmp_path):
    """The lean neuron ported to gf180mcu 3.3 V devices, as a user's subcircuit: tau_m from
    the step equals C / g from the AC admittance, the leak is the OTA's tanh, and its
    Monte Carlo draws the PDK's mismatch (v_th spread from the comparator pair)."""
    ch = ls.characterize(EXAMPLE, points=6, workers=1)
    rep = ch.report()
    assert rep["tau_m_s"] == pytest.approx(ch.tau_pred, rel=0.01)
    assert rep["leak_model"]["kind"] == "saturating"
    assert rep["energy_per_spike_J"] > 0 and rep["static_power_W"] > 0
    mc = ls.montecarlo(EXAMPLE, samples=6, seed=5, currents=[1e-9], out=tmp_path / "mc",
                       workers=1)
    v_th = np.asarray(mc.table["v_th_V"], float)
    assert np.all(np.isfinite(v_th)) and 1e-4 < np.std(v_th) < 0.05
    # the membrane's MIM capacitor draws no mismatch in these models: C varies only by the
    # devices' junction and gate capacitances on the node (well under 1 %)
    c = np.asarray(mc.table["c_mem_F"], float)
    assert np.std(c) / np.mean(c) < 0.01


@pytest.mark.sky130
@pytest.mark.slow
def test_one_process_runs_sky130_then_gf180mcu():
    """The process's one ngspice session keeps its settings between simulators: after a sky130
    run (HSPICE compatibility mode) a gf180mcu circuit still parses and measures."""
    sky = ls.characterize("sky130_lean", points=6, workers=1, backend="shared")
    gf = ls.characterize(EXAMPLE, points=6, workers=1, backend="shared")
    assert sky.report()["tau_m_s"] > 0 and gf.report()["leak_model"]["kind"] == "saturating"
