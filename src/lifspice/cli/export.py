"""``lifspice export``: a fitted neuron or a population to a Brian2 script / NEST parameters.

Imports nothing heavy at module level (the parser is built for every command).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from lifspice.io.export import ExportError, export, saturation_warning


def _parse_set(items: list[str] | None) -> dict[str, float]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value) if sep else None
        except ValueError:
            out[key.strip()] = None
        if out[key.strip()] is None or not math.isfinite(out[key.strip()]):
            raise ExportError(f"--set wants key=value with a finite number (SI), got "
                              f"{item!r}; e.g. --set v_rest=0.2")
    return out


def cmd_export(args) -> int:

    try:
        text = export(args.report, args.to, which=args.params, defaults=_parse_set(args.set))
        warning = (None if args.report.suffix.lower() == ".csv"
                   else saturation_warning(args.report, args.params))
    except (ExportError, ValueError, OSError) as exc:
        print(f"lifspice: error: {exc}", file=sys.stderr)
        return 2
    if warning:
        print(f"lifspice: warning: {warning}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {args.out}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="write a fitted neuron (or a population CSV) as a Brian2 script or a "
        "NEST parameter set",
        description="Turn report.json's fitted LIF (or a CSV table with one neuron per row, "
        "e.g. a Monte Carlo samples.csv; columns c_mem/g_leak/v_rest/v_th/v_reset/t_ref or "
        "report-style names such as v_th_V, tau_m_s) into a runnable Brian2 script (numpy "
        "target) or a NEST iaf_psc_delta parameter set (JSON; mV, ms, pF, pA).")
    p.add_argument("report", type=Path, help="report.json or a population .csv")
    p.add_argument("--to", choices=("brian2", "nest"), required=True, help="target simulator")
    p.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    p.add_argument("--params", choices=("fit", "measured"), default="fit",
                   help="report.json: the fitted ideal LIF (default) or the measured values "
                        "(C, g_m: the circuit's own tau_m). A design whose leak saturates "
                        "(sky130) gets a warning with the fit: neither target has a "
                        "saturating leak")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="value (SI) for a parameter missing from the table, e.g. "
                        "--set v_rest=0.2 (repeatable)")
    p.set_defaults(handler=cmd_export)
