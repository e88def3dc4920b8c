"""The PDK registry: one interface to each PDK's corners, devices and libraries."""

from __future__ import annotations

import pytest

from lifspice.flows.gmid import GmidGrid, default_grid
from lifspice.pdk.registry import DRAWN, PDKS, get_pdk, pdk_of_model_path


def test_each_pdk_draws_the_devices_it_names():
    for pdk in PDKS.values():
        assert set(pdk.corners) >= {"tt", "ss", "ff"}
        for role in ("nfet", "pfet"):
            assert pdk.devices[role] in pdk.drawn, (pdk.name, role)
        assert set(pdk.drawn) <= set(DRAWN)


def test_unknown_pdk_lists_the_known_ones():
    with pytest.raises(ValueError, match="gf180mcu.*sky130|sky130.*gf180mcu"):
        get_pdk("ihp_sg13g2")


def test_gf180mcu_libraries_load_their_devices():
    """Every corner's library includes the model file sections that define the devices."""
    pdk = get_pdk("gf180mcu")
    library = pdk.corner_lib  # a gf180mcu library: no sky130 models are read
    for corner in pdk.corners:
        text = library(corner, False, 27.0).read_text()
        assert "sm141064.ngspice" in text and "mim_linear" in text, corner


@pytest.mark.parametrize(("path", "pdk"), [
    ("/pdk/sky130A/libs.tech/combined/sky130.lib.spice", "sky130"),
    ("~/.cache/lifspice/SKY130/models/all.spice", "sky130"),
    ("/pdk/gf180mcuD/libs.tech/ngspice/sm141064.ngspice", "gf180mcu"),
    ("../models/sm141064.ngspice", "gf180mcu"),
    ("/home/me/my_models.lib", None),
])
def test_a_model_path_names_its_pdk(path, pdk):
    assert pdk_of_model_path(path) == pdk


def test_gmid_grid_is_the_pdks():
    """The sweep grid starts at each PDK's shortest channel and ends at its supply."""
    for name, p in PDKS.items():
        grid = default_grid(name)
        assert min(grid.lengths) == pytest.approx(p.process.l_min)
        assert grid.vgs_max == pytest.approx(p.vdd) == pytest.approx(max(grid.vds))
    assert default_grid("sky130") == GmidGrid()
    with pytest.raises(ValueError, match="unknown PDK"):
        default_grid("tsmc")
