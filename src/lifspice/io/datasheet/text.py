"""Numbers as a datasheet shows them, and the Markdown table in CACE's column layout with a
theory column.

CACE (PyPI ``cace``) writes ``Parameter | Tool | Result | Min Limit | Min Value | Typ Target
| Typ Value | Max Limit | Max Value | Status``; lifspice adds ``Theory``: the ideal and the
saturating-leak LIF predictions from the measurements (or the design's own value) beside
each measured one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

PREFIXES = {-5: "f", -4: "p", -3: "n", -2: "µ", -1: "m", 0: "", 1: "k", 2: "M", 3: "G"}
#: Quantities shown in percent (relative errors, yields) rather than as plain numbers.
PERCENT = ("prediction_error", "theory_error", "yield")
#: The summary's columns: CACE's, then the theory column.
COLUMNS = ("Parameter", "Tool", "Result", "Min Limit", "Min Value", "Typ Target", "Typ Value",
           "Max Limit", "Max Value", "Status", "Theory")
STATUS_TEXT = {"pass": "Pass ✅", "fail": "Fail ❌", "info": "Info", "no data": "No data ❌"}


def si(x: float | None, unit: str = "", digits: int = 4) -> str:
    """``x`` (SI) with an SI prefix: (6e-10, "A") -> "600 pA"; None -> "-"."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if unit == "m^2":  # areas read in um^2
        return f"{x * 1e12:.{digits}g} µm²"
    if x == 0:
        return f"0 {unit}".strip()
    exp = max(-5, min(3, int(math.floor(math.log10(abs(x)) / 3))))
    if not unit:
        return f"{x:.{digits}g}"
    return f"{x / 10.0 ** (3 * exp):.{digits}g} {PREFIXES[exp]}{unit}"


def value_text(row: Mapping, x: float | None) -> str:
    """A value of a datasheet row in its unit (percent for errors, yields and cv)."""
    if x is None:
        return "-"
    if row["quantity"] in PERCENT or row.get("statistic") == "cv":
        return f"{100 * x:.3g} %"
    return si(x, row["unit"])


def result_text(row: Mapping) -> str:
    """CACE's Result column: what was measured, over which conditions."""
    parts = []
    for c in dict.fromkeys(r["condition"] for r in row["conditions"]):
        n = sum(r["condition"] == c for r in row["conditions"])
        if c == "montecarlo":
            mc = next(r for r in row["conditions"] if r["condition"] == c)
            parts.append(f"MC {mc['n']}" + (f" {row['statistic']}"
                                            if row["statistic"] != "value" else ""))
        else:
            parts.append(c if n == 1 else f"{c} {n}")
    what = row["quantity"] + (f" @ {row['current']}" if row.get("current") else "")
    return f"{what} ({', '.join(parts)})"


def theory_text(row: Mapping) -> str:
    """The Theory column: ideal / saturating LIF from the measurements, or the design value."""
    t = row.get("theory") or {}
    if t.get("ideal") is not None:
        if t.get("saturating") is not None and t["saturating"] != t["ideal"]:
            return (f"ideal {value_text(row, t['ideal'])} / saturating "
                    f"{value_text(row, t['saturating'])}")
        return f"LIF {value_text(row, t['ideal'])}"
    if t.get("design") is not None:
        return f"design {value_text(row, t['design'])}"
    return ""


def yield_text(row: Mapping) -> str:
    """``"99.5 % [97.2, 100] %"`` of the Monte Carlo entry of a row, or ""."""
    for r in row["conditions"]:
        if r["condition"] == "montecarlo" and r.get("yield") is not None:
            lo, hi = r["yield_ci95"]
            return f"{100 * r['yield']:.3g} % [{100 * lo:.3g}, {100 * hi:.3g}] %"
    return ""


def table_cells(row: Mapping, *, marks: bool = True) -> list[str]:
    """The row's cells in :data:`~lifspice.io.datasheet.text.COLUMNS` order (``marks``: the
    status with CACE's check marks, else the plain word)."""
    lim = row["limits"]
    return [row["name"], "ngspice", result_text(row), value_text(row, lim["minimum"]),
            value_text(row, row["min"]), value_text(row, lim["typical"]),
            value_text(row, row["typ"]), value_text(row, lim["maximum"]),
            value_text(row, row["max"]),
            STATUS_TEXT[row["status"]] if marks else row["status"], theory_text(row)]


def markdown_table(rows: Sequence[Mapping]) -> str:
    """The summary as a Markdown table (CACE's columns plus Theory)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(":---" if k < 3 else "---:"
                                                            for k in range(len(COLUMNS))) + "|"]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in table_cells(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown(doc: Mapping) -> str:
    """datasheet.md: a heading, the status, the table, the failures, the conditions."""
    spec = doc["spec"]["conditions"]
    counts = doc["counts"]
    lines = [f"# Datasheet: {doc['name']} ({doc['circuit']})", "",
             f"Status: **{doc['status'].upper()}**: {counts['pass']} pass, {counts['fail']} "
             f"fail, {counts['info']} info, {counts['no data']} without data. Spec: "
             f"{doc['spec']['source']}.", "", markdown_table(doc["parameters"])]
    failing = [r for r in doc["parameters"] if r["status"] in ("fail", "no data")]
    if failing:
        lines += ["Failing:", ""] + [f"- {r['name']}: {'; '.join(r['fail_reasons'])}"
                                     for r in failing] + [""]
    currents = ", ".join(f"{c['label']} = {si(c['current_A'], 'A')}" for c in doc["currents"])
    grid = (f"Corners: {', '.join(spec['corners'])} at "
            f"{', '.join(f'{t:g}' for t in spec['temperatures_c'])} °C. "
            if any(c["condition"] == "corners" for c in doc["cells"]) else "")
    lines += [f"Currents: {currents} (the first is the reference of corners and Monte Carlo). "
              + grid + (f"Monte Carlo: {doc['montecarlo']['n_samples']} samples, seed "
                 f"{doc['montecarlo']['seed']}, {doc['montecarlo']['n_failed']} failed; yields "
                 "with exact (Clopper-Pearson) 95 % intervals in datasheet.json."
                 if doc.get("montecarlo") else ""), ""]
    return "\n".join(lines)


__all__ = ["COLUMNS", "markdown", "markdown_table", "result_text", "si", "table_cells",
           "theory_text", "value_text", "yield_text"]
