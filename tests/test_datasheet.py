"""Datasheets (``lifspice datasheet``): specs, limits and yields (pure, fast), then one
behavioral datasheet run through the command line and checked in its files and in a real
headless Chromium (tests/browser.py), a subcircuit of ideal elements, and one sky130 run
with few samples.

The behavioral run's spec mixes parameters that pass, one that fails by construction
(V_th above the design's 0.6 V), Monte Carlo values with a yield goal, a Monte Carlo
statistic and the overall yield; 12 samples, one worker (~15 s)."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from browser import Page

from lifspice.analysis.datasheet import Measurements, binomial_interval, evaluate, spec_from_dict
from lifspice.analysis.datasheet.defaults import spec_from_sizing
from lifspice.analysis.datasheet.spec import parse_cace_yaml
from lifspice.cli import main

SPEC_TOML = """\
title = "behavioral neuron, test spec"

[conditions]
currents = ["2x", 1.2e-10]
samples = 12
seed = 3

[parameters.tau_m]
minimum = 9e-3
typical = 1e-2
maximum = 1.1e-2
conditions = ["nominal", "montecarlo"]
yield_min = 0.5

[parameters.v_th_tight]      # the design's threshold is 0.6 V: fails at nominal
quantity = "v_th"
minimum = 0.6005
maximum = 0.7

[parameters.rate_2x]
quantity = "rate"
current = "2x"
minimum = 50.0
conditions = ["nominal", "montecarlo"]
yield_min = 0.5

[parameters.rate_120p]
quantity = "rate"
current = 1.2e-10
maximum = 1e6

[parameters.t_ref_mc]
quantity = "t_ref"
minimum = 1.9e-3
maximum = 2.1e-3
conditions = ["montecarlo"]

[parameters.sigma_tau]
quantity = "tau_m"
statistic = "cv"
conditions = ["montecarlo"]
maximum = 0.2

[parameters.prediction_error]
maximum = 0.05

[parameters.yield]
minimum = 0.25
"""

CACE_YAML = """\
name: behavioral
description: behavioral neuron, test spec
parameters:
  tau_m:
    spec:
      minimum: {value: 9e-3, fail: true}
      typical: 1e-2
      maximum: 1.1e-2
    conditions:
      montecarlo: 1
  rate_hot:
    quantity: rate
    spec: {minimum: 50, maximum: any}
    conditions:
      current: 2x
      corner: {enumerate: [tt, ss]}
      temperature: {minimum: -40, typical: 27, maximum: 85}
"""


# ---- pure --------------------------------------------------------------------------------
def test_binomial_interval_exact():
    """Clopper-Pearson has closed forms at the ends: k = n gives a lower bound
    (alpha/2)^(1/n), k = 0 an upper bound 1 - (alpha/2)^(1/n)."""
    lo, hi = binomial_interval(200, 200)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 200), rel=1e-9)
    lo, hi = binomial_interval(0, 50)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 50), rel=1e-9)
    lo, hi = binomial_interval(90, 100)
    assert 0.82 < lo < 0.83 and 0.95 < hi < 0.96  # tables: [0.8238, 0.9510]


def test_cace_yaml_subset():
    import tomllib

    spec = spec_from_dict(parse_cace_yaml(CACE_YAML))
    tau, rate = spec.parameters
    assert (tau.minimum, tau.typical, tau.maximum) == (9e-3, 1e-2, 1.1e-2)
    assert tau.conditions == ("montecarlo",)
    assert rate.conditions == ("corners",) and rate.current == "2x" and rate.maximum is None
    assert rate.corners == ("tt", "ss") and rate.temperatures_c == (-40.0, 27.0, 85.0)
    assert spec.corners == ("tt", "ss") and spec.temperatures_c == (-40.0, 27.0, 85.0)
    toml = spec_from_dict(tomllib.loads(SPEC_TOML))
    assert toml.currents == ("2x", repr(1.2e-10)) and toml.samples == 12
    assert [p.name for p in toml.parameters][:2] == ["tau_m", "v_th_tight"]


def test_evaluate_synthetic():
    """Limits, a failed corner cell, Monte Carlo yield against yield_min, a statistic."""
    spec = spec_from_dict({"parameters": {
        "tau": {"quantity": "tau_m", "minimum": 0.9, "maximum": 1.1,
                "conditions": ["nominal", "corners", "montecarlo"], "yield_min": 0.7},
        "tau_all": {"quantity": "tau_m", "minimum": 0.9, "maximum": 1.1,
                    "conditions": ["montecarlo"]},
        "cv": {"quantity": "tau_m", "statistic": "cv", "conditions": ["montecarlo"],
               "maximum": 0.01},
        "y": {"quantity": "yield", "minimum": 0.8}}})
    tau = np.array([1.0, 1.05, 0.95, 1.2, 1.0, np.nan, 1.02, 0.99])
    ok = np.isfinite(tau)
    cells = [{"condition": "corners", "corner": "tt", "temperature_c": 27.0, "ok": True,
              "error": "", "tau_m_s": 1.01},
             {"condition": "corners", "corner": "ss", "temperature_c": 85.0, "ok": False,
              "error": "silent", "tau_m_s": None}]
    m = Measurements(nominal={"tau_m_s": 1.0}, cells=cells,
                     samples={"ok": ok, "tau_m_s": tau}, currents_A=(1e-10,),
                     current_labels=("2x",))
    rows = {r["name"]: r for r in evaluate(spec, m)}
    mc = rows["tau"]["conditions"][-1]
    assert mc["pass_count"] == 6 and mc["yield"] == pytest.approx(6 / 8)
    # the failed ss cell fails the row although the yield meets 0.7
    assert rows["tau"]["status"] == "fail"
    assert any("ss 85 C" in r and "silent" in r for r in rows["tau"]["fail_reasons"])
    assert rows["tau_all"]["status"] == "fail"  # yield_min 1: every sample
    assert rows["tau"]["min"] == pytest.approx(0.95) and rows["tau"]["max"] == 1.2
    good = tau[ok]
    assert rows["cv"]["typ"] == pytest.approx(np.std(good, ddof=1) / np.mean(good))
    assert rows["cv"]["status"] == "fail"  # cv ~7 % > 1 %
    assert rows["y"]["typ"] == pytest.approx(6 / 8) and rows["y"]["status"] == "fail"


def test_default_spec_from_sizing():
    t = {"tau_m": 0.02, "v_th": 0.8, "v_reset": 0.4, "t_ref": 2e-3, "max_rate": 200.0,
         "sigma_tau_rel": 0.05, "sigma_vth": 0.01, "area_max": 2e-8, "power_max": 1e-6,
         "temperature_c": 27.0, "temperature_range": [0.0, 27.0, 70.0]}
    spec = spec_from_sizing({"targets": t, "i_in_max_A": 3e-10}, samples=50, source="x")
    p = {q.name: q for q in spec.parameters}
    assert p["tau_m"].minimum == pytest.approx(0.019) and p["tau_m"].maximum == 0.021
    assert p["static_power"].maximum == 1e-6 and p["area"].maximum == 2e-8
    assert p["max_rate"].current == repr(3e-10) and repr(3e-10) in spec.currents
    assert p["sigma_tau_m"].maximum == 0.05 and p["sigma_tau_m"].statistic == "cv"
    assert spec.temperatures_c == (0.0, 27.0, 70.0)


def test_browser_sees_errors(tmp_path):
    """The browser check can fail: a console.error and a missing image are both reported."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="missing.png">'
                    '<script>console.error("boom")</script></body></html>')
    with Page() as browser:
        errors = browser.open(page).errors
    assert any("boom" in e for e in errors), errors
    assert any("missing.png" in e for e in errors), errors


# ---- one behavioral datasheet ---------------------------------------------------------------
@pytest.fixture(scope="module")
def behavioral_sheet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("datasheet")
    spec = folder / "spec.toml"
    spec.write_text(SPEC_TOML)
    out = folder / "out"
    code = main(["datasheet", "behavioral", "--spec", str(spec), "--workers", "1",
                 "--out", str(out)])
    return code, spec, out, json.loads((out / "datasheet.json").read_text())


@pytest.mark.slow
def test_failing_spec_is_a_result(behavioral_sheet, capsys):
    code, spec, out, doc = behavioral_sheet
    assert code == 0
    rows = {r["name"]: r for r in doc["parameters"]}
    assert rows["v_th_tight"]["status"] == "fail"
    assert rows["tau_m"]["status"] == "pass" and rows["prediction_error"]["status"] == "pass"
    assert doc["status"] == "fail"
    assert doc["montecarlo"]["n_samples"] == 12 and doc["montecarlo"]["seed"] == 3
    # --strict: exit 1 and the failing row printed; the run is reused, not redone
    stamps = {p: p.stat().st_mtime_ns for p in (out / "nominal" / "report.json",
                                                *(out / "montecarlo" / "batches").glob("*"))}
    capsys.readouterr()
    assert main(["datasheet", "behavioral", "--spec", str(spec), "--workers", "1",
                 "--strict", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "FAIL v_th_tight" in err and "tau_m" not in err.replace("v_th", "")
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


@pytest.mark.slow
def test_yields_agree_with_the_samples(behavioral_sheet):
    """Each Monte Carlo yield recounted from samples.csv, the sweep's own table."""
    _, _, out, doc = behavioral_sheet
    with open(out / "montecarlo" / "samples.csv") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 12

    def col(key):
        return np.array([float(r[key]) if r["ok"] in ("1", "True") and r[key] else np.nan
                         for r in table])

    rows = {r["name"]: r for r in doc["parameters"]}
    for name, key in (("tau_m", "tau_m_s"), ("rate_2x", "rate_Hz_i0"), ("t_ref_mc", "t_ref_s")):
        row = rows[name]
        x = col(key)
        lo, hi = row["limits"]["minimum"], row["limits"]["maximum"]
        k = int(np.sum((x >= (lo if lo is not None else -np.inf))
                       & (x <= (hi if hi is not None else np.inf))))
        mc = next(c for c in row["conditions"] if c["condition"] == "montecarlo")
        assert mc["pass_count"] == k, name
        assert mc["yield_ci95"] == pytest.approx(list(binomial_interval(k, 12)))
        nominal_ok = all(c["value"] is not None and (lo is None or c["value"] >= lo)
                         and (hi is None or c["value"] <= hi)
                         for c in row["conditions"] if c["condition"] == "nominal")
        goal = row["yield_min"]
        assert (row["status"] == "pass") == (k / 12 >= goal and nominal_ok), name
    cv = np.std(col("tau_m_s"), ddof=1) / np.mean(col("tau_m_s"))
    assert rows["sigma_tau"]["typ"] == pytest.approx(cv, rel=1e-9)


@pytest.mark.slow
def test_markdown_in_cace_columns(behavioral_sheet):
    _, _, out, doc = behavioral_sheet
    lines = (out / "datasheet.md").read_text().splitlines()
    header = next(ln for ln in lines if ln.startswith("| Parameter"))
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "Parameter", "Tool", "Result", "Min Limit", "Min Value", "Typ Target", "Typ Value",
        "Max Limit", "Max Value", "Status", "Theory"]
    body = [ln for ln in lines if ln.startswith("| ") and ln is not header
            and not ln.startswith("| Parameter")]
    assert [ln.split("|")[1].strip() for ln in body] == [r["name"] for r in doc["parameters"]]
    rate = next(ln for ln in body if ln.startswith("| rate_2x"))
    assert "ideal" in rate and "saturating" in rate  # the theory column


def _svg_x(html: str, gid: str) -> float:
    """x (SVG user units) of the vertical line drawn with id ``gid``."""
    group = re.search(rf'<g id="{gid}">\s*<path d="M ([-\d.]+) [-\d.]+\s+L ([-\d.]+)', html)
    assert group, f"no line {gid}"
    assert float(group.group(1)) == pytest.approx(float(group.group(2)))  # vertical
    return float(group.group(1))


@pytest.mark.slow
def test_histogram_limits_drawn_at_the_spec(behavioral_sheet):
    """Where each limit line sits in the inline SVG, mapped through the axes frame and the
    axis range, is the spec's limit (within 0.2 % of the range: coordinates are written
    with 6 digits)."""
    _, _, out, doc = behavioral_sheet
    html = (out / "datasheet.html").read_text()
    figures = re.findall(r'<figure id="fig-(hist\d+)"[^>]*data-parameter="([^"]+)"[^>]*'
                         r'data-xlim="([^"]+)"[^>]*data-limits="([^"]+)"', html)
    rows = {r["name"]: r for r in doc["parameters"]}
    checked = 0
    for gid, name, xlim, _ in figures:
        lo_px, hi_px = (float(v) for v in re.search(
            rf'<g id="{gid}-axes">\s*<path d="M ([-\d.]+) [-\d.]+\s+L ([-\d.]+)', html).groups())
        x0, x1 = json.loads(xlim.replace("&#34;", '"'))
        row = rows[name]
        scale = {"s": 1e3, "V": 1e3, "Hz": 1.0}.get(row["unit"], 1.0)  # ms, mV, Hz
        for side, limit in (("min", row["limits"]["minimum"]),
                            ("max", row["limits"]["maximum"])):
            if limit is None or row["statistic"] != "value":
                assert f'id="{gid}-{side}"' not in html
                continue
            px = _svg_x(html, f"{gid}-{side}")
            value = x0 + (px - lo_px) / (hi_px - lo_px) * (x1 - x0)
            assert value == pytest.approx(limit * scale, abs=2e-3 * (x1 - x0)), (name, side)
            checked += 1
    assert checked == 5  # tau_m min/max, rate_2x min, t_ref_mc min/max


@pytest.mark.slow
def test_html_in_headless_chromium(behavioral_sheet):
    _, _, out, doc = behavioral_sheet
    html = out / "datasheet.html"
    text = html.read_text()
    assert not re.search(r'(src|href)="(?!data:|#)', text)  # self-contained
    with Page(width=1200, height=900) as page:
        page.open(html)
        assert page.errors == []
        rows = page.evaluate("""Array.from(document.querySelectorAll('#summary tbody tr'))
            .map(tr => [tr.dataset.parameter, tr.dataset.status,
                        tr.querySelector('td.status').textContent.trim(),
                        getComputedStyle(tr.querySelector('td.status')).backgroundColor])""")
        assert [r[:3] for r in rows] == [[r["name"], r["status"], r["status"]]
                                         for r in doc["parameters"]]
        colour = {r[1]: r[3] for r in rows}
        assert colour["pass"] == "rgb(217, 242, 221)" and colour["fail"] == "rgb(248, 215, 218)"
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        assert len(images) == 2 and min(images) > 300  # waveform, F-I (decoded)
        assert page.evaluate("document.querySelectorAll('figure svg').length") == 4
        shot = page.screenshot(out / "screenshot_desktop.png")
        # printed: no scroll boxes (a table is never cut at the box's edge), figures whole
        page.media("print")
        assert page.evaluate("getComputedStyle(document.querySelector('.scroll'))"
                             ".overflowX") == "visible"
        assert page.evaluate("getComputedStyle(document.querySelector('figure'))"
                             ".breakInside") == "avoid"
        pdf = page.pdf(out / "datasheet.pdf").read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pdf.startswith(b"%PDF") and pages >= 3, pages  # A4/Letter: a long page
    with Page(width=390, height=844, mobile=True) as phone:
        phone.open(html)
        assert phone.errors == []
        # nothing wider than the phone: tables scroll in their own boxes, figures shrink
        # (a mobile viewport widens to its content: compare with the phone's 390 px)
        width, inner = phone.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width <= 390 and inner == 390, (width, inner)
        phone.screenshot(out / "screenshot_phone.png")
    from PIL import Image

    im = np.asarray(Image.open(shot).convert("L"), float)
    assert im.shape[1] == 1200 and im.shape[0] > 3000 and im.std() > 20  # not blank


@pytest.mark.slow
def test_subckt_of_ideal_elements(tmp_path):
    """A user's subcircuit (examples/textbook: R, C, B-sources, a switch): nominal only (no
    PDK: no corners, no mismatch), the device table from its netlist."""
    example = Path(__file__).resolve().parents[1] / "examples" / "textbook" / "textbook.toml"
    assert main(["datasheet", str(example), "--workers", "1", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "datasheet.json").read_text())
    assert doc["circuit"] == "subckt" and doc["montecarlo"] is None and doc["cells"] == []
    rows = {r["name"]: r for r in doc["parameters"]}
    assert rows["tau_m"]["typ"] == pytest.approx(1e-3, rel=0.02)  # the file's R C: 1 ms
    names = [d["name"] for d in doc["devices"]["rows"]]
    assert "x1.cm" in names and "x1.rl" in names
    cm = next(d for d in doc["devices"]["rows"] if d["name"] == "x1.cm")
    assert cm["type"] == "cap" and math.isfinite(cm["value"])


@pytest.mark.sky130
@pytest.mark.slow
def test_sky130_lean_datasheet(tmp_path):
    """The default spec of a shipped sky130 design, 4 samples: 15 corner cells, the device
    table of the exported subcircuit and its area, the page clean in the browser."""
    assert main(["datasheet", "sky130_lean", "--samples", "4", "--workers", "1",
                 "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "datasheet.json").read_text())
    assert len([c for c in doc["cells"] if c["condition"] == "corners"]) == 15
    assert all(c["ok"] for c in doc["cells"])
    rows = {r["name"]: r for r in doc["parameters"]}
    areas = [d["area_m2"] for d in doc["devices"]["rows"] if d["area_m2"] is not None]
    assert rows["area"]["typ"] == pytest.approx(sum(areas))
    assert 1e-9 < sum(areas) < 1e-8  # ~2200 um^2: the 4 pF MIM is ~2000
    types = {d["type"] for d in doc["devices"]["rows"]}
    assert {"nfet", "pfet", "cap"} <= types
    for name in ("tau_m", "v_th", "rate_2x", "prediction_error", "yield"):
        assert rows[name]["status"] == "pass", rows[name]["fail_reasons"]
    with Page() as page:
        page.open(tmp_path / "datasheet.html")
        assert page.errors == []
        assert page.evaluate("document.querySelectorAll('#corners tbody tr').length") == 15
        assert page.evaluate("document.querySelectorAll('#devices tbody tr').length") == len(
            doc["devices"]["rows"])
        page.screenshot(tmp_path / "screenshot.png")
    with Page(width=390, height=844, mobile=True) as phone:
        phone.open(tmp_path / "datasheet.html")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert phone.errors == [] and width <= 390, width


def test_default_spec_found_beside_a_sized_design(tmp_path):
    """A design file with a sizing.json beside it (what ``lifspice size`` writes) gets the
    sizing targets as its spec; without it, the design's own values."""
    from importlib import resources

    from lifspice.flows.datasheet import _design_and_spec

    design = tmp_path / "design.toml"
    design.write_text((resources.files("lifspice") / "designs" / "sky130_lean.toml").read_text())
    _, own = _design_and_spec(design, None, 10, None)
    assert "design's own values" in own.source
    targets = {"tau_m": 1e-3, "v_th": 0.8, "v_reset": 0.4, "t_ref": 1.3e-4, "max_rate": None,
               "sigma_tau_rel": 0.07, "sigma_vth": 0.01, "area_max": 3e-9,
               "power_max": 2e-8, "temperature_c": 27.0, "temperature_range": [27.0, 85.0]}
    (tmp_path / "sizing.json").write_text(json.dumps({"targets": targets}))
    _, sized = _design_and_spec(design, None, 10, None)
    p = {q.name: q for q in sized.parameters}
    assert "sizing.json" in sized.source and sized.samples == 10
    assert p["tau_m"].maximum == pytest.approx(1.05e-3) and p["area"].maximum == 3e-9
    assert "max_rate" not in p and sized.temperatures_c == (27.0, 85.0)


def test_readme_table_is_the_default_spec():
    """The README's datasheet table of sky130_lean (measured once, 200 samples) has the rows
    and limits its default spec has today: names, order, Min/Typ/Max targets."""
    from lifspice.flows.datasheet import _design_and_spec
    from lifspice.io.datasheet.text import value_text

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Datasheets"):readme.index("## Speed")]
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in section.splitlines()
            if ln.startswith("| ") and not ln.startswith("| Parameter")]
    _, spec = _design_and_spec("sky130_lean", None, 200, None)
    assert [r[0] for r in rows] == [p.name for p in spec.parameters]
    for cells, p in zip(rows, spec.parameters, strict=True):
        row = {"quantity": p.quantity, "unit": p.unit, "statistic": p.statistic}
        assert cells[3] == value_text(row, p.minimum), p.name
        assert cells[5] == value_text(row, p.typical), p.name
        assert cells[7] == value_text(row, p.maximum), p.name


@pytest.mark.sky130
@pytest.mark.slow
def test_supply_and_corners_from_a_cace_yaml_spec(tmp_path):
    """A CACE-style YAML spec run end to end on sky130_lean: the rate over two supply
    voltages (each a run_corners cell at the design's corner and temperature) and tau_m at
    one corner; no Monte Carlo parameter, so no Monte Carlo is run."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("""\
name: sky130_lean
parameters:
  rate:
    spec: {minimum: 150}
    conditions: {current: 2x, vdd: [1.7, 1.9]}
  tau_ss:
    quantity: tau_m
    spec: {maximum: {value: 1.2e-3, fail: true}}
    conditions: {corner: [ss], temperature: [27]}
""")
    out = tmp_path / "out"
    assert main(["datasheet", "sky130_lean", "--spec", str(spec), "--workers", "1",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "datasheet.json").read_text())
    assert doc["montecarlo"] is None and not (out / "montecarlo").exists()
    supply = [c for c in doc["cells"] if c["condition"] == "supply"]
    assert [c["vdd_V"] for c in supply] == [1.7, 1.9] and all(c["ok"] for c in supply)
    corners = [c for c in doc["cells"] if c["condition"] == "corners"]
    assert [(c["corner"], c["temperature_c"]) for c in corners] == [("ss", 27.0)]
    rate, tau = doc["parameters"]
    assert [c["label"] for c in rate["conditions"]] == ["vdd 1.7 V", "vdd 1.9 V"]
    # the reference current is 2x the measured rheobase in every cell
    for v in ("1.7", "1.9"):
        cells = json.loads((out / "supply" / f"vdd_{v}" / "corners.json").read_text())
        assert cells["current_A"] == pytest.approx(doc["currents"][0]["current_A"])
    assert rate["status"] == "pass" and tau["status"] == "pass"
    assert tau["typ"] == pytest.approx(corners[0]["tau_m_s"])


def test_device_tables_agree():
    """The device table of the shipped sky130 design (exported and read back) and of the
    same neuron as a user's subcircuit file (examples/sky130_subckt) list the same devices
    with the same total area; a behavioral design lists its elements, with no area."""
    from lifspice.flows.datasheet_parts import device_rows
    from lifspice.io.design import load_design

    example = Path(__file__).resolve().parents[1] / "examples" / "sky130_subckt"
    own = device_rows(load_design({"circuit": "sky130"}))
    user = device_rows(load_design(example / "lifspice_sky130.toml"))
    assert [(r["type"], r["w_m"], r["l_m"], r["multiplier"]) for r in own["rows"]] == [
        (r["type"], r["w_m"], r["l_m"], r["multiplier"]) for r in user["rows"]]
    assert own["total_area_m2"] == pytest.approx(user["total_area_m2"], rel=1e-12)
    mos = [r for r in own["rows"] if r["type"] in ("nfet", "pfet")]
    assert len(mos) > 20 and all(r["area_m2"] == pytest.approx(r["w_m"] * r["l_m"] *
                                                               r["multiplier"]) for r in mos)
    beh = device_rows(load_design("behavioral"))
    assert beh["total_area_m2"] is None
    assert any(r["type"] == "cap" and r["value"] == 1e-12 for r in beh["rows"])  # c_mem
