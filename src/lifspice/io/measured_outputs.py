"""Files of a measured-silicon fit: ``fit.json``, ``neurons.csv`` (one row per neuron:
every estimate with its standard error and 95 % intervals), ``points.csv`` (every F-I point
with the fit, and the simulation when a design was given), ``population.csv`` and the plots.
The result object comes from :func:`lifspice.flows.measured.fit_measurements`."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

from lifspice.analysis.plots.measured import fi_fit_figure, population_figure
from lifspice.io.report import json_clean

__all__ = ["write_fit_outputs"]


def _cell(x) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return "" if not math.isfinite(x) else repr(x)
    return str(x)


def _neuron_rows(result) -> tuple[list[str], list[list]]:
    header = ["neuron", "model", "rms_rel_error"]
    rows = []
    for n in result.neurons:
        row = {"neuron": n.label}
        for source, est in (("", n.fit.estimates if n.fit else {}),
                            ("trace_", n.trace.estimates if n.trace else {})):
            for k, e in est.items():
                row[source + k] = e.value
                row[f"{source}{k}_stderr"] = e.stderr
                row[f"{source}{k}_ci_low"], row[f"{source}{k}_ci_high"] = e.ci95
                if e.bootstrap_ci95 is not None:
                    row[f"{source}{k}_boot_low"], row[f"{source}{k}_boot_high"] = \
                        e.bootstrap_ci95
        if n.fit is not None:
            row["model"], row["rms_rel_error"] = n.fit.model, n.fit.lif_fit.rms_rel_error
        header += [k for k in row if k not in header]
        rows.append(row)
    return header, [[_cell(r.get(h)) for h in header] for r in rows]


def _point_rows(result) -> list[list]:
    rows = []
    for n in result.neurons:
        if n.data is None or n.fit is None:
            continue
        f_fit = n.fit.rate(n.data.i)
        f_sim = (result.comparison.simulated.rate(n.data.i) if result.comparison is not None
                 else [math.nan] * n.data.i.size)
        for i, f, ff, fs in zip(n.data.i, n.data.f, f_fit, f_sim, strict=True):
            rows.append([n.label, _cell(float(i)), _cell(float(f)), _cell(float(ff)),
                         _cell(float(fs))])
    return rows


def _write_csv(path: Path, header, rows) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _file_label(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label)[:60] or "neuron"


def write_fit_outputs(result, folder: Path, *, plots: bool = True) -> list[Path]:
    """Write every file of ``result`` (a :class:`lifspice.flows.measured.MeasuredResult`)
    into ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "fit.json", folder / "neurons.csv", folder / "points.csv"]
    written[0].write_text(json.dumps(json_clean(result.report()), indent=2, allow_nan=False)
                          + "\n")
    _write_csv(written[1], *_neuron_rows(result))
    _write_csv(written[2], ["neuron", "i_A", "f_Hz", "f_fit_Hz", "f_sim_Hz"],
               _point_rows(result))
    if result.population_table:
        table = result.population_table
        path = folder / "population.csv"
        keys = list(table)
        _write_csv(path, keys, [[_cell(table[k][j] if k == "neuron" else float(table[k][j]))
                                 for k in keys] for j in range(len(table["neuron"]))])
        written.append(path)
    if not plots:
        return written
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sim = result.comparison.simulated if result.comparison is not None else None
    for n in result.neurons[:12]:
        if n.fit is None:
            continue
        fig = fi_fit_figure(n.data, n.fit, sim_i=None if sim is None else sim.ch.currents,
                            sim_f=None if sim is None else sim.ch.rates, title=n.label)
        path = folder / f"fi_{_file_label(n.label)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    if result.population is not None:
        fig = population_figure(result.population_table, result.montecarlo_table,
                                list(result.population.quantities))
        path = folder / "population.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
