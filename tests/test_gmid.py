"""gm/Id tables of the sky130 devices: they reproduce independent ngspice operating points.

The tables are generated once per test session into a temporary cache (``LIFSPICE_CACHE``,
which :func:`lifspice.pdk.sky130.cache_dir` honours), so a clean machine exercises the sweeps
(~20-40 s for both devices at 27 degC on 2 cores) and the cache path; nothing skips itself.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from lifspice.analysis.gmid import GmidTable
from lifspice.flows import gmid as gs
from lifspice.pdk import sky130 as pdk

pytestmark = [pytest.mark.sky130, pytest.mark.slow]  # gm/Id tables swept from the models (~85 s)


@pytest.fixture(scope="session")
def tables27(gmid_cache):
    calls = []
    t0 = time.perf_counter()
    tables = gs.gmid_tables("tt", (27.0,), progress=lambda *a: calls.append(a))
    elapsed = time.perf_counter() - t0
    return tables, calls, elapsed


def _op_point(kind, w, length, vgs, vds, vsb):
    lib = str(pdk.corner_lib("tt"))
    net = gs.op_point_netlist(kind, w=w, length=length, vgs=vgs, vds=vds, vsb=vsb, lib_path=lib)
    res = gs._simulator(timeout=60).run(net, vectors=gs.op_point_vectors(kind))
    sign = 1.0 if kind == "nfet" else -1.0
    model = gs.MODELS[kind]
    return -sign * float(res["i(vd)"][0]), float(res[f"@m.xop.m{model}[gm]"][0])


@pytest.mark.parametrize("kind", ["nfet", "pfet"])
def test_table_matches_independent_op_point(tables27, kind):
    """Random W, L (table geometries), V_GS and V_DS (anywhere in the swept range, between
    grid points), V_SB on the grid: I_D, g_m and g_m/I_D within 1 % of a separate .op run of
    a single device. Measured over 40 such draws: worst 0.11 % (I_D), 0.21 % (g_m). Off-grid
    V_SB is within 1 % above ~0.1 pA (up to ~4 % at 10 fA, where drain-junction leakage and
    channel current cross), off-grid L or W only to a few % (binned models)."""
    table = tables27[0].get(kind, 27.0)
    rng = np.random.default_rng(20261122 + (kind == "pfet"))
    errors = []
    for _ in range(6):
        length = float(rng.choice(table.lengths))
        w = float(rng.choice(table.widths))
        vgs, vds = float(rng.uniform(0.0, 1.8)), float(rng.uniform(0.01, 1.8))
        vsb = float(rng.choice(table.vsb))
        i_op, gm_op = _op_point(kind, w, length, vgs, vds, vsb)
        i_tab = table.i_d(length, w, vgs, vds, vsb)
        gm_tab = table.at("gm_w", length, w, vgs, vds, vsb) * w
        errors.append((i_tab / i_op - 1, gm_tab / gm_op - 1,
                       table.gm_id(length, w, vgs, vds, vsb) / (gm_op / i_op) - 1))
    errors = np.abs(np.asarray(errors))
    assert errors.max() < 0.01, errors


def test_generation_progress_and_cache(tables27, monkeypatch):
    tables, calls, elapsed = tables27
    assert calls and calls[-1][1] == calls[-1][2]  # the progress reached its total
    print(f"both devices swept (or loaded) in {elapsed:.1f} s")  # speed: benchmarks/

    def no_sweep(*args, **kwargs):
        raise AssertionError("swept again instead of reading the cache")

    monkeypatch.setattr(gs, "sweep_table", no_sweep)
    again = gs.gmid_table("nfet", "tt", 27.0)  # from the cache
    np.testing.assert_array_equal(again.data["id_w"], tables.get("nfet").data["id_w"])
    assert gs.table_path("nfet", "tt", 27.0, gs.GmidGrid()).is_file()
    with pytest.raises(AssertionError, match="swept again"):
        gs.gmid_table("nfet", "tt", 27.0, regenerate=True)


def test_weak_inversion_and_leakage_rows(tables27):
    """Weak inversion reaches pA/um: the V_GS = 0 row is far below 1 pA/um at 27 degC for
    long devices, gm/Id peaks near 1/(n U_T) with n between 1.2 and 1.7."""
    for kind in ("nfet", "pfet"):
        t = tables27[0].get(kind)
        leak_per_um = t.leakage(4e-6, 2e-6, vds=0.9) / 2.0
        assert 1e-17 < leak_per_um < 1e-12
        c = t.curves(4e-6, 2e-6, 0.9)
        n = 1.0 / (c["gm_id"].max() * (27 + 273.15) / 11604.518)
        assert 1.2 < n < 1.7
        assert c["id_w"][0] * 1e-6 < 1e-12  # the sweep covers sub-pA/um currents
        vgs = t.vgs_at_id(1e-12, 4e-6, 2e-6, vds=0.9)
        assert t.i_d(4e-6, 2e-6, vgs, 0.9) == pytest.approx(1e-12, rel=1e-3)


def test_save_load_npz_and_netcdf(tables27, tmp_path):
    t = tables27[0].get("pfet")
    for path in (t.save(tmp_path / "p.npz"), t.save_netcdf(tmp_path / "p.nc")):
        back = GmidTable.load(path)
        assert back.kind == "pfet" and back.temperature_c == 27.0
        for q in ("id_w", "gm_w", "cgg_w"):
            np.testing.assert_array_equal(back.data[q], t.data[q])
        assert back.i_d(2e-6, 1e-6, 0.5, 0.9) == t.i_d(2e-6, 1e-6, 0.5, 0.9)


def test_out_of_range_is_an_error(tables27):
    t = tables27[0].get("nfet")
    with pytest.raises(ValueError, match="outside"):
        t.at("id_w", 30e-6, 2e-6, 0.5, 0.9)
    with pytest.raises(ValueError, match="V_DS"):
        t.at("id_w", 4e-6, 2e-6, 0.5, 2.5)


def test_pelgrom_coefficients_from_the_model_files(gmid_cache):
    mm = gs.pelgrom_coefficients("tt")
    # sw_mm_vth0_*: 3.356e-3 and 5.856e-3 V um, sw_mm_cmim 4.7e-3 um, in SI
    assert mm.a_vt_nfet == pytest.approx(3.356e-9)
    assert mm.a_vt_pfet == pytest.approx(5.856e-9)
    assert mm.a_mim == pytest.approx(4.7e-9)


def test_sweep_netlist_is_text(tables27):
    lib = "/x/sky130_tt.lib"
    grid = gs.GmidGrid(lengths=(1e-6,), widths=(1e-6,), vds=(0.1, 0.9), vsb=(0.0,))
    net, vectors = gs.sweep_netlist("pfet", grid, vsb=0.3, lib_path=lib, temperature_c=85)
    assert net.endswith(".end\n") and ".temp 85" in net
    assert "VB b 0 DC 0.3" in net and ".dc VG 0 -1.8 -0.02" in net
    assert len(vectors) == 2 * 6 and "@m.xm0_0_1.msky130_fd_pr__pfet_01v8[gm]" in vectors
