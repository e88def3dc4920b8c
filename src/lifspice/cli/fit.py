"""``lifspice fit``: fit measured silicon (F-I tables, spike times, membrane traces), and
hold it against a design and a Monte Carlo folder.

Only argparse at module level (the parser is built for every command).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from lifspice.api import fit_measurements
from lifspice.cli.options import WORKERS_HINT, whole_number
from lifspice.cli.progress import progress_printer

EPILOG = """\
DATA columns (SI units in the names; CSV, NPZ or Parquet; optional `neuron`, `die`):
  F-I table      i_A, f_Hz [, f_std_Hz | n_spikes]
  spike times    i_A, t_s        (one row per spike; empty t_s: a silent current)
  trace          t_s, v_V [, i_A] (or --current)

examples:
  lifspice fit chip.csv --out out/chip
  lifspice fit fi.csv trace.csv --design behavioral --montecarlo out/mc --out out/chip
"""


def _current(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (give A, e.g. 1e-10)") \
            from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def register(sub) -> None:
    p = sub.add_parser(
        "fit", help="fit measured neurons (F-I, spike times, traces) with uncertainties",
        description="Fit the ideal and saturating-leak LIF to measured neurons with standard "
        "errors and 95 % intervals (Wald and bootstrap), choose the model by AICc; with "
        "--design simulate the same currents and attribute the difference to a parameter; "
        "with --montecarlo test the population against the Monte Carlo. Writes fit.json, "
        "neurons.csv, points.csv, population.csv and plots into --out.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="+", type=Path, metavar="DATA",
                   help="measurement files (CSV, NPZ, Parquet)")
    p.add_argument("--design", default=None,
                   help="design file or shipped design name to simulate at the same currents")
    p.add_argument("--montecarlo", type=Path, default=None, metavar="MC_DIR",
                   help="folder of a finished `lifspice montecarlo` run of the design")
    p.add_argument("--model", choices=("auto", "ideal", "saturating"), default="auto",
                   help="LIF model (default auto: chosen by AICc, the reason printed)")
    p.add_argument("--current", type=_current, default=None,
                   help="input current (A) of traces that have no i_A column")
    p.add_argument("--bootstrap", type=whole_number(0), default=200, metavar="N",
                   help="bootstrap draws per neuron (default 200; 0: none)")
    p.add_argument("--seed", type=whole_number(0), default=0, help="bootstrap seed")
    p.add_argument("--workers", type=whole_number(1, WORKERS_HINT), default=1,
                   help="ngspice processes for the design's F-I curve (default 1)")
    p.add_argument("--out", type=Path, default=Path("out/fit"), help="output folder")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.set_defaults(handler=cmd_fit)


def cmd_fit(args) -> int:
    result = fit_measurements(args.data, design=args.design, montecarlo=args.montecarlo,
                              model=args.model, current=args.current, n_boot=args.bootstrap,
                              seed=args.seed, workers=args.workers,
                              progress=progress_printer() if args.design else None)
    result.save(args.out, plots=not args.no_plots)
    print(result.summary())
    for n in result.neurons:
        for note in n.notes:
            print(f"  note ({n.label}): {note}")
    print(f"\nwrote {args.out / 'fit.json'}, neurons.csv, points.csv"
          + (", population.csv" if result.population is not None else "")
          + ("" if args.no_plots else ", plots"))
    return 0
