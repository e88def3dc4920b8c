"""``datasheet.html``, ``datasheet.md`` and ``datasheet.json`` from the datasheet document
and its matplotlib figures (converted here: PNG as base64, histograms as inline SVG whose
limit lines carry ids, so a test can read where they were drawn)."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lifspice.io.datasheet.template import CSS, FIGURE, TEMPLATE
from lifspice.io.datasheet.text import COLUMNS, markdown, si, table_cells, value_text, yield_text

#: Corner-table columns: (cell key, quantity, title, unit).
CELL_COLUMNS = (("tau_m_s", "tau_m", "tau_m", "s"), ("v_th_V", "v_th", "V_th", "V"),
                ("rate_Hz", "rate", "rate", "Hz"), ("t_ref_s", "t_ref", "t_ref", "s"),
                ("gm_S", "g_m", "g_m", "S"), ("v_rest_V", "v_rest", "v_rest", "V"),
                ("energy_per_spike_J", "energy_per_spike", "energy/spike", "J"))


def figure_data(fig, fmt: str) -> str:
    """A matplotlib figure as base64 PNG text or as SVG markup (no XML prologue); closes it."""
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    if fmt == "png":
        return base64.b64encode(buf.getvalue()).decode("ascii")
    text = buf.getvalue().decode("utf-8")
    return text[text.index("<svg"):]


def _figure(f: Mapping | None) -> dict | None:
    if f is None:
        return None
    attrs = {}
    drawn = f.get("drawn")
    if drawn is not None:
        attrs = {"parameter": f["parameter"], "unit": drawn["unit"],
                 "xlim": json.dumps(drawn["xlim"]), "limits": json.dumps(drawn["limits"]),
                 "mean": json.dumps(drawn["mean"]), "nominal": json.dumps(drawn["nominal"])}
    return {"id": f["id"], "format": f["format"], "caption": f["caption"], "attrs": attrs,
            "data": figure_data(f["figure"], f["format"])}


def _cells(doc: Mapping) -> list[dict]:
    """Corner and supply cells with each value flagged against the parameters on it."""
    out = []
    for cell in doc["cells"]:
        label = (f"{cell['corner']} {cell['temperature_c']:g} °C" if cell["condition"] ==
                 "corners" else f"vdd {cell['vdd_V']:g} V")
        values = []
        for key, quantity, _, unit in CELL_COLUMNS:
            flag = _flag(doc, cell, quantity)
            values.append({"text": si(cell.get(key), unit) if cell["ok"] else "-",
                           "flag": flag})
        out.append({"label": label, "values": values, "error": cell.get("error") or ""})
    return out


def _flag(doc: Mapping, cell: Mapping, quantity: str) -> str:
    """"pass"/"fail" of a cell's value against every parameter with limits on it, or ""."""
    flags = []
    for r in doc["parameters"]:
        if r["quantity"] != quantity or (r["limits"]["minimum"] is None
                                         and r["limits"]["maximum"] is None):
            continue
        for c in r["conditions"]:
            if (c["condition"], c.get("corner"), c.get("temperature_c"), c.get("vdd_V")) == (
                    cell["condition"], cell["corner"], cell["temperature_c"], cell.get("vdd_V")):
                flags.append(c["value"] is not None and _inside(r, c["value"]))
    return "" if not flags else ("pass" if all(flags) else "fail")


def _inside(row: Mapping, x: float) -> bool:
    lo, hi = row["limits"]["minimum"], row["limits"]["maximum"]
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def _device_rows(devices: Mapping | None) -> dict | None:
    if not devices:
        return None
    rows = [{"name": d["name"], "type": d["type"], "model": d["model"] or "",
             "w": si(d["w_m"], "m"), "l": si(d["l_m"], "m"), "m": f"{d['multiplier']:g}",
             "value": "-" if d["value"] is None else f"{d['value']:.4g}",
             "area": si(d["area_m2"], "m^2")} for d in devices["rows"]]
    return {"rows": rows, "source": devices["source"],
            "total_area": si(devices["total_area_m2"], "m^2")}


def render_html(doc: Mapping, figures: Mapping[str, Any]) -> str:
    """The page (figures converted and embedded)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    fig_template = env.from_string(FIGURE)
    rows = [{**r, "cells": table_cells(r, marks=False)} for r in doc["parameters"]]
    for r in doc["parameters"]:
        for c in r["conditions"]:
            c["text"] = value_text(r, c.get("value"))
    published = [{**p, "text": si(p["energy_per_spike_J"], "J")}
                 for p in doc["published_energy_per_spike"]]
    figs = {"waveform": _figure(figures["waveform"]), "fi": _figure(figures["fi"]),
            "energy": _figure(figures.get("energy")),
            "histograms": [_figure(f) for f in figures.get("histograms", [])]}
    return env.from_string(TEMPLATE).render(
        doc={**doc, "currents": [{**c, "text": si(c["current_A"], "A")}
                                 for c in doc["currents"]],
             "published_energy_per_spike": published},
        css=CSS, columns=COLUMNS, rows=rows,
        failing=[r for r in doc["parameters"] if r["status"] in ("fail", "no data")],
        design_items=sorted((k, v) for k, v in doc["design"].items() if k != "pins"),
        devices=_device_rows(doc.get("devices")), cells=_cells(doc),
        cell_columns=[{"title": t} for _, _, t, _ in CELL_COLUMNS],
        yields=[{"name": r["name"], "text": yield_text(r), "status": r["status"]}
                for r in doc["parameters"] if yield_text(r)],
        figures=figs, figure=lambda f: "" if f is None else jinja2.filters.Markup(
            fig_template.render(f=f)),
        energy_text=si(doc["nominal"].get("energy_per_spike_J"), "J"),
        trace_current=si(doc["nominal"].get("trace_i_A"), "A"))


def write_datasheet(doc: Mapping, figures: Mapping[str, Any], out: str | Path) -> dict[str, Path]:
    """Write ``datasheet.json``, ``datasheet.md`` and ``datasheet.html`` into ``out``."""
    out = Path(out)
    paths = {"json": out / "datasheet.json", "md": out / "datasheet.md",
             "html": out / "datasheet.html"}
    paths["json"].write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    paths["md"].write_text(markdown(doc))
    html = render_html(doc, figures)
    paths["html"].write_text(re.sub(r"[ \t]+\n", "\n", html), encoding="utf-8")
    return paths


__all__ = ["figure_data", "render_html", "write_datasheet"]
