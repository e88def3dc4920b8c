"""Parts of a datasheet that need the design or the measurements: the device table (the
netlist's devices, hierarchy flattened) and the figures.

The device table of a subcircuit design comes from its own netlist; a kit design on a PDK
is first written as the subcircuit it is (:func:`lifspice.io.subckt_files.subckt_export`)
and read back by the same parser, so both list the same things: instance path, type,
model, W, L, multiplier, value and area (W L m; wiring and spacing not included). A
behavioral design has no devices.
"""

from __future__ import annotations

from typing import Any

from lifspice.analysis.datasheet import QUANTITIES, Measurements, Spec
from lifspice.analysis.datasheet.limits import sample_values
from lifspice.analysis.energy import PUBLISHED_ENERGY_PER_SPIKE
from lifspice.analysis.plots.datasheet import (
    energy_figure,
    fi_theory_figure,
    spec_histogram_figure,
    waveform_figure,
)
from lifspice.analysis.plots.montecarlo import si_text
from lifspice.circuits.kinds import kind_of
from lifspice.circuits.params import ParameterError
from lifspice.circuits.subckt.hierarchy import flat_devices
from lifspice.circuits.subckt.parse import parse_netlist, read_netlist
from lifspice.io.subckt_files import subckt_export


def device_rows(design: Any) -> dict | None:
    """``{"rows": [...], "total_area_m2", "source"}`` of the design's devices (SI units), or
    None for a design without a netlist of devices (behavioral)."""
    kind = kind_of(design).name
    if kind == "subckt":
        devices = flat_devices(read_netlist(design.netlist), design.subckt)
        source = f"{design.subckt} in {design.netlist}"
    else:
        try:
            ex = subckt_export(design)
        except ParameterError:  # a kind that cannot be written as a subcircuit
            return None
        devices = flat_devices(parse_netlist(ex.text), ex.name)
        source = f"{ex.name} (the design written as a subcircuit)"
    rows = [{"name": d.path, "type": d.kind, "model": d.target, "w_m": d.w, "l_m": d.l,
             "multiplier": d.multiplier, "value": d.values.get("value"), "area_m2": d.area}
            for d in devices]
    areas = [r["area_m2"] for r in rows if r["area_m2"] is not None]
    return {"rows": rows, "total_area_m2": sum(areas) if areas else None, "source": source}


def _histograms(spec: Spec, m: Measurements) -> list[dict]:
    figures = []
    for k, p in enumerate(spec.parameters):
        if "montecarlo" not in p.conditions or p.quantity == "yield" or m.samples is None:
            continue
        q = QUANTITIES[p.quantity]
        key = q.sample.format(k=list(m.current_labels).index(p.current)) \
            if "{k}" in q.sample else q.sample
        nominal_key = q.nominal.format(k=list(m.current_labels).index(p.current)) \
            if q.nominal and "{k}" in q.nominal else q.nominal
        nominal = m.nominal.get(nominal_key) if nominal_key else None
        limits = (p.minimum, p.maximum) if p.statistic == "value" else (None, None)
        title = f"{p.name}: {q.label}"
        if p.current is not None:
            amps = m.currents_A[list(m.current_labels).index(p.current)]
            title = f"{p.name}: rate at {si_text(amps, 'A')} ({p.current})"
        gid = f"hist{k}"
        fig, drawn = spec_histogram_figure(sample_values(p, m), key=key, title=title,
                                           nominal=nominal, limits=limits, gid=gid)
        caption = (f"{title}; spec limits in red" if any(v is not None for v in limits)
                   else f"{title}; the spec bounds its {p.statistic}, not each sample")
        figures.append({"id": gid, "format": "svg", "figure": fig, "caption": caption,
                        "parameter": p.name, "drawn": drawn})
    return figures


def datasheet_figures(doc: dict, spec: Spec, m: Measurements, trace: dict,
                      report: dict) -> dict[str, Any]:
    """The datasheet's matplotlib figures by section, with what each shows (for the page
    and its tests): ``waveform``, ``fi``, ``energy`` (or None) and ``histograms`` (list)."""
    extra = {k: v for k, v in trace.items() if k not in ("t", "v")}
    nominal = doc["nominal"]
    wave = waveform_figure(trace["t"], trace["v"], v_th=nominal.get("v_th_V"),
                           v_reset=nominal.get("v_reset_V"), i_in=nominal.get("trace_i_A"),
                           extra=extra)
    limits = [(r["current_A"], r["limits"]["minimum"], r["limits"]["maximum"], r["name"])
              for r in doc["parameters"] if r["quantity"] == "rate" and r["current_A"]
              and (r["limits"]["minimum"] is not None or r["limits"]["maximum"] is not None)]
    fi = fi_theory_figure(report, limits)
    energy = nominal.get("energy_per_spike_J")
    return {
        "waveform": {"id": "waveform", "format": "png", "figure": wave,
                     "caption": "the nominal firing transient (membrane, threshold, reset)"},
        "fi": {"id": "fi", "format": "png", "figure": fi,
               "caption": "F-I curve from ngspice against the textbook LIF of the design's "
                          "values and the LIF predicted from the measurements; rate limits "
                          "as red bars"},
        "energy": None if energy is None else {
            "id": "energy", "format": "png",
            "figure": energy_figure(energy, PUBLISHED_ENERGY_PER_SPIKE, doc["name"]),
            "caption": "energy per spike (dynamic) beside published silicon LIF neurons"},
        "histograms": _histograms(spec, m),
    }


__all__ = ["datasheet_figures", "device_rows"]
