"""``lifspice export``: a fitted neuron or a population to a Brian2 script, NEST parameters
or a NIR graph.

Imports nothing heavy at module level (the parser is built for every command).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from lifspice.io.export import ExportError, export, saturation_warning
from lifspice.io.nir_export import NORMALIZE, write_nir
from lifspice.io.population import (
    population_brian2_script,
    population_nest,
    read_source,
)


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


def _population_text(args) -> str:
    """A Monte Carlo folder to Brian2 / NEST text."""
    pop = read_source(args.report, args.params)
    if args.to == "brian2":
        return population_brian2_script(pop, source=args.report.name)
    return json.dumps(population_nest(pop), indent=2) + "\n"


def _export_nir(args) -> int:
    if args.out is None:
        raise ExportError("--to nir writes a binary HDF5 file: give --out FILE.nir")
    if args.normalize is None and args.dt is not None:
        raise ExportError("--dt is for --normalize snntorch (physical units need no step)")
    pop = read_source(args.report, args.params, _parse_set(args.set))
    warning = (None if args.report.suffix.lower() == ".csv" or args.report.is_dir()
               else saturation_warning(args.report, args.params))
    write_nir(pop, args.out, normalize=args.normalize, dt=args.dt)
    if warning:  # as for brian2 / nest: NIR's LIF node has no saturating leak either
        print(f"lifspice: warning: {warning}", file=sys.stderr)
    print(f"wrote {args.out} ({pop.n} neuron{'s' if pop.n > 1 else ''}"
          + (f", normalised for {args.normalize} at dt {args.dt:g} s" if args.normalize
             else ", SI units") + "; t_ref in the LIF node's metadata)")
    return 0


def cmd_export(args) -> int:

    try:
        if args.to == "nir":
            return _export_nir(args)
        if args.normalize is not None:
            raise ExportError("--normalize is for --to nir")
        if args.report.is_dir():
            text = _population_text(args)
        else:
            text = export(args.report, args.to, which=args.params,
                          defaults=_parse_set(args.set))
        warning = (None if args.report.suffix.lower() == ".csv" or args.report.is_dir()
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
        "export", help="write a fitted neuron or a population (Monte Carlo folder, CSV) as a "
        "Brian2 script, a NEST parameter set or a NIR graph",
        description="Turn report.json's fitted LIF (or a CSV table with one neuron per row, "
        "e.g. a Monte Carlo samples.csv; columns c_mem/g_leak/v_rest/v_th/v_reset/t_ref or "
        "report-style names such as v_th_V, tau_m_s) into a runnable Brian2 script (numpy "
        "target), a NEST iaf_psc_delta parameter set (JSON; mV, ms, pF, pA) or a NIR graph "
        "(HDF5, read by snnTorch, Norse, Sinabs, Rockpool, Spyx, Nengo, Lava-DL ...). A "
        "Monte Carlo folder gives one neuron per sample (its fitted LIF; --params measured: "
        "its measured values, with a saturating leak where the design has one).")
    p.add_argument("report", type=Path, help="report.json, a Monte Carlo folder (one neuron "
                   "per sample: its fitted LIF) or a population .csv")
    p.add_argument("--to", choices=("brian2", "nest", "nir"), required=True,
                   help="target: a Brian2 script, NEST parameters (JSON) or a NIR graph "
                        "(HDF5; SI units, t_ref and the kit's knowledge in the LIF node's "
                        "metadata)")
    p.add_argument("--normalize", choices=NORMALIZE, default=None,
                   help="--to nir: write the graph in the units snnTorch's importer reads "
                        "as intended (needs --dt)")
    p.add_argument("--dt", type=float, default=None,
                   help="--normalize snntorch: the simulation time step, s (beta = 1 - "
                        "dt/tau_m)")
    p.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    p.add_argument("--params", choices=("fit", "measured"), default="fit",
                   help="report.json: the fitted ideal LIF (default) or the measured values "
                        "(C, g_m: the circuit's own tau_m). A design whose leak saturates "
                        "(sky130, gf180) gets a warning with the fit: no target has a "
                        "saturating leak")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="value (SI) for a parameter missing from the table, e.g. "
                        "--set v_rest=0.2 (repeatable)")
    p.set_defaults(handler=cmd_export)
