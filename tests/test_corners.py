"""``lifspice corners``: process corners x temperatures of the sky130 neuron on the Monte
Carlo engine. Needs the sky130 models; nothing here skips itself."""

from __future__ import annotations

import csv
import json

import pytest

from lifspice.flows.montecarlo.corners import corners_table, default_current, run_corners
from lifspice.io.design import load_design

pytestmark = pytest.mark.sky130  # needs the installed sky130 models


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    out = tmp_path_factory.mktemp("corners")
    design = load_design("sky130")
    rows = run_corners(design, out, corners=("tt", "ss", "ff"),
                       temperatures_c=(-40.0, 27.0, 85.0), workers=2)
    return out, rows, design


def _cell(rows, corner, t):
    (r,) = [r for r in rows if r["corner"] == corner and r["temperature_c"] == t]
    return r


@pytest.mark.slow
def test_files_and_table(table):
    out, rows, design = table
    i = default_current(design)
    assert i == pytest.approx(2 * design.lif_guess().rheobase)  # 600 pA for this design
    doc = json.loads((out / "corners.json").read_text())
    assert doc["current_A"] == i and len(doc["cells"]) == 9
    with open(out / "corners.csv") as fh:
        lines = list(csv.DictReader(fh))
    assert [(r["corner"], float(r["temperature_c"])) for r in lines] == [
        (c, t) for c in ("tt", "ss", "ff") for t in (-40.0, 27.0, 85.0)]
    text = corners_table(rows, i)
    assert "tau_m (ms)" in text and text.count("\n") == 10
    for r in rows:  # every cell is measured or says why not
        assert r["ok"] or r["error"]


@pytest.mark.slow
def test_corners_are_physically_ordered(table):
    """What a device physicist expects of this circuit:

    * every cell works: tt, ss and ff at -40, 27 and 85 degC (all nine measured);
    * the fast corner (thinner oxide, lower |V_T|: larger weak-inversion slope 1/n) has
      the larger leak g_m, hence the shorter tau_m, than the slow one at each temperature;
    * the extracted threshold is the reference plus the comparator's delay times the
      membrane slope: it lies above the 0.8 V reference (at most 2.8 mV above, measured),
      and the faster comparator (ff) overshoots less than the slow one (ss) at each
      temperature (by 0.2-0.3 mV, measured);
    * the leak is set by an ideal bias current, so tau_m stays within 20 % of tt/27 degC
      and v_rest within 5 mV of its 0.4 V target everywhere.
    """
    _, rows, design = table
    for r in rows:
        assert r["ok"], (r["corner"], r["temperature_c"], r["error"])
    ref = _cell(rows, "tt", 27.0)
    for t in (-40.0, 27.0, 85.0):
        ss, ff = _cell(rows, "ss", t), _cell(rows, "ff", t)
        assert ff["tau_m_s"] < ss["tau_m_s"]
        assert ff["gm_S"] > ss["gm_S"]
    for t in (-40.0, 27.0, 85.0):
        ss, ff = _cell(rows, "ss", t), _cell(rows, "ff", t)
        assert design.v_th < ff["v_th_V"] < ss["v_th_V"] < design.v_th + 0.01
    for r in rows:
        # measured: tau_m at most 6.4 % from tt/27 degC (ss, -40 degC), v_rest at most
        # 1.5 mV from its target (ff, 85 degC): the bounds are ~3x those
        assert r["tau_m_s"] == pytest.approx(ref["tau_m_s"], rel=0.2)
        assert r["v_rest_V"] == pytest.approx(design.v_rest, abs=5e-3)
        assert r["rate_Hz"] > 0


@pytest.mark.slow
def test_cli_corners(tmp_path, capsys):
    from lifspice.cli.main import main

    rc = main(["corners", "--corners", "tt", "--temps", "27", "--current", "3x",
               "--workers", "1", "--out", str(tmp_path)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "rate at 8.999e-10 A" in text and "\ntt " in text
    assert (tmp_path / "corners.csv").exists()
